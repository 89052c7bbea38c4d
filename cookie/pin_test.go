package cookie_test

// Tests that pin behaviours of signed cookies that no other test checked,
// before a refactor. Each one was seen to fail with a bug planted in the
// signing package, which cookie.Signer uses.

import (
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/signing"
)

var (
	pinSecret = []byte("djsession-pin-secret-key-of-at-least-32-bytes")
	pinOld    = []byte("djsession-pin-old-secret-key-rotated-away-from")
)

// pinForgeCookie computes, the long way, Django's signed cookie value for
// name under the raw signing key key (the secret with Django's
// "django.http.cookies" prefix already applied, or not):
// value:TIMESTAMP:base64url(HMAC-SHA256(SHA256(name+salt + "signer" + key), value:TIMESTAMP)).
func pinForgeCookie(key []byte, name, salt, value string, at time.Time) string {
	msg := value + ":" + signing.B62Encode(at.Unix())
	sig := signing.SaltedHMAC(name+salt+"signer", []byte(msg), key, "sha256")
	return msg + ":" + base64.RawURLEncoding.EncodeToString(sig)
}

func TestPinSignedCookieSkipsEmptyFallback(t *testing.T) {
	const name, value, salt = "theme", "dark", "s1"
	now := time.Unix(1700000000, 0)
	clock := func() time.Time { return now }
	fallbacks := []struct {
		name      string
		fallbacks [][]byte
	}{
		{"an empty fallback", [][]byte{{}}},
		{"a nil fallback", [][]byte{nil}},
		{"an empty fallback before a real one", [][]byte{{}, pinOld}},
		{"an empty fallback after a real one", [][]byte{pinOld, {}}},
	}
	forgeries := []struct {
		what string
		key  []byte
	}{
		// An empty fallback under the cookie prefix would be this public key.
		{"signed with the public key django.http.cookies alone", []byte(signing.CookieKeyPrefix)},
		{"signed with the empty key", nil},
	}
	for _, fb := range fallbacks {
		t.Run(fb.name, func(t *testing.T) {
			s := cookie.Signer{SecretKey: pinSecret, FallbackKeys: fb.fallbacks, Salt: salt, Now: clock}
			// The forgery is right: with the real key it is what Sign writes.
			good, err := s.Sign(name, value)
			if err != nil {
				t.Fatal(err)
			}
			if f := pinForgeCookie([]byte(signing.CookieKeyPrefix+string(pinSecret)), name, salt, value, now); f != good {
				t.Fatalf("forged with the real key %q, Sign %q: the forgery is wrong", f, good)
			}
			for _, fg := range forgeries {
				t.Run(fg.what, func(t *testing.T) {
					forged := pinForgeCookie(fg.key, name, salt, value, now)
					if v, err := s.Unsign(name, forged); !errors.Is(err, signing.ErrBadSignature) {
						t.Errorf("Unsign = %q, %v; want ErrBadSignature", v, err)
					}
					r := httptest.NewRequest("GET", "/", nil)
					r.Header.Set("Cookie", name+"="+forged)
					if v, err := s.Get(r, name); !errors.Is(err, signing.ErrBadSignature) {
						t.Errorf("Get = %q, %v; want ErrBadSignature", v, err)
					}
					if v, err := cookie.GetSigned(r, name, pinSecret, fb.fallbacks, salt, 0); !errors.Is(err, signing.ErrBadSignature) {
						t.Errorf("GetSigned = %q, %v; want ErrBadSignature", v, err)
					}
					if v := cookie.GetSignedDefault(r, name, pinSecret, fb.fallbacks, salt, 0, "light"); v != "light" {
						t.Errorf("GetSignedDefault = %q, want the default", v)
					}
				})
			}
			if len(fb.fallbacks) > 1 {
				old := cookie.Signer{SecretKey: pinOld, Salt: salt, Now: clock}
				signed, err := old.Sign(name, value)
				if err != nil {
					t.Fatal(err)
				}
				if v, err := s.Unsign(name, signed); err != nil || v != value {
					t.Errorf("a value signed with the real fallback: Unsign = %q, %v", v, err)
				}
			}
		})
	}
}
