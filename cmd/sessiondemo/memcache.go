package main

import (
	"context"
	"fmt"
	"time"

	"github.com/djsession/djsession/cmd/internal/cacheconn"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cacheddb"
	memcachestore "github.com/djsession/djsession/store/memcache"
)

// openMemcache returns the store on the memcached servers of --dsn
// (host:port[,host:port...], default 127.0.0.1:11211), Django's cache
// engine with Django's cache keys.
func (s *server) openMemcache() (session.Store, error) {
	c, err := cacheconn.MemcacheClient(s.cfg.DSN, 500*time.Millisecond)
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

// openCachedDB returns Django's cached_db engine: the database of --dsn
// (opened as that engine would be, with its table) behind the cache of
// --cache: memcache://host:port[,host:port...] (or host:port alone) or
// redis://host:port/db; default memcache://127.0.0.1:11211.
func (s *server) openCachedDB(ctx context.Context) (session.Store, error) {
	engine := s.cfg.Engine
	s.cfg.Engine = cacheconn.SQLEngine(s.cfg.DSN)
	db, err := s.openStore(ctx)
	s.cfg.Engine = engine
	if err != nil {
		return nil, err
	}
	cache, closeCache, err := cacheconn.RawCache(s.cfg.Cache)
	if err != nil {
		return nil, fmt.Errorf("sessiondemo: %w", err)
	}
	s.closers = append(s.closers, closeCache)
	st, err := cacheddb.New(db, cache, cacheddb.Options{
		DBCodec: session.NewDjangoCodec(s.cfg.SecretKey, nil, nil),
		Logger:  s.cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("sessiondemo: %w", err)
	}
	return st, nil
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
