package signing_test

// Tests that pin behaviours of the signers that no other test checked,
// before a refactor. Each one was seen to fail with a bug planted in
// signer.go.

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/djsession/djsession/signing"
)

var (
	pinSecret = []byte("djsession-pin-secret-key-of-at-least-32-bytes")
	pinOld    = []byte("djsession-pin-old-secret-key-rotated-away-from")
)

// pinForge computes, the long way, the signature Django's Signer.signature
// gives msg under key (empty keys included, which the signers refuse to
// sign with): base64url(HMAC-H(H(salt + "signer" + key), msg)).
func pinForge(key []byte, salt, alg, msg string) string {
	return base64.RawURLEncoding.EncodeToString(signing.SaltedHMAC(salt+"signer", []byte(msg), key, alg))
}

// pinForgeTimestamped is pinForge for a TimestampSigner's
// value:TIMESTAMP:SIGNATURE.
func pinForgeTimestamped(key []byte, salt, alg, value string, at time.Time) string {
	msg := value + ":" + signing.B62Encode(at.Unix())
	return msg + ":" + pinForge(key, salt, alg, msg)
}

// pinEmptyFallbacks are the ways a configuration ends up with an empty
// fallback key: SECRET_KEY_FALLBACKS set to "" or to a list with an empty
// entry next to a real one.
var pinEmptyFallbacks = []struct {
	name      string
	fallbacks [][]byte
}{
	{"an empty fallback", [][]byte{{}}},
	{"a nil fallback", [][]byte{nil}},
	{"an empty fallback before a real one", [][]byte{{}, pinOld}},
	{"an empty fallback after a real one", [][]byte{pinOld, {}}},
}

func TestPinEmptyFallbackKeyIsNeverTried(t *testing.T) {
	const value = "user=admin"
	now := time.Unix(1700000000, 0)
	clock := func() time.Time { return now }
	for _, fb := range pinEmptyFallbacks {
		for _, alg := range []string{"", "sha1", "sha512"} {
			name := fb.name + ", algorithm " + alg
			if alg == "" {
				name = fb.name + ", default algorithm"
			}
			algName := alg
			if algName == "" {
				algName = signing.DefaultAlgorithm
			}
			t.Run(name, func(t *testing.T) {
				t.Run("Signer", func(t *testing.T) {
					s := &signing.Signer{SecretKey: pinSecret, FallbackKeys: fb.fallbacks, Algorithm: alg}
					// The forgery is right: with the real key it is
					// exactly what Sign writes.
					if got, want := value+":"+pinForge(pinSecret, signing.DefaultSalt, algName, value), s.Sign(value); got != want {
						t.Fatalf("forged with the real key %q, Sign %q: the forgery is wrong", got, want)
					}
					forged := value + ":" + pinForge(nil, signing.DefaultSalt, algName, value)
					if v, err := s.Unsign(forged); !errors.Is(err, signing.ErrBadSignature) {
						t.Fatalf("a value signed with the empty key: Unsign = %q, %v; want ErrBadSignature", v, err)
					}
					if len(fb.fallbacks) > 1 {
						old := &signing.Signer{SecretKey: pinOld, Algorithm: alg}
						if v, err := s.Unsign(old.Sign(value)); err != nil || v != value {
							t.Errorf("a value signed with the real fallback: Unsign = %q, %v", v, err)
						}
					}
				})
				t.Run("TimestampSigner", func(t *testing.T) {
					s := &signing.TimestampSigner{Signer: signing.Signer{SecretKey: pinSecret, FallbackKeys: fb.fallbacks, Algorithm: alg}, Now: clock}
					if got, want := pinForgeTimestamped(pinSecret, signing.DefaultTimestampSalt, algName, value, now), s.Sign(value); got != want {
						t.Fatalf("forged with the real key %q, Sign %q: the forgery is wrong", got, want)
					}
					forged := pinForgeTimestamped(nil, signing.DefaultTimestampSalt, algName, value, now)
					if v, err := s.Unsign(forged, 0); !errors.Is(err, signing.ErrBadSignature) {
						t.Fatalf("a value signed with the empty key: Unsign = %q, %v; want ErrBadSignature", v, err)
					}
					// The same through the object path (Django's loads).
					obj := base64.RawURLEncoding.EncodeToString([]byte(`{"user":"admin"}`))
					forgedObj := pinForgeTimestamped(nil, signing.DefaultTimestampSalt, algName, obj, now)
					if v, err := s.UnsignObject(forgedObj, 0); !errors.Is(err, signing.ErrBadSignature) {
						t.Fatalf("an object signed with the empty key: UnsignObject = %v, %v; want ErrBadSignature", v, err)
					}
					if v, err := s.UnsignObject(pinForgeTimestamped(pinSecret, signing.DefaultTimestampSalt, algName, obj, now), 0); err != nil {
						t.Fatalf("the same object signed with the real key: UnsignObject = %v, %v", v, err)
					}
				})
			})
		}
	}
}

func TestPinCookieSignerSkipsEmptyFallback(t *testing.T) {
	const value, salt = "dark", "themesalt"
	now := time.Unix(1700000000, 0)
	for _, fb := range pinEmptyFallbacks {
		t.Run(fb.name, func(t *testing.T) {
			ts := signing.CookieSigner(pinSecret, fb.fallbacks, salt)
			ts.Now = func() time.Time { return now }
			forgeries := map[string]string{
				// What an empty fallback would turn into under the
				// cookie prefix: the public key "django.http.cookies".
				"signed with the public key django.http.cookies alone": pinForgeTimestamped([]byte(signing.CookieKeyPrefix), salt, "sha256", value, now),
				"signed with the empty key":                            pinForgeTimestamped(nil, salt, "sha256", value, now),
			}
			if got, want := pinForgeTimestamped([]byte(signing.CookieKeyPrefix+string(pinSecret)), salt, "sha256", value, now), ts.Sign(value); got != want {
				t.Fatalf("forged with the real key %q, Sign %q: the forgery is wrong", got, want)
			}
			for what, forged := range forgeries {
				if v, err := ts.Unsign(forged, 0); !errors.Is(err, signing.ErrBadSignature) {
					t.Errorf("a value %s: Unsign = %q, %v; want ErrBadSignature", what, v, err)
				}
			}
			if len(fb.fallbacks) > 1 {
				old := signing.CookieSigner(pinOld, nil, salt)
				if v, err := ts.Unsign(old.Sign(value), 0); err != nil || v != value {
					t.Errorf("a value signed with the real fallback: Unsign = %q, %v", v, err)
				}
			}
		})
	}
}
