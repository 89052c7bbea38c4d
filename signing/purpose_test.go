package signing

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
)

func TestUnsignPayloadRefusesLineBreaksInsideTheBase64(t *testing.T) {
	ts := &TimestampSigner{Signer: Signer{SecretKey: []byte("secret"), Salt: "payload"}}
	data := []byte(`{"user":"1","admin":false}`)
	enc := base64.RawURLEncoding.EncodeToString(data)
	cases := map[string]string{
		"LF":              enc[:8] + "\n" + enc[8:],
		"CRLF":            enc[:8] + "\r\n" + enc[8:],
		"CR":              enc[:8] + "\r" + enc[8:],
		"trailing LF":     enc + "\n",
		"compressed + LF": "." + enc[:4] + "\n" + enc[4:],
	}
	for name, payload := range cases {
		t.Run(name, func(t *testing.T) {
			// Signed with the key: only the base64 is at fault.
			signed := ts.Sign(payload)
			got, err := ts.UnsignPayload(signed, 0)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("UnsignPayload(%q) = %q, %v; want ErrMalformed", signed, got, err)
			}
		})
	}
	// The same payload without the line break loads.
	if got, err := ts.UnsignPayload(ts.Sign(enc), 0); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("clean payload: %q, %v", got, err)
	}
}

func TestPurposeKeySeparatesPurposesFromDjangoSigners(t *testing.T) {
	secret := []byte("django-insecure-shared-secret")
	a := PurposeKey(secret, "djsession.auth.login-cookie")
	b := PurposeKey(secret, "djsession.sessiondemo.playground")
	if len(a) != 32 || len(b) != 32 {
		t.Fatalf("lengths %d, %d; want 32", len(a), len(b))
	}
	if bytes.Equal(a, b) {
		t.Fatal("two purposes gave the same key")
	}
	if !bytes.Equal(a, PurposeKey(secret, "djsession.auth.login-cookie")) {
		t.Fatal("PurposeKey is not deterministic")
	}
	if bytes.Equal(a, PurposeKey([]byte("another secret"), "djsession.auth.login-cookie")) {
		t.Fatal("the key does not depend on the secret")
	}
	if PurposeKey(nil, "x") != nil || PurposeKey([]byte{}, "x") != nil {
		t.Fatal("an empty secret must give no key")
	}
	// Whatever Django's cookie signer or a plain Signer on the secret signs
	// does not verify under the purpose key, with any salt.
	for _, salt := range []string{"", "is_login", "is_logindjsession.auth.login", "django.contrib.messages"} {
		djangoSide := CookieSigner(secret, nil, salt)
		plain := &TimestampSigner{Signer: Signer{SecretKey: secret, Salt: salt}}
		purpose := &TimestampSigner{Signer: Signer{SecretKey: a, Salt: salt}}
		for _, signed := range []string{djangoSide.Sign("1"), plain.Sign("1")} {
			if _, err := purpose.Unsign(signed, 0); !errors.Is(err, ErrBadSignature) {
				t.Errorf("salt %q: %q verified under the purpose key: %v", salt, signed, err)
			}
		}
	}
}

func TestPurposeKeysDropsEmptyFallbacks(t *testing.T) {
	got := PurposeKeys([][]byte{nil, []byte("old"), {}}, "p")
	if len(got) != 1 || !bytes.Equal(got[0], PurposeKey([]byte("old"), "p")) {
		t.Fatalf("PurposeKeys = %x", got)
	}
}

func ExamplePurposeKey() {
	secret := []byte("the site's SECRET_KEY")
	// A signer for one Go-only purpose: nothing else signed with the
	// secret verifies here.
	s := &Signer{SecretKey: PurposeKey(secret, "example.com password reset"), Salt: "v1"}
	signed := s.Sign("user 42")
	v, err := s.Unsign(signed)
	fmt.Println(v, err)
	_, err = (&Signer{SecretKey: secret, Salt: "v1"}).Unsign(signed)
	fmt.Println(errors.Is(err, ErrBadSignature))
	// Output:
	// user 42 <nil>
	// true
}
