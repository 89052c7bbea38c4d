package main

import (
	"context"
	"strings"
	"testing"

	gomemcache "github.com/bradfitz/gomemcache/memcache"
	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
)

// TestMemcacheEngine runs the demo with --engine memcache on the shared
// memcached: a login lands under Django's cache key, pickled with
// pymemcache's FLAG_PICKLE, and opens the private page.
func TestMemcacheEngine(t *testing.T) {
	addr := testservers.Require(t, testservers.EnvMemcacheAddr)
	d := newDemo(t, config{Engine: "memcache", DSN: addr})
	c := d.client()
	if r := d.login(c, "alice", "wonderland", ""); r.status != 302 {
		t.Fatalf("login: %d", r.status)
	}
	key := sessionCookie(t, c, d.ts.URL)
	mc := gomemcache.New(addr)
	it, err := mc.Get(":1:django.contrib.sessions.cache" + key)
	if err != nil || it.Flags != 1 || len(it.Value) < 2 || it.Value[0] != 0x80 {
		t.Fatalf("the session's item = %v, %v; want a pickle with flags 1", it, err)
	}
	if r := d.do(c, "GET", "/private/", nil); r.status != 200 || !strings.Contains(r.body, "alice") || !strings.Contains(r.body, "PyMemcacheCache") {
		t.Errorf("/private/ after the login: %d (and the footer names the engine)", r.status)
	}
	t.Run("a memcached that does not answer is an error at start", func(t *testing.T) {
		_, err := newServer(t.Context(), config{Engine: "memcache", DSN: "127.0.0.1:1", SecretKey: []byte(testKey), Logger: quietLogger()})
		if err == nil || !strings.Contains(err.Error(), "memcached") {
			t.Errorf("newServer = %v, want an error about memcached", err)
		}
	})
}

// TestCachedDBEngine runs the demo with --engine cached_db on SQLite, with
// memcached and then Redis as the cache: a login is in the database and in
// the cache, and the private page opens.
func TestCachedDBEngine(t *testing.T) {
	mcAddr := testservers.Require(t, testservers.EnvMemcacheAddr)
	redisAddr := testservers.Require(t, testservers.EnvRedisAddr)
	for _, tc := range []struct {
		cache string
		has   func(key string) bool
	}{
		{"memcache://" + mcAddr, func(key string) bool { _, err := gomemcache.New(mcAddr).Get(key); return err == nil }},
		{"redis://" + redisAddr + "/0", func(key string) bool {
			rc := goredis.NewClient(&goredis.Options{Addr: redisAddr})
			defer rc.Close()
			return rc.Exists(context.Background(), key).Val() == 1
		}},
	} {
		t.Run("--cache "+tc.cache, func(t *testing.T) {
			d := newDemo(t, config{Engine: "cached_db", Cache: tc.cache})
			c := d.client()
			if r := d.login(c, "alice", "wonderland", ""); r.status != 302 {
				t.Fatalf("login: %d", r.status)
			}
			key := sessionCookie(t, c, d.ts.URL)
			if !tc.has(":1:django.contrib.sessions.cached_db" + key) {
				t.Error("the session is not in the cache")
			}
			if r := d.do(c, "GET", "/private/", nil); r.status != 200 || !strings.Contains(r.body, "alice") {
				t.Errorf("/private/ after the login: %d", r.status)
			}
			d.do(c, "POST", "/accounts/logout/", nil)
			if r := d.do(c, "GET", "/private/", nil); r.status != 302 {
				t.Errorf("/private/ after the logout: %d, want the redirect to the login", r.status)
			}
			if tc.has(":1:django.contrib.sessions.cached_db" + key) {
				t.Error("the logout left the session in the cache")
			}
		})
	}
	t.Run("a cache that does not answer is no error: the database serves", func(t *testing.T) {
		d := newDemo(t, config{Engine: "cached_db", Cache: "memcache://127.0.0.1:1"})
		c := d.client()
		if r := d.login(c, "alice", "wonderland", ""); r.status != 302 {
			t.Fatalf("login without a cache: %d", r.status)
		}
		if r := d.do(c, "GET", "/private/", nil); r.status != 200 || !strings.Contains(r.body, "alice") {
			t.Errorf("/private/ without a cache: %d", r.status)
		}
	})
}
