package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/session"
	redisstore "github.com/djsession/djsession/store/redis"
)

// openRedis connects to the Redis of --dsn (host:port or a redis:// URL)
// and returns the store, with Django's cache keys and defaults.
func (s *server) openRedis(ctx context.Context) (session.Store, error) {
	addr := s.cfg.DSN
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	opt := &goredis.Options{Addr: addr}
	if strings.Contains(addr, "://") {
		var err error
		if opt, err = goredis.ParseURL(addr); err != nil {
			return nil, fmt.Errorf("sessiondemo: --dsn %q: %w", addr, err)
		}
	}
	opt.ContextTimeoutEnabled = true
	client := goredis.NewClient(opt)
	s.closers = append(s.closers, client.Close)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("sessiondemo: connecting to Redis at %s: %w", opt.Addr, err)
	}
	st, err := redisstore.New(client, redisstore.Options{})
	if err != nil {
		return nil, fmt.Errorf("sessiondemo: %w", err)
	}
	return st, nil
}
