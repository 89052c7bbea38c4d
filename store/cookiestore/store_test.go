package cookiestore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/storetest"
	"github.com/djsession/djsession/store/cookiestore"
)

func TestConformance(t *testing.T) {
	for _, f := range append(forms[:len(forms):len(forms)], struct {
		name string
		opts cookiestore.Options
	}{"signed without the cache", cookiestore.Options{CacheEntries: -1}}) {
		t.Run(f.name, func(t *testing.T) {
			storetest.RunDataKeyed(t, func(t *testing.T, now func() time.Time) session.DataKeyedStore {
				return newStore(t, session.Config{Now: now}, f.opts)
			}, storetest.DataKeyedOptions{MaxKeySize: cookie.MaxSize})
		})
	}
}

func TestTheByteLevelMethodsAreNotSupported(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			st := newStore(t, session.Config{}, f.opts)
			ctx := context.Background()
			exp := time.Now().Add(time.Hour)
			if _, _, _, err := st.Load(ctx, session.NewKey()); !errors.Is(err, session.ErrNotSupported) {
				t.Errorf("Load = %v, want ErrNotSupported", err)
			}
			if err := st.Save(ctx, session.NewKey(), []byte("{}"), exp, true); !errors.Is(err, session.ErrNotSupported) {
				t.Errorf("Save = %v, want ErrNotSupported", err)
			}
			if err := st.SaveValues(ctx, session.NewKey(), map[string]any{}, exp, true); !errors.Is(err, session.ErrNotSupported) {
				t.Errorf("SaveValues = %v, want ErrNotSupported", err)
			}
			if err := st.Delete(ctx, "anything"); err != nil {
				t.Errorf("Delete = %v, want nil (nothing to remove)", err)
			}
		})
	}
}

func TestExistsClearExpiredAndCountAreNotSupported(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			s := newSite(t, session.Config{}, f.opts, sessionMux())
			ctx := context.Background()
			key := s.get(t, "/set?k=a&v=1", "").value
			_, err := s.m.Exists(ctx, key)
			for what, err := range map[string]error{
				"Exists":       err,
				"ClearExpired": s.m.ClearExpired(ctx),
				"Count":        func() error { _, err := s.m.Count(ctx); return err }(),
			} {
				if !errors.Is(err, session.ErrNotSupported) || !strings.Contains(err.Error(), what) {
					t.Errorf("Manager.%s = %v, want ErrNotSupported naming it", what, err)
				}
			}
		})
	}
}

func TestTheSessionLivesInTheCookie(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			s := newSite(t, session.Config{}, f.opts, sessionMux())
			first := s.get(t, "/set?k=user&v=alice", "")
			if first.status != 200 || !s.store.ValidKey(first.value) {
				t.Fatalf("a new session: status %d, cookie %q", first.status, first.line)
			}
			if r := s.get(t, "/get?k=user", first.value); r.body != "alice" || r.line != "" {
				t.Errorf("reading it back: body %q, Set-Cookie %q (a read sends no cookie)", r.body, r.line)
			}
			second := s.get(t, "/set?k=cart&v=3", first.value)
			if second.value == "" || second.value == first.value {
				t.Fatalf("a modified session keeps its cookie %q", second.value)
			}
			if r := s.get(t, "/get?k=user", second.value); r.body != "alice" {
				t.Errorf("the new cookie lost user: %q", r.body)
			}

			t.Run("CycleKey sends the same data in a new cookie", func(t *testing.T) {
				// Django's cycle_key is a save: the signed form signs the
				// same data again (the same value within the same second,
				// as in Django); the encrypted form seals with a new nonce.
				r := s.get(t, "/cycle", second.value)
				if r.value == "" || (f.opts.Encrypted && r.value == second.value) {
					t.Fatalf("CycleKey sent %q", r.line)
				}
				if got := s.get(t, "/get?k=cart", r.value); got.body != "3" {
					t.Errorf("after CycleKey cart = %q", got.body)
				}
			})
			t.Run("Flush deletes the cookie", func(t *testing.T) {
				if r := s.get(t, "/flush", second.value); !r.deleted() {
					t.Errorf("Flush sent %q, want the cookie deleted", r.line)
				}
			})
			for _, bad := range []struct{ name, value string }{
				{"a tampered cookie", flip(second.value, 10)},
				{"a random session key", session.NewKey()},
				{"garbage", "not-a-cookie-of-this-store"},
			} {
				t.Run(bad.name+" is an empty session and is deleted", func(t *testing.T) {
					r := s.get(t, "/get?k=user", bad.value)
					if r.body != "" || !r.deleted() {
						t.Errorf("body %q, Set-Cookie %q; want nothing and the cookie deleted", r.body, r.line)
					}
				})
			}
		})
	}
}

func TestSetExpiryEndsTheSessionOnTheServer(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			c := newClock()
			mux := sessionMux()
			mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
				s := session.FromRequest(r)
				s.Set("user", "alice")
				s.SetExpiry(300)
			})
			s := newSite(t, session.Config{Now: c.Now}, f.opts, mux)
			r := s.get(t, "/short", "")
			if !strings.Contains(r.line, "Max-Age=300") {
				t.Fatalf("Set-Cookie %q, want Max-Age=300", r.line)
			}
			c.Advance(299 * time.Second)
			if got := s.get(t, "/get?k=user", r.value); got.body != "alice" {
				t.Fatalf("at 299 s the session reads %q", got.body)
			}
			c.Advance(2 * time.Second)
			if got := s.get(t, "/get?k=user", r.value); got.body != "" || !got.deleted() {
				t.Errorf("at 301 s a replayed cookie still reads %q (Set-Cookie %q)", got.body, got.line)
			}
			if _, _, err := s.store.Decode(r.value); !errors.Is(err, cookiestore.ErrExpired) {
				t.Errorf("Decode = %v, want ErrExpired", err)
			}
		})
	}
}

func TestTheCookieAgeBoundsASignedCookie(t *testing.T) {
	tests := []struct {
		name      string
		expiry    int    // SetExpiry; 0: none
		form      string // "signed" or "encrypted"
		aliveAt   time.Duration
		deadAfter time.Duration
	}{
		{"the default expiry of a signed cookie is the cookie age", 0, "signed", time.Hour - time.Second, time.Hour + time.Second},
		{"the default expiry of an encrypted cookie is the cookie age", 0, "encrypted", time.Hour - time.Second, time.Hour + time.Second},
		{"a signed cookie dies at the cookie age even with a longer SetExpiry (Django's rule)", 7200, "signed", time.Hour - time.Second, time.Hour + time.Second},
		{"an encrypted cookie lives as long as its SetExpiry, as a server-side session", 7200, "encrypted", 2*time.Hour - time.Second, 2*time.Hour + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			mux := sessionMux()
			mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
				s := session.FromRequest(r)
				s.Set("user", "alice")
				if tt.expiry != 0 {
					s.SetExpiry(tt.expiry)
				}
			})
			s := newSite(t, session.Config{Now: c.Now, CookieAge: time.Hour}, cookiestore.Options{Encrypted: tt.form == "encrypted"}, mux)
			v := s.get(t, "/login", "").value
			c.Advance(tt.aliveAt)
			if got := s.get(t, "/get?k=user", v); got.body != "alice" {
				t.Fatalf("after %v: %q, want the session", tt.aliveAt, got.body)
			}
			c.Advance(tt.deadAfter - tt.aliveAt)
			if got := s.get(t, "/get?k=user", v); got.body != "" {
				t.Fatalf("after %v: %q, want it expired", tt.deadAfter, got.body)
			}
		})
	}
}

// bigMux answers /big?n=N: a session holding N random hex characters, with
// an explicit Save whose error the body reports.
func bigMux(explicit bool) *http.ServeMux {
	mux := sessionMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n := 0
		for _, c := range r.URL.Query().Get("n") {
			n = 10*n + int(c-'0')
		}
		noise := make([]byte, (n+1)/2)
		_, _ = rand.Read(noise)
		s := session.FromRequest(r)
		s.Set("small", "x")
		s.Set("big", hex.EncodeToString(noise)[:n])
		if explicit {
			if err := s.Save(r.Context()); err != nil {
				var se *session.SizeError
				if errors.As(err, &se) {
					// What a handler does with it: drop what is too big.
					s.Delete(se.Largest[0].Key)
					w.Write([]byte("SizeError " + se.What + " " + se.Largest[0].Key))
					return
				}
				http.Error(w, err.Error(), 500)
			}
		}
	})
	return mux
}

func TestAnOversizedSessionIsASizeErrorTheHandlerSees(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			t.Run("Session.Save returns it", func(t *testing.T) {
				s := newSite(t, session.Config{}, f.opts, bigMux(true))
				r := s.get(t, "/big?n=8000", "")
				if r.body != "SizeError the 4096-byte cookie big" {
					t.Errorf("body %q, want the SizeError naming \"big\"", r.body)
				}
				// The handler dropped "big": the cookie holds the rest.
				values, _, err := s.store.Decode(r.value)
				if err != nil || len(values) != 1 || values["small"] != "x" {
					t.Errorf("the cookie sent holds %v, %v; want only small", values, err)
				}
			})
			t.Run("the middleware's save hands it to the ErrorHandler", func(t *testing.T) {
				var got error
				cfg := session.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					got = err
					http.Error(w, "too big", 500)
				}}
				s := newSite(t, cfg, f.opts, bigMux(false))
				r := s.get(t, "/big?n=8000", "")
				var se *session.SizeError
				if r.status != 500 || !errors.As(got, &se) || se.Limit != 4096 || se.Largest[0].Key != "big" {
					t.Fatalf("status %d, error %v; want 500 and a SizeError naming big", r.status, got)
				}
				if r.line != "" {
					t.Errorf("a cookie was sent: %.80q", r.line)
				}
			})
		})
	}
}

// TestTheLimitIsTheWholeSetCookieLine grows a session byte by byte
// across the limit, with cookie attributes that take room: every session
// that is saved gets a Set-Cookie line of at most 4096 bytes, and the
// check is not much stricter than that (the longest line saved is within
// the worst-case Max-Age's digits of the limit).
func TestTheLimitIsTheWholeSetCookieLine(t *testing.T) {
	configs := []struct {
		name string
		cfg  session.Config
	}{
		{"Django's defaults", session.Config{}},
		{"every attribute", session.Config{
			CookieName: "__Secure-a-rather-long-session-cookie-name", CookieDomain: strings.Repeat("sub.", 100) + "example.com",
			CookiePath: "/" + strings.Repeat("p", 300), CookieSecure: true, CookieSameSite: http.SameSiteNoneMode, CookiePartitioned: true,
		}},
	}
	for _, f := range forms {
		for _, c := range configs {
			t.Run(f.name+" with "+c.name, func(t *testing.T) {
				s := newSite(t, c.cfg, f.opts, bigMux(true))
				longest, refused := 0, false
				// Hex compresses to about half: the signed form needs twice as much.
				start, end := 1000, 4200
				if f.name == "signed" {
					start, end = 2000, 8000
				}
				for n := start; n < end; n += 7 {
					r := s.get(t, "/big?n="+itoa(n), "")
					if r.status != 200 || r.line == "" {
						t.Fatalf("n=%d: status %d, Set-Cookie %q, body %q", n, r.status, r.line, r.body)
					}
					if len(r.line) > cookie.MaxSize {
						t.Fatalf("n=%d: a Set-Cookie line of %d bytes was sent", n, len(r.line))
					}
					if strings.HasPrefix(r.body, "SizeError") {
						refused = true
						continue
					}
					if len(r.line) > cookie.MaxSize {
						t.Fatalf("n=%d: a Set-Cookie line of %d bytes was sent", n, len(r.line))
					}
					longest = max(longest, len(r.line))
				}
				if !refused {
					t.Fatal("no session was too large: the test did not cross the limit")
				}
				// The Manager writes Max-Age=1209600 (7 digits); the check
				// reserves 20; the rest is the step of the loop and noise.
				if longest < cookie.MaxSize-13-60 {
					t.Errorf("the longest line saved is %d bytes: the check is stricter than it needs to be", longest)
				}
			})
		}
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func TestAttributesCountTowardsTheLimit(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			ctx := context.Background()
			plain := newStore(t, session.Config{}, f.opts)
			attrs := newStore(t, session.Config{CookieDomain: strings.Repeat("d", 250) + ".example.com", CookiePath: "/" + strings.Repeat("p", 500)}, f.opts)
			// Grow a session until the store with attributes refuses it: the
			// plain one still takes it.
			for n := 1000; n < 10000; n += 50 {
				noise := make([]byte, n/2)
				_, _ = rand.Read(noise)
				values := map[string]any{"v": hex.EncodeToString(noise)}
				exp := time.Now().Add(time.Hour)
				if _, err := attrs.SaveKey(ctx, values, exp); err != nil {
					var se *session.SizeError
					if !errors.As(err, &se) {
						t.Fatal(err)
					}
					if _, err := plain.SaveKey(ctx, values, exp); err != nil {
						t.Fatalf("the store without attributes refuses it too: %v", err)
					}
					return
				}
			}
			t.Fatal("no session was too large")
		})
	}
}

func TestValidKeyChecksTheFormOnly(t *testing.T) {
	signed := newStore(t, session.Config{}, cookiestore.Options{})
	sealed := newStore(t, session.Config{}, cookiestore.Options{Encrypted: true})
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	sv, _ := signed.SaveKey(ctx, map[string]any{"a": int64(1)}, exp)
	ev, _ := sealed.SaveKey(ctx, map[string]any{"a": int64(1)}, exp)
	sig := strings.Repeat("A", 43)
	tests := []struct {
		name           string
		value          string
		signed, sealed bool
	}{
		{"a signed cookie", sv, true, false},
		{"an encrypted cookie", ev, false, true},
		{"Django's form signed with another key", "eyJhIjoxfQ:1r31eq:" + sig, true, false},
		{"a compressed payload", ".eJyrVkpUsjI0qAUAC8MCWw:1r31eq:" + sig, true, false},
		{"a signature one character short", "eyJhIjoxfQ:1r31eq:" + sig[1:], false, false},
		{"no timestamp", "eyJhIjoxfQ::" + sig, false, false},
		{"a timestamp that is not base62", "eyJhIjoxfQ:1r3-eq:" + sig, false, false},
		{"an empty payload", ":1r31eq:" + sig, false, false},
		{"a payload that is not base64url", "eyJh=Ijox:1r31eq:" + sig, false, false},
		{"a random session key", session.NewKey(), false, false},
		{"the empty string", "", false, false},
		{"a sealed value of another version", "e2." + ev[3:], false, false},
		{"a sealed value too short to hold a session", "e1." + strings.Repeat("A", 40), false, false},
		{"a sealed value with a character outside base64url", ev[:20] + "." + ev[21:], false, false},
		{"over 4096 bytes", "e1." + strings.Repeat("A", 4096), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := signed.ValidKey(tt.value); got != tt.signed {
				t.Errorf("signed ValidKey = %v, want %v", got, tt.signed)
			}
			if got := sealed.ValidKey(tt.value); got != tt.sealed {
				t.Errorf("encrypted ValidKey = %v, want %v", got, tt.sealed)
			}
		})
	}
}

func TestDecodeSaysWhy(t *testing.T) {
	c := newClock()
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			st := newStore(t, session.Config{Now: c.Now}, f.opts)
			other := newStore(t, session.Config{Now: c.Now, SecretKey: []byte("another secret key, just as long as the first")}, f.opts)
			v, err := st.SaveKey(context.Background(), map[string]any{"a": "b"}, c.Now().Add(session.DefaultCookieAge))
			if err != nil {
				t.Fatal(err)
			}
			values, exp, err := st.Decode(v)
			if err != nil || values["a"] != "b" || !exp.Equal(c.Now().Add(session.DefaultCookieAge)) {
				t.Fatalf("Decode = %v, %v, %v", values, exp, err)
			}
			if _, _, err := other.Decode(v); !errors.Is(err, cookiestore.ErrInvalid) {
				t.Errorf("Decode with another key = %v, want ErrInvalid", err)
			}
			if _, _, err := st.Decode("garbage"); !errors.Is(err, cookiestore.ErrInvalid) {
				t.Errorf("Decode of garbage = %v, want ErrInvalid", err)
			}
			later := newStore(t, session.Config{Now: func() time.Time { return c.Now().Add(session.DefaultCookieAge + time.Second) }}, f.opts)
			if _, _, err := later.Decode(v); !errors.Is(err, cookiestore.ErrExpired) {
				t.Errorf("Decode after the cookie age = %v, want ErrExpired", err)
			}
		})
	}
}

func TestFallbackKeysRead(t *testing.T) {
	old := []byte("the old secret key, rotated out but still accepted")
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			ctx := context.Background()
			exp := time.Now().Add(time.Hour)
			before := newStore(t, session.Config{SecretKey: old}, f.opts)
			after := newStore(t, session.Config{SecretKey: testSecret, FallbackKeys: [][]byte{old}}, f.opts)
			v, _ := before.SaveKey(ctx, map[string]any{"u": "alice"}, exp)
			if got, _, found, _ := after.LoadValues(ctx, v); !found || got["u"] != "alice" {
				t.Fatalf("a cookie of the old key does not load with it as a fallback")
			}
			nv, _ := after.SaveKey(ctx, map[string]any{"u": "alice"}, exp)
			if _, _, found, _ := before.LoadValues(ctx, nv); found {
				t.Error("a new cookie was made with the fallback key, not the current one")
			}
		})
	}
}

func TestTheFormsDoNotMix(t *testing.T) {
	ctx := context.Background()
	signed := newStore(t, session.Config{}, cookiestore.Options{})
	sealed := newStore(t, session.Config{}, cookiestore.Options{Encrypted: true})
	exp := time.Now().Add(time.Hour)
	sv, _ := signed.SaveKey(ctx, map[string]any{"a": "b"}, exp)
	ev, _ := sealed.SaveKey(ctx, map[string]any{"a": "b"}, exp)
	if _, _, found, _ := sealed.LoadValues(ctx, sv); found {
		t.Error("the encrypted store reads a signed cookie")
	}
	if _, _, found, _ := signed.LoadValues(ctx, ev); found {
		t.Error("the signed store reads an encrypted cookie")
	}
}

func TestNewChecksTheConfigAsSessionNewDoes(t *testing.T) {
	for _, cfg := range []session.Config{
		{},
		{SecretKey: testSecret, CookieName: "bad name"},
		{SecretKey: testSecret, CookieSameSite: http.SameSiteNoneMode},
		{SecretKey: testSecret, CookieAge: -time.Second},
	} {
		if _, err := cookiestore.New(cfg, cookiestore.Options{}); !errors.Is(err, session.ErrConfig) {
			t.Errorf("New(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
}

// TestDeleteRecordHasNothingToDelete: Django's delete() on this engine
// empties the session and so deletes the cookie; the Manager's
// DeleteRecord removes the record only and keeps the data, and this engine
// has no record: the data and the cookie stay (Flush is the way to end a
// session, on every engine).
func TestDeleteRecordHasNothingToDelete(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			mux := sessionMux()
			mux.HandleFunc("/delete-record", func(w http.ResponseWriter, r *http.Request) {
				s := session.FromRequest(r)
				if err := s.DeleteRecord(r.Context()); err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				v, _, _ := s.GetString("user")
				w.Write([]byte(v))
			})
			s := newSite(t, session.Config{}, f.opts, mux)
			v := s.get(t, "/set?k=user&v=alice", "").value
			if r := s.get(t, "/delete-record", v); r.status != 200 || r.body != "alice" || r.line != "" {
				t.Errorf("DeleteRecord: %d %q %q", r.status, r.body, r.line)
			}
			if r := s.get(t, "/get?k=user", v); r.body != "alice" {
				t.Errorf("after DeleteRecord the cookie reads %q", r.body)
			}
		})
	}
}

func TestUntouchedRequestsCostNoCryptography(t *testing.T) {
	// An untouched request with a well-formed cookie leaves it alone; one
	// with a malformed cookie deletes it: both from ValidKey alone.
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			mux := sessionMux()
			mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {})
			s := newSite(t, session.Config{}, f.opts, mux)
			v := s.get(t, "/set?k=a&v=1", "").value
			if r := s.get(t, "/plain", v); r.line != "" {
				t.Errorf("an untouched request with a good cookie: %q", r.line)
			}
			if r := s.get(t, "/plain", "garbage"); !r.deleted() {
				t.Errorf("an untouched request with garbage: %q", r.line)
			}
		})
	}
}

// TestACachedSessionIsNeverChangedByAWrite: the store keeps verified
// cookies decoded and hands the same map to every request that brings the
// cookie; a request that writes works on its own copy, so the cookie still
// reads what it carries.
func TestACachedSessionIsNeverChangedByAWrite(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			mux := sessionMux()
			mux.HandleFunc("/append", func(w http.ResponseWriter, r *http.Request) {
				s := session.FromRequest(r)
				list, _, _ := session.Get[[]string](s, "list")
				s.Set("list", append(list, "more"))
				s.Set("user", "mallory")
			})
			s := newSite(t, session.Config{}, f.opts, mux)
			v := s.get(t, "/set?k=user&v=alice", "").value
			for range 3 {
				if r := s.get(t, "/append", v); r.value == "" {
					t.Fatal("no new cookie")
				}
				if r := s.get(t, "/get?k=user", v); r.body != "alice" {
					t.Fatalf("the old cookie now reads %q", r.body)
				}
			}
		})
	}
}
