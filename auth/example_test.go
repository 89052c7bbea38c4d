package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

func ExampleIsSafeRedirect() {
	hosts := []string{"example.com"}
	for _, next := range []string{"/account/?tab=2", "https://example.com/x", "//evil.com", `/\evil.com`, "https:evil.com", "javascript:alert(1)"} {
		fmt.Printf("%-22s %v\n", next, auth.IsSafeRedirect(next, hosts, false))
	}
	// Output:
	// /account/?tab=2        true
	// https://example.com/x  true
	// //evil.com             false
	// /\evil.com             false
	// https:evil.com         false
	// javascript:alert(1)    false
}

func ExampleSafeNext() {
	r := httptest.NewRequest("POST", "http://example.com/login/", nil)
	fmt.Println(auth.SafeNext(r, "/private/café?x=1", "/"))
	fmt.Println(auth.SafeNext(r, "http://example.com/ok", "/"))
	fmt.Println(auth.SafeNext(r, "//evil.com/", "/"))
	// Output:
	// /private/caf%C3%A9?x=1
	// http://example.com/ok
	// /
}

// user is an application's user type; Login needs its id, backend and
// password hash.
type user struct{ id, passwordHash string }

func (u user) ID() string           { return u.id }
func (u user) Backend() string      { return "" } // Django's ModelBackend
func (u user) PasswordHash() string { return u.passwordHash }

func ExampleAuthenticator_LoginRequired() {
	sessions, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: []byte("example secret key")})
	if err != nil {
		panic(err)
	}
	a, err := auth.New(auth.Config{SecretKey: []byte("example secret key")})
	if err != nil {
		panic(err)
	}
	account := a.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello, user", auth.UserID(r))
	}))
	h := sessions.Middleware(account)

	// An anonymous browser is sent to the login page, with ?next=.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/account/?tab=2", nil))
	fmt.Println(w.Code, w.Header().Get("Location"))

	// A script that asks for JSON gets a 401 instead.
	w = httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/account/", nil)
	r.Header.Set("Accept", "application/json")
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// 302 /accounts/login/?next=/account/%3Ftab%3D2
	// 401
}

func ExampleAuthenticator_Login() {
	key := []byte("example secret key")
	sessions, _ := session.New(memory.New(memory.Options{}), session.Config{SecretKey: key})
	a, _ := auth.New(auth.Config{SecretKey: key})
	login := func(w http.ResponseWriter, r *http.Request) {
		// ... after checking the password:
		u := user{id: "42", passwordHash: "pbkdf2_sha256$1000000$salt$hash"}
		if err := a.Login(w, r, u); err != nil {
			http.Error(w, "login failed", http.StatusInternalServerError)
			return
		}
		s := session.FromRequest(r)
		id, _ := s.Get(auth.SessionKeyUserID)
		backend, _ := s.Get(auth.SessionKeyBackend)
		fmt.Println(id, backend, auth.UserID(r))
		a.RedirectAfterLogin(w, r, "/")
	}
	w := httptest.NewRecorder()
	sessions.Middleware(a.Middleware(http.HandlerFunc(login))).ServeHTTP(w,
		httptest.NewRequest("POST", "/login/?next=/account/", nil))
	fmt.Println(w.Code, w.Header().Get("Location"))
	// Output:
	// 42 django.contrib.auth.backends.ModelBackend 42
	// 302 /account/
}

func ExampleAuthenticator_UpdateSessionAuthHash() {
	key := []byte("example secret key")
	sessions, _ := session.New(memory.New(memory.Options{}), session.Config{SecretKey: key})
	alice := &user{id: "1", passwordHash: "pbkdf2_sha256$1000$oldsalt$oldhash"}
	a, _ := auth.New(auth.Config{SecretKey: key, LookupUser: func(ctx context.Context, id string) (auth.User, error) {
		if id != alice.id {
			return nil, auth.ErrUserNotFound
		}
		return *alice, nil
	}})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/", func(w http.ResponseWriter, r *http.Request) {
		a.Login(w, r, *alice)
	})
	mux.Handle("POST /password/", a.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ... after checking the old password and storing the new one:
		alice.passwordHash = "pbkdf2_sha256$1000$newsalt$newhash"
		if err := a.UpdateSessionAuthHash(w, r, *alice); err != nil {
			http.Error(w, "the session could not be updated", http.StatusInternalServerError)
		}
	})))
	mux.HandleFunc("GET /whoami/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%q", auth.UserID(r))
	})
	h := sessions.Middleware(a.Middleware(mux))

	// Two browsers log in as alice; the first changes the password.
	send := func(cookie, method, path string) (string, string) {
		r := httptest.NewRequest(method, path, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if c := w.Result().Cookies(); len(c) > 0 {
			cookie = c[0].Name + "=" + c[0].Value
		}
		return cookie, w.Body.String()
	}
	here, _ := send("", "POST", "/login/")
	elsewhere, _ := send("", "POST", "/login/")
	here, _ = send(here, "POST", "/password/")
	_, who := send(here, "GET", "/whoami/")
	fmt.Println("this browser:", who)
	_, who = send(elsewhere, "GET", "/whoami/")
	fmt.Println("the other one:", who)
	// Output:
	// this browser: "1"
	// the other one: ""
}

func ExampleSessionAuthHash() {
	// The same value as Django's user.get_session_auth_hash() with
	// SECRET_KEY "auth-test-secret".
	fmt.Println(auth.SessionAuthHash([]byte("auth-test-secret"),
		"pbkdf2_sha256$260000$djangoSaltForAlice0123$qn1QYwgEAbF9G4a+iYaB4hYkcndeQPUlFg8ReOtWAIY="))
	// Output: 7f84d2358c44b7ac340c98aeb2c466187f2cb9ed7ed8e5b77cfa2c53b3e36e3a
}

func ExampleWantsJSON() {
	for _, accept := range []string{
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"application/json, text/plain, */*",
		"*/*",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		fmt.Println(auth.WantsJSON(r))
	}
	// Output:
	// false
	// true
	// false
}

// The order of the middleware: the session middleware outside, auth's
// inside it, then the pages. A handler outside auth's middleware that asks
// who the user is panics with a message that says so.
func ExampleAuthenticator_Middleware() {
	key := []byte("the site's SECRET_KEY, 32 bytes or more")
	sessions, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: key})
	if err != nil {
		panic(err)
	}
	a, err := auth.New(auth.Config{SecretKey: key, LoginURL: "/login/"})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "authenticated: %v", auth.IsAuthenticated(r))
	})
	mux.Handle("/account/", a.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", auth.UserID(r))
	})))
	handler := sessions.Middleware(a.Middleware(mux))

	for _, path := range []string{"/", "/account/"} {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Printf("%s %d %q location=%q\n", path, rec.Code, rec.Body.String(), rec.Header().Get("Location"))
	}
	// Output:
	// / 200 "authenticated: false" location=""
	// /account/ 302 "" location="/login/?next=/account/"
}
