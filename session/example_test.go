package session_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// exampleServer runs h behind a session middleware and returns a function
// that sends a GET with the given Cookie header and prints what came back.
func exampleServer(h http.HandlerFunc) (get func(path, cookie string) *http.Response, done func()) {
	sessions, err := session.New(memory.New(memory.Options{}), session.Config{
		SecretKey: []byte("a-long-random-secret-from-your-configuration"),
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(sessions.Middleware(h))
	return func(path, cookie string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}, srv.Close
}

// sessionCookie returns the name=value part of the response's session cookie.
func sessionCookie(res *http.Response) string {
	for _, c := range res.Cookies() {
		if c.Name == "sessionid" {
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

// A visit counter: the session is created by the first write and its cookie
// sent back; later requests read and update it.
func ExampleManager_Middleware() {
	get, done := exampleServer(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		n, _, err := s.GetInt("visits")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.Set("visits", n+1)
		fmt.Printf("visit %d\n", n+1)
	})
	defer done()

	res := get("/", "")
	cookie := sessionCookie(res)
	fmt.Println("Vary:", res.Header.Get("Vary"))
	get("/", cookie)
	get("/", cookie)
	// Output:
	// visit 1
	// Vary: Cookie
	// visit 2
	// visit 3
}

func ExampleNew() {
	sessions, err := session.New(memory.New(memory.Options{}), session.Config{
		SecretKey:    []byte("a-long-random-secret-from-your-configuration"),
		CookieSecure: true,          // HTTPS only
		CookieAge:    8 * time.Hour, // SESSION_COOKIE_AGE
		CookieName:   "__Host-sid",  // requires Secure, Path=/ and no Domain
		FallbackKeys: [][]byte{[]byte("the-previous-secret-while-rotating")},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sessions.Config().CookieName, sessions.Config().CookieSameSite == http.SameSiteLaxMode)

	_, err = session.New(memory.New(memory.Options{}), session.Config{})
	fmt.Println(err)
	// Output:
	// __Host-sid true
	// session: invalid config: SecretKey is empty: set it to a long random secret (Django's SECRET_KEY)
}

// Get decodes a stored value into a Go type, and reports a mismatch
// instead of returning a silent zero value.
func ExampleGet() {
	type Prefs struct {
		Theme string `json:"theme"`
		Size  int    `json:"size"`
	}
	get, done := exampleServer(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		if r.URL.Path == "/save" {
			s.Set("prefs", Prefs{Theme: "dark", Size: 14})
			s.Set("name", "alice")
			return
		}
		prefs, ok, err := session.Get[Prefs](s, "prefs")
		fmt.Println(prefs, ok, err)
		n, ok, err := session.Get[int](s, "name")
		fmt.Println(n, ok, err)
		_, ok, err = session.Get[int](s, "missing")
		fmt.Println(ok, err)
	})
	defer done()
	get("/read", sessionCookie(get("/save", "")))
	// Output:
	// {dark 14} true <nil>
	// 0 true session: value of "name" is string, not int
	// false <nil>
}

// Login cycles the session key against session fixation; logout flushes the
// session, which deletes the record and the cookie.
func ExampleSession_CycleKey() {
	get, done := exampleServer(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		switch r.URL.Path {
		case "/cart":
			s.Set("cart", []string{"apple"})
		case "/login":
			if err := s.CycleKey(r.Context()); err != nil {
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			}
			s.Set("user", "alice")
		case "/logout":
			if err := s.Flush(r.Context()); err != nil {
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			}
		case "/whoami":
			fmt.Println(s.GetDefault("user", "anonymous"), s.GetDefault("cart", nil))
		}
	})
	defer done()

	anonymous := sessionCookie(get("/cart", ""))
	loggedIn := sessionCookie(get("/login", anonymous))
	fmt.Println("new key:", loggedIn != anonymous)
	get("/whoami", loggedIn)
	get("/whoami", anonymous) // the old key is gone
	res := get("/logout", loggedIn)
	fmt.Println(res.Header.Get("Set-Cookie"))
	get("/whoami", loggedIn)
	// Output:
	// new key: true
	// alice [apple]
	// anonymous <nil>
	// sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax
	// anonymous <nil>
}

// SetExpiry takes Django's forms: seconds of inactivity, BrowserClose, a
// moment, a duration from now, or the global policy.
func ExampleSession_SetExpiry() {
	get, done := exampleServer(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		s.Set("user", "alice")
		switch r.URL.Query().Get("form") {
		case "seconds":
			s.SetExpiry(300)
		case "browser":
			s.SetExpiry(session.BrowserClose)
		case "duration":
			s.SetExpiryDuration(time.Hour)
		case "default":
			s.SetExpiryDefault()
		}
		// ExpiryAge is in whole seconds, rounded down as Django does.
		fmt.Println(s.ExpiryAge().Round(time.Minute), s.ExpireAtBrowserClose())
	})
	defer done()
	for _, form := range []string{"seconds", "browser", "duration", "default"} {
		res := get("/?form="+form, "")
		attrs := res.Header.Get("Set-Cookie")
		fmt.Println(" max-age in cookie:", strings.Contains(attrs, "Max-Age="))
	}
	// Output:
	// 5m0s false
	//  max-age in cookie: true
	// 336h0m0s true
	//  max-age in cookie: false
	// 1h0m0s false
	//  max-age in cookie: true
	// 336h0m0s false
	//  max-age in cookie: true
}

func ExampleSession_All() {
	get, done := exampleServer(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		if r.URL.Path == "/fill" {
			s.Update(map[string]any{"b": 2, "a": 1.0, "c": "three"})
			return
		}
		for k, v := range s.All() {
			fmt.Printf("%s=%v (%T)\n", k, v, v)
		}
	})
	defer done()
	get("/list", sessionCookie(get("/fill", "")))
	// Output:
	// a=1 (float64)
	// b=2 (int64)
	// c=three (string)
}
