package cookie

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/signing"
)

// The secret of the Django examples these vectors come from.
var testSecret = []byte("django-insecure-test-key")

// signedRequest returns a request carrying the cookie exactly as a browser
// returns it: the name=value of the Set-Cookie header that set wrote.
func signedRequest(t testing.TB, set func(w http.ResponseWriter) error) *http.Request {
	t.Helper()
	rec := httptest.NewRecorder()
	must(t, set(rec))
	var pairs []string
	for _, line := range rec.Header().Values("Set-Cookie") {
		pair, _, _ := strings.Cut(line, "; ")
		pairs = append(pairs, pair)
	}
	return request(strings.Join(pairs, "; "))
}

func TestSignMatchesDjangosVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cookie, value, salt, want string
	}{
		{"no salt", "c", "hello", "", "hello:1r31eq:6_ATJSSLW2CnbfPinKmlzDD3lHKu2OhDpIlUTrJ5gPs"},
		{"a salt", "c", "hello", "extra", "hello:1r31eq:tlonain9QVR-3VVKWmoPGr5x6ppjVrLETYLIfyaYA40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Signer{SecretKey: testSecret, Salt: tt.salt, Now: clock(frozen)}
			got, err := s.Sign(tt.cookie, tt.value)
			if err != nil || got != tt.want {
				t.Fatalf("Sign = %q, %v; want %q", got, err, tt.want)
			}
			rec := httptest.NewRecorder()
			must(t, s.Set(rec, tt.cookie, tt.value, Options{}))
			if h := rec.Header().Get("Set-Cookie"); h != tt.cookie+"="+tt.want+"; Path=/" {
				t.Errorf("Set-Cookie %q", h)
			}
			if v, err := s.Unsign(tt.cookie, tt.want); err != nil || v != tt.value {
				t.Errorf("Unsign(Django's value) = %q, %v", v, err)
			}
		})
	}
}

func TestSignedRoundTrip(t *testing.T) {
	t.Parallel()
	values := []string{"hello", "", "a:b:c", "x:", ":", "café ÿ", "清風 😀", `"quoted" \back\`, "a;b,c=d", "\x00\n\t"}
	for _, v := range values {
		t.Run("value "+v, func(t *testing.T) {
			t.Parallel()
			s := Signer{SecretKey: testSecret, Salt: "prefs", MaxAge: time.Hour, Now: clock(frozen)}
			r := signedRequest(t, func(w http.ResponseWriter) error { return s.Set(w, "c", v, Options{}) })
			if got, err := s.Get(r, "c"); err != nil || got != v {
				t.Errorf("Get = %q, %v; want %q", got, err, v)
			}
			pkg := signedRequest(t, func(w http.ResponseWriter) error {
				return SetSigned(w, "c", v, testSecret, "prefs", Options{Now: clock(frozen)})
			})
			if got, err := GetSigned(pkg, "c", testSecret, nil, "prefs", 0); err != nil || got != v {
				t.Errorf("GetSigned = %q, %v; want %q", got, err, v)
			}
		})
	}
}

func TestGetSignedErrors(t *testing.T) {
	t.Parallel()
	s := Signer{SecretKey: testSecret, Salt: "salt", MaxAge: time.Minute, Now: clock(frozen)}
	good, err := s.Sign("c", "v")
	must(t, err)
	forD, err := s.Sign("d", "v")
	must(t, err)
	oldSecret := []byte("the-old-secret")
	old, err := (&Signer{SecretKey: oldSecret, Salt: "salt", Now: clock(frozen)}).Sign("c", "v")
	must(t, err)
	at := func(d time.Duration) func() time.Time { return clock(frozen.Add(d)) }
	tests := []struct {
		name   string
		signer Signer
		header string
		want   []error // every one must match
	}{
		{"a missing cookie", s, "other=" + good, []error{ErrNoCookie}},
		{"a tampered value", s, "c=w" + good[1:], []error{signing.ErrBadSignature}},
		{"a value without a signature", s, "c=v", []error{signing.ErrBadSignature}},
		{"a value signed for another name", s, "c=" + forD, []error{signing.ErrBadSignature}},
		{"another salt", Signer{SecretKey: testSecret, Salt: "other", Now: clock(frozen)}, "c=" + good, []error{signing.ErrBadSignature}},
		{"another secret", Signer{SecretKey: []byte("another"), Salt: "salt", Now: clock(frozen)}, "c=" + good, []error{signing.ErrBadSignature}},
		{"an old secret without fallbacks", s, "c=" + old, []error{signing.ErrBadSignature}},
		{"one second past the max age", Signer{SecretKey: testSecret, Salt: "salt", MaxAge: time.Minute, Now: at(61 * time.Second)}, "c=" + good, []error{signing.ErrExpired, signing.ErrBadSignature}},
		{"a fraction past the max age", Signer{SecretKey: testSecret, Salt: "salt", MaxAge: time.Minute, Now: at(60*time.Second + time.Millisecond)}, "c=" + good, []error{signing.ErrExpired}},
		{"no secret", Signer{}, "c=" + good, []error{ErrNoSecret}},
		{"a value over 4096 bytes", s, "c=" + strings.Repeat("x", 4096) + good, []error{signing.ErrBadSignature, ErrTooLarge}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := request(tt.header)
			v, err := tt.signer.Get(r, "c")
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("Get = %q, %v; want an error matching %v", v, err, want)
				}
			}
			if v != "" {
				t.Errorf("Get returned %q with an error", v)
			}
			if d := tt.signer.GetDefault(r, "c", "def"); d != "def" {
				t.Errorf("GetDefault = %q, want the default", d)
			}
			if errors.Is(err, ErrNoCookie) && errors.Is(err, signing.ErrBadSignature) {
				t.Errorf("error %v is both missing and bad", err)
			}
		})
	}
}

func TestGetSignedAccepts(t *testing.T) {
	t.Parallel()
	s := Signer{SecretKey: testSecret, Salt: "salt", MaxAge: time.Minute, Now: clock(frozen)}
	good, err := s.Sign("c", "v")
	must(t, err)
	oldSecret := []byte("the-old-secret")
	old, err := (&Signer{SecretKey: oldSecret, Salt: "salt", Now: clock(frozen)}).Sign("c", "v")
	must(t, err)
	tests := []struct {
		name   string
		signer Signer
		header string
	}{
		{"a fresh value", s, "c=" + good},
		{"a value exactly max age old", Signer{SecretKey: testSecret, Salt: "salt", MaxAge: time.Minute, Now: clock(frozen.Add(time.Minute))}, "c=" + good},
		{"an old value with no max age", Signer{SecretKey: testSecret, Salt: "salt", Now: clock(frozen.Add(1000 * time.Hour))}, "c=" + good},
		{"a value from the future", Signer{SecretKey: testSecret, Salt: "salt", MaxAge: time.Minute, Now: clock(frozen.Add(-time.Hour))}, "c=" + good},
		{"an old secret among the fallbacks", Signer{SecretKey: []byte("new"), FallbackKeys: [][]byte{[]byte("x"), oldSecret}, Salt: "salt", Now: clock(frozen)}, "c=" + old},
		{"a quoted form of a plain value", s, `c="` + good + `"`},
		{"garbage before the good duplicate", s, "c=garbage; c=" + good},
		{"garbage after the good duplicate", s, "c=" + good + "; c=garbage"},
		{"the good duplicate in a second header field", s, "c=garbage\x00c=" + good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := request(strings.Split(tt.header, "\x00")...)
			if v, err := tt.signer.Get(r, "c"); err != nil || v != "v" {
				t.Errorf("Get = %q, %v; want v", v, err)
			}
		})
	}
}

func TestTheLastValidDuplicateWins(t *testing.T) {
	t.Parallel()
	s := Signer{SecretKey: testSecret, Now: clock(frozen)}
	a, _ := s.Sign("c", "first")
	b, _ := s.Sign("c", "second")
	if v, err := s.Get(request("c="+a+"; c="+b+"; c=junk"), "c"); err != nil || v != "second" {
		t.Errorf("Get = %q, %v; want the last value that verifies", v, err)
	}
	_, err := s.Get(request("c=junk1; c="+a[:len(a)-1]), "c")
	if !errors.Is(err, signing.ErrBadSignature) {
		t.Errorf("Get of two bad values: %v", err)
	}
}

// TestEverySingleByteChangeIsRejected changes each byte of a signed cookie
// as the browser would send it, to several other values.
func TestEverySingleByteChangeIsRejected(t *testing.T) {
	t.Parallel()
	s := Signer{SecretKey: testSecret, Salt: "s", Now: clock(frozen)}
	for _, value := range []string{"hello", "café;清"} {
		r := signedRequest(t, func(w http.ResponseWriter) error { return s.Set(w, "c", value, Options{}) })
		header := r.Header.Get("Cookie")
		for i := len("c="); i < len(header); i++ {
			for _, delta := range []byte{1, 0x20, 0x80, 0xff} {
				changed := []byte(header)
				changed[i] ^= delta
				if got, err := s.Get(request(string(changed)), "c"); err == nil && got != value {
					t.Errorf("changing byte %d of %q by %#x: Get = %q, accepted", i, header, delta, got)
				} else if err == nil && got == value {
					// Only a change that decodes to the same cookie value
					// may pass (for instance an escape spelled another
					// way); the signature itself is never changed.
					if unquote(string(changed[2:])) != unquote(header[2:]) {
						t.Errorf("changing byte %d of %q by %#x was accepted", i, header, delta)
					}
				}
			}
		}
	}
}

func TestGetSignedDefault(t *testing.T) {
	t.Parallel()
	good, err := (&Signer{SecretKey: testSecret}).Sign("c", "v")
	must(t, err)
	tests := []struct {
		name, header, want string
	}{
		{"a valid cookie gives its value", "c=" + good, "v"},
		{"a missing cookie gives the default", "", "def"},
		{"a bad signature gives the default", "c=v:x:y", "def"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := GetSignedDefault(request(tt.header), "c", testSecret, nil, "", time.Hour, "def"); got != tt.want {
				t.Errorf("GetSignedDefault = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetSignedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cookie string
		value  string
		secret []byte
		opts   Options
		want   error
	}{
		{"no secret", "c", "v", nil, Options{}, ErrNoSecret},
		{"a bad name", "a b", "v", testSecret, Options{}, ErrInvalidName},
		{"a value too large once signed", "c", strings.Repeat("x", 4050), testSecret, Options{}, ErrTooLarge},
		{"bad options", "c", "v", testSecret, Options{SameSite: http.SameSiteNoneMode}, ErrSameSiteNoneInsecure},
		{"invalid UTF-8", "c", "\xff", testSecret, Options{}, ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			if err := SetSigned(rec, tt.cookie, tt.value, tt.secret, "", tt.opts); !errors.Is(err, tt.want) {
				t.Errorf("SetSigned error %v, want %v", err, tt.want)
			}
			if h := rec.Header().Values("Set-Cookie"); len(h) != 0 {
				t.Errorf("SetSigned wrote %q after an error", h)
			}
		})
	}
}

func TestOneClockSignsAndExpires(t *testing.T) {
	t.Parallel()
	later := clock(frozen.Add(24 * time.Hour))
	tests := []struct {
		name        string
		signerNow   func() time.Time
		optsNow     func() time.Time
		wantStamp   string
		wantExpires string
	}{
		{"the signer's clock", clock(frozen), nil, ":1r31eq:", "Tue, 14 Nov 2023 23:13:20 GMT"},
		{"the options' clock", nil, clock(frozen), ":1r31eq:", "Tue, 14 Nov 2023 23:13:20 GMT"},
		{"the signer's clock before the options'", clock(frozen), later, ":1r31eq:", "Tue, 14 Nov 2023 23:13:20 GMT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Signer{SecretKey: testSecret, Now: tt.signerNow}
			rec := httptest.NewRecorder()
			must(t, s.Set(rec, "c", "v", Options{MaxAge: MaxAge(time.Hour), Now: tt.optsNow}))
			_, value, attrs := mustParseSetCookie(t, rec.Header().Get("Set-Cookie"))
			if !strings.Contains(value, tt.wantStamp) || attrs["expires"] != tt.wantExpires {
				t.Errorf("value %q, expires %q; want the stamp %s and %s", value, attrs["expires"], tt.wantStamp, tt.wantExpires)
			}
		})
	}
	rec := httptest.NewRecorder()
	must(t, SetSigned(rec, "c", "v", testSecret, "", Options{MaxAge: MaxAge(time.Hour), Now: clock(frozen)}))
	if h := rec.Header().Get("Set-Cookie"); !strings.Contains(h, ":1r31eq:") || !strings.Contains(h, "expires=Tue, 14 Nov 2023 23:13:20 GMT") {
		t.Errorf("SetSigned wrote %q", h)
	}
}
