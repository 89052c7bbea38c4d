package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/store/cacheddb"
)

// RawCache is a cacheddb.Cache on Redis, as django-redis keeps values:
// the bytes under the key, with the TTL in milliseconds. Keys are used as
// given (cacheddb applies Django's key function).
type RawCache struct {
	client goredis.UniversalClient
}

var _ cacheddb.Cache = (*RawCache)(nil)

// NewRawCache returns a RawCache on client, which the caller builds and
// closes. cacheddb bounds each call with its context's deadline, so the
// error matches ErrConfig for a nil client and for a client (whose options
// can be read) built without ContextTimeoutEnabled.
func NewRawCache(client goredis.UniversalClient) (*RawCache, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: the client is nil", ErrConfig)
	}
	if enabled, known := contextTimeoutEnabled(client); known && !enabled {
		return nil, fmt.Errorf("%w: the client was built without ContextTimeoutEnabled, so go-redis would ignore "+
			"cacheddb's CacheTimeout", ErrConfig)
	}
	return &RawCache{client: client}, nil
}

// Get returns the value under key (GET).
func (c *RawCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := c.client.Get(ctx, key).Bytes()
	switch {
	case errors.Is(err, goredis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("redis cache: get: %w", err)
	}
	return v, true, nil
}

// Set stores value for ttl (SET with PX).
func (c *RawCache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := c.client.Set(ctx, key, value, max(ttl, time.Millisecond)).Err(); err != nil {
		return fmt.Errorf("redis cache: set: %w", err)
	}
	return nil
}

// Delete removes key (DEL).
func (c *RawCache) Delete(ctx context.Context, key string) error {
	if err := c.client.Del(ctx, key).Err(); err != nil {
		return fmt.Errorf("redis cache: delete: %w", err)
	}
	return nil
}
