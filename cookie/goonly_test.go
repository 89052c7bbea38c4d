package cookie_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/signing"
)

func TestGoOnlyBindsTheNameAndSaltUnambiguously(t *testing.T) {
	secret := []byte("shared-secret")
	type pair struct{ name, salt string }
	a, b := pair{"is_login", "djsession.auth.login"}, pair{"is_logi", "ndjsession.auth.login"}
	for _, tc := range []struct {
		goOnly     bool
		sameAcross bool // a's signature verifies for b
	}{
		{goOnly: false, sameAcross: true}, // Django's rule: name + salt
		{goOnly: true, sameAcross: false},
	} {
		sa := &cookie.Signer{SecretKey: secret, Salt: a.salt, GoOnly: tc.goOnly}
		sb := &cookie.Signer{SecretKey: secret, Salt: b.salt, GoOnly: tc.goOnly}
		signed, err := sa.Sign(a.name, "1")
		if err != nil {
			t.Fatal(err)
		}
		if v, err := sa.Unsign(a.name, signed); err != nil || v != "1" {
			t.Fatalf("GoOnly=%v: round trip %q, %v", tc.goOnly, v, err)
		}
		_, err = sb.Unsign(b.name, signed)
		if got := err == nil; got != tc.sameAcross {
			t.Errorf("GoOnly=%v: (%q, %q)'s cookie verifies as (%q, %q): %v, want %v", tc.goOnly, a.name, a.salt, b.name, b.salt, got, tc.sameAcross)
		}
	}
}

func TestGoOnlyCookiesCannotBeMadeByDjangosSigner(t *testing.T) {
	secret := []byte("shared-secret")
	goOnly := &cookie.Signer{SecretKey: secret, Salt: "s", GoOnly: true}
	// Whatever name and salt a Django-rule signer is given, with the same
	// secret, its cookie does not verify as a GoOnly cookie.
	for _, salt := range []string{"", "s", "8:is_login:s", "is_login:s", "is_logins"} {
		for _, name := range []string{"is_login", "8:is_login:", ""} {
			django := &cookie.Signer{SecretKey: secret, Salt: salt}
			forged, err := django.Sign(name, "1")
			if err != nil {
				continue // an empty name
			}
			if _, err := goOnly.Unsign("is_login", forged); !errors.Is(err, signing.ErrBadSignature) {
				t.Errorf("Django-rule (%q, %q) made a GoOnly cookie: %v", name, salt, err)
			}
		}
	}
	// And the reverse: a GoOnly cookie is no Django cookie.
	signed, _ := goOnly.Sign("is_login", "1")
	if _, err := (&cookie.Signer{SecretKey: secret, Salt: "s"}).Unsign("is_login", signed); err == nil {
		t.Error("a GoOnly cookie verified under Django's rule")
	}
}

func TestGoOnlyFallbackKeys(t *testing.T) {
	old := &cookie.Signer{SecretKey: []byte("old"), GoOnly: true}
	signed, _ := old.Sign("c", "v")
	for _, tc := range []struct {
		name      string
		fallbacks [][]byte
		ok        bool
	}{
		{"the old key as fallback", [][]byte{[]byte("old")}, true},
		{"no fallback", nil, false},
		{"an empty fallback is never a key", [][]byte{{}}, false},
	} {
		s := &cookie.Signer{SecretKey: []byte("new"), FallbackKeys: tc.fallbacks, GoOnly: true}
		if _, err := s.Unsign("c", signed); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func ExampleSigner_goOnly() {
	s := &cookie.Signer{SecretKey: []byte("the site's SECRET_KEY"), Salt: "prefs", GoOnly: true}
	rec := httptest.NewRecorder()
	if err := s.Set(rec, "prefs", "dark", cookie.Options{HttpOnly: true, SameSite: http.SameSiteLaxMode}); err != nil {
		fmt.Println(err)
		return
	}
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range rec.Result().Cookies() {
		r.AddCookie(c)
	}
	v, err := s.Get(r, "prefs")
	fmt.Println(v, err)
	// Django's get_signed_cookie("prefs", salt="prefs") would not accept it.
	_, err = (&cookie.Signer{SecretKey: []byte("the site's SECRET_KEY"), Salt: "prefs"}).Get(r, "prefs")
	fmt.Println(errors.Is(err, signing.ErrBadSignature))
	// Output:
	// dark <nil>
	// true
}
