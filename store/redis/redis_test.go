package redis_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/storetest"
	redisstore "github.com/djsession/djsession/store/redis"
)

// sharedClient returns a client of the test command's redis-server, which
// serves other packages at the same time: every test keeps to keys of its
// own (a KeyPrefix made for it).
func sharedClient(t testing.TB) *goredis.Client {
	t.Helper()
	addr := testservers.Require(t, testservers.EnvRedisAddr)
	c := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	return c
}

var prefixes atomic.Int64

// uniquePrefix is a KeyPrefix no other test uses.
func uniquePrefix(t testing.TB) string {
	return "djsession-test-" + strings.ReplaceAll(t.Name(), "/", ".") + "-" +
		time.Now().Format("150405.000000") + "-" + string(rune('a'+prefixes.Add(1)%26))
}

func newStore(t testing.TB, c goredis.UniversalClient, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	c := sharedClient(t)
	for _, tc := range []struct {
		name       string
		loadExpiry bool
	}{{"Load with GET alone", false}, {"Load with GET and PTTL (LoadExpiry)", true}} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.RunWithOptions(t, func(t *testing.T) session.Store {
				return newStore(t, c, redisstore.Options{KeyPrefix: uniquePrefix(t), LoadExpiry: tc.loadExpiry})
			}, storetest.Options{
				// PTTL has milliseconds; the expiry Load reports is the local
				// clock plus the TTL, so it moves by the time the answer took.
				ExpiryGranularity:  25 * time.Millisecond,
				ClearExpiredIsNoop: true,
				LoadHasNoExpiry:    !tc.loadExpiry,
			})
		})
	}
}

func TestKeysAreDjangoCacheKeys(t *testing.T) {
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer c.Close()
	for _, tc := range []struct {
		name string
		opts redisstore.Options
		want string
	}{
		{"Django's defaults", redisstore.Options{}, ":1:django.contrib.sessions.cacheabc"},
		{"a KEY_PREFIX", redisstore.Options{KeyPrefix: "site"}, "site:1:django.contrib.sessions.cacheabc"},
		{"a VERSION", redisstore.Options{Version: 7}, ":7:django.contrib.sessions.cacheabc"},
		{"both", redisstore.Options{KeyPrefix: "a:b", Version: 2}, "a:b:2:django.contrib.sessions.cacheabc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := newStore(t, c, tc.opts).Key("abc"); got != tc.want {
				t.Errorf("Key = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	off := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer off.Close()
	offCluster := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	defer offCluster.Close()
	on := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer on.Close()
	for _, tc := range []struct {
		name   string
		client goredis.UniversalClient
		opts   redisstore.Options
	}{
		{"a nil client", nil, redisstore.Options{}},
		{"a client without ContextTimeoutEnabled", off, redisstore.Options{}},
		{"a cluster client without ContextTimeoutEnabled", offCluster, redisstore.Options{}},
		{"a negative version", on, redisstore.Options{Version: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := redisstore.New(tc.client, tc.opts); !errors.Is(err, redisstore.ErrConfig) {
				t.Errorf("New = %v, want ErrConfig", err)
			}
		})
	}
	t.Run("AllowContextTimeoutOff accepts a client without ContextTimeoutEnabled", func(t *testing.T) {
		if _, err := redisstore.New(off, redisstore.Options{AllowContextTimeoutOff: true}); err != nil {
			t.Errorf("New = %v", err)
		}
	})
}

// TestExpiryIsTheServersTTL checks the key and its TTL on the server, as
// Django's cache engine would find them.
func TestExpiryIsTheServersTTL(t *testing.T) {
	c := sharedClient(t)
	st := newStore(t, c, redisstore.Options{KeyPrefix: uniquePrefix(t), Version: 3, LoadExpiry: true})
	ctx := t.Context()
	key := session.NewKey()
	exp := time.Now().Add(90 * time.Minute)
	if err := st.Save(ctx, key, []byte("data"), exp, true); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, st.Key(key)).Result()
	if err != nil || got != "data" {
		t.Fatalf("GET %s = %q, %v", st.Key(key), got, err)
	}
	pttl, err := c.PTTL(ctx, st.Key(key)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(exp) - pttl; d < -10*time.Millisecond || d > time.Second {
		t.Errorf("PTTL = %v, want about %v", pttl, time.Until(exp))
	}
	// A record written without a TTL (by hand) is found, with no expiry.
	if err := c.Set(ctx, st.Key("persistentkey12345678"), "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	data, e, found, err := st.Load(ctx, "persistentkey12345678")
	if err != nil || !found || string(data) != "x" || !e.IsZero() {
		t.Errorf("Load of a key without TTL = %q, %v, %v, %v; want found with a zero expiry", data, e, found, err)
	}
	c.Del(ctx, st.Key("persistentkey12345678"))
}

// TestDeadlineOfAServerThatHangs runs the store on a redis-server of its
// own, then freezes it (SIGSTOP): with ContextTimeoutEnabled every call
// returns at the context's deadline, not the client's 5 s timeouts.
func TestDeadlineOfAServerThatHangs(t *testing.T) {
	testservers.Require(t, testservers.EnvRedisAddr)
	srv, err := testservers.StartRedis(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	defer c.Close()
	st := newStore(t, c, redisstore.Options{})
	key := session.NewKey()
	if err := st.Save(t.Context(), key, []byte("x"), time.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	defer srv.Resume()
	for _, tc := range []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Load", func(ctx context.Context) error { _, _, _, err := st.Load(ctx, key); return err }},
		{"Save", func(ctx context.Context) error {
			return st.Save(ctx, key, []byte("y"), time.Now().Add(time.Hour), false)
		}},
		{"Delete", func(ctx context.Context) error { return st.Delete(ctx, key) }},
	} {
		t.Run(tc.name+" returns at the deadline", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := tc.call(ctx)
			if took := time.Since(start); err == nil || took > 2*time.Second {
				t.Errorf("%s on a frozen server = %v after %v, want an error at about 200ms", tc.name, err, took)
			}
		})
	}
}
