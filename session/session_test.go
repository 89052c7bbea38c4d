package session_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// defaultSetup is the session inSession starts from: {"a": 1, "list": [1]}.
func defaultSetup(s *session.Session) {
	s.Set("a", 1)
	s.Set("list", []any{1})
}

// inSession runs fn inside the middleware for a new browser whose session
// was made by setup (no session at all when setup is nil), and returns the
// response. Store calls are counted from the request of fn only.
func (f *fixture) inSession(t *testing.T, setup func(s *session.Session), fn func(r *http.Request, s *session.Session)) response {
	t.Helper()
	path := fmt.Sprintf("/in-session/%d", time.Now().UnixNano())
	f.handle(path, func(w http.ResponseWriter, r *http.Request, s *session.Session) { fn(r, s) })
	f.client.Jar = newJar()
	if setup != nil {
		f.handle(path+"/setup", func(w http.ResponseWriter, r *http.Request, s *session.Session) { setup(s) })
		f.get(path + "/setup")
	}
	f.cnt.reset()
	return f.get(path)
}

func TestAccessedAndModifiedFlags(t *testing.T) {
	tests := []struct {
		name             string
		op               func(r *http.Request, s *session.Session)
		accessed, modify bool
	}{
		{"Get of a present key reads", func(_ *http.Request, s *session.Session) { s.Get("a") }, true, false},
		{"Get of a missing key reads", func(_ *http.Request, s *session.Session) { s.Get("zz") }, true, false},
		{"GetDefault reads", func(_ *http.Request, s *session.Session) { s.GetDefault("zz", 1) }, true, false},
		{"Has reads", func(_ *http.Request, s *session.Session) { s.Has("a") }, true, false},
		{"Len reads", func(_ *http.Request, s *session.Session) { s.Len() }, true, false},
		{"Keys reads", func(_ *http.Request, s *session.Session) { s.Keys() }, true, false},
		{"Values reads", func(_ *http.Request, s *session.Session) { s.Values() }, true, false},
		{"Items reads", func(_ *http.Request, s *session.Session) { s.Items() }, true, false},
		{"All reads", func(_ *http.Request, s *session.Session) {
			for range s.All() {
			}
		}, true, false},
		{"GetInt reads", func(_ *http.Request, s *session.Session) { s.GetInt("a") }, true, false},
		{"ExpiryAge reads", func(_ *http.Request, s *session.Session) { s.ExpiryAge() }, true, false},
		{"IsEmpty neither reads nor writes", func(_ *http.Request, s *session.Session) { s.IsEmpty() }, false, false},
		{"Set writes", func(_ *http.Request, s *session.Session) { s.Set("b", 2) }, true, true},
		{"Set of the same value still writes, as Django", func(_ *http.Request, s *session.Session) { s.Set("a", 1) }, true, true},
		{"SetDefault of a present key does not write", func(_ *http.Request, s *session.Session) { s.SetDefault("a", 5) }, true, false},
		{"SetDefault of a missing key writes", func(_ *http.Request, s *session.Session) { s.SetDefault("b", 5) }, true, true},
		{"Pop of a present key writes", func(_ *http.Request, s *session.Session) { s.Pop("a") }, true, true},
		{"Pop of a missing key does not write", func(_ *http.Request, s *session.Session) { s.Pop("zz") }, true, false},
		{"Delete of a missing key does not write", func(_ *http.Request, s *session.Session) { s.Delete("zz") }, true, false},
		{"Delete of a present key writes", func(_ *http.Request, s *session.Session) { s.Delete("a") }, true, true},
		{"Update with nothing still writes, as Django", func(_ *http.Request, s *session.Session) { s.Update(nil) }, true, true},
		{"Clear writes", func(_ *http.Request, s *session.Session) { s.Clear() }, true, true},
		{"SetExpiry writes", func(_ *http.Request, s *session.Session) { s.SetExpiry(10) }, true, true},
		{"SetExpiryDefault without an expiry does not write", func(_ *http.Request, s *session.Session) { s.SetExpiryDefault() }, true, false},
		{"Flush writes", func(r *http.Request, s *session.Session) { s.Flush(r.Context()) }, true, true},
	}
	f := newFixture(t, "values", session.Config{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var accessed, modified bool
			f.inSession(t, defaultSetup, func(r *http.Request, s *session.Session) {
				tc.op(r, s)
				accessed, modified = s.Accessed(), s.Modified()
			})
			if accessed != tc.accessed || modified != tc.modify {
				t.Errorf("accessed %v, modified %v; want %v, %v", accessed, modified, tc.accessed, tc.modify)
			}
		})
	}
}

func TestClearDoesNotLoad(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.inSession(t, defaultSetup, func(r *http.Request, s *session.Session) {
		s.Clear()
		if s.Len() != 0 {
			t.Errorf("Len after Clear = %d", s.Len())
		}
	})
	if n := f.cnt.count("Load", "LoadValues"); n != 0 {
		t.Errorf("loads = %d, want 0", n)
	}
	vals, _, found := f.stored(f.jarKey())
	if !found || len(vals) != 0 {
		t.Errorf("stored = %v, %v; want an empty record under the same key", vals, found)
	}
}

func TestClearOfAnUnknownKeyStartsANewSession(t *testing.T) {
	// Clear does not load, so the cookie's key is not checked until the
	// save: an unknown key is then replaced, never adopted, and the request
	// does not fail as interrupted.
	f := newFixture(t, "values", session.Config{})
	planted := session.NewKey()
	f.handle("/clear", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		s.Clear()
		s.Set("fresh", true)
	})
	res := f.raw("/clear", "sessionid="+planted)
	lines := res.sessionCookies("sessionid")
	if res.StatusCode != 200 || len(lines) != 1 {
		t.Fatalf("status %d, cookies %q", res.StatusCode, lines)
	}
	_, key, _ := parseSetCookie(lines[0])
	if key == planted {
		t.Fatal("the planted key was adopted")
	}
	if _, _, found := f.stored(planted); found {
		t.Fatal("a record exists under the planted key")
	}
}

func TestDictionaryCalls(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.handle("/setup", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		s.Update(map[string]any{"b": "two", "a": 1, "c": []any{"x"}})
	})
	f.get("/setup")
	f.handle("/calls", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		checks := []struct {
			name      string
			got, want any
		}{
			{"Keys are sorted", s.Keys(), []string{"a", "b", "c"}},
			{"Values follow the keys", s.Values(), []any{int64(1), "two", []any{"x"}}},
			{"Items pair them", s.Items(), []session.Item{{"a", int64(1)}, {"b", "two"}, {"c", []any{"x"}}}},
			{"Len counts them", s.Len(), 3},
			{"GetDefault of a missing key gives the default", s.GetDefault("zz", "dflt"), "dflt"},
			{"GetDefault of a present key gives the value", s.GetDefault("b", "dflt"), "two"},
			{"Has of a present key", s.Has("a"), true},
			{"Has of a missing key", s.Has("zz"), false},
			{"SetDefault of a present key returns it", s.SetDefault("b", "other"), "two"},
			{"SetDefault of a missing key stores the value", s.SetDefault("d", "new"), "new"},
			{"IterKeys yields the keys", collect(s.AllKeys()), []string{"a", "b", "c", "d"}},
			{"IterValues yields the values", collectAny(s.AllValues()), []any{int64(1), "two", []any{"x"}, "new"}},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
			}
		}
		// Early break and deletion while iterating.
		n := 0
		for k := range s.All() {
			s.Delete("c")
			n++
			if k == "b" {
				break
			}
		}
		if n != 2 || s.Has("c") {
			t.Errorf("iteration: %d steps, c present %v", n, s.Has("c"))
		}
		v, ok := s.Pop("a")
		if v != int64(1) || !ok {
			t.Errorf("Pop = %v, %v", v, ok)
		}
		if v, ok := s.Pop("a"); v != nil || ok {
			t.Errorf("second Pop = %v, %v", v, ok)
		}
	})
	f.get("/calls")
	// A list handed out by a read-only request is the caller's: changing it
	// changes nothing stored.
	f.handle("/mutate", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		s.Set("c", []any{"x"})
	})
	f.get("/mutate")
	f.handle("/read-mutate", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		l, _ := s.Get("c")
		l.([]any)[0] = "changed"
	})
	f.get("/read-mutate")
	f.handle("/read", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		if v, _ := s.Get("c"); !reflect.DeepEqual(v, []any{"x"}) {
			t.Errorf("changing a returned list changed the stored session: %v", v)
		}
		s.Delete("c")
	})
	f.get("/read")
	vals, _, _ := f.stored(f.jarKey())
	if !reflect.DeepEqual(vals, map[string]any{"b": "two", "d": "new"}) {
		t.Errorf("stored = %#v", vals)
	}
}

func collect(seq func(func(string) bool)) []string {
	var out []string
	for k := range seq {
		out = append(out, k)
	}
	return out
}

func collectAny(seq func(func(any) bool)) []any {
	var out []any
	for v := range seq {
		out = append(out, v)
	}
	return out
}

func TestStoreCalls(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		t.Run("Exists asks the store about valid keys only", func(t *testing.T) {
			other := newFixture(t, kind, session.Config{})
			other.handle("/login", login)
			var live string
			f.inSession(t, defaultSetup, func(r *http.Request, s *session.Session) {
				live = s.Key()
				for _, tc := range []struct {
					key  string
					want bool
				}{{live, true}, {session.NewKey(), false}, {"../etc/passwd", false}, {"", false}} {
					got, err := s.Exists(r.Context(), tc.key)
					if err != nil || got != tc.want {
						t.Errorf("Exists(%.10q) = %v, %v; want %v", tc.key, got, err, tc.want)
					}
				}
			})
			for _, k := range f.cnt.seenKeys() {
				if !session.ValidKey(k) {
					t.Errorf("the store saw %q", k)
				}
			}
		})
		t.Run("DeleteRecord removes the record and leaves the cookie", func(t *testing.T) {
			var key string
			res := f.inSession(t, defaultSetup, func(r *http.Request, s *session.Session) {
				key = f.jarKey()
				if err := s.DeleteRecord(r.Context()); err != nil {
					t.Error(err)
				}
			})
			if _, _, found := f.stored(key); found {
				t.Error("record still there")
			}
			if c := res.Header.Values("Set-Cookie"); len(c) != 0 {
				t.Errorf("Set-Cookie = %q, want none", c)
			}
		})
		t.Run("DeleteRecord then a change is an interrupted session, as in Django", func(t *testing.T) {
			f.client.Jar = newJar()
			res := f.inSession(t, defaultSetup, func(r *http.Request, s *session.Session) {
				s.Get("a")
				if err := s.DeleteRecord(r.Context()); err != nil {
					t.Error(err)
				}
				s.Set("b", 1)
			})
			if res.StatusCode != 400 {
				t.Errorf("status %d, want 400", res.StatusCode)
			}
		})
		t.Run("ClearExpired removes expired records from the store", func(t *testing.T) {
			g := newFixture(t, kind, session.Config{})
			g.inSession(t, func(s *session.Session) { s.Set("a", 1); s.SetExpiry(60) }, func(r *http.Request, s *session.Session) {})
			old := g.jarKey()
			g.clock.Advance(2 * time.Minute)
			if g.cnt.mem.Len() != 1 {
				t.Fatalf("store holds %d records before ClearExpired, want 1", g.cnt.mem.Len())
			}
			g.inSession(t, nil, func(r *http.Request, s *session.Session) {
				if err := s.ClearExpired(r.Context()); err != nil {
					t.Error(err)
				}
			})
			if n := g.cnt.count("ClearExpired"); n != 1 {
				t.Errorf("ClearExpired calls = %d", n)
			}
			if g.cnt.mem.Len() != 0 {
				t.Errorf("store holds %d records after ClearExpired, want 0", g.cnt.mem.Len())
			}
			if _, _, found := g.stored(old); found {
				t.Error("expired record still loadable")
			}
		})
	})
}

func TestTestCookie(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	var worked []bool
	f.handle("/set", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		worked = append(worked, s.TestCookieWorked())
		s.SetTestCookie()
	})
	f.handle("/check", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		worked = append(worked, s.TestCookieWorked())
		s.DeleteTestCookie()
		worked = append(worked, s.TestCookieWorked())
	})
	f.get("/set")
	f.get("/check")
	if !reflect.DeepEqual(worked, []bool{false, true, false}) {
		t.Fatalf("TestCookieWorked = %v, want false, true, false", worked)
	}
}

func TestKeyCollisionsAreRetried(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.handle("/login", login)
	f.get("/login")
	taken := f.jarKey()
	fresh := session.NewKey()
	keys := []string{taken, fresh}
	session.SetKeyGenerator(f.m, func() string {
		k := keys[0]
		keys = keys[1:]
		return k
	})
	res := f.raw("/login")
	lines := res.sessionCookies("sessionid")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "sessionid="+fresh+";") {
		t.Fatalf("Set-Cookie = %q, want the second generated key", lines)
	}
	vals, _, _ := f.stored(taken)
	if vals["user"] != "alice" || len(vals) != 1 {
		t.Fatalf("the first session changed: %v", vals)
	}
}

func TestTypedGetters(t *testing.T) {
	type pair struct {
		A int64  `json:"a"`
		B string `json:"b"`
	}
	stored := map[string]any{
		"s": "text", "i": 42, "big": int64(1<<53 + 1), "f": 1.5, "one": 1.0, "b": true, "nil": nil,
		"t": "2024-05-06T07:08:09.123456+00:00", "struct": pair{A: 7, B: "x"}, "list": []string{"p", "q"},
		"huge": json.Number("123456789012345678901234567890"), "neg": -3,
	}
	tests := []struct {
		name    string
		get     func(s *session.Session) (any, bool, error)
		want    any
		wantOK  bool
		wantErr bool
	}{
		{"GetString of a string", func(s *session.Session) (any, bool, error) { return s.GetString("s") }, "text", true, false},
		{"GetString of a number is an error", func(s *session.Session) (any, bool, error) { return s.GetString("i") }, "", true, true},
		{"GetString of a missing key", func(s *session.Session) (any, bool, error) { return s.GetString("zz") }, "", false, false},
		{"GetInt of an integer", func(s *session.Session) (any, bool, error) { return s.GetInt("i") }, int64(42), true, false},
		{"GetInt beyond 2^53", func(s *session.Session) (any, bool, error) { return s.GetInt("big") }, int64(1<<53 + 1), true, false},
		{"GetInt of 1.0", func(s *session.Session) (any, bool, error) { return s.GetInt("one") }, int64(1), true, false},
		{"GetInt of 1.5 is an error", func(s *session.Session) (any, bool, error) { return s.GetInt("f") }, int64(0), true, true},
		{"GetInt beyond int64 is an error", func(s *session.Session) (any, bool, error) { return s.GetInt("huge") }, int64(0), true, true},
		{"GetInt of a string is an error", func(s *session.Session) (any, bool, error) { return s.GetInt("s") }, int64(0), true, true},
		{"GetInt of null is an error", func(s *session.Session) (any, bool, error) { return s.GetInt("nil") }, int64(0), true, true},
		{"GetFloat of a float", func(s *session.Session) (any, bool, error) { return s.GetFloat("f") }, 1.5, true, false},
		{"GetFloat of an integer", func(s *session.Session) (any, bool, error) { return s.GetFloat("i") }, 42.0, true, false},
		{"GetFloat of 2^53+1 is an error", func(s *session.Session) (any, bool, error) { return s.GetFloat("big") }, 0.0, true, true},
		{"GetBool of a bool", func(s *session.Session) (any, bool, error) { return s.GetBool("b") }, true, true, false},
		{"GetBool of a string is an error", func(s *session.Session) (any, bool, error) { return s.GetBool("s") }, false, true, true},
		{"GetTime of an ISO string", func(s *session.Session) (any, bool, error) { return s.GetTime("t") },
			time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC), true, false},
		{"GetTime of text is an error", func(s *session.Session) (any, bool, error) { return s.GetTime("s") }, time.Time{}, true, true},
		{"Get of a struct decodes the stored object", func(s *session.Session) (any, bool, error) { return session.Get[pair](s, "struct") }, pair{7, "x"}, true, false},
		{"Get of a list", func(s *session.Session) (any, bool, error) { return session.Get[[]string](s, "list") }, []string{"p", "q"}, true, false},
		{"Get of a list as a struct is an error", func(s *session.Session) (any, bool, error) { return session.Get[pair](s, "list") }, pair{}, true, true},
		{"Get[int8] out of range is an error", func(s *session.Session) (any, bool, error) { return session.Get[int8](s, "big") }, int8(0), true, true},
		{"Get[uint] of a negative number is an error", func(s *session.Session) (any, bool, error) { return session.Get[uint](s, "neg") }, uint(0), true, true},
		{"Get[int] of an integer", func(s *session.Session) (any, bool, error) { return session.Get[int](s, "neg") }, -3, true, false},
		{"Get[*pair] of null is nil", func(s *session.Session) (any, bool, error) { return session.Get[*pair](s, "nil") }, (*pair)(nil), true, false},
		{"Get[any] gives the stored form", func(s *session.Session) (any, bool, error) { return session.Get[any](s, "i") }, int64(42), true, false},
	}
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f.inSession(t, func(s *session.Session) { s.Update(stored) }, func(r *http.Request, s *session.Session) {
					got, ok, err := tc.get(s)
					if !reflect.DeepEqual(got, tc.want) || ok != tc.wantOK || (err != nil) != tc.wantErr {
						t.Errorf("got %#v, %v, %v; want %#v, %v, error %v", got, ok, err, tc.want, tc.wantOK, tc.wantErr)
					}
					if err != nil && !errors.Is(err, session.ErrType) {
						t.Errorf("error %v does not match ErrType", err)
					}
					if err != nil && strings.Contains(err.Error(), "text") {
						t.Errorf("the error shows the value: %v", err)
					}
				})
			})
		}
	})
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name    string
		cfg     session.Config
		wantErr string
	}{
		{"an empty secret key is refused", session.Config{SecretKey: []byte{}}, "SecretKey is empty"},
		{"a cookie name with a space is refused", session.Config{CookieName: "bad name"}, "not allowed in a cookie name"},
		{"a cookie name with a semicolon is refused", session.Config{CookieName: "a;b"}, "not allowed in a cookie name"},
		{"a reserved attribute name is refused", session.Config{CookieName: "Expires"}, "reserved"},
		{"SameSite None without Secure is refused", session.Config{CookieSameSite: http.SameSiteNoneMode}, "requires CookieSecure"},
		{"Partitioned without Secure is refused", session.Config{CookiePartitioned: true}, "requires CookieSecure"},
		{"__Host- without Secure is refused", session.Config{CookieName: "__Host-sid"}, "__Host- prefix: CookieSecure"},
		{"__HOST- is checked regardless of case", session.Config{CookieName: "__HOST-sid"}, "__Host- prefix: CookieSecure"},
		{"__Host- with a Domain is refused", session.Config{CookieName: "__Host-sid", CookieSecure: true, CookieDomain: "example.com"}, "CookieDomain must be empty"},
		{"__Host- with another Path is refused", session.Config{CookieName: "__Host-sid", CookieSecure: true, CookiePath: "/app"}, `CookiePath must be "/"`},
		{"__Secure- without Secure is refused", session.Config{CookieName: "__Secure-sid"}, "__Secure- prefix"},
		{"a negative CookieAge is refused", session.Config{CookieAge: -time.Second}, "negative"},
		{"a Path with a semicolon is refused", session.Config{CookiePath: "/a;b"}, "CookiePath"},
		{"a Domain with a space is refused", session.Config{CookieDomain: "a b"}, "CookieDomain"},
		{"an unknown SameSite value is refused", session.Config{CookieSameSite: 9}, "CookieSameSite"},
		{"an empty fallback key is refused", session.Config{FallbackKeys: [][]byte{nil}}, "FallbackKeys[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cfg.SecretKey == nil {
				tc.cfg.SecretKey = testSecret
			}
			_, err := session.New(memory.New(memory.Options{}), tc.cfg)
			if !errors.Is(err, session.ErrConfig) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New = %v, want an ErrConfig mentioning %q", err, tc.wantErr)
			}
		})
	}
	t.Run("a nil store is refused", func(t *testing.T) {
		if _, err := session.New(nil, session.Config{SecretKey: testSecret}); !errors.Is(err, session.ErrConfig) {
			t.Fatalf("New(nil) = %v", err)
		}
	})
	t.Run("the zero config gets Django's defaults", func(t *testing.T) {
		m, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		c := m.Config()
		got := []any{c.CookieName, c.CookieAge, c.CookiePath, c.CookieDomain, c.CookieSecure, c.DisableHTTPOnly, c.CookieSameSite, c.ExpireAtBrowserClose, c.SaveEveryRequest}
		want := []any{"sessionid", 1209600 * time.Second, "/", "", false, false, http.SameSiteLaxMode, false, false}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("defaults = %v, want %v", got, want)
		}
	})
	t.Run("a valid __Host- config is accepted", func(t *testing.T) {
		if _, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: testSecret, CookieName: "__Host-id", CookieSecure: true}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a short secret key is accepted with a warning", func(t *testing.T) {
		var logs syncBuffer
		_, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: []byte("short"), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil || !strings.Contains(logs.String(), "level=WARN") || strings.Contains(logs.String(), "short\"") {
			t.Fatalf("New = %v, log %q; want success and a warning without the key", err, logs.String())
		}
	})
}

func TestKeys(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		k := session.NewKey()
		if len(k) != 32 || !session.ValidKey(k) || strings.Trim(k, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Fatalf("NewKey = %q", k)
		}
		if seen[k] {
			t.Fatalf("NewKey repeated %q", k)
		}
		seen[k] = true
	}
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"abcdefgh", true}, {"abcdefg", false}, {strings.Repeat("a", 64), true}, {strings.Repeat("a", 65), false},
		{"ABCDEFGH", false}, {"abcd-efgh", false}, {"abcdefgh\x00", false}, {"", false},
	} {
		if got := session.ValidKey(tc.key); got != tc.want {
			t.Errorf("ValidKey(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

func TestSessionUsedAfterCancelledContext(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.inSession(t, defaultSetup, func(r *http.Request, s *session.Session) {
		ctx, cancel := context.WithCancel(r.Context())
		cancel()
		if err := s.Save(ctx); err == nil {
			t.Error("Save with a cancelled context succeeded")
		}
		if err := s.CycleKey(ctx); err == nil {
			t.Error("CycleKey with a cancelled context succeeded")
		}
	})
}

func TestPositiveInfinity(t *testing.T) {
	// Python writes Infinity and NaN; they survive the round trip.
	f := newFixture(t, "bytes", session.Config{})
	f.inSession(t, func(s *session.Session) { s.Set("inf", math.Inf(1)) }, func(r *http.Request, s *session.Session) {
		if v, _, err := s.GetFloat("inf"); err != nil || !math.IsInf(v, 1) {
			t.Errorf("GetFloat(inf) = %v, %v", v, err)
		}
	})
}

var _ = io.Discard

func TestStoredSnapshotsAreNeverChangedInPlace(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/setup", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			s.Set("list", []any{"x"})
			s.Set("n", 1)
			if err := s.Save(r.Context()); err != nil {
				t.Fatal(err)
			}
			key := s.Key()
			// Writes after an explicit save change the session, not the
			// record the store holds, until the next save.
			s.Set("n", 2)
			s.Set("extra", true)
			if l, _ := s.Get("list"); l != nil {
				l.([]any)[0] = "mutated after save"
			}
			vals, _, _ := f.stored(key)
			if vals["n"] != int64(1) || vals["extra"] != nil || !reflect.DeepEqual(vals["list"], []any{"x"}) {
				t.Errorf("the stored record changed before the next save: %#v", vals)
			}
		})
		f.get("/setup")
		f.handle("/write-then-mutate", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			s.Set("other", 1) // copy on write of the loaded snapshot
			l, _ := s.Get("list")
			l.([]any)[0] = "mutated"
			w.WriteHeader(500) // nothing saved
		})
		f.get("/write-then-mutate")
		// As in Django, a list changed in place is part of the session and
		// is saved with the next save of the modified session; the request
		// answered 500 saved nothing.
		vals, _, _ := f.stored(f.jarKey())
		if !reflect.DeepEqual(vals, map[string]any{"list": []any{"mutated after save"}, "n": int64(2), "extra": true}) {
			t.Errorf("stored = %#v", vals)
		}
	})
}
