package memcache_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	memcachestore "github.com/djsession/djsession/store/memcache"
)

const djangoSecret = "a secret key shared by Django and Go for this test"

// user is alice, whom both sides know: Django keeps her in its auth table
// (the helper's login op creates her), Go finds her through LookupUser.
type user struct{ id, hash string }

func (u user) ID() string           { return u.id }
func (u user) Backend() string      { return "" }
func (u user) PasswordHash() string { return u.hash }

var alice = user{"1", "pbkdf2_sha256$260000$saltsaltsalt$c2VjcmV0aGFzaGZvcnRoZXRlc3Rvbmx5MTIzNDU2Nzg="}

// djangoSide runs requests through Django 3.2's SessionMiddleware on the
// cache engine, with PyMemcacheCache on the same servers, KEY_PREFIX and
// VERSION as the Go store.
type djangoSide struct {
	t                   *testing.T
	servers, prefix, db string
	version             int
}

func (d djangoSide) request(key string, ops ...[]any) map[string]any {
	d.t.Helper()
	args := []string{"middleware", "--engine", "cache", "--memcache-servers", d.servers, "--cache-key-prefix", d.prefix,
		"--cache-version", fmt.Sprint(d.version), "--db-path", d.db, "--secret", djangoSecret,
		"--ops", djangotest.JSON(d.t, ops)}
	if key != "" {
		args = append(args, "--cookie", "sessionid="+key)
	}
	return djangotest.OK(d.t, djangotest.Run(d.t, args...))
}

func opResult(t *testing.T, res map[string]any, i int) any {
	t.Helper()
	ops, _ := res["op_results"].([]any)
	if i >= len(ops) {
		t.Fatalf("no result for op %d: %v", i, res)
	}
	if m, ok := ops[i].(map[string]any); ok && m["exception"] != nil {
		t.Fatalf("op %d raised %v: %v", i, m["exception"], m["message"])
	}
	return ops[i]
}

// goSide is the Go service: the session middleware on the memcached store
// with the pickle codec, and the auth middleware that finds alice.
type goSide struct {
	m *session.Manager
	h http.Handler
}

func newGoSide(t *testing.T, st session.Store) goSide {
	m, err := session.New(st, session.Config{
		SecretKey: []byte(djangoSecret),
		Codec:     pickle.Codec{},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(auth.Config{
		SecretKey: []byte(djangoSecret),
		LookupUser: func(ctx context.Context, id string) (auth.User, error) {
			if id == alice.id {
				return alice, nil
			}
			return nil, auth.ErrUserNotFound
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Login(w, r, alice); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Logout(w, r); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		// A page that reads its session sees the store's errors.
		if err := session.FromRequest(r).Load(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, "user="+auth.UserID(r))
	})
	return goSide{m: m, h: m.Middleware(a.Middleware(mux))}
}

// do sends one request with the session cookie key and returns the status,
// the body and the session cookie the response sets ("" when it sets none,
// "-" when it deletes it).
func (g goSide) do(t *testing.T, path, key string) (code int, body, cookie string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if key != "" {
		req.Header.Set("Cookie", "sessionid="+key)
	}
	rec := httptest.NewRecorder()
	g.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "sessionid" {
			cookie = c.Value
			if c.MaxAge < 0 {
				cookie = "-"
			}
		}
	}
	return rec.Code, rec.Body.String(), cookie
}

// ok is do for a request that must answer 200.
func (g goSide) ok(t *testing.T, path, key string) (body, cookie string) {
	t.Helper()
	code, body, cookie := g.do(t, path, key)
	if code != 200 {
		t.Fatalf("%s: %d %s", path, code, body)
	}
	return body, cookie
}

type interop struct {
	d      djangoSide
	st     *memcachestore.Store
	sel    *memcachestore.Rendezvous
	client *gomemcache.Client
	g      goSide
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
			d := djangoSide{t: t, servers: strings.Join(servers, ","), prefix: prefix, version: 2,
				db: filepath.Join(t.TempDir(), "django.sqlite3")}
			return interop{d: d, st: st, sel: sel, client: c, g: newGoSide(t, st)}
		}
	}
	return map[string]func(t *testing.T) interop{
		"one server":  mk(shared),
		"two servers": mk(shared, second.Addr),
	}
}

// pyValues are values of every type a session holds, in the helper's typed
// JSON form, and what Go reads for each.
var pyValues = []struct {
	name   string
	python any
	goes   any
}{
	{"str", "héllo ☃ 😀", "héllo ☃ 😀"},
	{"int", 42, int64(42)},
	{"negative int", -7, int64(-7)},
	{"int beyond int64", json.Number("123456789012345678901234567890"), json.Number("123456789012345678901234567890")},
	{"float", map[string]any{"__float_bits__": fmt.Sprintf("%016x", math.Float64bits(1.5))}, 1.5},
	{"bool", true, true},
	{"None", nil, nil},
	{"list", []any{1, "two", []any{3}}, []any{int64(1), "two", []any{int64(3)}}},
	{"tuple (read as a list)", map[string]any{"__tuple__": []any{1, "x"}}, []any{int64(1), "x"}},
	{"dict", map[string]any{"a": map[string]any{"b": []any{}}}, map[string]any{"a": map[string]any{"b": []any{}}}},
	{"bytes (UTF-8)", map[string]any{"__bytes_hex__": hex.EncodeToString([]byte("bytés"))}, "bytés"},
	{"datetime", map[string]any{"__datetime__": "2024-02-29T12:00:00", "__tz__": "pytz"}, "2024-02-29T12:00:00+00:00"},
}

func TestDjangoSessionLoadsInGo(t *testing.T) {
	for name, setup := range setups(t) {
		t.Run(name, func(t *testing.T) {
			x := setup(t)
			ops := [][]any{}
			want := map[string]any{}
			for i, v := range pyValues {
				k := fmt.Sprintf("v%02d", i)
				ops = append(ops, []any{"set_typed", k, v.python})
				want[k] = v.goes
			}
			res := x.d.request("", ops...)
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
			s, err := x.g.m.Open(t.Context(), key)
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
			res = x.d.request(key, []any{"get", "visits"}, []any{"get", "v00"})
			if opResult(t, res, 0) != 1.0 || opResult(t, res, 1) != "héllo ☃ 😀" {
				t.Errorf("Django reads Go's update as %v", res["op_results"])
			}
		})
	}
}

func TestGoSessionLoadsInDjango(t *testing.T) {
	for name, setup := range setups(t) {
		t.Run(name, func(t *testing.T) {
			x := setup(t)
			s, err := x.g.m.Open(t.Context(), "")
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
			res := x.d.request(s.Key(), []any{"items_typed"}, []any{"get_expiry_age"})
			typedJSON, _ := opResult(t, res, 0).(map[string]any)["typed_json"].(string)
			var got map[string]any
			dec := json.NewDecoder(strings.NewReader(typedJSON))
			dec.UseNumber()
			if err := dec.Decode(&got); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"str": "héllo ☃ 😀", "int": json.Number("42"), "big": json.Number("-123456789012345678901234567890"),
				"float": map[string]any{"__float_bits__": "3ff8000000000000"}, "bool": false, "none": nil,
				"list": []any{json.Number("1"), "two"}, "dict": map[string]any{"a": []any{}}, "cart": []any{"apple", "pear"},
				session.ExpiryKey: map[string]any{"__datetime__": expiry.Format("2006-01-02T15:04:05"), "__tz__": "utc"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Django reads\n%v\nwant\n%v", got, want)
			}
			if age, _ := opResult(t, res, 1).(float64); math.Abs(age-time.Until(expiry).Seconds()) > 60 {
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
			t.Run("a login on Django is seen in Go; a logout in Go ends it for Django", func(t *testing.T) {
				res := x.d.request("", []any{"login", "alice", alice.hash})
				key := djangotest.String(t, res, "session_key")
				if body, _ := x.g.ok(t, "/whoami", key); body != "user=1" {
					t.Fatalf("Go sees %q after Django's login", body)
				}
				if _, cookie := x.g.ok(t, "/logout", key); cookie != "-" {
					t.Errorf("Go's logout did not delete the cookie: %q", cookie)
				}
				gone(t, key)
				res = x.d.request(key, []any{"user"})
				if u := opResult(t, res, 0); u != nil {
					t.Errorf("Django still sees %v after Go's logout", u)
				}
			})
			t.Run("a login in Go is seen by Django; a logout on Django ends it for Go", func(t *testing.T) {
				_, key := x.g.ok(t, "/login", "")
				if key == "" || key == "-" {
					t.Fatalf("Go's login set no cookie: %q", key)
				}
				res := x.d.request(key, []any{"user"})
				if u := opResult(t, res, 0); u != "alice" {
					t.Fatalf("Django sees %v after Go's login, want alice", u)
				}
				x.d.request(key, []any{"logout"})
				gone(t, key)
				if body, _ := x.g.ok(t, "/whoami", key); body != "user=" {
					t.Errorf("Go sees %q after Django's logout", body)
				}
			})
		})
	}
}
