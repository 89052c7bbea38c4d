package session_test

// Tests that pin behaviours of the middleware that no other test checked,
// before a refactor. Each one was seen to fail with a bug planted in the
// code it guards.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
)

// pinDeleteLine is the Set-Cookie line that deletes the default session cookie.
const pinDeleteLine = `sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax`

// handleUntouched registers a handler that never asks for its session
// (unlike fixture.handle, which calls FromRequest): the middleware never
// makes a Session for these requests.
func (f *fixture) handleUntouched(path string) {
	f.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "untouched")
	})
}

// loginRaw creates a session with user=alice through /login, without the
// jar, and returns its key.
func (f *fixture) loginRaw(t *testing.T) string {
	t.Helper()
	res := f.raw("/login")
	lines := res.sessionCookies(f.m.Config().CookieName)
	if len(lines) != 1 {
		t.Fatalf("login: Set-Cookie = %q", res.Header.Values("Set-Cookie"))
	}
	_, key, _ := parseSetCookie(lines[0])
	if !session.ValidKey(key) {
		t.Fatalf("login: key %q", key)
	}
	return key
}

func TestPinUntouchedHandlerDeletesMalformedCookie(t *testing.T) {
	unknown := session.NewKey() // a well-formed key the store does not know
	tests := []struct {
		name    string
		cookies []string // the request's Cookie header fields
		// What the response holds for the session cookie: "delete" for
		// Django's delete line, "" for no Set-Cookie, "new" for a new
		// session's cookie.
		want, wantEveryRequest string
	}{
		{"a value too short to be a key is deleted", []string{"sessionid=abc"}, "delete", "delete"},
		{"an empty value is deleted", []string{"sessionid="}, "delete", "delete"},
		{"upper case letters are not a key and are deleted", []string{"sessionid=ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"}, "delete", "delete"},
		{"a quoted malformed value is deleted", []string{`sessionid="abc def"`}, "delete", "delete"},
		{"a path is deleted and the other cookies are left alone", []string{"theme=dark; sessionid=../../etc/passwd; lang=fr"}, "delete", "delete"},
		{"a malformed value in a second Cookie field is deleted", []string{"theme=dark", "sessionid=%2e%2e%2f"}, "delete", "delete"},
		{"two malformed values give one delete line", []string{"sessionid=abc; sessionid=def"}, "delete", "delete"},
		{"another cookie whose name ends with the session's is not ours", []string{"xsessionid=abc"}, "", ""},
		{"no cookie at all sets nothing", nil, "", ""},
		// A well-formed key is not looked up when the handler does not ask
		// for its session (no store I/O), so it is left alone, as in
		// Django (its is_empty() is false for an unchecked key); with
		// SaveEveryRequest it is looked up and replaced by a new session.
		{"a well-formed unknown key is left alone", []string{"sessionid=" + unknown}, "", "new"},
		{"a malformed value next to a well-formed one is left alone", []string{"sessionid=abc; sessionid=" + unknown}, "", "new"},
	}
	for _, every := range []bool{false, true} {
		t.Run(fmt.Sprintf("SaveEveryRequest %v", every), func(t *testing.T) {
			forEachStore(t, func(t *testing.T, kind string) {
				f := newFixture(t, kind, session.Config{SaveEveryRequest: every})
				f.handleUntouched("/plain")
				for _, tc := range tests {
					t.Run(tc.name, func(t *testing.T) {
						want := tc.want
						if every {
							want = tc.wantEveryRequest
						}
						f.cnt.reset()
						res := f.raw("/plain", tc.cookies...)
						if res.StatusCode != 200 || res.body != "untouched" {
							t.Fatalf("status %d, body %q; want the handler's response", res.StatusCode, res.body)
						}
						lines := res.sessionCookies("sessionid")
						all := res.Header.Values("Set-Cookie")
						switch want {
						case "delete":
							if len(all) != 1 || lines[0] != pinDeleteLine {
								t.Fatalf("Set-Cookie = %q, want only %q", all, pinDeleteLine)
							}
							if v := res.Header.Get("Vary"); v != "Cookie" {
								t.Errorf("Vary = %q, want Cookie", v)
							}
							if cc := res.Header.Get("Cache-Control"); cc != "private, no-store" {
								t.Errorf("Cache-Control = %q, want private, no-store", cc)
							}
							if n := f.cnt.total(); n != 0 {
								t.Errorf("store calls = %d, want 0 (a malformed value is never looked up)", n)
							}
						case "":
							if len(all) != 0 {
								t.Fatalf("Set-Cookie = %q, want none", all)
							}
							if n := f.cnt.writes(); n != 0 {
								t.Errorf("store writes = %d, want 0", n)
							}
						case "new":
							if len(all) != 1 || len(lines) != 1 {
								t.Fatalf("Set-Cookie = %q, want one new session cookie", all)
							}
							_, key, _ := parseSetCookie(lines[0])
							if key == unknown || !session.ValidKey(key) {
								t.Fatalf("new key = %q, want a new random key", key)
							}
							if _, _, found := f.stored(key); !found {
								t.Errorf("the new session is not in the store")
							}
						}
					})
				}
			})
		})
	}
}

func TestPinSaveEveryRequestRefreshesUntouchedSession(t *testing.T) {
	tests := []struct {
		name  string
		setup func(s *session.Session) // run at login
		// wantAge is the lifetime the refresh gives, in seconds, after an
		// hour has passed since login (-1: the same date as at login).
		wantAge int64
	}{
		{"the default age is pushed back", func(*session.Session) {}, int64(session.DefaultCookieAge / time.Second)},
		{"an integer expiry is an idle timeout pushed back", func(s *session.Session) { s.SetExpiry(7200) }, 7200},
		{"a fixed expiry date does not move", func(s *session.Session) { s.SetExpiryDuration(3 * time.Hour) }, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, kind string) {
				f := newFixture(t, kind, session.Config{SaveEveryRequest: true})
				f.handle("/login", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
					s.Set("user", "alice")
					tc.setup(s)
				})
				f.handleUntouched("/plain")
				key := f.loginRaw(t)
				_, before, found := f.stored(key)
				if !found {
					t.Fatal("the session was not stored at login")
				}
				f.clock.Advance(time.Hour)
				now := f.clock.Now()
				f.cnt.reset()
				res := f.raw("/plain", "sessionid="+key)

				lines := res.sessionCookies("sessionid")
				if len(lines) != 1 {
					t.Fatalf("Set-Cookie = %q, want the session cookie re-sent", res.Header.Values("Set-Cookie"))
				}
				_, got, attrs := parseSetCookie(lines[0])
				if got != key {
					t.Fatalf("cookie key = %q, want the same key %q", got, key)
				}
				wantExp := before
				if tc.wantAge >= 0 {
					wantExp = now.Add(time.Duration(tc.wantAge) * time.Second)
				}
				wantMaxAge := int64(wantExp.Sub(now) / time.Second)
				if attrs["max-age"] != strconv.FormatInt(wantMaxAge, 10) {
					t.Errorf("Max-Age = %q, want %d", attrs["max-age"], wantMaxAge)
				}
				if e := wantExp.UTC().Format(http.TimeFormat); attrs["expires"] != e {
					t.Errorf("expires = %q, want %q", attrs["expires"], e)
				}
				if n := f.cnt.count("Save", "SaveValues"); n != 1 {
					t.Errorf("store saves = %d, want 1", n)
				}
				vals, after, found := f.stored(key)
				if !found || vals["user"] != "alice" {
					t.Fatalf("stored = %v, %v; want user alice", vals, found)
				}
				if !after.Equal(wantExp) {
					t.Errorf("store expiry = %v, want %v (at login: %v)", after, wantExp, before)
				}
				if tc.wantAge >= 0 && !after.After(before) {
					t.Errorf("store expiry %v did not move later than %v", after, before)
				}
			})
		})
	}
}

func TestPinFlushDeleteLineKeepsDomainAndSecure(t *testing.T) {
	tests := []struct {
		name string
		cfg  session.Config
		want string
	}{
		{"a domain is kept",
			session.Config{CookieDomain: "example.com"},
			`sessionid=""; Domain=example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax`},
		{"secure is kept",
			session.Config{CookieSecure: true},
			`sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax; Secure`},
		{"domain, secure, path and SameSite together",
			session.Config{CookieDomain: ".example.com", CookieSecure: true, CookiePath: "/app", CookieSameSite: http.SameSiteStrictMode},
			`sessionid=""; Domain=.example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/app; SameSite=Strict; Secure`},
		{"a __Secure- name with a domain",
			session.Config{CookieName: "__Secure-sid", CookieDomain: "example.com", CookieSecure: true},
			`__Secure-sid=""; Domain=example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax; Secure`},
		{"SameSite None with a domain",
			session.Config{CookieDomain: "example.com", CookieSecure: true, CookieSameSite: http.SameSiteNoneMode},
			`sessionid=""; Domain=example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=None; Secure`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "values", tc.cfg)
			name := f.m.Config().CookieName
			f.handle("/login", login)
			f.handle("/logout", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
				if err := s.Flush(r.Context()); err != nil {
					t.Errorf("Flush: %v", err)
				}
			})
			key := f.loginRaw(t)
			res := f.raw("/logout", name+"="+key)
			if got := res.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != tc.want {
				t.Fatalf("Set-Cookie =\n  %q\nwant\n  %q", got, tc.want)
			}
			if _, _, found := f.stored(key); found {
				t.Errorf("the record is still in the store")
			}
			// The malformed-cookie path of an untouched request writes the
			// same line.
			f.handleUntouched("/plain")
			res = f.raw("/plain", name+"=abc")
			if got := res.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != tc.want {
				t.Fatalf("untouched request with a malformed cookie: Set-Cookie =\n  %q\nwant\n  %q", got, tc.want)
			}
		})
	}
}

func TestPinFailedSaveDropsHandlerSetCookie(t *testing.T) {
	errDown := errors.New("store is down")
	// Each writes a response after setting its own cookie and changing the
	// session; the save fails when the headers go out.
	respond := []struct {
		name string
		fn   func(w http.ResponseWriter)
	}{
		{"Write", func(w http.ResponseWriter) { io.WriteString(w, "handler body") }},
		{"WriteHeader", func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) }},
		{"Flush", func(w http.ResponseWriter) { w.(http.Flusher).Flush() }},
		{"return without writing", func(http.ResponseWriter) {}},
	}
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/login", login)
		for i, rc := range respond {
			for _, existing := range []bool{false, true} {
				name := rc.name + " in a new session"
				if existing {
					name = rc.name + " in an existing session"
				}
				t.Run(name, func(t *testing.T) {
					f.cnt.setFail(nil)
					var cookies []string
					if existing {
						cookies = []string{"sessionid=" + f.loginRaw(t)}
					}
					path := fmt.Sprintf("/fail%d-%v", i, existing)
					f.handle(path, func(w http.ResponseWriter, r *http.Request, s *session.Session) {
						s.Get("user") // loads the session while the store works
						f.cnt.setFail(errDown)
						http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", Path: "/"})
						w.Header().Add("Set-Cookie", "lang=fr; Path=/")
						s.Set("x", 1)
						rc.fn(w)
					})
					res := f.raw(path, cookies...)
					f.cnt.setFail(nil)
					if res.StatusCode != 500 || res.body != "Internal Server Error\n" {
						t.Fatalf("status %d, body %q; want the error handler's 500", res.StatusCode, res.body)
					}
					if got := res.Header.Values("Set-Cookie"); len(got) != 0 {
						t.Fatalf("Set-Cookie in the 500 response = %q, want none", got)
					}
				})
			}
		}
	})
	t.Run("an ErrorHandler that writes nothing keeps the handler's cookies", func(t *testing.T) {
		f := newFixture(t, "values", session.Config{ErrorHandler: func(http.ResponseWriter, *http.Request, error) {}})
		f.handle("/write", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			f.cnt.setFail(errDown)
			http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", Path: "/"})
			s.Set("x", 1)
			io.WriteString(w, "handler body")
		})
		res := f.raw("/write")
		if res.StatusCode != 200 || res.body != "handler body" {
			t.Fatalf("status %d, body %q; want the handler's response", res.StatusCode, res.body)
		}
		if got := res.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != "theme=dark; Path=/" {
			t.Fatalf("Set-Cookie = %q, want only the handler's theme cookie", got)
		}
	})
}

func TestPinHijackSavesBeforeReturning(t *testing.T) {
	type seen struct {
		err  error
		key  string
		vals map[string]any
	}
	tests := []struct {
		name     string
		existing bool
	}{
		{"a new session", false},
		{"an existing session", true},
	}
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		f.handle("/login", login)
		results := make(chan seen, 1)
		f.handle("/hijack", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			s.Set("hijacked", "yes")
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				results <- seen{err: err}
				return
			}
			defer conn.Close()
			// Right after Hijack, before the handler returns: the store
			// must already hold the change.
			key := s.Key()
			vals, _, _ := f.stored(key)
			results <- seen{key: key, vals: vals}
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
			buf.Flush()
		})
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				cookie := ""
				if tc.existing {
					cookie = "Cookie: sessionid=" + f.loginRaw(t) + "\r\n"
				}
				conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				fmt.Fprintf(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\n%s\r\n", cookie)
				res, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if string(body) != "raw" {
					t.Fatalf("body %q, want the hijacked connection's", body)
				}
				got := <-results
				if got.err != nil {
					t.Fatalf("Hijack: %v", got.err)
				}
				if got.vals["hijacked"] != "yes" {
					t.Fatalf("store after Hijack returned: key %q, values %v; want hijacked=yes", got.key, got.vals)
				}
				if tc.existing && got.vals["user"] != "alice" {
					t.Errorf("store after Hijack returned: values %v, want user alice kept", got.vals)
				}
			})
		}
	})
}
