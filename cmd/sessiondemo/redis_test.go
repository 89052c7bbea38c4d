package main

import (
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
)

// TestRedisEngine runs the demo with --engine redis on the shared
// redis-server: a login lands under Django's cache key, pickled, with a
// TTL, and opens the private page.
func TestRedisEngine(t *testing.T) {
	addr := testservers.Require(t, testservers.EnvRedisAddr)
	for _, dsn := range []string{addr, "redis://" + addr + "/0"} {
		t.Run("--dsn "+dsn, func(t *testing.T) {
			d := newDemo(t, config{Engine: "redis", DSN: dsn})
			c := d.client()
			if r := d.login(c, "alice", "wonderland", ""); r.status != 302 {
				t.Fatalf("login: %d", r.status)
			}
			key := sessionCookie(t, c, d.ts.URL)
			rc := goredis.NewClient(&goredis.Options{Addr: addr})
			defer rc.Close()
			redisKey := ":1:django.contrib.sessions.cache" + key
			data, err := rc.Get(t.Context(), redisKey).Bytes()
			if err != nil || len(data) < 2 || data[0] != 0x80 {
				t.Fatalf("GET %s = %q, %v; want a pickle", redisKey, data, err)
			}
			if ttl := rc.PTTL(t.Context(), redisKey).Val(); ttl <= 0 {
				t.Errorf("the session has no TTL: %v", ttl)
			}
			if r := d.do(c, "GET", "/private/", nil); r.status != 200 || !strings.Contains(r.body, "alice") {
				t.Errorf("/private/ after the login: %d", r.status)
			}
		})
	}
	t.Run("a Redis that does not answer is an error at start", func(t *testing.T) {
		_, err := newServer(t.Context(), config{Engine: "redis", DSN: "127.0.0.1:1", SecretKey: []byte(testKey), Logger: quietLogger()})
		if err == nil || !strings.Contains(err.Error(), "Redis") {
			t.Errorf("newServer = %v, want an error about Redis", err)
		}
	})
}
