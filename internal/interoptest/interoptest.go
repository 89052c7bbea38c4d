// Package interoptest is the scaffolding the Django interop tests of the
// store modules share: a Go service with the session and auth middleware
// that knows the user alice, a way to run requests through Django 3.2's
// SessionMiddleware (internal/djangotest's helper), and a reader for the
// helper's op results.
//
// It is for _test.go files only; no library code imports it.
package interoptest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/session"
)

// Secret is the SECRET_KEY Django and Go share in these tests.
const Secret = "a secret key shared by Django and Go for this test"

// User is a user both sides know: Django keeps it in its auth table (the
// helper's login op creates it from UserID's name and Hash), Go finds it
// through the GoSide's LookupUser.
type User struct {
	UserID, Hash string
}

// ID is the user's primary key as a string.
func (u User) ID() string { return u.UserID }

// Backend is empty: the default authentication backend.
func (u User) Backend() string { return "" }

// PasswordHash is the hash the session's auth hash is made from.
func (u User) PasswordHash() string { return u.Hash }

// Alice is the user the interop tests log in, with primary key 1 on both
// sides.
var Alice = User{"1", "pbkdf2_sha256$260000$saltsaltsalt$c2VjcmV0aGFzaGZvcnRoZXRlc3Rvbmx5MTIzNDU2Nzg="}

// Django runs requests through Django 3.2's SessionMiddleware with the
// helper's middleware subcommand. Args are the flags that pick the engine
// and its storage (for example --engine cache --redis-url ...); Request adds
// the secret, the ops and the cookie.
type Django struct {
	T    testing.TB
	Args []string
}

// Request runs ops in one Django request that carries the session cookie
// key ("" for none) and returns the helper's result, failing the test when
// the helper reports an error.
func (d Django) Request(key string, ops ...[]any) map[string]any {
	d.T.Helper()
	if ops == nil {
		ops = [][]any{}
	}
	args := append([]string{"middleware"}, d.Args...)
	args = append(args, "--secret", Secret, "--ops", djangotest.JSON(d.T, ops))
	if key != "" {
		args = append(args, "--cookie", "sessionid="+key)
	}
	return djangotest.OK(d.T, djangotest.Run(d.T, args...))
}

// OpResult is the result of the request's op i; it fails the test when
// there is none or when the op raised.
func OpResult(t testing.TB, res map[string]any, i int) any {
	t.Helper()
	ops, _ := res["op_results"].([]any)
	if i >= len(ops) {
		t.Fatalf("no result for op %d: %v", i, res)
	}
	if m, ok := ops[i].(map[string]any); ok && m["exception"] != nil {
		t.Fatalf("op %d raised %v: %v", i, m["exception"], m["message"])
	}
	return ops[i]
}

// GoSide is the Go service: the session middleware on a store, with
// Secret, and the auth middleware that finds Alice. Its pages are /login
// (logs Alice in), /logout and /whoami ("user=" and the user's ID; it
// loads the session first, so a store error answers 500).
type GoSide struct {
	Manager *session.Manager
	Auth    *auth.Authenticator
	Handler http.Handler
}

// NewGoSide builds the Go service on st with codec (nil for the session
// package's default, Django's JSON form).
func NewGoSide(t testing.TB, st session.Store, codec session.Codec) GoSide {
	t.Helper()
	m, err := session.New(st, session.Config{
		SecretKey: []byte(Secret),
		Codec:     codec,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(auth.Config{
		SecretKey: []byte(Secret),
		LookupUser: func(ctx context.Context, id string) (auth.User, error) {
			if id == Alice.UserID {
				return Alice, nil
			}
			return nil, auth.ErrUserNotFound
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Login(w, r, Alice); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Logout(w, r); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		// A page that reads its session sees the store's errors.
		if err := session.FromRequest(r).Load(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, "user="+auth.UserID(r))
	})
	return GoSide{Manager: m, Auth: a, Handler: m.Middleware(a.Middleware(mux))}
}

// Do sends one GET request with the session cookie key ("" for none) and
// returns the status, the body and the session cookie the response sets
// ("" when it sets none, "-" when it deletes it).
func (g GoSide) Do(t testing.TB, path, key string) (code int, body, cookie string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if key != "" {
		req.Header.Set("Cookie", "sessionid="+key)
	}
	rec := httptest.NewRecorder()
	g.Handler.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "sessionid" {
			cookie = c.Value
			if c.MaxAge < 0 {
				cookie = "-"
			}
		}
	}
	return rec.Code, rec.Body.String(), cookie
}

// OK is Do for a request that must answer 200: any other status fails the
// test.
func (g GoSide) OK(t testing.TB, path, key string) (body, cookie string) {
	t.Helper()
	code, body, cookie := g.Do(t, path, key)
	if code != 200 {
		t.Fatalf("%s: %d %s", path, code, body)
	}
	return body, cookie
}
