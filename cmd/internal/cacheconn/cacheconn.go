// Package cacheconn holds what the two commands (sessiondemo and sessionctl)
// both need to reach the cache engines from their flags: the memcached
// client of a server list, the raw cache of cached_db's --cache, and the
// SQL engine that a cached_db --dsn names.
package cacheconn

import (
	"errors"
	"fmt"
	"strings"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"
	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/store/cacheddb"
	memcachestore "github.com/djsession/djsession/store/memcache"
	redisstore "github.com/djsession/djsession/store/redis"
)

// DefaultMemcache is where a memcached engine looks without an address.
const DefaultMemcache = "127.0.0.1:11211"

// ErrCacheURL is the error of a --cache that names neither memcached nor
// Redis.
var ErrCacheURL = errors.New("--cache takes memcache://host:port[,host:port], host:port[,host:port] or redis://host:port/db")

// MemcacheClient connects to servers, a comma-separated list in Django's
// LOCATION form (DefaultMemcache when empty), with keys placed on the
// servers as pymemcache's HashClient places them.
func MemcacheClient(servers string, timeout time.Duration) (*gomemcache.Client, error) {
	if servers == "" {
		servers = DefaultMemcache
	}
	sel, err := memcachestore.NewRendezvous(strings.Split(servers, ",")...)
	if err != nil {
		return nil, err
	}
	c := gomemcache.NewFromSelector(sel)
	c.Timeout = timeout
	c.MaxIdleConns = 64
	return c, nil
}

// SQLEngine names the SQL engine of a cached_db --dsn: "postgres" for a
// postgres:// URL, "mysql" for a go-sql-driver DSN, "sqlite" for anything
// else (a file).
func SQLEngine(dsn string) string {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres"
	case strings.Contains(dsn, "@tcp("), strings.Contains(dsn, "@unix("):
		return "mysql"
	}
	return "sqlite"
}

// RawCache connects to the cache of cached_db's --cache:
// memcache://host:port[,host:port...] (or the server list alone; empty is
// DefaultMemcache) or redis://host:port/db (rediss:// for TLS). It returns
// the cache and the function that closes its client. The clients time out
// after cacheddb.DefaultCacheTimeout and the Redis one does not retry: the
// store's circuit breaker decides what a failing cache costs. A cache that
// does not answer is not an error here.
func RawCache(addr string) (cacheddb.Cache, func() error, error) {
	switch {
	case strings.HasPrefix(addr, "redis://"), strings.HasPrefix(addr, "rediss://"):
		opt, err := goredis.ParseURL(addr)
		if err != nil {
			return nil, nil, fmt.Errorf("--cache %q: %w", addr, err)
		}
		opt.ContextTimeoutEnabled = true
		opt.MaxRetries = -1
		client := goredis.NewClient(opt)
		cache, err := redisstore.NewRawCache(client)
		if err != nil {
			client.Close()
			return nil, nil, fmt.Errorf("--cache %q: %w", addr, err)
		}
		return cache, client.Close, nil
	case addr == "" || strings.HasPrefix(addr, "memcache://") || !strings.Contains(addr, "://"):
		c, err := MemcacheClient(strings.TrimPrefix(addr, "memcache://"), cacheddb.DefaultCacheTimeout)
		if err != nil {
			return nil, nil, fmt.Errorf("--cache %q: %w", addr, err)
		}
		cache, err := memcachestore.NewRawCache(c)
		if err != nil {
			c.Close()
			return nil, nil, fmt.Errorf("--cache %q: %w", addr, err)
		}
		return cache, c.Close, nil
	}
	return nil, nil, fmt.Errorf("--cache %q: %w", addr, ErrCacheURL)
}
