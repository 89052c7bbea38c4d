package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"
	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cacheddb"
	memcachestore "github.com/djsession/djsession/store/memcache"
	redisstore "github.com/djsession/djsession/store/redis"
)

// defaultMemcache is where --engine memcache and cached_db's cache look
// without an address.
const defaultMemcache = "127.0.0.1:11211"

// memcacheClient connects to servers, a comma-separated list in Django's
// LOCATION form, with keys placed as pymemcache places them.
func memcacheClient(servers string, timeout time.Duration) (*gomemcache.Client, error) {
	if servers == "" {
		servers = defaultMemcache
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

// openMemcache returns the store on the memcached servers of --dsn
// (host:port[,host:port...], default 127.0.0.1:11211), Django's cache
// engine with Django's cache keys.
func (s *server) openMemcache() (session.Store, error) {
	c, err := memcacheClient(s.cfg.DSN, 500*time.Millisecond)
	if err != nil {
		return nil, fmt.Errorf("sessiondemo: --dsn %q: %w", s.cfg.DSN, err)
	}
	s.closers = append(s.closers, c.Close)
	if err := c.Ping(); err != nil {
		return nil, fmt.Errorf("sessiondemo: connecting to memcached at %s: %w", s.cfg.DSN, err)
	}
	st, err := memcachestore.New(c, memcachestore.Options{Logger: s.cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("sessiondemo: %w", err)
	}
	return st, nil
}

// databaseEngine names the SQL engine of a cached_db --dsn: postgres for a
// postgres:// URL, mysql for a go-sql-driver DSN, sqlite for anything else
// (a file, default <data-dir>/sessions.sqlite3).
func databaseEngine(dsn string) string {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres"
	case strings.Contains(dsn, "@tcp("), strings.Contains(dsn, "@unix("):
		return "mysql"
	}
	return "sqlite"
}

// openCachedDB returns Django's cached_db engine: the database of --dsn
// (opened as that engine would be, with its table) behind the cache of
// --cache: memcache://host:port[,host:port...] (or host:port alone) or
// redis://host:port/db; default memcache://127.0.0.1:11211.
func (s *server) openCachedDB(ctx context.Context) (session.Store, error) {
	engine := s.cfg.Engine
	s.cfg.Engine = databaseEngine(s.cfg.DSN)
	db, err := s.openStore(ctx)
	s.cfg.Engine = engine
	if err != nil {
		return nil, err
	}
	cache, err := s.openRawCache(ctx)
	if err != nil {
		return nil, err
	}
	st, err := cacheddb.New(db, cache, cacheddb.Options{
		DBCodec: session.NewDjangoCodec(s.cfg.SecretKey, nil, nil),
		Logger:  s.cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("sessiondemo: %w", err)
	}
	return st, nil
}

// openRawCache connects to the cache of --cache. A cache that does not
// answer is not an error: cached_db serves from the database meanwhile.
func (s *server) openRawCache(ctx context.Context) (cacheddb.Cache, error) {
	addr := s.cfg.Cache
	switch {
	case strings.HasPrefix(addr, "redis://"), strings.HasPrefix(addr, "rediss://"):
		opt, err := goredis.ParseURL(addr)
		if err != nil {
			return nil, fmt.Errorf("sessiondemo: --cache %q: %w", addr, err)
		}
		opt.ContextTimeoutEnabled = true
		opt.MaxRetries = -1 // the breaker decides; a retry would double a dead cache's cost
		client := goredis.NewClient(opt)
		s.closers = append(s.closers, client.Close)
		return redisstore.NewRawCache(client)
	case addr == "" || strings.HasPrefix(addr, "memcache://") || !strings.Contains(addr, "://"):
		c, err := memcacheClient(strings.TrimPrefix(addr, "memcache://"), cacheddb.DefaultCacheTimeout)
		if err != nil {
			return nil, fmt.Errorf("sessiondemo: --cache %q: %w", addr, err)
		}
		s.closers = append(s.closers, c.Close)
		return memcachestore.NewRawCache(c)
	}
	return nil, errors.New("sessiondemo: --cache takes memcache://host:port[,host:port] or redis://host:port/db")
}

// cacheEngineNote is the footer's note for the memcache and cached_db
// engines ("" for the others).
func cacheEngineNote(engine string) string {
	switch engine {
	case "memcache":
		return "keeps each session in memcached, pickled under Django's cache key with pymemcache's flags, as Django's cache engine on PyMemcacheCache; memcached keeps nothing across a restart"
	case "cached_db":
		return "keeps each session as a row of Django's django_session table (Django's signed JSON format) and a pickled copy in the cache, as Django's cached_db engine; a cache that fails is skipped"
	}
	return ""
}
