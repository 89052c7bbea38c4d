package memcache

import (
	"context"
	"errors"
	"fmt"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/store/cacheddb"
)

// RawCache is a cacheddb.Cache on memcached, as Django's PyMemcacheCache
// keeps values: a pickle with pymemcache's FlagPickle, and the expiry as
// Exptime makes it. Keys are used as given (cacheddb applies Django's key
// function) and checked with CheckKey.
//
// gomemcache takes no context: every call checks its context first and is
// then bounded by the client's Timeout, which should be cacheddb's
// CacheTimeout (100 ms by default), so that a frozen server costs that
// much once before the breaker opens.
type RawCache struct {
	client *gomemcache.Client
	now    func() time.Time
}

var _ cacheddb.Cache = (*RawCache)(nil)

// NewRawCache returns a RawCache on client, which the caller builds and
// closes. The error matches ErrConfig for a nil client.
func NewRawCache(client *gomemcache.Client) (*RawCache, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: the client is nil", ErrConfig)
	}
	return &RawCache{client: client, now: time.Now}, nil
}

// Get returns the item's value. An item whose flags are not bytes or a
// pickle (not what a session engine writes) is reported as missing, as
// pymemcache reports a value it cannot unpickle.
func (c *RawCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("memcache cache: get: %w", err)
	}
	if err := CheckKey(key); err != nil {
		return nil, false, fmt.Errorf("memcache cache: get: %w", err)
	}
	it, err := c.client.Get(key)
	switch {
	case errors.Is(err, gomemcache.ErrCacheMiss):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("memcache cache: get: %w", err)
	}
	v, err := DecodeValue(it.Value, it.Flags)
	if err != nil {
		return nil, false, nil
	}
	return v, true, nil
}

// Set stores value (set) for ttl, converted to memcached's exptime. A
// value too large for a memcached item (DefaultMaxItemSize) is not sent:
// the key is deleted instead, as Django's memcached backend does when a
// set fails, so that no older copy stays; the database has the session.
func (c *RawCache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcache cache: set: %w", err)
	}
	if err := CheckKey(key); err != nil {
		return fmt.Errorf("memcache cache: set: %w", err)
	}
	if len(key)+len(value)+itemOverhead > DefaultMaxItemSize {
		return c.Delete(ctx, key)
	}
	now := c.now()
	it := &gomemcache.Item{Key: key, Value: value, Flags: EncodeFlags(value), Expiration: Exptime(now.Add(ttl), now)}
	if err := c.client.Set(it); err != nil {
		return fmt.Errorf("memcache cache: set: %w", err)
	}
	return nil
}

// Delete removes the item. Deleting a missing key is not an error.
func (c *RawCache) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcache cache: delete: %w", err)
	}
	if err := CheckKey(key); err != nil {
		return fmt.Errorf("memcache cache: delete: %w", err)
	}
	if err := c.client.Delete(key); err != nil && !errors.Is(err, gomemcache.ErrCacheMiss) {
		return fmt.Errorf("memcache cache: delete: %w", err)
	}
	return nil
}
