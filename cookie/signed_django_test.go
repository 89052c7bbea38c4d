package cookie

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/signing"
)

// signedValues are sent through both directions: plain, with the separator,
// and values that need Django's quoted form.
var signedValues = []string{
	"hello", "", "a:b:c", "user:42:", "café", "清風 😀", `say "hi" \o/`, "a;b,c=d", "tab\tnew\nline", "ÿ\u0100",
}

// TestDjangoSignedCookiesVerifyInGo has Django's set_signed_cookie write each
// value, sends the cookie back as a browser does and reads it with Get.
func TestDjangoSignedCookiesVerifyInGo(t *testing.T) {
	t.Parallel()
	djangotest.Python(t)
	calls := make([][]string, len(signedValues))
	for i, v := range signedValues {
		calls[i] = []string{"sign-cookie", "--secret", string(testSecret), "--now", "1700000000",
			"--name", "c", "--salt", "prefs", "--value-json", djangotest.JSONString(v)}
	}
	results := djangotest.RunBatch(t, calls...)
	s := Signer{SecretKey: testSecret, Salt: "prefs", MaxAge: time.Hour, Now: clock(frozen.Add(30 * time.Minute))}
	for i, v := range signedValues {
		t.Run("value "+strconv.Quote(v), func(t *testing.T) {
			header := djangotest.String(t, djangotest.OK(t, results[i]), "header")
			pair, _, _ := strings.Cut(header, "; ")
			got, err := s.Get(request(pair), "c")
			if err != nil || got != v {
				t.Errorf("Django's %q read as %q, %v; want %q", pair, got, err, v)
			}
			// The same moment gives the same bytes in Go.
			mine, err := (&Signer{SecretKey: testSecret, Salt: "prefs", Now: clock(frozen)}).Sign("c", v)
			if err != nil || "c="+string(appendEncoded(nil, mine)) != pair {
				t.Errorf("Go signs %q as %q, Django as %q", v, mine, pair)
			}
		})
	}
}

// TestGoSignedCookiesVerifyInDjango writes each value with SetSigned, has
// Django parse the Cookie header a browser would send back, and has Django's
// get_signed_cookie verify the result.
func TestGoSignedCookiesVerifyInDjango(t *testing.T) {
	t.Parallel()
	djangotest.Python(t)
	pairs := make([]string, len(signedValues))
	parse := make([][]string, len(signedValues))
	for i, v := range signedValues {
		rec := httptest.NewRecorder()
		must(t, SetSigned(rec, "c", v, testSecret, "prefs", Options{Now: clock(frozen), HttpOnly: true}))
		pairs[i], _, _ = strings.Cut(rec.Header().Get("Set-Cookie"), "; ")
		parse[i] = []string{"parse-cookie", "--header-json", djangotest.JSONString("other=1; " + pairs[i])}
	}
	parsed := djangotest.RunBatch(t, parse...)
	unsign := make([][]string, len(signedValues))
	for i := range signedValues {
		cookies, _ := djangotest.OK(t, parsed[i])["cookies"].(map[string]any)
		cv, ok := cookies["c"].(string)
		if !ok {
			t.Fatalf("Django's parse_cookie lost %q: %v", pairs[i], cookies)
		}
		unsign[i] = []string{"unsign-cookie", "--secret", string(testSecret), "--now", "1700000100",
			"--name", "c", "--salt", "prefs", "--max-age", "3600", "--cookie-value-json", djangotest.JSONString(cv)}
	}
	results := djangotest.RunBatch(t, unsign...)
	for i, v := range signedValues {
		res := djangotest.OK(t, results[i])
		if got := djangotest.String(t, res, "value"); got != v {
			t.Errorf("Go's %q verified in Django as %q, want %q", pairs[i], got, v)
		}
	}
}

// TestSignedSetCookieMatchesDjango compares whole headers of
// set_signed_cookie and Signer.Set with options.
func TestSignedSetCookieMatchesDjango(t *testing.T) {
	t.Parallel()
	djangotest.Python(t)
	opts := Options{MaxAge: MaxAge(14 * 24 * time.Hour), HttpOnly: true, SameSite: http.SameSiteLaxMode, Domain: "example.com"}
	values := []string{"hello", "清風;x"}
	calls := make([][]string, len(values))
	for i, v := range values {
		calls[i] = append(djangoSetArgs("c", v, opts, frozen), "--signed", "--salt", "s", "--secret", string(testSecret))
	}
	results := djangotest.RunBatch(t, calls...)
	for i, v := range values {
		want := djangotest.String(t, djangotest.OK(t, results[i]), "header")
		rec := httptest.NewRecorder()
		s := Signer{SecretKey: testSecret, Salt: "s", Now: clock(frozen)}
		must(t, s.Set(rec, "c", v, opts))
		if d := sameSetCookie(rec.Header().Get("Set-Cookie"), want); d != "" {
			t.Errorf("value %q: %s\n go:     %s\n django: %s", v, d, rec.Header().Get("Set-Cookie"), want)
		}
	}
}

// TestKeyRotationWithDjango signs with an old secret in Django and verifies
// in Go with that secret among the fallbacks, and the reverse.
func TestKeyRotationWithDjango(t *testing.T) {
	t.Parallel()
	djangotest.Python(t)
	oldSecret, newSecret := "old-secret-key-for-rotation", "new-secret-key-after-rotation"
	res := djangotest.OK(t, djangotest.Run(t, "sign-cookie", "--secret", oldSecret, "--now", "1700000000",
		"--name", "remember", "--value", "user:7"))
	pair, _, _ := strings.Cut(djangotest.String(t, res, "header"), "; ")
	r := request(pair)
	rotated := Signer{SecretKey: []byte(newSecret), FallbackKeys: [][]byte{[]byte("unrelated"), []byte(oldSecret)}, Now: clock(frozen)}
	if v, err := rotated.Get(r, "remember"); err != nil || v != "user:7" {
		t.Errorf("with the old secret among the fallbacks: %q, %v", v, err)
	}
	if _, err := (&Signer{SecretKey: []byte(newSecret), Now: clock(frozen)}).Get(r, "remember"); !errors.Is(err, signing.ErrBadSignature) {
		t.Errorf("without the fallback: %v, want a bad signature", err)
	}
	// Go signs with the new secret only: Django verifies it with the new
	// secret and rejects it with the old.
	signed, err := rotated.Sign("remember", "user:7")
	must(t, err)
	results := djangotest.RunBatch(t,
		[]string{"unsign-cookie", "--secret", newSecret, "--name", "remember", "--cookie-value", signed},
		[]string{"unsign-cookie", "--secret", oldSecret, "--name", "remember", "--cookie-value", signed},
	)
	if results[0]["ok"] != true || results[0]["value"] != "user:7" {
		t.Errorf("Django with the new secret: %v", results[0])
	}
	if results[1]["ok"] != false || results[1]["error"] != "BadSignature" {
		t.Errorf("Django with the old secret: %v", results[1])
	}
}

// TestMaxAgeMatchesDjango checks the same ages in Go and in Django, including
// the edge where the age equals max_age.
func TestMaxAgeMatchesDjango(t *testing.T) {
	t.Parallel()
	djangotest.Python(t)
	signed, err := (&Signer{SecretKey: testSecret, Now: clock(frozen)}).Sign("c", "v")
	must(t, err)
	ages := []time.Duration{0, 59 * time.Second, 60 * time.Second, 60*time.Second + 500*time.Millisecond, 61 * time.Second, -time.Hour}
	calls := make([][]string, len(ages))
	for i, age := range ages {
		now := frozen.Add(age)
		calls[i] = []string{"unsign-cookie", "--secret", string(testSecret), "--name", "c", "--cookie-value", signed,
			"--max-age", "60", "--now", strconv.FormatFloat(float64(now.UnixNano())/1e9, 'f', -1, 64)}
	}
	results := djangotest.RunBatch(t, calls...)
	for i, age := range ages {
		s := Signer{SecretKey: testSecret, MaxAge: time.Minute, Now: clock(frozen.Add(age))}
		_, err := s.Get(request("c="+signed), "c")
		djangoExpired := results[i]["error"] == "SignatureExpired"
		if djangoOK := results[i]["ok"] == true; djangoOK != (err == nil) || djangoExpired != errors.Is(err, signing.ErrExpired) {
			t.Errorf("age %v: Go %v, Django %v", age, err, results[i])
		}
	}
}
