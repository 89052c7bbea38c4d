package memcache_test

import (
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/internal/interoptest"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	memcachestore "github.com/djsession/djsession/store/memcache"
)

// newGoSide is the Go service on st with the pickle codec, the form
// Django's cache engine reads.
func newGoSide(t *testing.T, st session.Store) interoptest.GoSide {
	return interoptest.NewGoSide(t, st, pickle.Codec{})
}

type interop struct {
	d      interoptest.Django
	st     *memcachestore.Store
	sel    *memcachestore.Rendezvous
	client *gomemcache.Client
	g      interoptest.GoSide
}

// setups are the two layouts Django and Go share: one memcached, and two
// (the test's own second server), where each key must land on the server
// pymemcache picks.
func setups(t *testing.T) map[string]func(t *testing.T) interop {
	shared := sharedAddr(t)
	djangotest.Python(t)
	second := ownServer(t)
	mk := func(servers ...string) func(t *testing.T) interop {
		return func(t *testing.T) interop {
			sel, err := memcachestore.NewRendezvous(servers...)
			if err != nil {
				t.Fatal(err)
			}
			c := gomemcache.NewFromSelector(sel)
			c.Timeout = 300 * time.Millisecond
			t.Cleanup(func() { c.Close() })
			prefix := uniquePrefix(t)
			st := newStore(t, c, memcachestore.Options{KeyPrefix: prefix, Version: 2})
			// Django 3.2's SessionMiddleware on the cache engine, with
			// PyMemcacheCache on the same servers, KEY_PREFIX and VERSION as
			// the Go store.
			d := interoptest.Django{T: t, Args: []string{"--engine", "cache", "--memcache-servers", strings.Join(servers, ","),
				"--cache-key-prefix", prefix, "--cache-version", "2", "--db-path", filepath.Join(t.TempDir(), "django.sqlite3")}}
			return interop{d: d, st: st, sel: sel, client: c, g: newGoSide(t, st)}
		}
	}
	return map[string]func(t *testing.T) interop{
		"one server":  mk(shared),
		"two servers": mk(shared, second.Addr),
	}
}

func TestDjangoSessionLoadsInGo(t *testing.T) {
	for name, setup := range setups(t) {
		t.Run(name, func(t *testing.T) {
			x := setup(t)
			ops, want := interoptest.SetTyped(interoptest.PickleValues)
			res := x.d.Request("", ops...)
			key := djangotest.String(t, res, "session_key")
			stored, _ := res["stored"].(map[string]any)
			if got := stored["memcache_key"]; got != x.st.Key(key) {
				t.Errorf("Django's memcached key is %v, Go's %v", got, x.st.Key(key))
			}
			if got := stored["memcache_server"]; got != x.sel.Server(x.st.Key(key)) {
				t.Errorf("pymemcache put the session on %v, Go looks on %v", got, x.sel.Server(x.st.Key(key)))
			}
			it, err := x.client.Get(x.st.Key(key))
			if err != nil || it.Flags != memcachestore.FlagPickle {
				t.Fatalf("Django's item: %v, flags %v; want FLAG_PICKLE", err, it)
			}
			s, err := x.g.Manager.Open(t.Context(), key)
			if err != nil {
				t.Fatalf("Go cannot open Django's session: %v", err)
			}
			got := map[string]any{}
			for k, v := range s.All() {
				got[k] = v
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Go reads\n%#v\nwant\n%#v", got, want)
			}
			s.Set("visits", 1)
			if err := s.Save(t.Context()); err != nil {
				t.Fatal(err)
			}
			res = x.d.Request(key, []any{"get", "visits"}, []any{"get", "v00"})
			if interoptest.OpResult(t, res, 0) != 1.0 || interoptest.OpResult(t, res, 1) != "héllo ☃ 😀" {
				t.Errorf("Django reads Go's update as %v", res["op_results"])
			}
		})
	}
}

func TestGoSessionLoadsInDjango(t *testing.T) {
	for name, setup := range setups(t) {
		t.Run(name, func(t *testing.T) {
			x := setup(t)
			s, err := x.g.Manager.Open(t.Context(), "")
			if err != nil {
				t.Fatal(err)
			}
			values := map[string]any{
				"str": "héllo ☃ 😀", "int": int64(42), "big": json.Number("-123456789012345678901234567890"),
				"float": 1.5, "bool": false, "none": nil, "list": []any{int64(1), "two"},
				"dict": map[string]any{"a": []any{}}, "cart": []string{"apple", "pear"},
			}
			for k, v := range values {
				s.Set(k, v)
			}
			// 60 days: an absolute exptime on the server, which Django must
			// still find.
			expiry := time.Now().Add(60 * 24 * time.Hour).Truncate(time.Second).UTC()
			s.SetExpiryTime(expiry)
			if err := s.Save(t.Context()); err != nil {
				t.Fatal(err)
			}
			res := x.d.Request(s.Key(), []any{"items_typed"}, []any{"get_expiry_age"})
			got := interoptest.TypedItems(t, res, 0)
			want := map[string]any{
				"str": "héllo ☃ 😀", "int": json.Number("42"), "big": json.Number("-123456789012345678901234567890"),
				"float": map[string]any{"__float_bits__": "3ff8000000000000"}, "bool": false, "none": nil,
				"list": []any{json.Number("1"), "two"}, "dict": map[string]any{"a": []any{}}, "cart": []any{"apple", "pear"},
				session.ExpiryKey: map[string]any{"__datetime__": expiry.Format("2006-01-02T15:04:05"), "__tz__": "utc"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Django reads\n%v\nwant\n%v", got, want)
			}
			if age, _ := interoptest.OpResult(t, res, 1).(float64); math.Abs(age-time.Until(expiry).Seconds()) > 60 {
				t.Errorf("Django's get_expiry_age = %v, want about %v", age, time.Until(expiry).Seconds())
			}
		})
	}
}

func TestLoginAndLogoutAcrossDjangoAndGo(t *testing.T) {
	for name, setup := range setups(t) {
		t.Run(name, func(t *testing.T) {
			x := setup(t)
			gone := func(t *testing.T, key string) {
				t.Helper()
				if _, err := x.client.Get(x.st.Key(key)); err != gomemcache.ErrCacheMiss {
					t.Errorf("the session is still in memcached: %v", err)
				}
			}
			interoptest.LoginAndLogout(t, x.d, x.g, gone)
		})
	}
}
