package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	redisstore "github.com/djsession/djsession/store/redis"
)

// defaultRedisAddr is where --engine redis looks without --dsn.
const defaultRedisAddr = "127.0.0.1:6379"

// isRedis reports whether o names the Redis engine.
func isRedis(o *opts) bool {
	return strings.EqualFold(strings.TrimSpace(o.engine), "redis")
}

// redisClient builds the client of --dsn: host:port, or a redis:// or
// rediss:// URL (with a password and a database number).
func redisClient(dsn string) (*goredis.Client, error) {
	if dsn == "" {
		dsn = defaultRedisAddr
	}
	opt := &goredis.Options{Addr: dsn}
	if strings.Contains(dsn, "://") {
		var err error
		if opt, err = goredis.ParseURL(dsn); err != nil {
			return nil, err
		}
	}
	opt.ContextTimeoutEnabled = true
	return goredis.NewClient(opt), nil
}

// openRedis connects to the Redis of o and returns the store and the
// function that closes its client. On failure it has printed the message
// and returns the exit code.
func openRedis(ctx context.Context, cmd string, o *opts, stderr io.Writer) (*redisstore.Store, func(), int) {
	client, err := redisClient(o.dsn)
	if err != nil {
		return nil, nil, usageError(stderr, cmd, fmt.Sprintf("--dsn %q: %v", o.dsn, err))
	}
	st, err := redisstore.New(client, redisstore.Options{KeyPrefix: o.keyPrefix, Version: o.cacheVersion, LoadExpiry: true})
	if err != nil {
		client.Close()
		return nil, nil, usageError(stderr, cmd, err.Error())
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		client.Close()
		fmt.Fprintf(stderr, "sessionctl %s: connecting to Redis: %v\n", cmd, err)
		return nil, nil, exitStoreErr
	}
	return st, func() { client.Close() }, exitOK
}

// redisCodec is the codec --codec names: the pickle codec of Django's
// cache engine by default.
func redisCodec(o *opts) (session.Codec, error) {
	switch strings.ToLower(strings.TrimSpace(o.codec)) {
	case "", "pickle":
		return pickle.Codec{}, nil
	case "json":
		return session.JSONCodec{}, nil
	case "django", "signed":
		return nil, nil // the Manager's default, Django's signed format
	}
	return nil, fmt.Errorf("--codec %q: use pickle, json or django", o.codec)
}
