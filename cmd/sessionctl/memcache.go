package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/djsession/djsession/cmd/internal/cacheconn"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cacheddb"
	memcachestore "github.com/djsession/djsession/store/memcache"
)

// isMemcache reports whether o names Django's cache engine on memcached.
func isMemcache(o *opts) bool {
	return strings.EqualFold(strings.TrimSpace(o.engine), "memcache")
}

// isCachedDB reports whether o names Django's cached_db engine.
func isCachedDB(o *opts) bool {
	e := strings.ToLower(strings.TrimSpace(o.engine))
	return e == "cached_db" || e == "cached-db"
}

// openMemcache returns the memcached store of o. On failure it has printed
// the message and returns the exit code.
func openMemcache(cmd string, o *opts, stderr io.Writer) (*memcachestore.Store, func(), int) {
	c, err := cacheconn.MemcacheClient(o.dsn, 2*time.Second)
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
	dbOpts.engine = cacheconn.SQLEngine(o.dsn)
	db, code := openStore(ctx, cmd, &dbOpts, false, stderr)
	if db == nil {
		return nil, nil, code
	}
	cache, closeFn, err := cacheconn.RawCache(o.cache)
	if err != nil {
		closeStore(db)
		return nil, nil, usageError(stderr, cmd, err.Error())
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
