package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// loginCookieOf returns the is_login cookie in c's jar for s, or "".
func (s *site) loginCookieOf(c *http.Client) string {
	u, _ := url.Parse(s.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "is_login" {
			return ck.Value
		}
	}
	return ""
}

// withCookie returns a fresh browser holding only the cookie name=value.
func (s *site) withCookie(name, value string) *http.Client {
	c := s.browser()
	u, _ := url.Parse(s.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value}})
	return c
}

func TestCookieLoginRefusesGenericSignedCookies(t *testing.T) {
	s := newSite(t, Config{LoginCookie: "is_login"})
	secret := []byte(testSecret)
	// Cookies that any generic signed-cookie call with the site's secret
	// could make, for the login cookie's name and salt (or a split of the
	// two that Django's name+salt rule cannot tell apart).
	forge := map[string]func() (string, error){
		"SetSigned is_login + the login salt": func() (string, error) {
			return (&cookie.Signer{SecretKey: secret, Salt: DefaultLoginCookieSalt}).Sign("is_login", "1")
		},
		"SetSigned is_logi + n + the login salt": func() (string, error) {
			return (&cookie.Signer{SecretKey: secret, Salt: "n" + DefaultLoginCookieSalt}).Sign("is_login", "1")
		},
		"GoOnly signer with the site's secret": func() (string, error) {
			return (&cookie.Signer{SecretKey: secret, Salt: DefaultLoginCookieSalt, GoOnly: true}).Sign("is_login", "1")
		},
		"GoOnly signer, value in the login cookie's form": func() (string, error) {
			return (&cookie.Signer{SecretKey: secret, Salt: DefaultLoginCookieSalt, GoOnly: true}).Sign("is_login", loginCookieHash(secret, alicePW)+":1")
		},
		"Django rule, value in the login cookie's form": func() (string, error) {
			return (&cookie.Signer{SecretKey: secret, Salt: DefaultLoginCookieSalt}).Sign("is_login", loginCookieHash(secret, alicePW)+":1")
		},
	}
	for name, f := range forge {
		t.Run(name, func(t *testing.T) {
			v, err := f()
			if err != nil {
				t.Fatal(err)
			}
			if r := s.do(s.withCookie("is_login", v), "GET", "/cookie-private/", nil); r.status != http.StatusFound {
				t.Errorf("a forged login cookie %q reached the page: %d %q", v, r.status, r.body)
			}
		})
	}
}

func TestCookieLoginLooksTheUserUp(t *testing.T) {
	t.Run("the user and the id are set together", func(t *testing.T) {
		s := newSite(t, Config{LoginCookie: "is_login"})
		c := s.browser()
		s.login(c, "1")
		if r := s.do(c, "GET", "/cookie-whoami/", nil); r.status != 200 || r.body != `id="1" user="1"` {
			t.Errorf("%d %q", r.status, r.body)
		}
	})
	t.Run("a cookie whose user was deleted is refused", func(t *testing.T) {
		s := newSite(t, Config{LoginCookie: "is_login"})
		c := s.browser()
		s.login(c, "1")
		s.db.mu.Lock()
		delete(s.db.users, "1")
		s.db.mu.Unlock()
		if r := s.do(s.withCookie("is_login", s.loginCookieOf(c)), "GET", "/cookie-private/", nil); r.status != http.StatusFound {
			t.Errorf("a deleted user's cookie gave %d %q", r.status, r.body)
		}
	})
	t.Run("a password change ends the login cookie", func(t *testing.T) {
		s := newSite(t, Config{LoginCookie: "is_login"})
		c := s.browser()
		s.login(c, "1")
		v := s.loginCookieOf(c)
		if r := s.do(s.withCookie("is_login", v), "GET", "/cookie-private/", nil); r.status != 200 {
			t.Fatalf("before the change: %d", r.status)
		}
		s.db.setPassword("1", "pbkdf2_sha256$260000$new$newhash")
		if r := s.do(s.withCookie("is_login", v), "GET", "/cookie-private/", nil); r.status != http.StatusFound {
			t.Errorf("after a password change the old login cookie gave %d %q", r.status, r.body)
		}
	})
	t.Run("an earlier resolution of the request is replaced whole", func(t *testing.T) {
		s := newSite(t, Config{LoginCookie: "is_login"})
		alice := s.browser()
		s.login(alice, "1")
		bob := s.browser()
		s.login(bob, "2") // bob's session says user 2
		u, _ := url.Parse(s.srv.URL)
		bob.Jar.SetCookies(u, []*http.Cookie{{Name: "is_login", Value: s.loginCookieOf(alice)}})
		if r := s.do(bob, "GET", "/resolved-then-cookie/", nil); r.body != `id="1" user="1"` {
			t.Errorf("%d %q: want the cookie's user for both", r.status, r.body)
		}
	})
	t.Run("a LookupUser failure is the error handler's response", func(t *testing.T) {
		s := newSite(t, Config{LoginCookie: "is_login"})
		c := s.browser()
		s.login(c, "1")
		s.db.mu.Lock()
		s.db.fail = errors.New("user table down")
		s.db.mu.Unlock()
		if r := s.do(c, "GET", "/cookie-private/", nil); r.status != http.StatusInternalServerError {
			t.Errorf("%d %q", r.status, r.body)
		}
	})
	t.Run("a cookie made with a fallback key still works", func(t *testing.T) {
		st := memory.New(memory.Options{})
		old := newSiteWithStore(t, Config{SecretKey: []byte("old key"), LoginCookie: "is_login"}, st)
		c := old.browser()
		old.login(c, "1")
		v := old.loginCookieOf(c)
		for _, tc := range []struct {
			name      string
			fallbacks [][]byte
			want      int
		}{
			{"with the old key as fallback", [][]byte{[]byte("old key")}, 200},
			{"without it", nil, http.StatusFound},
			{"with an empty fallback", [][]byte{{}}, http.StatusFound},
		} {
			s := newSite(t, Config{SecretKey: []byte("new key"), FallbackKeys: tc.fallbacks, LoginCookie: "is_login"})
			if r := s.do(s.withCookie("is_login", v), "GET", "/cookie-private/", nil); r.status != tc.want {
				t.Errorf("%s: %d, want %d", tc.name, r.status, tc.want)
			}
		}
	})
}

func TestCookieLoginRequiredVariesOnCookie(t *testing.T) {
	s := newSite(t, Config{LoginCookie: "is_login"})
	c := s.browser()
	s.login(c, "1")
	for _, tc := range []struct {
		name   string
		client *http.Client
		status int
	}{
		{"the page", c, 200},
		{"the redirect to the login page", s.browser(), http.StatusFound},
	} {
		r := s.do(tc.client, "GET", "/cookie-private/", nil)
		if r.status != tc.status {
			t.Fatalf("%s: status %d, want %d", tc.name, r.status, tc.status)
		}
		var vary []string
		for _, v := range r.header.Values("Vary") {
			for _, f := range strings.Split(v, ",") {
				vary = append(vary, strings.TrimSpace(f))
			}
		}
		if !slices.Contains(vary, "Cookie") {
			t.Errorf("%s: Vary %q lacks Cookie", tc.name, vary)
		}
	}
}

func TestCookieLoginWithoutLookupTrustsTheSignedID(t *testing.T) {
	// Without LookupUser there is nothing to check the hash against: the id
	// of a validly signed cookie is trusted, and CurrentUser is nil.
	a, err := New(Config{SecretKey: []byte(testSecret), LoginCookie: "is_login"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: []byte(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	m.Middleware(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.Login(w, r, testUser{id: "7", password: "x"}); err != nil {
			t.Fatal(err)
		}
	}))).ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	req := httptest.NewRequest("GET", "/", nil)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "is_login" {
			req.AddCookie(c)
		}
	}
	var got string
	h := a.CookieLoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = UserID(r)
		if CurrentUser(r) != nil {
			t.Error("CurrentUser without LookupUser is not nil")
		}
	}))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || got != "7" {
		t.Errorf("%d, UserID %q", rec.Code, got)
	}
}

func TestLoginCookiesOfTwoAuthenticatorsDoNotMix(t *testing.T) {
	// Two login cookies on one site whose name + salt concatenate alike:
	// the name is bound unambiguously, so neither opens the other's pages.
	st := memory.New(memory.Options{})
	a := newSiteWithStore(t, Config{LoginCookie: "is_logi", LoginCookieSalt: "n" + DefaultLoginCookieSalt}, st)
	b := newSiteWithStore(t, Config{LoginCookie: "is_login"}, st)
	c := a.browser()
	a.login(c, "1")
	u, _ := url.Parse(a.srv.URL)
	var v string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "is_logi" {
			v = ck.Value
		}
	}
	if v == "" {
		t.Fatal("no is_logi cookie")
	}
	if r := b.do(b.withCookie("is_login", v), "GET", "/cookie-private/", nil); r.status != http.StatusFound {
		t.Errorf("is_logi's cookie opened is_login's page: %d %q", r.status, r.body)
	}
}
