package session_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
)

// login is a handler that writes a value, creating the session.
func login(w http.ResponseWriter, r *http.Request, s *session.Session) {
	s.Set("user", "alice")
	io.WriteString(w, "ok")
}

func TestUntouchedSessionCostsNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/login", login)
		f.handle("/plain", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			io.WriteString(w, "hello")
		})
		tests := []struct {
			name   string
			before func()
		}{
			{"a request without a session cookie makes no store call and sets no cookie", func() {}},
			{"a request with a live session cookie makes no store call and sets no cookie", func() { f.get("/login") }},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				tc.before()
				f.cnt.reset()
				res := f.get("/plain")
				if res.body != "hello" {
					t.Fatalf("body = %q", res.body)
				}
				if n := f.cnt.total(); n != 0 {
					t.Errorf("store calls = %d, want 0", n)
				}
				if c := res.Header.Values("Set-Cookie"); len(c) != 0 {
					t.Errorf("Set-Cookie = %q, want none", c)
				}
				if v := res.Header.Values("Vary"); len(v) != 0 {
					t.Errorf("Vary = %q, want none", v)
				}
				if cc := res.Header.Get("Cache-Control"); cc != "" {
					t.Errorf("Cache-Control = %q, want none", cc)
				}
			})
		}
	})
}

func TestReadOnlyRequestWritesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/login", login)
		f.handle("/read", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			v, _ := s.Get("user")
			fmt.Fprint(w, v)
		})
		f.get("/login")
		f.cnt.reset()
		res := f.get("/read")
		if res.body != "alice" {
			t.Fatalf("body = %q, want alice", res.body)
		}
		if n := f.cnt.writes(); n != 0 {
			t.Errorf("store writes = %d, want 0", n)
		}
		if n := f.cnt.count("Load", "LoadValues"); n != 1 {
			t.Errorf("store loads = %d, want 1", n)
		}
		if c := res.sessionCookies("sessionid"); len(c) != 0 {
			t.Errorf("Set-Cookie = %q, want none", c)
		}
		if got := res.Header.Get("Vary"); got != "Cookie" {
			t.Errorf("Vary = %q, want Cookie", got)
		}
	})
}

func TestVaryCookieExactlyWhenAccessed(t *testing.T) {
	tests := []struct {
		name     string
		handler  func(s *session.Session)
		preset   string // Vary set by the handler before the session is used
		wantVary string
	}{
		{"a handler that does not touch the session gets no Vary", func(s *session.Session) {}, "", ""},
		{"IsEmpty does not count as an access", func(s *session.Session) { s.IsEmpty() }, "", ""},
		{"Get adds Vary: Cookie", func(s *session.Session) { s.Get("user") }, "", "Cookie"},
		{"Has adds Vary: Cookie", func(s *session.Session) { s.Has("user") }, "", "Cookie"},
		{"Keys adds Vary: Cookie", func(s *session.Session) { s.Keys() }, "", "Cookie"},
		{"Key adds Vary: Cookie", func(s *session.Session) { s.Key() }, "", "Cookie"},
		{"Set adds Vary: Cookie", func(s *session.Session) { s.Set("x", 1) }, "", "Cookie"},
		{"an existing Vary keeps its tokens", func(s *session.Session) { s.Get("user") }, "Accept-Encoding", "Accept-Encoding, Cookie"},
		{"an existing Vary: cookie is not repeated", func(s *session.Session) { s.Get("user") }, "Accept, cookie", "Accept, cookie"},
		{"Vary: * stays *", func(s *session.Session) { s.Get("user") }, "Accept, *", "*"},
		{"an untouched session leaves an existing Vary alone", func(s *session.Session) {}, "Accept", "Accept"},
	}
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/login", login)
		f.get("/login")
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				path := fmt.Sprintf("/vary%d", i)
				f.handle(path, func(w http.ResponseWriter, r *http.Request, s *session.Session) {
					if tc.preset != "" {
						w.Header().Set("Vary", tc.preset)
					}
					tc.handler(s)
				})
				res := f.get(path)
				if got := strings.Join(res.Header.Values("Vary"), ", "); got != tc.wantVary {
					t.Errorf("Vary = %q, want %q", got, tc.wantVary)
				}
			})
		}
	})
}

func TestServerErrorsDoNotSave(t *testing.T) {
	for _, status := range []int{500, 503, 599} {
		forEachStore(t, func(t *testing.T, kind string) {
			t.Run(fmt.Sprintf("a %d response saves nothing and sets no cookie", status), func(t *testing.T) {
				f := newFixture(t, kind, session.Config{})
				f.handle("/login", login)
				f.handle("/fail", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
					s.Set("x", 1)
					w.WriteHeader(status)
				})
				f.handle("/new-fail", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
					s.Set("x", 1)
					http.Error(w, "boom", status)
				})
				res := f.get("/new-fail")
				if res.StatusCode != status || len(res.sessionCookies("sessionid")) != 0 || f.cnt.writes() != 0 {
					t.Fatalf("new session: status %d, cookies %q, store writes %d; want %d, none, 0",
						res.StatusCode, res.sessionCookies("sessionid"), f.cnt.writes(), status)
				}
				if res.Header.Get("Vary") != "Cookie" {
					t.Errorf("Vary = %q, want Cookie (the session was accessed)", res.Header.Get("Vary"))
				}
				f.get("/login")
				key := f.jarKey()
				f.cnt.reset()
				res = f.get("/fail")
				if res.StatusCode != status || len(res.sessionCookies("sessionid")) != 0 || f.cnt.writes() != 0 {
					t.Fatalf("existing session: status %d, cookies %q, store writes %d; want %d, none, 0",
						res.StatusCode, res.sessionCookies("sessionid"), f.cnt.writes(), status)
				}
				vals, _, _ := f.stored(key)
				if _, ok := vals["x"]; ok {
					t.Fatalf("x was saved by a %d response", status)
				}
			})
		})
	}
}

func TestNewSessionCookie(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.handle("/login", login)
	res := f.get("/login")
	lines := res.sessionCookies("sessionid")
	if len(lines) != 1 {
		t.Fatalf("Set-Cookie = %q, want one session cookie", lines)
	}
	key := f.jarKey()
	if len(key) != session.KeyLength || !session.ValidKey(key) {
		t.Fatalf("key %q is not 32 characters of [a-z0-9]", key)
	}
	now := f.clock.Now()
	want := "sessionid=" + key + "; expires=" + now.Add(1209600*time.Second).UTC().Format(http.TimeFormat) +
		"; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax"
	if lines[0] != want {
		t.Errorf("Set-Cookie =\n  %s\nwant\n  %s", lines[0], want)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("Cache-Control = %q, want private, no-store", cc)
	}
	if v := res.Header.Get("Vary"); v != "Cookie" {
		t.Errorf("Vary = %q, want Cookie", v)
	}
	vals, exp, found := f.stored(key)
	if !found || vals["user"] != "alice" {
		t.Fatalf("stored = %v, %v", vals, found)
	}
	if !exp.Equal(now.Add(1209600 * time.Second)) {
		t.Errorf("store expiry = %v, want now + two weeks", exp)
	}
}

func TestCookieAttributesFollowConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  session.Config
		want string // the attributes after the key and the expiry
	}{
		{"a domain, secure, strict cookie lists its attributes in Django's order",
			session.Config{CookieDomain: "example.com", CookieSecure: true, CookieSameSite: http.SameSiteStrictMode, CookiePath: "/app"},
			"; Domain=example.com; expires=E; HttpOnly; Max-Age=60; Path=/app; SameSite=Strict; Secure"},
		{"HttpOnly can be turned off",
			session.Config{DisableHTTPOnly: true},
			"; expires=E; Max-Age=60; Path=/; SameSite=Lax"},
		{"SameSiteDefaultMode writes no SameSite",
			session.Config{CookieSameSite: http.SameSiteDefaultMode},
			"; expires=E; HttpOnly; Max-Age=60; Path=/"},
		{"a partitioned cookie for a third-party iframe",
			session.Config{CookieName: "__Host-sid", CookieSecure: true, CookiePartitioned: true, CookieSameSite: http.SameSiteNoneMode},
			"; expires=E; HttpOnly; Max-Age=60; Partitioned; Path=/; SameSite=None; Secure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.CookieAge = time.Minute
			f := newFixture(t, "values", tc.cfg)
			f.handle("/login", login)
			res := f.raw("/login")
			name := f.m.Config().CookieName
			lines := res.sessionCookies(name)
			if len(lines) != 1 {
				t.Fatalf("Set-Cookie = %q", res.Header.Values("Set-Cookie"))
			}
			_, key, _ := parseSetCookie(lines[0])
			exp := f.clock.Now().Add(time.Minute).UTC().Format(http.TimeFormat)
			want := name + "=" + key + strings.Replace(tc.want, "E", exp, 1)
			if lines[0] != want {
				t.Errorf("Set-Cookie =\n  %s\nwant\n  %s", lines[0], want)
			}
		})
	}
}

func TestFlushDeletesRecordAndCookie(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/login", login)
		f.handle("/logout", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			if err := s.Flush(r.Context()); err != nil {
				t.Errorf("Flush: %v", err)
			}
			if !s.IsEmpty() || s.Len() != 0 {
				t.Errorf("after Flush: IsEmpty %v, Len %d", s.IsEmpty(), s.Len())
			}
		})
		f.get("/login")
		key := f.jarKey()
		res := f.get("/logout")
		lines := res.sessionCookies("sessionid")
		want := `sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax`
		if len(lines) != 1 || lines[0] != want {
			t.Fatalf("Set-Cookie = %q, want %q", lines, want)
		}
		if res.Header.Get("Vary") != "Cookie" {
			t.Errorf("Vary = %q, want Cookie", res.Header.Get("Vary"))
		}
		if _, _, found := f.stored(key); found {
			t.Errorf("the record is still in the store")
		}
		if f.jarKey() != "" {
			t.Errorf("the browser still holds a session cookie")
		}
		// Replaying the old cookie gives an anonymous session.
		f.handle("/whoami", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			fmt.Fprint(w, s.GetDefault("user", "anonymous"))
		})
		if res := f.raw("/whoami", "sessionid="+key); res.body != "anonymous" {
			t.Errorf("replayed cookie: body %q, want anonymous", res.body)
		}
	})
}

func TestFlushWithoutCookieSetsNoCookie(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.handle("/logout", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		if err := s.Flush(r.Context()); err != nil {
			t.Errorf("Flush: %v", err)
		}
	})
	res := f.get("/logout")
	if c := res.Header.Values("Set-Cookie"); len(c) != 0 {
		t.Errorf("Set-Cookie = %q, want none", c)
	}
	if res.Header.Get("Vary") != "Cookie" {
		t.Errorf("Vary = %q, want Cookie", res.Header.Get("Vary"))
	}
	if f.cnt.total() != 0 {
		t.Errorf("store calls = %d, want 0", f.cnt.total())
	}
}

func TestEmptiedSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/login", login)
		f.handle("/pop", func(w http.ResponseWriter, r *http.Request, s *session.Session) { s.Pop("user") })
		f.handle("/clear", func(w http.ResponseWriter, r *http.Request, s *session.Session) { s.Clear() })
		for _, path := range []string{"/pop", "/clear"} {
			t.Run("removing every key with "+path[1:]+" keeps the key and saves an empty session, as Django", func(t *testing.T) {
				f.get("/login")
				key := f.jarKey()
				res := f.get(path)
				lines := res.sessionCookies("sessionid")
				if len(lines) != 1 || !strings.HasPrefix(lines[0], "sessionid="+key+";") {
					t.Fatalf("Set-Cookie = %q, want the same key re-sent", lines)
				}
				vals, _, found := f.stored(key)
				if !found || len(vals) != 0 {
					t.Fatalf("stored = %v, %v; want an empty record", vals, found)
				}
			})
		}
	})
}

func TestCycleKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/cart", func(w http.ResponseWriter, r *http.Request, s *session.Session) { s.Set("cart", []any{"apple"}) })
		var during string
		f.handle("/login", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			if err := s.CycleKey(r.Context()); err != nil {
				t.Errorf("CycleKey: %v", err)
			}
			during = s.Key()
			s.Set("user", "alice")
			// A second cycle in the same request still sends one cookie.
			if err := s.CycleKey(r.Context()); err != nil {
				t.Errorf("CycleKey: %v", err)
			}
		})
		f.get("/cart")
		old := f.jarKey()
		res := f.get("/login")
		lines := res.sessionCookies("sessionid")
		if len(lines) != 1 {
			t.Fatalf("Set-Cookie = %q, want exactly one session cookie", lines)
		}
		newKey := f.jarKey()
		if newKey == old || newKey == during || !session.ValidKey(newKey) {
			t.Fatalf("keys: old %q, first cycle %q, final %q: want three different keys", old, during, newKey)
		}
		for _, k := range []string{old, during} {
			if _, _, found := f.stored(k); found {
				t.Errorf("an old record is still in the store")
			}
		}
		vals, _, found := f.stored(newKey)
		if !found || vals["user"] != "alice" || fmt.Sprint(vals["cart"]) != "[apple]" {
			t.Fatalf("stored under the new key = %v, %v; want cart and user", vals, found)
		}
	})
}

func TestUnknownKeyIsNotAdopted(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/login", login)
		f.handle("/read", func(w http.ResponseWriter, r *http.Request, s *session.Session) { s.Get("user") })
		f.handle("/plain", func(w http.ResponseWriter, r *http.Request, s *session.Session) {})
		const planted = "attackerchosen12345attackerchose"
		t.Run("a write gives a new random key and leaves nothing under the planted one", func(t *testing.T) {
			res := f.raw("/login", "sessionid="+planted)
			lines := res.sessionCookies("sessionid")
			if len(lines) != 1 {
				t.Fatalf("Set-Cookie = %q", lines)
			}
			_, key, _ := parseSetCookie(lines[0])
			if key == planted || !session.ValidKey(key) {
				t.Fatalf("new key = %q", key)
			}
			if _, _, found := f.stored(planted); found {
				t.Fatal("a record was created under the planted key")
			}
		})
		t.Run("a read deletes the cookie and creates no record", func(t *testing.T) {
			f.cnt.reset()
			res := f.raw("/read", "sessionid="+planted)
			lines := res.sessionCookies("sessionid")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], `sessionid="";`) {
				t.Fatalf("Set-Cookie = %q, want the cookie deleted", lines)
			}
			if f.cnt.writes() != 0 {
				t.Fatalf("store writes = %d, want 0", f.cnt.writes())
			}
		})
		t.Run("an untouched request leaves the unknown cookie alone", func(t *testing.T) {
			f.cnt.reset()
			res := f.raw("/plain", "sessionid="+planted)
			if c := res.Header.Values("Set-Cookie"); len(c) != 0 || f.cnt.total() != 0 {
				t.Fatalf("Set-Cookie %q, store calls %d; want none, 0", c, f.cnt.total())
			}
		})
	})
}

func TestInvalidCookieValuesNeverReachTheStore(t *testing.T) {
	values := []string{
		"../../etc/passwd", "a/b", `a\b`, "%2e%2e%2f", "ab\x00cd", strings.Repeat("a", 250), strings.Repeat("b", 10<<10),
		"", "1234567", "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456", "abc def ghij", "'; DROP TABLE django_session; --",
	}
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/write", login)
		for _, v := range values {
			t.Run(fmt.Sprintf("the cookie value %.20q is an anonymous session and is deleted", v), func(t *testing.T) {
				f.cnt.reset()
				req := mustRequest(t, "GET", f.srv.URL+"/write")
				// Bypass header validation for the NUL case: it is sent raw.
				req.Header["Cookie"] = []string{"sessionid=" + strings.ReplaceAll(v, "\x00", "%00")}
				res, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Fatalf("status %d", res.StatusCode)
				}
				for _, k := range f.cnt.seenKeys() {
					if !session.ValidKey(k) || k == v {
						t.Fatalf("the store saw the key %q", k)
					}
				}
				var set []string
				for _, l := range res.Header.Values("Set-Cookie") {
					set = append(set, l)
				}
				// The request had a session cookie and its session ends
				// up non-empty under a new key: one cookie with that key.
				if len(set) != 1 || strings.HasPrefix(set[0], `sessionid="";`) {
					t.Fatalf("Set-Cookie = %q, want one new session cookie", set)
				}
			})
		}
		f.handle("/plain", func(w http.ResponseWriter, r *http.Request, s *session.Session) {})
		t.Run("an invalid cookie on an untouched request is deleted as Django deletes it", func(t *testing.T) {
			f.cnt.reset()
			res := f.raw("/plain", "sessionid=abc")
			want := `sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax`
			if got := res.sessionCookies("sessionid"); len(got) != 1 || got[0] != want || f.cnt.total() != 0 {
				t.Fatalf("Set-Cookie = %q, store calls %d; want %q, 0", got, f.cnt.total(), want)
			}
		})
	})
}

func TestDuplicateSessionCookies(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.handle("/login", login)
	f.handle("/whoami", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		fmt.Fprint(w, s.GetDefault("user", "anonymous"))
	})
	f.get("/login")
	live := f.jarKey()
	unknown := session.NewKey()
	tests := []struct {
		name    string
		headers []string
		want    string
	}{
		{"garbage before the live key", []string{"sessionid=garbage; sessionid=" + live}, "alice"},
		{"the live key before garbage", []string{"sessionid=" + live + "; sessionid=garbage"}, "alice"},
		{"an unknown valid key before the live key", []string{"sessionid=" + unknown + "; sessionid=" + live}, "alice"},
		{"the live key in a second Cookie header", []string{"other=1", "sessionid=" + live}, "alice"},
		{"a quoted live key", []string{`sessionid="` + live + `"`}, "alice"},
		{"only unknown keys", []string{"sessionid=" + unknown + "; sessionid=" + session.NewKey()}, "anonymous"},
	}
	for _, tc := range tests {
		t.Run(tc.name+" reads as "+tc.want, func(t *testing.T) {
			res := f.raw("/whoami", tc.headers...)
			if res.StatusCode != 200 || res.body != tc.want {
				t.Fatalf("status %d, body %q; want 200, %q", res.StatusCode, res.body, tc.want)
			}
		})
	}
}

func TestSetExpiryForms(t *testing.T) {
	const age = 1209600
	const noMaxAge = math.MinInt
	tests := []struct {
		name        string
		cfg         session.Config
		set         func(s *session.Session, now time.Time)
		wantMaxAge  int  // noMaxAge: neither Max-Age nor expires
		wantStored  any  // _session_expiry as stored; nil: absent
		wantStoreIn int  // store expiry, seconds from now
		wantClose   bool // ExpireAtBrowserClose
	}{
		{"seconds give that Max-Age and store expiry, stored as an integer",
			session.Config{}, func(s *session.Session, _ time.Time) { s.SetExpiry(300) }, 300, int64(300), 300, false},
		{"a time gives the seconds until it, stored as an ISO-8601 string",
			session.Config{}, func(s *session.Session, now time.Time) {
				s.SetExpiryTime(now.Add(90*time.Minute + 500*time.Millisecond))
			},
			5400, "T+5400.5", 5400, false},
		{"a duration is fixed from now, stored as an ISO-8601 string",
			session.Config{}, func(s *session.Session, _ time.Time) { s.SetExpiryDuration(2 * time.Hour) }, 7200, "T+7200", 7200, false},
		{"zero makes a browser-session cookie and keeps the default store expiry",
			session.Config{}, func(s *session.Session, _ time.Time) { s.SetExpiry(session.BrowserClose) }, noMaxAge, int64(0), age, true},
		{"default follows the global policy",
			session.Config{}, func(s *session.Session, _ time.Time) { s.SetExpiry(60); s.SetExpiryDefault() }, age, nil, age, false},
		{"ExpireAtBrowserClose makes a browser-session cookie by default",
			session.Config{ExpireAtBrowserClose: true}, func(s *session.Session, _ time.Time) {}, noMaxAge, nil, age, true},
		{"seconds override ExpireAtBrowserClose",
			session.Config{ExpireAtBrowserClose: true}, func(s *session.Session, _ time.Time) { s.SetExpiry(60) }, 60, int64(60), 60, false},
		{"CookieAge sets the default",
			session.Config{CookieAge: time.Hour}, func(s *session.Session, _ time.Time) {}, 3600, nil, 3600, false},
		{"a negative number of seconds expires the session at once",
			session.Config{}, func(s *session.Session, _ time.Time) { s.SetExpiry(-5) }, -5, int64(-5), -5, false},
		{"more than 400 days is written as 400 days in the cookie only",
			session.Config{}, func(s *session.Session, _ time.Time) { s.SetExpiry(500 * 86400) }, 400 * 86400, int64(500 * 86400), 500 * 86400, false},
	}
	for _, tc := range tests {
		forEachStore(t, func(t *testing.T, kind string) {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t, kind, tc.cfg)
				var age time.Duration
				var date time.Time
				var closeAtExit bool
				f.handle("/set", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
					s.Set("user", "alice")
					tc.set(s, f.clock.Now())
					age, date, closeAtExit = s.ExpiryAge(), s.ExpiryDate(), s.ExpireAtBrowserClose()
				})
				now := f.clock.Now()
				res := f.raw("/set")
				lines := res.sessionCookies("sessionid")
				if len(lines) != 1 {
					t.Fatalf("Set-Cookie = %q", lines)
				}
				_, key, attrs := parseSetCookie(lines[0])
				if tc.wantMaxAge == noMaxAge {
					if _, ok := attrs["max-age"]; ok {
						t.Errorf("Max-Age present in %q", lines[0])
					}
					if _, ok := attrs["expires"]; ok {
						t.Errorf("expires present in %q", lines[0])
					}
				} else {
					if attrs["max-age"] != strconv.Itoa(tc.wantMaxAge) {
						t.Errorf("Max-Age = %q, want %d", attrs["max-age"], tc.wantMaxAge)
					}
					wantExp := now.Add(time.Duration(tc.wantMaxAge) * time.Second).UTC().Format(http.TimeFormat)
					if attrs["expires"] != wantExp {
						t.Errorf("expires = %q, want %q", attrs["expires"], wantExp)
					}
				}
				if closeAtExit != tc.wantClose {
					t.Errorf("ExpireAtBrowserClose = %v, want %v", closeAtExit, tc.wantClose)
				}
				vals, exp, found := f.stored(key)
				if tc.wantStoreIn < 0 {
					if found {
						t.Errorf("an already expired session is still loadable")
					}
					return
				}
				if !found {
					t.Fatalf("record not found")
				}
				wantDate := now.Add(time.Duration(tc.wantStoreIn) * time.Second)
				if s, ok := tc.wantStored.(string); ok && strings.HasSuffix(s, ".5") {
					wantDate = wantDate.Add(500 * time.Millisecond)
				}
				if !exp.Equal(wantDate) || !date.Equal(wantDate) {
					t.Errorf("store expiry %v, ExpiryDate %v; want %v", exp, date, wantDate)
				}
				if age != time.Duration(tc.wantStoreIn)*time.Second && !tc.wantClose {
					t.Errorf("ExpiryAge = %v, want %ds", age, tc.wantStoreIn)
				}
				got, ok := vals[session.ExpiryKey]
				switch want := tc.wantStored.(type) {
				case nil:
					if ok {
						t.Errorf("%s = %#v, want absent", session.ExpiryKey, got)
					}
				case int64:
					if got != want {
						t.Errorf("%s = %#v, want %#v", session.ExpiryKey, got, want)
					}
				case string:
					s, isString := got.(string)
					parsed, err := time.Parse(time.RFC3339Nano, s)
					if !isString || err != nil || !parsed.Equal(wantDate) || !strings.HasSuffix(s, "+00:00") {
						t.Errorf("%s = %#v, want the ISO-8601 form of %v", session.ExpiryKey, got, wantDate)
					}
				}
			})
		})
	}
}

func TestIntegerExpiryIsAnIdleTimeout(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.handle("/login", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		s.Set("user", "alice")
		s.SetExpiry(60)
	})
	f.handle("/touch", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		n, _, _ := s.GetInt("n")
		s.Set("n", n+1)
		fmt.Fprint(w, s.GetDefault("user", "anonymous"))
	})
	f.get("/login")
	for i := range 3 {
		f.clock.Advance(50 * time.Second)
		if res := f.get("/touch"); res.body != "alice" {
			t.Fatalf("request %d after 50s of inactivity: %q, want alice", i, res.body)
		}
	}
	f.clock.Advance(61 * time.Second)
	if res := f.get("/touch"); res.body != "anonymous" {
		t.Fatalf("after 61s of inactivity: %q, want anonymous", res.body)
	}
}

func TestSaveEveryRequest(t *testing.T) {
	f := newFixture(t, "values", session.Config{SaveEveryRequest: true})
	f.handle("/login", login)
	f.handle("/plain", func(w http.ResponseWriter, r *http.Request, s *session.Session) {})
	t.Run("a request without a session saves nothing", func(t *testing.T) {
		res := f.get("/plain")
		if c := res.Header.Values("Set-Cookie"); len(c) != 0 || f.cnt.total() != 0 {
			t.Fatalf("Set-Cookie %q, store calls %d", c, f.cnt.total())
		}
	})
	t.Run("an untouched session is saved and its cookie re-sent, without Vary", func(t *testing.T) {
		f.get("/login")
		key := f.jarKey()
		f.clock.Advance(time.Hour)
		f.cnt.reset()
		res := f.get("/plain")
		lines := res.sessionCookies("sessionid")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "sessionid="+key+";") {
			t.Fatalf("Set-Cookie = %q, want the same key", lines)
		}
		if f.cnt.count("Save", "SaveValues") != 1 {
			t.Fatalf("store saves = %d, want 1", f.cnt.count("Save", "SaveValues"))
		}
		if v := res.Header.Get("Vary"); v != "" {
			t.Errorf("Vary = %q, want none", v)
		}
		_, exp, _ := f.stored(key)
		if want := f.clock.Now().Add(session.DefaultCookieAge); !exp.Equal(want) {
			t.Errorf("store expiry %v, want it pushed back to %v", exp, want)
		}
	})
	t.Run("an unknown key gets a new empty session, as in Django", func(t *testing.T) {
		res := f.raw("/plain", "sessionid="+session.NewKey())
		lines := res.sessionCookies("sessionid")
		if len(lines) != 1 || strings.HasPrefix(lines[0], `sessionid="";`) {
			t.Fatalf("Set-Cookie = %q, want a new session (status %d, body %q, logs %s)", lines, res.StatusCode, res.body, f.logs.String())
		}
	})
}

func TestConcurrentDeletionIsSessionInterrupted(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/login", login)
		loaded := make(chan struct{})
		proceed := make(chan struct{})
		f.handle("/slow", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			s.Get("user")
			close(loaded)
			<-proceed
			s.Set("cart", 3)
			io.WriteString(w, "handler body")
		})
		f.handle("/logout", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			if err := s.Flush(r.Context()); err != nil {
				t.Errorf("Flush: %v", err)
			}
		})
		f.get("/login")
		key := f.jarKey()
		var slow response
		var wg sync.WaitGroup
		wg.Go(func() { slow = f.raw("/slow", "sessionid="+key) })
		<-loaded
		f.get("/logout")
		close(proceed)
		wg.Wait()
		if slow.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", slow.StatusCode)
		}
		if !strings.Contains(slow.body, "The request's session was deleted before the request completed.") {
			t.Errorf("body = %q, want Django's message", slow.body)
		}
		if len(slow.sessionCookies("sessionid")) != 0 {
			t.Errorf("Set-Cookie = %q, want none", slow.sessionCookies("sessionid"))
		}
		if _, _, found := f.stored(key); found {
			t.Fatal("the logged-out session was brought back")
		}
	})
}

func TestStoreErrors(t *testing.T) {
	errDown := errors.New("store is down: connection refused")
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/login", login)
		var saveErr error
		f.handle("/explicit", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			s.Set("x", 1)
			saveErr = s.Save(r.Context())
			if saveErr != nil {
				http.Error(w, "try later", http.StatusServiceUnavailable)
				return
			}
		})
		f.handle("/read", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			w.Header().Set("Content-Type", "text/csv")
			w.Header().Set("Location", "/elsewhere")
			fmt.Fprint(w, s.GetDefault("user", "anonymous"))
		})
		var loadErr error
		f.handle("/load", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			loadErr = s.Load(r.Context())
			fmt.Fprint(w, "handled: ", s.GetDefault("user", "anonymous"))
		})
		var writeErr error
		f.handle("/write", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			s.Set("x", 1)
			_, writeErr = io.WriteString(w, "handler body")
		})
		f.get("/login")
		key := f.jarKey()
		f.cnt.setFail(errDown)

		t.Run("an explicit Save returns the error to the handler", func(t *testing.T) {
			res := f.get("/explicit")
			if !errors.Is(saveErr, errDown) || res.StatusCode != 503 {
				t.Fatalf("Save error %v, status %d; want the store's error and the handler's 503", saveErr, res.StatusCode)
			}
		})
		t.Run("a failed load answers 500 and logs the cause without the key", func(t *testing.T) {
			res := f.get("/read")
			if res.StatusCode != 500 || strings.Contains(res.body, "anonymous") {
				t.Fatalf("status %d, body %q; want the error handler's 500", res.StatusCode, res.body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || res.Header.Get("Location") != "" {
				t.Errorf("headers of the handler leaked into the error response: %v", res.Header)
			}
			logs := f.logs.String()
			if !strings.Contains(logs, "store is down") || !strings.Contains(logs, "level=ERROR") {
				t.Errorf("log = %q, want an error line with the cause", logs)
			}
			if strings.Contains(logs, key) {
				t.Errorf("the session key appears in the log")
			}
			if len(res.sessionCookies("sessionid")) != 0 {
				t.Errorf("the cookie was touched during an outage: %q", res.sessionCookies("sessionid"))
			}
		})
		t.Run("a handler that saw the load error keeps its response", func(t *testing.T) {
			res := f.get("/load")
			if !errors.Is(loadErr, errDown) || res.StatusCode != 200 || res.body != "handled: anonymous" {
				t.Fatalf("Load error %v, status %d, body %q", loadErr, res.StatusCode, res.body)
			}
		})
		t.Run("a failed automatic save replaces the response with a 500", func(t *testing.T) {
			res := f.get("/write")
			if res.StatusCode != 500 || strings.Contains(res.body, "handler body") {
				t.Fatalf("status %d, body %q; want the error handler's 500", res.StatusCode, res.body)
			}
			if !errors.Is(writeErr, session.ErrResponseReplaced) || !errors.Is(writeErr, errDown) {
				t.Errorf("the handler's Write returned %v, want ErrResponseReplaced wrapping the cause", writeErr)
			}
		})
		f.cnt.setFail(nil)
		t.Run("nothing stored was lost", func(t *testing.T) {
			vals, _, found := f.stored(key)
			if !found || vals["user"] != "alice" {
				t.Fatalf("stored = %v, %v", vals, found)
			}
		})
	})
}

func TestErrorHandlerThatWritesNothingLetsTheResponseThrough(t *testing.T) {
	var got error
	f := newFixture(t, "values", session.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { got = err }})
	f.handle("/login", login)
	f.handle("/write", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		s.Set("x", 1)
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, "a,b")
	})
	f.get("/login")
	f.cnt.setFail(errors.New("down"))
	res := f.get("/write")
	if res.StatusCode != 200 || res.body != "a,b" || res.Header.Get("Content-Type") != "text/csv" {
		t.Fatalf("status %d, body %q, type %q; want the handler's response", res.StatusCode, res.body, res.Header.Get("Content-Type"))
	}
	if got == nil || len(res.sessionCookies("sessionid")) != 0 {
		t.Fatalf("ErrorHandler got %v; cookies %q", got, res.sessionCookies("sessionid"))
	}
}

func TestCacheControl(t *testing.T) {
	tests := []struct {
		name, preset, want string
	}{
		{"no policy becomes private, no-store", "", "private, no-store"},
		{"a public policy is replaced", "public, max-age=600", "private, no-store"},
		{"no-cache is not enough", "no-cache", "private, no-store"},
		{"no-store is kept", "no-store", "no-store"},
		{"private is kept", "private, max-age=60", "private, max-age=60"},
	}
	f := newFixture(t, "values", session.Config{})
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := fmt.Sprintf("/cc%d", i)
			f.handle(path, func(w http.ResponseWriter, r *http.Request, s *session.Session) {
				if tc.preset != "" {
					w.Header().Set("Cache-Control", tc.preset)
				}
				s.Set("x", i)
			})
			res := f.raw(path)
			if got := res.Header.Get("Cache-Control"); got != tc.want {
				t.Errorf("Cache-Control = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExplicitSaveIsNotRepeated(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.handle("/save", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		s.Set("a", 1)
		if err := s.Save(r.Context()); err != nil {
			t.Error(err)
		}
		if s.Key() == "" {
			t.Error("Key after Save is empty")
		}
	})
	res := f.get("/save")
	if n := f.cnt.count("Save", "SaveValues"); n != 1 {
		t.Errorf("store saves = %d, want 1", n)
	}
	if len(res.sessionCookies("sessionid")) != 1 {
		t.Errorf("Set-Cookie = %q, want the new key", res.sessionCookies("sessionid"))
	}
}

func TestStreamingAndConnectionControl(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.handle("/stream", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		s.Set("streamed", true)
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		s.Set("late", true) // after the headers: not saved automatically
		io.WriteString(w, "second\n")
	})
	f.handle("/controller", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline through the wrapper: %v", err)
		}
		s.Set("controlled", true)
		if err := rc.Flush(); err != nil {
			t.Errorf("ResponseController.Flush through the wrapper: %v", err)
		}
	})
	f.handle("/hijack", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		s.Set("hijacked", true)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
		buf.Flush()
	})

	t.Run("Flusher sends the cookie with the first chunk", func(t *testing.T) {
		res := f.get("/stream")
		if res.body != "first\nsecond\n" || len(res.sessionCookies("sessionid")) != 1 {
			t.Fatalf("body %q, cookies %q", res.body, res.sessionCookies("sessionid"))
		}
		vals, _, _ := f.stored(f.jarKey())
		if vals["streamed"] != true {
			t.Fatalf("stored = %v, want streamed", vals)
		}
		if _, ok := vals["late"]; ok {
			t.Fatalf("a change made after the headers went out was saved")
		}
	})
	t.Run("http.ResponseController reaches the connection through Unwrap", func(t *testing.T) {
		res := f.raw("/controller")
		if len(res.sessionCookies("sessionid")) != 1 {
			t.Fatalf("cookies %q", res.sessionCookies("sessionid"))
		}
	})
	t.Run("Hijacker works and the session is saved first", func(t *testing.T) {
		conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		if string(body) != "raw" {
			t.Fatalf("body %q", body)
		}
		if f.cnt.count("SaveValues") == 0 {
			t.Fatal("the session was not saved before the hijack")
		}
	})
}

func TestNumbersRoundTripExactly(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/set", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			s.Set("big", int64(1<<53+1))
			s.Set("max", int64(math.MaxInt64))
			s.Set("huge", uint64(math.MaxUint64))
			s.Set("one", 1.0)
			s.Set("int", 7)
		})
		type result struct {
			big, max      int64
			huge          uint64
			one           any
			intv          any
			bigErr, float error
		}
		var got result
		f.handle("/get", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			got.big, _, got.bigErr = s.GetInt("big")
			got.max, _, _ = s.GetInt("max")
			got.huge, _, _ = session.Get[uint64](s, "huge")
			got.one, _ = s.Get("one")
			got.intv, _ = s.Get("int")
			_, _, got.float = s.GetInt("one")
		})
		f.get("/set")
		f.get("/get")
		if got.big != 1<<53+1 || got.bigErr != nil || got.max != math.MaxInt64 || got.huge != math.MaxUint64 {
			t.Errorf("integers: %+v", got)
		}
		if v, ok := got.one.(float64); !ok || v != 1.0 {
			t.Errorf("1.0 came back as %#v, want float64 1", got.one)
		}
		if v, ok := got.intv.(int64); !ok || v != 7 {
			t.Errorf("7 came back as %#v, want int64 7", got.intv)
		}
		if got.float != nil {
			t.Errorf("GetInt of 1.0 = %v, want 1 (an integral float is accepted)", got.float)
		}
	})
}

func TestSessionSharedByGoroutinesOfOneRequest(t *testing.T) {
	f := newFixture(t, "values", session.Config{})
	f.handle("/fan-out", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				s.Set(fmt.Sprintf("k%d", i), i)
				s.Get("k0")
				s.Keys()
				for range s.All() {
				}
			})
		}
		wg.Wait()
		fmt.Fprint(w, s.Len())
	})
	if res := f.get("/fan-out"); res.body != "16" {
		t.Fatalf("body = %q, want 16", res.body)
	}
	vals, _, _ := f.stored(f.jarKey())
	if len(vals) != 16 {
		t.Fatalf("stored %d keys, want 16", len(vals))
	}
}

func TestFromRequestOutsideMiddleware(t *testing.T) {
	r, _ := http.NewRequest("GET", "/", nil)
	func() {
		defer func() {
			msg := fmt.Sprint(recover())
			for _, want := range []string{"did not pass through the session middleware", "Middleware(mux)"} {
				if !strings.Contains(msg, want) {
					t.Errorf("FromRequest's panic %q does not say %q", msg, want)
				}
			}
		}()
		session.FromRequest(r)
		t.Error("FromRequest outside the middleware did not panic")
	}()
	if s, ok := session.FromContext(r.Context()); ok || s != nil {
		t.Fatal("FromContext found a session in an empty context")
	}
}

func TestContextValuesStillWork(t *testing.T) {
	type key struct{}
	f := newFixture(t, "values", session.Config{})
	outer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, "v")))
		})
	}
	srv := httpTestServer(t, outer(f.m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		s, ok := session.FromContext(ctx)
		fmt.Fprintf(w, "%v %v", r.Context().Value(key{}), ok && s != nil)
	}))))
	res, err := http.Get(srv)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "v true" {
		t.Fatalf("body = %q, want the outer value and the session", body)
	}
}
