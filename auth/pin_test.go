package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// inOneRequest runs f inside the session and auth middleware, on a request
// carrying cookies, and returns the response.
func inOneRequest(t *testing.T, a *Authenticator, m *session.Manager, cookies []*http.Cookie, f func(w http.ResponseWriter, r *http.Request)) *http.Response {
	t.Helper()
	req := httptest.NewRequest("POST", "/", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	m.Middleware(a.Middleware(http.HandlerFunc(f))).ServeHTTP(rec, req)
	return rec.Result()
}

func newAuthAndSessions(t *testing.T, cfg Config) (*Authenticator, *session.Manager, *userDB) {
	t.Helper()
	db := newUserDB()
	cfg.SecretKey = []byte(testSecret)
	cfg.LookupUser = db.lookup
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: cfg.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	return a, m, db
}

func who(r *http.Request) string {
	cur := "<nil>"
	if u := CurrentUser(r); u != nil {
		cur = u.ID()
	}
	return "id=" + UserID(r) + " user=" + cur
}

func TestPinUserStateFollowsLoginAndLogoutInTheSameRequest(t *testing.T) {
	a, m, db := newAuthAndSessions(t, Config{LoginCookie: "is_login"})
	var steps []string
	res := inOneRequest(t, a, m, nil, func(w http.ResponseWriter, r *http.Request) {
		steps = append(steps, who(r)) // anonymous, resolved and cached
		if err := a.Login(w, r, db.users["1"]); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, who(r))
	})
	cookies := res.Cookies()
	res = inOneRequest(t, a, m, cookies, func(w http.ResponseWriter, r *http.Request) {
		steps = append(steps, who(r)) // resolved from the session
		if err := a.Logout(w, r); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, who(r))
	})
	want := []string{"id= user=<nil>", "id=1 user=1", "id=1 user=1", "id= user=<nil>"}
	if strings.Join(steps, " | ") != strings.Join(want, " | ") {
		t.Errorf("states %q, want %q", steps, want)
	}
}

func TestPinLoginCookieAttributes(t *testing.T) {
	for _, secure := range []bool{false, true} {
		a, m, db := newAuthAndSessions(t, Config{LoginCookie: "is_login", LoginCookieSecure: secure})
		res := inOneRequest(t, a, m, nil, func(w http.ResponseWriter, r *http.Request) {
			if err := a.Login(w, r, db.users["1"]); err != nil {
				t.Fatal(err)
			}
		})
		var line string
		for _, v := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(v, "is_login=") {
				line = v
			}
		}
		attrs := map[string]bool{}
		for _, p := range strings.Split(line, "; ")[1:] {
			k, _, _ := strings.Cut(p, "=")
			attrs[k] = true
		}
		for _, want := range []string{"HttpOnly", "Max-Age", "expires", "Path", "SameSite"} {
			if !attrs[want] {
				t.Errorf("secure=%v: the login cookie %q lacks %s", secure, line, want)
			}
		}
		if attrs["Secure"] != secure {
			t.Errorf("secure=%v: Secure attribute in %q", secure, line)
		}
		if !strings.Contains(line, "Max-Age=1209600") || !strings.Contains(line, "SameSite=Lax") {
			t.Errorf("login cookie %q: want Max-Age=1209600 and SameSite=Lax", line)
		}
	}
}

func TestPinLoginCookieMaxAgeIsEnforced(t *testing.T) {
	for _, tc := range []struct {
		name   string
		maxAge time.Duration
		age    time.Duration
		want   int
	}{
		{"younger than the max age", time.Hour, 30 * time.Minute, http.StatusOK},
		{"older than the max age", time.Hour, 2 * time.Hour, http.StatusFound},
		{"older than the default two weeks", 0, 15 * 24 * time.Hour, http.StatusFound},
		{"within the default two weeks", 0, 13 * 24 * time.Hour, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _, _ := newAuthAndSessions(t, Config{LoginCookie: "is_login", LoginCookieMaxAge: tc.maxAge})
			old := *a.signer
			old.Now = func() time.Time { return time.Now().Add(-tc.age) }
			v, err := old.Sign("is_login", loginCookieHash([]byte(testSecret), alicePW)+":1")
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.AddCookie(&http.Cookie{Name: "is_login", Value: v})
			rec := httptest.NewRecorder()
			a.CookieLoginRequired(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("a login cookie %v old with max age %v: %d, want %d", tc.age, tc.maxAge, rec.Code, tc.want)
			}
		})
	}
}

func TestPinLoginOnAnotherHostOverTheSameSchemeGetsAnAbsoluteNext(t *testing.T) {
	for _, tc := range []struct{ loginURL, want string }{
		{"http://accounts.example/login/", "http://accounts.example/login/?next=http%3A//app.example/private/%3Fa%3D1"},
		{"//accounts.example/login/", "//accounts.example/login/?next=http%3A//app.example/private/%3Fa%3D1"},
		{"http://app.example/login/", "http://app.example/login/?next=/private/%3Fa%3D1"},
	} {
		a, err := New(Config{SecretKey: []byte("k"), LoginURL: tc.loginURL})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/private/?a=1", nil)
		r.Host = "app.example"
		if got := a.LoginRedirectURL(r); got != tc.want {
			t.Errorf("LoginURL %q: %q, want %q", tc.loginURL, got, tc.want)
		}
	}
}
