package memcache_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/storetest"
	memcachestore "github.com/djsession/djsession/store/memcache"
)

// sharedAddr is the test command's memcached, which serves other packages
// at the same time: every test keeps to keys of its own (a KeyPrefix made
// for it).
func sharedAddr(t testing.TB) string {
	t.Helper()
	return testservers.Require(t, testservers.EnvMemcacheAddr)
}

// ownServer starts a memcached of the test's own (for two-server tests and
// for stopping one).
func ownServer(t testing.TB) *testservers.Server {
	t.Helper()
	sharedAddr(t) // skips under bare go test, as the shared one does
	srv, err := testservers.StartMemcached(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func newClient(t testing.TB, servers ...string) *gomemcache.Client {
	t.Helper()
	sel, err := memcachestore.NewRendezvous(servers...)
	if err != nil {
		t.Fatal(err)
	}
	c := gomemcache.NewFromSelector(sel)
	c.Timeout = 300 * time.Millisecond
	c.MaxIdleConns = 64
	t.Cleanup(func() { c.Close() })
	return c
}

var prefixes atomic.Int64

// uniquePrefix is a KeyPrefix no other test uses (memcached keys: no
// spaces).
func uniquePrefix(t testing.TB) string {
	return "djs-" + strings.NewReplacer("/", ".", " ", "_").Replace(t.Name()) + "-" +
		time.Now().Format("150405.000000") + "-" + string(rune('a'+prefixes.Add(1)%26))
}

func newStore(t testing.TB, c *gomemcache.Client, opts memcachestore.Options) *memcachestore.Store {
	t.Helper()
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = uniquePrefix(t)
	}
	s, err := memcachestore.New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	shared := sharedAddr(t)
	second := ownServer(t)
	for _, tc := range []struct {
		name    string
		servers []string
	}{
		{"one server", []string{shared}},
		{"two servers", []string{shared, second.Addr}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.servers...)
			storetest.RunWithOptions(t, func(t *testing.T) session.Store {
				// Prefixes short enough for the 250-byte key limit.
				return newStore(t, c, memcachestore.Options{KeyPrefix: "djs-conf-" + time.Now().Format("150405.000000") +
					string(rune('a'+prefixes.Add(1)%26))})
			}, storetest.Options{
				// memcached keeps whole seconds, and its clock ticks once a
				// second: an item may outlive its exptime by up to a second
				// more.
				ExpiryGranularity:  2 * time.Second,
				ClearExpiredIsNoop: true,
				LoadHasNoExpiry:    true,
				MaxValueSize:       256 << 10,
			})
		})
	}
}

func TestKeysAreDjangoCacheKeys(t *testing.T) {
	c := gomemcache.New("127.0.0.1:1")
	for _, tc := range []struct {
		name string
		opts memcachestore.Options
		want string
	}{
		{"Django's defaults", memcachestore.Options{KeyPrefix: ""}, ":1:django.contrib.sessions.cacheabc"},
		{"a KEY_PREFIX", memcachestore.Options{KeyPrefix: "site"}, "site:1:django.contrib.sessions.cacheabc"},
		{"a VERSION", memcachestore.Options{KeyPrefix: "", Version: 7}, ":7:django.contrib.sessions.cacheabc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := memcachestore.New(c, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Key("abc"); got != tc.want {
				t.Errorf("Key = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestKeyChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  string
		ok   bool
	}{
		{"a session key", ":1:django.contrib.sessions.cache" + strings.Repeat("a", 32), true},
		{"250 bytes", strings.Repeat("k", 250), true},
		{"251 bytes", strings.Repeat("k", 251), false},
		{"empty", "", false},
		{"a space", "a b", false},
		{"a newline", "a\nb", false},
		{"a NUL", "a\x00b", false},
		{"DEL", "a\x7fb", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := memcachestore.CheckKey(tc.key)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, memcachestore.ErrBadKey)) {
				t.Errorf("CheckKey = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	t.Run("a session key memcached would refuse is an error, and nothing is sent", func(t *testing.T) {
		s := newStore(t, gomemcache.New("127.0.0.1:1"), memcachestore.Options{KeyPrefix: "p"})
		if err := s.Save(t.Context(), "bad key", []byte("x"), time.Now().Add(time.Hour), true); !errors.Is(err, memcachestore.ErrBadKey) {
			t.Errorf("Save = %v, want ErrBadKey", err)
		}
		if _, _, _, err := s.Load(t.Context(), strings.Repeat("k", 250)); !errors.Is(err, memcachestore.ErrBadKey) {
			t.Errorf("Load = %v, want ErrBadKey", err)
		}
	})
}

func TestNewRefuses(t *testing.T) {
	slow := gomemcache.New("127.0.0.1:1")
	slow.Timeout = time.Minute
	ok := gomemcache.New("127.0.0.1:1")
	for _, tc := range []struct {
		name   string
		client *gomemcache.Client
		opts   memcachestore.Options
	}{
		{"a nil client", nil, memcachestore.Options{}},
		{"a negative version", ok, memcachestore.Options{Version: -1}},
		{"a client Timeout above the save timeout", slow, memcachestore.Options{}},
		{"a KEY_PREFIX with a space", ok, memcachestore.Options{KeyPrefix: "my site"}},
		{"a KEY_PREFIX too long for a key", ok, memcachestore.Options{KeyPrefix: strings.Repeat("p", 200)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := memcachestore.New(tc.client, tc.opts); !errors.Is(err, memcachestore.ErrConfig) {
				t.Errorf("New = %v, want ErrConfig", err)
			}
		})
	}
}

func TestExptimeIsDjangosBackendTimeout(t *testing.T) {
	now := time.Unix(1_800_000_000, 250_000_000)
	for _, tc := range []struct {
		name string
		age  time.Duration
		want int32
	}{
		{"two weeks (Django's default) is seconds", 14 * 24 * time.Hour, 1209600},
		{"a fraction rounds up", 1500 * time.Millisecond, 2},
		{"30 days exactly is still seconds", 30 * 24 * time.Hour, 2592000},
		{"60 days is the Unix time of the expiry", 60 * 24 * time.Hour, 1_800_000_000 + 5184000 + 1},
		{"an expiry that has passed expires at once", -time.Second, -1},
		{"now expires at once", 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := memcachestore.Exptime(now.Add(tc.age), now); got != tc.want {
				t.Errorf("Exptime = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestSixtyDaysOnTheServer checks what memcached itself does with a 60-day
// session: with the age in seconds it would be a date in 1970, gone at once.
func TestSixtyDaysOnTheServer(t *testing.T) {
	c := newClient(t, sharedAddr(t))
	s := newStore(t, c, memcachestore.Options{})
	key := session.NewKey()
	if err := s.Save(t.Context(), key, []byte("x"), time.Now().Add(60*24*time.Hour), true); err != nil {
		t.Fatal(err)
	}
	if _, _, found, err := s.Load(t.Context(), key); err != nil || !found {
		t.Fatalf("Load = %v, %v; want found", found, err)
	}
	// What the naive exptime does, for the record: the item is gone.
	raw := &gomemcache.Item{Key: s.Key(key) + "n", Value: []byte("x"), Expiration: 60 * 24 * 3600}
	if err := c.Set(raw); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(raw.Key); !errors.Is(err, gomemcache.ErrCacheMiss) {
		t.Errorf("an exptime of 60 days in seconds: Get = %v, want a miss (memcached reads it as a date)", err)
	}
}

func TestFlags(t *testing.T) {
	c := newClient(t, sharedAddr(t))
	s := newStore(t, c, memcachestore.Options{})
	pickled := []byte("\x80\x05\x95\x03\x00\x00\x00\x00\x00\x00\x00}\x94.")
	for _, tc := range []struct {
		name      string
		data      []byte
		wantFlags uint32
	}{
		{"a pickle is written with FLAG_PICKLE", pickled, memcachestore.FlagPickle},
		{"JSON is written as bytes", []byte(`{"a":1}`), memcachestore.FlagBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := session.NewKey()
			if err := s.Save(t.Context(), key, tc.data, time.Now().Add(time.Hour), true); err != nil {
				t.Fatal(err)
			}
			it, err := c.Get(s.Key(key))
			if err != nil {
				t.Fatal(err)
			}
			if it.Flags != tc.wantFlags || string(it.Value) != string(tc.data) {
				t.Errorf("item = flags %d %q, want flags %d", it.Flags, it.Value, tc.wantFlags)
			}
		})
	}
	for _, flags := range []uint32{memcachestore.FlagText, memcachestore.FlagInteger, memcachestore.FlagLong, memcachestore.FlagCompressed | memcachestore.FlagPickle, 1 << 9} {
		key := session.NewKey()
		if err := c.Set(&gomemcache.Item{Key: s.Key(key), Value: []byte("42"), Flags: flags}); err != nil {
			t.Fatal(err)
		}
		_, _, found, err := s.Load(t.Context(), key)
		if !found || !errors.Is(err, session.ErrCorrupt) {
			t.Errorf("Load of an item with flags %d = found %v, %v; want found with ErrCorrupt", flags, found, err)
		}
	}
}

// TestTooLargeIsAClearError: a record over memcached's item limit is
// refused before it is sent (memcached would answer SERVER_ERROR), and the
// session it would have replaced is still there.
func TestTooLargeIsAClearError(t *testing.T) {
	c := newClient(t, sharedAddr(t))
	s := newStore(t, c, memcachestore.Options{})
	key := session.NewKey()
	if err := s.Save(t.Context(), key, []byte("small"), time.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	if err := s.Save(t.Context(), key, big, time.Now().Add(time.Hour), false); !errors.Is(err, memcachestore.ErrTooLarge) {
		t.Fatalf("Save of 1 MiB = %v, want ErrTooLarge", err)
	}
	if data, _, found, err := s.Load(t.Context(), key); err != nil || !found || string(data) != "small" {
		t.Errorf("after the refused save: %q, %v, %v; want the record unchanged", data, found, err)
	}
	limited := newStore(t, c, memcachestore.Options{MaxItemSize: 4096})
	if err := limited.Save(t.Context(), session.NewKey(), make([]byte, 4096), time.Now().Add(time.Hour), true); !errors.Is(err, memcachestore.ErrTooLarge) {
		t.Errorf("Save over MaxItemSize 4096 = %v, want ErrTooLarge", err)
	}
}

// TestRawCacheDropsWhatCannotFit: cacheddb's cache on memcached, asked to
// keep a copy too large for an item, removes the older copy instead (the
// database has the session) and reports no failure that would open the
// breaker.
func TestRawCacheDropsWhatCannotFit(t *testing.T) {
	c := newClient(t, sharedAddr(t))
	rc, err := memcachestore.NewRawCache(c)
	if err != nil {
		t.Fatal(err)
	}
	key := uniquePrefix(t) + "k"
	if err := rc.Set(t.Context(), key, []byte("old copy"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := rc.Set(t.Context(), key, make([]byte, 1<<20), time.Hour); err != nil {
		t.Fatalf("Set of 1 MiB = %v, want nil (the key dropped)", err)
	}
	if _, found, err := rc.Get(t.Context(), key); err != nil || found {
		t.Errorf("after the oversized Set: found %v, %v; want the old copy gone", found, err)
	}
}
