package cookie_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/signing"
)

// fixed is a frozen clock so that the examples print the same dates every time.
func fixed() time.Time { return time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC) }

func ExampleSet() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		err := cookie.Set(w, "theme", "dark", cookie.Options{
			MaxAge:   cookie.MaxAge(14 * 24 * time.Hour),
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
			Now:      fixed, // leave out to use the real clock
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "saved") // any response: a page, JSON, a redirect
	}
	rec := httptest.NewRecorder()
	handler(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(rec.Header().Get("Set-Cookie"))
	// Output:
	// theme=dark; expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax
}

// A value outside RFC 6265's cookie characters is written in Django's quoted
// form, which Get decodes.
func ExampleSet_quoted() {
	rec := httptest.NewRecorder()
	if err := cookie.Set(rec, "greeting", "café; 清風", cookie.Options{}); err != nil {
		fmt.Println(err)
	}
	fmt.Println(rec.Header().Get("Set-Cookie"))
	// Output:
	// greeting="caf\351\073 清風"; Path=/
}

// Expires given alone is turned into Max-Age as Django does, with one second
// added and the age floored.
func ExampleSet_expires() {
	rec := httptest.NewRecorder()
	err := cookie.Set(rec, "c", "x", cookie.Options{
		Expires: time.Date(2023, 11, 15, 0, 0, 0, 0, time.UTC),
		Now:     fixed,
	})
	fmt.Println(rec.Header().Get("Set-Cookie"), err)
	// Output:
	// c=x; expires=Wed, 15 Nov 2023 00:00:01 GMT; Max-Age=6401; Path=/ <nil>
}

// Rules that browsers would enforce silently are errors.
func ExampleSet_errors() {
	rec := httptest.NewRecorder()
	fmt.Println(cookie.Set(rec, "__Host-id", "v", cookie.Options{Secure: true, Domain: "example.com"}))
	fmt.Println(cookie.Set(rec, "c", "v", cookie.Options{SameSite: http.SameSiteNoneMode}))
	err := cookie.Set(rec, "c", strings.Repeat("x", 5000), cookie.Options{})
	var tooLarge *cookie.TooLargeError
	fmt.Println(errors.As(err, &tooLarge), tooLarge.Size)
	// Output:
	// cookie: cookie prefix requirements not met: "__Host-id" cannot have a Domain ("example.com")
	// cookie: SameSite=None requires Secure: cookie "c"
	// true 5001
}

func ExampleFormat() {
	line, err := cookie.Format("sessionid", "abc", cookie.Options{
		MaxAge:   cookie.MaxAge(1209600 * time.Second),
		Domain:   "example.com",
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Now:      fixed,
	})
	fmt.Println(line, err)
	// Output:
	// sessionid=abc; Domain=example.com; expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax; Secure <nil>
}

func ExampleMaxAge() {
	session, _ := cookie.Format("c", "v", cookie.Options{})                                          // no MaxAge: until the browser closes
	gone, _ := cookie.Format("c", "v", cookie.Options{MaxAge: cookie.MaxAge(0), Now: fixed})         // expire now
	hour, _ := cookie.Format("c", "v", cookie.Options{MaxAge: cookie.MaxAge(time.Hour), Now: fixed}) // an hour
	fmt.Println(session)
	fmt.Println(gone)
	fmt.Println(hour)
	// Output:
	// c=v; Path=/
	// c=v; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/
	// c=v; expires=Tue, 14 Nov 2023 23:13:20 GMT; Max-Age=3600; Path=/
}

func ExampleAge_Duration() {
	var unset cookie.Age
	d, ok := unset.Duration()
	fmt.Println(d, ok)
	d, ok = cookie.MaxAge(0).Duration()
	fmt.Println(d, ok, cookie.MaxAge(0).IsSet())
	// Output:
	// 0s false
	// 0s true true
}

func ExampleDelete() {
	rec := httptest.NewRecorder()
	err := cookie.Delete(rec, "sessionid", cookie.DeleteOptions{SameSite: http.SameSiteLaxMode})
	fmt.Println(rec.Header().Get("Set-Cookie"), err)
	// Output:
	// sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax <nil>
}

func ExampleGet() {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", `theme=dark; greeting="caf\351\073 清風"`)
	theme, err := cookie.Get(r, "theme")
	fmt.Println(theme, err)
	greeting, _ := cookie.Get(r, "greeting")
	fmt.Println(greeting)
	_, err = cookie.Get(r, "missing")
	fmt.Println(errors.Is(err, cookie.ErrNoCookie))
	// Output:
	// dark <nil>
	// café; 清風
	// true
}

func ExampleGetDefault() {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "theme=dark")
	fmt.Println(cookie.GetDefault(r, "theme", "light"))
	fmt.Println(cookie.GetDefault(r, "lang", "en"))
	// Output:
	// dark
	// en
}

func ExampleGetAll() {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Add("Cookie", "sessionid=first; theme=dark")
	r.Header.Add("Cookie", "sessionid=second") // HTTP/2 may split the header
	fmt.Println(cookie.GetAll(r, "sessionid"))
	last, _ := cookie.Get(r, "sessionid") // Django's choice: the last
	fmt.Println(last)
	// Output:
	// [first second]
	// second
}

func ExampleAll() {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "a=1; b=2; a=3")
	fmt.Println(cookie.All(r))
	// Output:
	// map[a:3 b:2]
}

// browserRequest returns a request that sends back the cookies of rec as a
// browser would.
func browserRequest(rec *httptest.ResponseRecorder) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, line := range rec.Header().Values("Set-Cookie") {
		pair, _, _ := strings.Cut(line, "; ")
		r.Header.Add("Cookie", pair)
	}
	return r
}

// secretKey stands for Django's SECRET_KEY; load yours from the environment.
var secretKey = []byte("django-insecure-test-key")

func ExampleSigner() {
	// Configure once; Salt and MaxAge are Django's salt= and max_age=.
	remember := cookie.Signer{SecretKey: secretKey, Salt: "remember", MaxAge: 30 * 24 * time.Hour}

	rec := httptest.NewRecorder()
	if err := remember.Set(rec, "user", "42", cookie.Options{MaxAge: cookie.MaxAge(30 * 24 * time.Hour), HttpOnly: true}); err != nil {
		fmt.Println(err)
	}
	user, err := remember.Get(browserRequest(rec), "user")
	fmt.Println(user, err)
	// Output:
	// 42 <nil>
}

func ExampleSigner_Set() {
	s := cookie.Signer{SecretKey: secretKey, Now: fixed}
	rec := httptest.NewRecorder()
	err := s.Set(rec, "c", "hello", cookie.Options{})
	fmt.Println(rec.Header().Get("Set-Cookie"), err)
	// Output:
	// c=hello:1r31eq:6_ATJSSLW2CnbfPinKmlzDD3lHKu2OhDpIlUTrJ5gPs; Path=/ <nil>
}

func ExampleSigner_Get() {
	s := cookie.Signer{SecretKey: secretKey, MaxAge: time.Minute, Now: fixed}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "c=hello:1r31eq:6_ATJSSLW2CnbfPinKmlzDD3lHKu2OhDpIlUTrJ5gPs; tampered=hello:1r31eq:AAAA")
	fmt.Println(s.Get(r, "c"))

	_, err := s.Get(r, "tampered")
	fmt.Println(errors.Is(err, signing.ErrBadSignature))

	_, err = s.Get(r, "missing")
	fmt.Println(errors.Is(err, cookie.ErrNoCookie))

	later := cookie.Signer{SecretKey: secretKey, MaxAge: time.Minute, Now: func() time.Time { return fixed().Add(time.Hour) }}
	_, err = later.Get(r, "c")
	fmt.Println(errors.Is(err, signing.ErrExpired))
	// Output:
	// hello <nil>
	// true
	// true
	// true
}

func ExampleSigner_GetDefault() {
	s := cookie.Signer{SecretKey: secretKey}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "c=forged:1r31eq:AAAA")
	fmt.Println(s.GetDefault(r, "c", "anonymous"))
	// Output:
	// anonymous
}

// Rotating the secret: values signed with the old one still verify while it
// is among the fallbacks; new values are signed with the new one.
func ExampleSigner_fallbacks() {
	oldSecret, newSecret := []byte("old-secret"), []byte("new-secret")
	rec := httptest.NewRecorder()
	_ = cookie.SetSigned(rec, "c", "kept", oldSecret, "", cookie.Options{})

	rotated := cookie.Signer{SecretKey: newSecret, FallbackKeys: [][]byte{oldSecret}}
	fmt.Println(rotated.Get(browserRequest(rec), "c"))
	// Output:
	// kept <nil>
}

func ExampleSigner_Sign() {
	s := cookie.Signer{SecretKey: secretKey, Salt: "extra", Now: fixed}
	fmt.Println(s.Sign("c", "hello"))
	// Output:
	// hello:1r31eq:tlonain9QVR-3VVKWmoPGr5x6ppjVrLETYLIfyaYA40 <nil>
}

func ExampleSigner_Unsign() {
	s := cookie.Signer{SecretKey: secretKey, Salt: "extra"}
	fmt.Println(s.Unsign("c", "hello:1r31eq:tlonain9QVR-3VVKWmoPGr5x6ppjVrLETYLIfyaYA40"))
	_, err := s.Unsign("other", "hello:1r31eq:tlonain9QVR-3VVKWmoPGr5x6ppjVrLETYLIfyaYA40")
	fmt.Println(errors.Is(err, signing.ErrBadSignature)) // the name is part of the salt
	// Output:
	// hello <nil>
	// true
}

func ExampleSetSigned() {
	rec := httptest.NewRecorder()
	err := cookie.SetSigned(rec, "c", "清風", secretKey, "", cookie.Options{HttpOnly: true, Now: fixed})
	fmt.Println(rec.Header().Get("Set-Cookie"), err)
	// Django's set_signed_cookie writes the same value, quotes included.
	// Output:
	// c="清風:1r31eq:kEXD5m-cpifvQEnEpSTiMeBn1x1VmXkcwvAhe70r45o"; HttpOnly; Path=/ <nil>
}

func ExampleGetSigned() {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "c=hello:1r31eq:tlonain9QVR-3VVKWmoPGr5x6ppjVrLETYLIfyaYA40")
	fmt.Println(cookie.GetSigned(r, "c", secretKey, nil, "extra", 0))
	// Output:
	// hello <nil>
}

func ExampleGetSignedDefault() {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	fmt.Println(cookie.GetSignedDefault(r, "c", secretKey, nil, "", 0, "none"))
	// Output:
	// none
}

func ExampleTooLargeError() {
	_, err := cookie.Format("big", strings.Repeat("é", 1100), cookie.Options{})
	var tooLarge *cookie.TooLargeError
	if errors.As(err, &tooLarge) {
		fmt.Println(tooLarge.Name, tooLarge.Size, errors.Is(err, cookie.ErrTooLarge))
	}
	// Output:
	// big 4405 true
}

func ExampleAge_IsSet() {
	var opts cookie.Options
	fmt.Println(opts.MaxAge.IsSet())
	opts.MaxAge = cookie.MaxAge(0)
	fmt.Println(opts.MaxAge.IsSet())
	// Output:
	// false
	// true
}
