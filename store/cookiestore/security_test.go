package cookiestore_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cookiestore"
)

// loginMux adds /login (the user into the session, a new key) and /logout
// (Flush) to sessionMux.
func loginMux() *http.ServeMux {
	mux := sessionMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		if err := s.CycleKey(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		s.Set("user", "alice")
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := session.FromRequest(r).Flush(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	return mux
}

// TestLogoutDoesNotStopTheReplayOfACopiedCookie shows the limit SECURITY.md
// states: logout deletes the cookie in the browser, but a copy taken before
// still opens the session until it expires, since the server keeps nothing
// to delete. Only a new secret key (without the old one as a fallback) or
// the expiry ends it.
func TestLogoutDoesNotStopTheReplayOfACopiedCookie(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			c := newClock()
			s := newSite(t, session.Config{Now: c.Now}, f.opts, loginMux())
			stolen := s.get(t, "/login", "").value
			if r := s.get(t, "/logout", stolen); !r.deleted() {
				t.Fatalf("logout sent %q, want the cookie deleted", r.line)
			}
			if r := s.get(t, "/get?k=user", stolen); r.body != "alice" {
				t.Fatalf("the copied cookie after logout reads %q; this test pins that a cookie session cannot be revoked", r.body)
			}
			t.Run("a new secret key ends it", func(t *testing.T) {
				rotated := newSite(t, session.Config{Now: c.Now, SecretKey: []byte("a brand new secret key after the incident!")}, f.opts, loginMux())
				if r := rotated.get(t, "/get?k=user", stolen); r.body != "" || !r.deleted() {
					t.Errorf("with a new key the copy reads %q", r.body)
				}
			})
			t.Run("the expiry ends it", func(t *testing.T) {
				c.Advance(session.DefaultCookieAge + time.Second)
				if r := s.get(t, "/get?k=user", stolen); r.body != "" {
					t.Errorf("after the cookie age the copy reads %q", r.body)
				}
			})
		})
	}
}

// TestASessionCannotBeRevokedOnTheServer: there is nothing the server can
// delete or enumerate. Delete is a no-op, the Manager's Exists,
// ClearExpired and Count are not supported, and the cookie keeps working.
func TestASessionCannotBeRevokedOnTheServer(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			s := newSite(t, session.Config{}, f.opts, loginMux())
			ctx := context.Background()
			v := s.get(t, "/login", "").value
			if err := s.store.Delete(ctx, v); err != nil {
				t.Fatal(err)
			}
			if _, err := s.m.Count(ctx); !errors.Is(err, session.ErrNotSupported) {
				t.Errorf("Count = %v", err)
			}
			if err := s.m.ClearExpired(ctx); !errors.Is(err, session.ErrNotSupported) {
				t.Errorf("ClearExpired = %v", err)
			}
			sess, err := s.m.Open(ctx, v)
			if err != nil {
				t.Fatalf("Open after Delete: %v", err)
			}
			if u, _, _ := sess.GetString("user"); u != "alice" {
				t.Errorf("after Delete the session holds %q; this test pins that it cannot be revoked", u)
			}
		})
	}
}

// TestTheSignedCookieShowsItsDataToTheClient: signed is not hidden. Anyone
// holding the cookie reads the session without any key.
func TestTheSignedCookieShowsItsDataToTheClient(t *testing.T) {
	st := newStore(t, session.Config{}, cookiestore.Options{})
	v, err := st.SaveKey(context.Background(), map[string]any{"secret_note": "the launch code is 0000"}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	payload := v[:strings.IndexByte(v, ':')]
	if strings.HasPrefix(payload, ".") {
		t.Fatalf("the test data compressed; pick data that does not")
	}
	js, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || !strings.Contains(string(js), "the launch code is 0000") {
		t.Fatalf("decoding the cookie without the key gave %q, %v; this test pins that the signed form hides nothing", js, err)
	}
}

// TestTheEncryptedCookieHidesItsData: the encrypted form shows neither the
// values nor the keys, and the same session sealed twice gives two
// unrelated values (a random nonce per seal).
func TestTheEncryptedCookieHidesItsData(t *testing.T) {
	st := newStore(t, session.Config{}, cookiestore.Options{Encrypted: true})
	values := map[string]any{"secret_note": "the launch code is 0000"}
	exp := time.Now().Add(time.Hour)
	a, _ := st.SaveKey(context.Background(), values, exp)
	b, _ := st.SaveKey(context.Background(), values, exp)
	if a == b {
		t.Fatal("two seals of the same session are equal: the nonce is not random")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(a, "e1."))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"secret_note", "launch", "0000", "c2VjcmV0"} {
		if strings.Contains(string(raw), s) || strings.Contains(a, s) {
			t.Errorf("the sealed cookie shows %q", s)
		}
	}
}

// TestEveryByteOfASealedCookieIsChecked replaces each character of a
// sealed cookie by every other base64url character: none decodes. The
// prefix, the nonce, the ciphertext, the tag and the base64 padding bits
// are all covered.
func TestEveryByteOfASealedCookieIsChecked(t *testing.T) {
	st := newStore(t, session.Config{}, cookiestore.Options{Encrypted: true})
	v, err := st.SaveKey(context.Background(), map[string]any{"user": "alice"}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.e"
	tried := 0
	for i := range len(v) {
		for j := range len(alphabet) {
			b := []byte(v)
			if b[i] == alphabet[j] {
				continue
			}
			b[i] = alphabet[j]
			tried++
			if values, _, err := st.Decode(string(b)); !errors.Is(err, cookiestore.ErrInvalid) {
				t.Fatalf("byte %d changed to %q: Decode = %v, %v; want ErrInvalid", i, alphabet[j], values, err)
			}
		}
	}
	if tried < 60*len(v) {
		t.Fatalf("only %d alterations tried", tried)
	}
}

// TestACookieSealedUnderAnotherNameIsRefused: the cookie name is part of
// the additional data, so a sealed session moved to another cookie (of the
// same site and key: a "remember me" cookie, another app's session) does
// not decrypt.
func TestACookieSealedUnderAnotherNameIsRefused(t *testing.T) {
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	a := newStore(t, session.Config{CookieName: "sessionid"}, cookiestore.Options{Encrypted: true})
	b := newStore(t, session.Config{CookieName: "othersession"}, cookiestore.Options{Encrypted: true})
	v, _ := a.SaveKey(ctx, map[string]any{"user": "alice"}, exp)
	if _, _, err := b.Decode(v); !errors.Is(err, cookiestore.ErrInvalid) {
		t.Errorf("a cookie sealed for sessionid decodes as othersession: %v", err)
	}
	if _, _, err := a.Decode(v); err != nil {
		t.Errorf("it decodes under its own name: %v", err)
	}
}

// TestTheSealedExpiryIsChecked: the expiry sealed in the payload ends the
// cookie, whatever its Max-Age said.
func TestTheSealedExpiryIsChecked(t *testing.T) {
	c := newClock()
	st := newStore(t, session.Config{Now: c.Now}, cookiestore.Options{Encrypted: true})
	v, _ := st.SaveKey(context.Background(), map[string]any{"user": "alice"}, c.Now().Add(time.Minute))
	c.Advance(time.Minute - time.Millisecond)
	if _, _, err := st.Decode(v); err != nil {
		t.Fatalf("before its expiry: %v", err)
	}
	c.Advance(time.Millisecond)
	if _, _, err := st.Decode(v); !errors.Is(err, cookiestore.ErrExpired) {
		t.Fatalf("at its expiry: %v, want ErrExpired", err)
	}
}
