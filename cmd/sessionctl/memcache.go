package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"
	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cacheddb"
	memcachestore "github.com/djsession/djsession/store/memcache"
	redisstore "github.com/djsession/djsession/store/redis"
)

// defaultMemcacheAddr is where --engine memcache, and cached_db's cache,
// look without an address.
const defaultMemcacheAddr = "127.0.0.1:11211"

// isMemcache reports whether o names Django's cache engine on memcached.
func isMemcache(o *opts) bool {
	return strings.EqualFold(strings.TrimSpace(o.engine), "memcache")
}

// isCachedDB reports whether o names Django's cached_db engine.
func isCachedDB(o *opts) bool {
	e := strings.ToLower(strings.TrimSpace(o.engine))
	return e == "cached_db" || e == "cached-db"
}

// cachedDBDatabase is the SQL engine of cached_db's --dsn: postgres for a
// postgres:// URL, mysql for a go-sql-driver DSN, sqlite otherwise.
func cachedDBDatabase(dsn string) string {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres"
	case strings.Contains(dsn, "@tcp("), strings.Contains(dsn, "@unix("):
		return "mysql"
	}
	return "sqlite"
}

// memcacheClient connects to servers (host:port[,host:port...], Django's
// LOCATION) with keys placed as pymemcache places them.
func memcacheClient(servers string, timeout time.Duration) (*gomemcache.Client, error) {
	if servers == "" {
		servers = defaultMemcacheAddr
	}
	sel, err := memcachestore.NewRendezvous(strings.Split(servers, ",")...)
	if err != nil {
		return nil, err
	}
	c := gomemcache.NewFromSelector(sel)
	c.Timeout = timeout
	return c, nil
}

// openMemcache returns the memcached store of o. On failure it has printed
// the message and returns the exit code.
func openMemcache(cmd string, o *opts, stderr io.Writer) (*memcachestore.Store, func(), int) {
	c, err := memcacheClient(o.dsn, 2*time.Second)
	if err != nil {
		return nil, nil, usageError(stderr, cmd, fmt.Sprintf("--dsn %q: %v", o.dsn, err))
	}
	st, err := memcachestore.New(c, memcachestore.Options{KeyPrefix: o.keyPrefix, Version: o.cacheVersion,
		ReportLoadErrors: true, Logger: quiet})
	if err != nil {
		c.Close()
		return nil, nil, usageError(stderr, cmd, err.Error())
	}
	if err := c.Ping(); err != nil {
		c.Close()
		fmt.Fprintf(stderr, "sessionctl %s: connecting to memcached: %v\n", cmd, err)
		return nil, nil, exitStoreErr
	}
	return st, func() { c.Close() }, exitOK
}

// openCachedDB returns cached_db on the database of --dsn and the cache of
// --cache (memcache://host:port[,host:port...], host:port, or
// redis://host:port/db). On failure it has printed the message and returns
// the exit code.
func openCachedDB(ctx context.Context, cmd string, o *opts, secret []byte, fallbacks [][]byte, stderr io.Writer) (*cacheddb.Store, func(), int) {
	dbOpts := *o
	dbOpts.engine = cachedDBDatabase(o.dsn)
	db, code := openStore(ctx, cmd, &dbOpts, false, stderr)
	if db == nil {
		return nil, nil, code
	}
	var (
		cache   cacheddb.Cache
		closeFn func() error
		err     error
	)
	if strings.HasPrefix(o.cache, "redis://") || strings.HasPrefix(o.cache, "rediss://") {
		var client *goredis.Client
		if client, err = redisClient(o.cache); err == nil {
			closeFn = client.Close
			cache, err = redisstore.NewRawCache(client)
		}
	} else {
		var c *gomemcache.Client
		if c, err = memcacheClient(strings.TrimPrefix(o.cache, "memcache://"), cacheddb.DefaultCacheTimeout); err == nil {
			closeFn = c.Close
			cache, err = memcachestore.NewRawCache(c)
		}
	}
	if err != nil {
		closeStore(db)
		return nil, nil, usageError(stderr, cmd, fmt.Sprintf("--cache %q: %v", o.cache, err))
	}
	st, err := cacheddb.New(db, cache, cacheddb.Options{
		DBCodec:   session.NewDjangoCodec(secret, fallbacks, nil),
		KeyPrefix: o.keyPrefix, Version: o.cacheVersion, Logger: quiet,
	})
	if err != nil {
		closeFn()
		closeStore(db)
		return nil, nil, usageError(stderr, cmd, err.Error())
	}
	return st, func() { closeFn(); closeStore(db) }, exitOK
}
