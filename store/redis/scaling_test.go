package redis_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	redisstore "github.com/djsession/djsession/store/redis"
)

// The figures of the scaling note in docs/architecture.md: what one
// session costs in a Redis shard's memory, and how many sessions per
// second one shard serves.

// typicalSession is a logged-in Django session as the cache engine
// pickles it: the three keys django.contrib.auth writes at login (the
// password hash's HMAC is 64 hex digits in Django 3.2) and a small value
// of the site's own.
func typicalSession(tb testing.TB) []byte {
	tb.Helper()
	data, err := pickle.Codec{}.Encode(map[string]any{
		"_auth_user_id":      "48213",
		"_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
		"_auth_user_hash":    strings.Repeat("9f", 32),
		"cart":               []any{"sku-1042", "sku-77"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// startOwnRedis starts a redis-server of the test's own (no persistence)
// and a client of it.
func startOwnRedis(tb testing.TB, opts *goredis.Options) (*testservers.Server, *goredis.Client) {
	tb.Helper()
	testservers.Require(tb, testservers.EnvRedisAddr) // the full command has redis-server
	srv, err := testservers.StartRedis(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	opts.Addr, opts.ContextTimeoutEnabled = srv.Addr, true
	c := goredis.NewClient(opts)
	tb.Cleanup(func() { c.Close() })
	return srv, c
}

// TestMemoryPerSession stores 20,000 typical sessions with their TTL and
// reports what each costs the server: MEMORY USAGE of one key, and the
// growth of used_memory divided by the number of sessions (which also
// counts the entry in the expires table and the allocator's rounding).
func TestMemoryPerSession(t *testing.T) {
	_, c := startOwnRedis(t, &goredis.Options{})
	ctx := t.Context()
	st := newStore(t, c, redisstore.Options{})
	data := typicalSession(t)
	used := func() int {
		info, err := c.Info(ctx, "memory").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
		t.Fatal("no used_memory in INFO memory")
		return 0
	}
	const n = 20000
	before := used()
	var first string
	for i := 0; i < n; i += 500 {
		pipe := c.Pipeline()
		for range 500 {
			key := session.NewKey()
			if first == "" {
				first = key
			}
			pipe.SetArgs(ctx, st.Key(key), data, goredis.SetArgs{Mode: "NX", ExpireAt: time.Now().Add(2 * time.Hour)})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	perSession := float64(used()-before) / n
	usage, err := c.MemoryUsage(ctx, st.Key(first), 0).Result()
	if err != nil {
		t.Fatal(err)
	}
	// The same through the store, to be sure the pipeline wrote what a
	// session save writes.
	if err := st.Save(ctx, first+"x", data, time.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	again, err := c.MemoryUsage(ctx, st.Key(first+"x"), 0).Result()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a typical session: %d bytes of pickle under a %d-byte key; MEMORY USAGE %d bytes (%d through Save); used_memory grows %.0f bytes per session",
		len(data), len(st.Key(first)), usage, again, perSession)
	if usage < int64(len(data)) || usage > 4096 || perSession < float64(len(data)) || perSession > 4096 {
		t.Errorf("MEMORY USAGE %d, %.0f bytes per session: not what a %d-byte record costs", usage, perSession, len(data))
	}
}

// BenchmarkShard measures how many sessions per second one redis-server
// serves through the store, for each kind of request, with 32 concurrent
// callers: the client and the server share this machine, so on a
// machine of the server's own a shard serves more.
func BenchmarkShard(b *testing.B) {
	_, c := startOwnRedis(b, &goredis.Options{PoolSize: 64})
	st := newStore(b, c, redisstore.Options{})
	data := typicalSession(b)
	exp := time.Now().Add(time.Hour)
	ctx := context.Background()
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = session.NewKey()
		if err := st.Save(ctx, keys[i], data, exp, true); err != nil {
			b.Fatal(err)
		}
	}
	for _, kind := range []struct {
		name string
		call func(i int) error
	}{
		{"new (SET NX)", func(int) error { return st.Save(ctx, session.NewKey(), data, exp, true) }},
		{"read-only (GET)", func(i int) error { _, _, _, err := st.Load(ctx, keys[i%len(keys)]); return err }},
		{"modify (GET, SET XX)", func(i int) error {
			k := keys[i%len(keys)]
			if _, _, _, err := st.Load(ctx, k); err != nil {
				return err
			}
			return st.Save(ctx, k, data, exp, false)
		}},
	} {
		b.Run(kind.name, func(b *testing.B) {
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if err := kind.call(i); err != nil {
						b.Error(err)
						return
					}
					i += 7
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
		})
	}
}
