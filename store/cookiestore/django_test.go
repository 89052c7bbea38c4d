package cookiestore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cookiestore"
)

// The tests below run the real Django (Debian's 3.2) through djhelper.py.

const djangoSecret = "shared-secret-between-django-and-go-cookies"

// djangoNow is the frozen clock of both sides.
const djangoNow = 1_800_000_000

// interopValues exercises every JSON value type: non-ASCII text (as the
// \u escapes Django writes), nested objects and lists, integers beyond 2^53
// and at the int64 edges, beyond int64, floats that must stay floats,
// booleans, null, empty containers.
const interopValues = `{"text":"h\u00e9llo \u2603 \ud834\udd1e","nested":{"a":[1,2,{"b":null}],"t":true,"f":false},` +
	`"big":9007199254740993,"min":-9223372036854775808,"huge":123456789012345678901234567890,` +
	`"one":1.0,"e16":1e+16,"pi":3.14159,"neg":-0.5,"empty":{},"list":[],"s":""}`

// interopSessions are the sessions both sides write: every value type, a
// session large and repetitive enough to be compressed, and the expiry
// forms Django 3.2 can store (none, seconds, 0).
var interopSessions = []struct {
	name string
	json string
}{
	{"every value type", interopValues},
	{"a compressed session", `{"cart":"` + strings.Repeat("apple pear plum ", 60) + `","n":1}`},
	{"an expiry in seconds", `{"u":"alice","_session_expiry":3600}`},
	{"an expiry at browser close", `{"u":"alice","_session_expiry":0}`},
	{"an empty session", `{}`},
}

func djangoStore(t *testing.T, now int64, opts cookiestore.Options) *cookiestore.Store {
	t.Helper()
	return newStore(t, session.Config{SecretKey: []byte(djangoSecret), Now: func() time.Time { return time.Unix(now, 0) }}, opts)
}

func mustObject(t *testing.T, js string) map[string]any {
	t.Helper()
	m, err := pyjson.UnmarshalObject([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDjangoWritesGoReads(t *testing.T) {
	var calls [][]string
	for _, s := range interopSessions {
		calls = append(calls, []string{"signed-cookies-encode", "--secret", djangoSecret, "--now", strconv.Itoa(djangoNow), "--json", s.json})
	}
	res := djangotest.RunBatch(t, calls...)
	st := djangoStore(t, djangoNow+60, cookiestore.Options{})
	compressed := false
	for i, s := range interopSessions {
		t.Run(s.name, func(t *testing.T) {
			v := djangotest.String(t, djangotest.OK(t, res[i]), "cookie_value")
			compressed = compressed || strings.HasPrefix(v, ".")
			got, exp, err := st.Decode(v)
			if err != nil {
				t.Fatalf("Go refuses Django's cookie %q: %v", v, err)
			}
			if want := mustObject(t, s.json); !reflect.DeepEqual(got, want) {
				t.Fatalf("Go reads %#v, want %#v", got, want)
			}
			wantExp := time.Unix(djangoNow, 0).Add(session.DefaultCookieAge)
			if s.name == "an expiry in seconds" {
				wantExp = time.Unix(djangoNow+3600, 0)
			}
			if !exp.Equal(wantExp) {
				t.Errorf("expiry %v, want %v", exp, wantExp)
			}
		})
	}
	if !compressed {
		t.Error("no cookie of Django's was compressed: the compressed form is untested")
	}
}

func TestGoWritesDjangoReads(t *testing.T) {
	st := djangoStore(t, djangoNow, cookiestore.Options{})
	var calls [][]string
	compressed := false
	for _, s := range interopSessions {
		v, err := st.SaveKey(context.Background(), mustObject(t, s.json), time.Unix(djangoNow, 0).Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		compressed = compressed || strings.HasPrefix(v, ".")
		calls = append(calls, []string{"signed-cookies-decode", "--secret", djangoSecret, "--now", strconv.Itoa(djangoNow + 60), "--cookie-value", v})
	}
	if !compressed {
		t.Error("no cookie of Go's was compressed: the compressed form is untested")
	}
	res := djangotest.RunBatch(t, calls...)
	for i, s := range interopSessions {
		t.Run(s.name, func(t *testing.T) {
			r := djangotest.OK(t, res[i])
			if r["rejected"] != false {
				t.Fatalf("Django rejects Go's cookie: %v", r)
			}
			if got, want := mustObject(t, djangotest.String(t, r, "decoded_json")), mustObject(t, s.json); !reflect.DeepEqual(got, want) {
				t.Fatalf("Django reads %#v, want %#v", got, want)
			}
		})
	}
}

// TestExpiryAgainstDjango reads cookies of each side, at moments around
// their expiry, on both sides. Both check the signing time against
// SESSION_COOKIE_AGE; only Go also checks the session's own expiry, so a
// set_expiry(300) cookie replayed after 300 s is refused by Go and still
// accepted by Django 3.2 (Django ticket #19201; docs/compatibility.md).
func TestExpiryAgainstDjango(t *testing.T) {
	const age = 3600
	tests := []struct {
		name       string
		json       string
		after      int64 // seconds after signing
		goAccepts  bool
		djAccepts  bool
		difference bool // the documented difference
	}{
		{"within the cookie age", `{"u":"a"}`, age - 1, true, true, false},
		{"at the cookie age exactly (Django: age > max_age expires)", `{"u":"a"}`, age, true, true, false},
		{"past the cookie age", `{"u":"a"}`, age + 1, false, false, false},
		{"within set_expiry(300)", `{"u":"a","_session_expiry":300}`, 299, true, true, false},
		{"past set_expiry(300): Go refuses, Django 3.2 accepts", `{"u":"a","_session_expiry":300}`, 301, false, true, true},
		{"set_expiry longer than the cookie age ends at the cookie age on both", `{"u":"a","_session_expiry":7200}`, age + 1, false, false, false},
	}
	// Each cookie is written by both sides at djangoNow.
	var writes [][]string
	for _, tt := range tests {
		writes = append(writes, []string{"signed-cookies-encode", "--secret", djangoSecret, "--now", strconv.Itoa(djangoNow), "--cookie-age", strconv.Itoa(age), "--json", tt.json})
	}
	written := djangotest.RunBatch(t, writes...)
	writer := newStore(t, session.Config{SecretKey: []byte(djangoSecret), CookieAge: age * time.Second, Now: func() time.Time { return time.Unix(djangoNow, 0) }}, cookiestore.Options{})
	var reads [][]string
	goCookies := make([]string, len(tests))
	djCookies := make([]string, len(tests))
	for i, tt := range tests {
		djCookies[i] = djangotest.String(t, djangotest.OK(t, written[i]), "cookie_value")
		v, err := writer.SaveKey(context.Background(), mustObject(t, tt.json), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		goCookies[i] = v
		for _, c := range []string{djCookies[i], goCookies[i]} {
			reads = append(reads, []string{"signed-cookies-decode", "--secret", djangoSecret, "--now", strconv.FormatInt(djangoNow+tt.after, 10), "--cookie-age", strconv.Itoa(age), "--cookie-value", c})
		}
	}
	read := djangotest.RunBatch(t, reads...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := newStore(t, session.Config{SecretKey: []byte(djangoSecret), CookieAge: age * time.Second, Now: func() time.Time { return time.Unix(djangoNow+tt.after, 0) }}, cookiestore.Options{})
			for j, c := range []struct{ who, value string }{{"Django's", djCookies[i]}, {"Go's", goCookies[i]}} {
				_, _, err := reader.Decode(c.value)
				if got := err == nil; got != tt.goAccepts {
					t.Errorf("Go reading %s cookie: accepted %v (%v), want %v", c.who, got, err, tt.goAccepts)
				}
				if !tt.goAccepts && !errors.Is(err, cookiestore.ErrExpired) {
					t.Errorf("Go reading %s cookie: %v, want ErrExpired", c.who, err)
				}
				r := djangotest.OK(t, read[2*i+j])
				if got := r["rejected"] == false; got != tt.djAccepts {
					t.Errorf("Django reading %s cookie: accepted %v, want %v", c.who, got, tt.djAccepts)
				}
			}
		})
	}
}

// djangoUser is the user both sides know: Django creates it in its
// database, Go finds it with LookupUser.
type djangoUser struct{ pk, name, password string }

func (u djangoUser) ID() string           { return u.pk }
func (u djangoUser) Backend() string      { return "" }
func (u djangoUser) PasswordHash() string { return u.password }

var alice = djangoUser{"7", "alice", "pbkdf2_sha256$260000$cookiesalt$Zm9yLXRoZS1zZXNzaW9uLWF1dGgtaGFzaC1vbmx5"}

func (u djangoUser) json() string {
	return fmt.Sprintf(`{"pk":%s,"username":%q,"password":%q}`, u.pk, u.name, u.password)
}

// djangoAuth runs one request through Django's session and auth
// middleware on the signed_cookies engine.
func djangoAuth(t *testing.T, cookieValue, action string) map[string]any {
	t.Helper()
	args := []string{"signed-cookies-auth", "--secret", djangoSecret, "--now", strconv.Itoa(djangoNow), "--user-json", alice.json(), "--action", action}
	if cookieValue != "" {
		args = append(args, "--cookie-value", cookieValue)
	}
	return djangotest.OK(t, djangotest.Run(t, args...))
}

// goAuthSite is a Go site with the auth package on the signed cookie
// store: /login logs alice in, /whoami prints the user id, /logout logs out.
func goAuthSite(t *testing.T) *site {
	t.Helper()
	a, err := auth.New(auth.Config{
		SecretKey: []byte(djangoSecret),
		LookupUser: func(ctx context.Context, id string) (auth.User, error) {
			if id == alice.pk {
				return alice, nil
			}
			return nil, auth.ErrUserNotFound
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Login(w, r, alice); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(auth.UserID(r))) })
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Logout(w, r); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	now := func() time.Time { return time.Unix(djangoNow+5, 0) }
	return newSite(t, session.Config{SecretKey: []byte(djangoSecret), Now: now}, cookiestore.Options{}, a.Middleware(mux))
}

// TestALoginIsSeenOnTheOtherSide logs in on each side and asks the other
// who the user is; then logs out on each side: the cookie is deleted, by
// Go's logout and by Django's. A copy of the cookie taken before the
// logout still logs in, on both sides (SECURITY.md).
func TestALoginIsSeenOnTheOtherSide(t *testing.T) {
	djangotest.Python(t)
	goSite := goAuthSite(t)

	t.Run("a login made by Go is seen by Django, and Django's logout deletes the cookie", func(t *testing.T) {
		login := goSite.get(t, "/login", "")
		if login.status != 200 || login.value == "" {
			t.Fatalf("Go login: %d %q", login.status, login.line)
		}
		if r := goSite.get(t, "/whoami", login.value); r.body != alice.pk {
			t.Fatalf("Go does not see its own login: %q", r.body)
		}
		who := djangoAuth(t, login.value, "whoami")
		if fmt.Sprint(who["user_before"]) != alice.pk {
			t.Fatalf("Django sees user %v in Go's login cookie, want %s", who["user_before"], alice.pk)
		}
		out := djangoAuth(t, login.value, "logout")
		if out["cookie"] != "delete" || out["user_after"] != nil {
			t.Errorf("Django's logout: cookie %v (%v), user after %v; want the cookie deleted", out["cookie"], out["set_cookie"], out["user_after"])
		}
		if again := djangoAuth(t, login.value, "whoami"); fmt.Sprint(again["user_before"]) != alice.pk {
			t.Errorf("a copy of the cookie after Django's logout: user %v (the engine cannot revoke it: this pins Django's behaviour)", again["user_before"])
		}
	})

	t.Run("a login made by Django is seen by Go, and Go's logout deletes the cookie", func(t *testing.T) {
		login := djangoAuth(t, "", "login")
		if login["cookie"] != "set" || fmt.Sprint(login["user_after"]) != alice.pk {
			t.Fatalf("Django login: %v", login)
		}
		v := djangotest.String(t, login, "cookie_value")
		if r := goSite.get(t, "/whoami", v); r.body != alice.pk {
			t.Fatalf("Go sees user %q in Django's login cookie, want %s", r.body, alice.pk)
		}
		out := goSite.get(t, "/logout", v)
		if !out.deleted() {
			t.Errorf("Go's logout sent %q, want the cookie deleted", out.line)
		}
		if r := goSite.get(t, "/whoami", v); r.body != alice.pk {
			t.Errorf("a copy of the cookie after Go's logout: %q (the engine cannot revoke it)", r.body)
		}
	})
}
