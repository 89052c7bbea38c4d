package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

const (
	testSecret = "auth-test-secret"
	alicePW    = "pbkdf2_sha256$260000$djangoSaltForAlice0123$qn1QYwgEAbF9G4a+iYaB4hYkcndeQPUlFg8ReOtWAIY="
	// aliceHash is Django 3.2's get_session_auth_hash for alicePW with
	// SECRET_KEY testSecret (djhelper.py session-auth-hash).
	aliceHash = "7f84d2358c44b7ac340c98aeb2c466187f2cb9ed7ed8e5b77cfa2c53b3e36e3a"
	// emptyHash is the same for a user with an empty password field.
	emptyHash = "f92a49c3b707ebee2365594e12ab3b739437f7042837a58c839d17d4649214a4"
)

type testUser struct {
	id, backend, password string
}

func (u testUser) ID() string           { return u.id }
func (u testUser) Backend() string      { return u.backend }
func (u testUser) PasswordHash() string { return u.password }

// userDB is an in-memory user table whose passwords can change.
type userDB struct {
	mu    sync.Mutex
	users map[string]testUser
	fail  error
}

func newUserDB() *userDB {
	return &userDB{users: map[string]testUser{
		"1": {id: "1", password: alicePW},
		"2": {id: "2", password: "pbkdf2_sha256$1$bob$bobhash"},
	}}
}

func (db *userDB) lookup(ctx context.Context, id string) (User, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.fail != nil {
		return nil, db.fail
	}
	u, ok := db.users[id]
	if !ok {
		return nil, ErrUserNotFound
	}
	return u, nil
}

func (db *userDB) setPassword(id, pw string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	u := db.users[id]
	u.password = pw
	db.users[id] = u
}

// site is a small application behind the session middleware and the
// Authenticator, served over real HTTP.
type site struct {
	t     *testing.T
	srv   *httptest.Server
	store *memory.Store
	a     *Authenticator
	db    *userDB
}

func newSite(t *testing.T, cfg Config) *site {
	t.Helper()
	st := memory.New(memory.Options{})
	return newSiteWithStore(t, cfg, st)
}

func newSiteWithStore(t *testing.T, cfg Config, st *memory.Store) *site {
	t.Helper()
	db := newUserDB()
	if cfg.SecretKey == nil {
		cfg.SecretKey = []byte(testSecret)
	}
	if cfg.LookupUser == nil {
		cfg.LookupUser = db.lookup
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(st, session.Config{SecretKey: cfg.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/", func(w http.ResponseWriter, r *http.Request) {
		db.mu.Lock()
		u, ok := db.users[r.FormValue("id")]
		db.mu.Unlock()
		if !ok {
			http.Error(w, "no such user", http.StatusForbidden)
			return
		}
		if err := a.Login(w, r, u); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		a.RedirectAfterLogin(w, r, "/home/")
	})
	mux.HandleFunc("POST /logout/", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Logout(w, r); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		a.RedirectAfterLogin(w, r, "/")
	})
	// A password change by the user, as Django's PasswordChangeView does it.
	mux.Handle("POST /password/", a.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		changePassword(w, r, a, db, UserID(r))
	})))
	// A password change of another user (an administrator's form).
	mux.HandleFunc("POST /password-of/", func(w http.ResponseWriter, r *http.Request) {
		changePassword(w, r, a, db, r.FormValue("id"))
	})
	mux.HandleFunc("GET /whoami/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "user=%q", UserID(r))
	})
	mux.Handle("/private/", a.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "private page for %q", UserID(r))
	})))
	mux.Handle("/cookie-private/", a.CookieLoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "cookie page for %q", UserID(r))
	})))
	cookieWhoami := a.CookieLoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := "<nil>"
		if u := CurrentUser(r); u != nil {
			cur = u.ID()
		}
		fmt.Fprintf(w, "id=%q user=%q", UserID(r), cur)
	}))
	mux.Handle("/cookie-whoami/", cookieWhoami)
	// An outer handler that resolves the user from the session first.
	mux.HandleFunc("/resolved-then-cookie/", func(w http.ResponseWriter, r *http.Request) {
		_ = UserID(r)
		cookieWhoami.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /session/", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		items := map[string]any{}
		for k, v := range s.All() {
			items[k] = v
		}
		json.NewEncoder(w).Encode(map[string]any{"key": s.Key(), "items": items})
	})
	mux.HandleFunc("POST /session/", func(w http.ResponseWriter, r *http.Request) {
		session.FromRequest(r).Set(r.FormValue("k"), r.FormValue("v"))
	})
	srv := httptest.NewServer(m.Middleware(a.Middleware(mux)))
	t.Cleanup(srv.Close)
	return &site{t: t, srv: srv, store: st, a: a, db: db}
}

// changePassword stores the form's new password field for user id, then
// calls UpdateSessionAuthHash with the user as it now is.
func changePassword(w http.ResponseWriter, r *http.Request, a *Authenticator, db *userDB, id string) {
	db.setPassword(id, r.FormValue("pw"))
	db.mu.Lock()
	u := db.users[id]
	db.mu.Unlock()
	if err := a.UpdateSessionAuthHash(w, r, u); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "changed; the request's user is now %q", UserID(r))
}

// browser is an HTTP client with a cookie jar that does not follow redirects.
func (s *site) browser() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (s *site) do(c *http.Client, method, path string, form url.Values, header ...string) reply {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.srv.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, string(b)}
}

func (s *site) sessionOf(c *http.Client) (key string, items map[string]any) {
	s.t.Helper()
	r := s.do(c, "GET", "/session/", nil)
	var v struct {
		Key   string         `json:"key"`
		Items map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		s.t.Fatalf("session dump %q: %v", r.body, err)
	}
	return v.Key, v.Items
}

func (s *site) login(c *http.Client, id string) reply {
	s.t.Helper()
	return s.do(c, "POST", "/login/", url.Values{"id": {id}})
}

func (s *site) exists(key string) bool {
	s.t.Helper()
	ok, err := s.store.Exists(context.Background(), key)
	if err != nil {
		s.t.Fatal(err)
	}
	return ok
}

func TestLoginRequiredRedirectsAnonymousUsers(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser()
	r := s.do(c, "GET", "/private/a/b?x=1&y=2", nil)
	if r.status != http.StatusFound {
		t.Fatalf("status %d, want 302", r.status)
	}
	if got, want := r.header.Get("Location"), "/accounts/login/?next=/private/a/b%3Fx%3D1%26y%3D2"; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	if r.header.Get("Set-Cookie") != "" {
		t.Errorf("an anonymous redirect set a cookie: %q", r.header.Get("Set-Cookie"))
	}
}

func TestLoginRequiredAnswersJSONClientsWith401(t *testing.T) {
	s := newSite(t, Config{LoginURL: "/login/"})
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"a browser's Accept header gets a redirect", []string{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, 302},
		{"no Accept header gets a redirect", nil, 302},
		{"Accept */* gets a redirect", []string{"Accept", "*/*"}, 302},
		{"Accept application/json gets 401", []string{"Accept", "application/json"}, 401},
		{"axios's Accept header gets 401", []string{"Accept", "application/json, text/plain, */*"}, 401},
		{"JSON preferred by q-value gets 401", []string{"Accept", "text/html;q=0.5, application/json"}, 401},
		{"HTML preferred by q-value gets a redirect", []string{"Accept", "application/json;q=0.5, text/html"}, 302},
		{"JSON with q=0 gets a redirect", []string{"Accept", "application/json;q=0"}, 302},
		{"X-Requested-With XMLHttpRequest gets 401", []string{"X-Requested-With", "XMLHttpRequest"}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(s.browser(), "GET", "/private/x?y=1", nil, tt.header...)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d", r.status, tt.want)
			}
			if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Accept") {
				t.Errorf("Vary %q does not name Accept", r.header.Values("Vary"))
			}
			if tt.want == 401 {
				var body map[string]string
				if err := json.Unmarshal([]byte(r.body), &body); err != nil || body["login_url"] != "/login/?next=/private/x%3Fy%3D1" {
					t.Errorf("401 body %q (%v), want JSON naming the login URL", r.body, err)
				}
				if r.header.Get("Location") != "" || r.header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 headers: Location %q, WWW-Authenticate %q", r.header.Get("Location"), r.header.Get("WWW-Authenticate"))
				}
			}
		})
	}
}

func TestLoginLandsOnNextAndWritesDjangosSessionKeys(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser()
	r := s.do(c, "POST", "/login/?next=/private/a%3Fb%3D1", url.Values{"id": {"1"}})
	if r.status != 302 || r.header.Get("Location") != "/private/a?b=1" {
		t.Fatalf("login answered %d Location %q, want 302 to /private/a?b=1", r.status, r.header.Get("Location"))
	}
	if r := s.do(c, "GET", "/private/a?b=1", nil); r.status != 200 || r.body != `private page for "1"` {
		t.Fatalf("after login the private page gave %d %q", r.status, r.body)
	}
	_, items := s.sessionOf(c)
	want := map[string]any{SessionKeyUserID: "1", SessionKeyBackend: DefaultBackend, SessionKeyHash: aliceHash}
	for k, v := range want {
		if items[k] != v {
			t.Errorf("session[%q] = %#v, want %#v", k, items[k], v)
		}
	}
}

func TestSessionAuthHashEqualsDjangos(t *testing.T) {
	if got := SessionAuthHash([]byte(testSecret), alicePW); got != aliceHash {
		t.Errorf("SessionAuthHash = %s, want Django's %s", got, aliceHash)
	}
	if got := SessionAuthHash([]byte(testSecret), ""); got != emptyHash {
		t.Errorf("SessionAuthHash of an empty password = %s, want Django's %s", got, emptyHash)
	}
	pws := []string{alicePW, "", "pbkdf2_sha256$1000000$x$y=", "!unusable", "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA"}
	var calls [][]string
	for _, pw := range pws {
		calls = append(calls, []string{"session-auth-hash", "--secret", "another secret ☃", "--password-hash-json", djangotest.JSONString(pw)})
	}
	res := djangotest.RunBatch(t, calls...)
	for i, pw := range pws {
		want, _ := djangotest.OK(t, res[i])["hash"].(string)
		if got := SessionAuthHash([]byte("another secret ☃"), pw); got != want {
			t.Errorf("SessionAuthHash(%q) = %s, Django says %s", pw, got, want)
		}
	}
}

func TestLoginCyclesTheSessionKeyAndKeepsAnonymousData(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser()
	s.do(c, "POST", "/session/", url.Values{"k": {"cart"}, "v": {"3 apples"}})
	before, _ := s.sessionOf(c)
	if before == "" {
		t.Fatal("no session before login")
	}
	s.login(c, "1")
	after, items := s.sessionOf(c)
	if after == before || after == "" {
		t.Fatalf("the session key did not change at login (%q → %q)", before, after)
	}
	if s.exists(before) {
		t.Error("the pre-login session record still exists")
	}
	if items["cart"] != "3 apples" {
		t.Errorf("anonymous data lost at login: %v", items)
	}
}

func TestLoginOfAnotherUserFlushesTheSession(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser()
	s.login(c, "1")
	s.do(c, "POST", "/session/", url.Values{"k": {"alice-secret"}, "v": {"x"}})
	first, _ := s.sessionOf(c)
	s.login(c, "2")
	second, items := s.sessionOf(c)
	if second == first || s.exists(first) {
		t.Errorf("the session of the first user survived (%q → %q)", first, second)
	}
	if _, ok := items["alice-secret"]; ok {
		t.Error("the second user sees the first user's session data")
	}
	if items[SessionKeyUserID] != "2" {
		t.Errorf("user id %v, want 2", items[SessionKeyUserID])
	}
}

func TestLoginAgainAsTheSameUserCyclesTheKey(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser()
	s.login(c, "1")
	s.do(c, "POST", "/session/", url.Values{"k": {"kept"}, "v": {"yes"}})
	first, _ := s.sessionOf(c)
	s.login(c, "1")
	second, items := s.sessionOf(c)
	if second == first {
		t.Error("logging in again kept the same session key")
	}
	if items["kept"] != "yes" {
		t.Errorf("logging in again as the same user lost data: %v", items)
	}
}

func TestLogoutMakesTheOldSessionCookieUseless(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser()
	s.login(c, "1")
	key, _ := s.sessionOf(c)
	r := s.do(c, "POST", "/logout/?next=//evil.com", nil)
	if r.status != 302 || r.header.Get("Location") != "/" {
		t.Errorf("logout with next=//evil.com answered %d %q, want 302 to /", r.status, r.header.Get("Location"))
	}
	if s.exists(key) {
		t.Error("the session record survived logout")
	}
	// Replay the old cookie with a fresh client.
	replay := s.browser()
	u, _ := url.Parse(s.srv.URL)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "sessionid", Value: key}})
	if r := s.do(replay, "GET", "/private/", nil); r.status != 302 {
		t.Errorf("a replayed old session cookie reached the private page: %d %q", r.status, r.body)
	}
	if r := s.do(c, "GET", "/whoami/", nil); r.body != `user=""` {
		t.Errorf("after logout whoami says %s", r.body)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser()
	s.login(c, "1")
	key, _ := s.sessionOf(c)
	if r := s.do(c, "GET", "/private/", nil); r.status != 200 {
		t.Fatalf("private page %d before the password change", r.status)
	}
	s.db.setPassword("1", "pbkdf2_sha256$1$new$changed")
	if r := s.do(c, "GET", "/private/", nil); r.status != 302 {
		t.Errorf("a session from before the password change still reaches the private page (%d)", r.status)
	}
	if s.exists(key) {
		t.Error("the stale session was not flushed")
	}
}

func TestAForgedHashIsRejected(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser()
	s.do(c, "POST", "/session/", url.Values{"k": {SessionKeyUserID}, "v": {"1"}})
	s.do(c, "POST", "/session/", url.Values{"k": {SessionKeyHash}, "v": {strings.Repeat("0", 64)}})
	if r := s.do(c, "GET", "/private/", nil); r.status != 302 {
		t.Errorf("a session with a made-up auth hash reached the private page (%d)", r.status)
	}
	s.do(c, "POST", "/session/", url.Values{"k": {SessionKeyUserID}, "v": {"1"}})
	if r := s.do(c, "GET", "/private/", nil); r.status != 302 {
		t.Errorf("a session with a user id and no auth hash reached the private page (%d)", r.status)
	}
}

func TestFallbackKeysKeepSessionsAcrossARotation(t *testing.T) {
	st := memory.New(memory.Options{})
	old := newSiteWithStore(t, Config{SecretKey: []byte("old-secret")}, st)
	c := old.browser()
	old.login(c, "1")
	u, _ := url.Parse(old.srv.URL)
	cookies := c.Jar.Cookies(u)

	// The new site reads session data with the new key and the old one as
	// a fallback; Config.FallbackKeys covers the session auth hash.
	db := newUserDB()
	a, err := New(Config{SecretKey: []byte("new-secret"), FallbackKeys: [][]byte{[]byte("old-secret")}, LookupUser: db.lookup})
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(st, session.Config{SecretKey: []byte("new-secret"), FallbackKeys: [][]byte{[]byte("old-secret")}})
	if err != nil {
		t.Fatal(err)
	}
	var gotHash any
	srv := httptest.NewServer(m.Middleware(a.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotHash, _ = session.FromRequest(r).Get(SessionKeyHash)
		fmt.Fprint(w, UserID(r))
	}))))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "1" {
		t.Fatalf("after the key rotation: %d %q, want 200 \"1\"", res.StatusCode, body)
	}
	if gotHash != SessionAuthHash([]byte("new-secret"), alicePW) {
		t.Errorf("the session auth hash was not rewritten with the new key: %v", gotHash)
	}
	if sc := res.Header.Get("Set-Cookie"); !strings.HasPrefix(sc, "sessionid=") || strings.Contains(sc, cookies[0].Value) {
		t.Errorf("the session key was not cycled after the rotation: Set-Cookie %q", sc)
	}
}

func TestLookupUserOutcomes(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser()
	s.login(c, "1")
	s.db.mu.Lock()
	delete(s.db.users, "1")
	s.db.mu.Unlock()
	if r := s.do(c, "GET", "/private/", nil); r.status != 302 {
		t.Errorf("a deleted user still reaches the private page (%d)", r.status)
	}
	s.db.mu.Lock()
	s.db.users["1"] = testUser{id: "1", password: alicePW}
	s.db.fail = errors.New("user table down")
	s.db.mu.Unlock()
	if r := s.do(c, "GET", "/private/", nil); r.status != 500 {
		t.Errorf("a failing user lookup gave %d, want 500", r.status)
	}
	if r := s.do(c, "GET", "/whoami/", nil); r.body != `user=""` {
		t.Errorf("a failing user lookup left UserID = %s", r.body)
	}
	s.db.mu.Lock()
	s.db.fail = nil
	s.db.mu.Unlock()
	if r := s.do(c, "GET", "/private/", nil); r.status != 200 {
		t.Errorf("a deleted-then-restored user gave %d: a missing user must not flush the session", r.status)
	}
}

func TestBackendsRestrictWhichLoginsCount(t *testing.T) {
	s := newSite(t, Config{Backends: []string{"myapp.auth.Backend"}})
	c := s.browser()
	s.login(c, "1") // logs in with DefaultBackend, which is not listed
	if r := s.do(c, "GET", "/private/", nil); r.status != 302 {
		t.Errorf("a login by an unlisted backend reached the private page (%d)", r.status)
	}
}

func TestLoginRequiredWithoutLookupTrustsTheSession(t *testing.T) {
	a, err := New(Config{SecretKey: []byte(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: []byte(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Middleware(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			if err := a.Login(w, r, testUser{id: "42"}); err != nil {
				t.Error(err)
			}
			return
		}
		a.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, UserID(r)) })).ServeHTTP(w, r)
	})))
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if _, err := c.Get(srv.URL + "/login"); err != nil {
		t.Fatal(err)
	}
	res, err := c.Get(srv.URL + "/p")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "42" {
		t.Errorf("got %q, want the user id 42", b)
	}
}

func TestCookieLoginRequired(t *testing.T) {
	s := newSite(t, Config{LoginCookie: "is_login"})
	u, _ := url.Parse(s.srv.URL)
	t.Run("no cookie redirects to the login page", func(t *testing.T) {
		r := s.do(s.browser(), "GET", "/cookie-private/?a=1", nil)
		if r.status != 302 || r.header.Get("Location") != "/accounts/login/?next=/cookie-private/%3Fa%3D1" {
			t.Errorf("%d %q", r.status, r.header.Get("Location"))
		}
	})
	t.Run("a cookie typed by hand does not log in", func(t *testing.T) {
		for _, v := range []string{"1", "true", "yes", "1:1r31eq:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
			c := s.browser()
			c.Jar.SetCookies(u, []*http.Cookie{{Name: "is_login", Value: v}})
			if r := s.do(c, "GET", "/cookie-private/", nil); r.status != 302 {
				t.Errorf("is_login=%s reached the page (%d)", v, r.status)
			}
		}
	})
	c := s.browser()
	s.login(c, "1")
	var signed string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "is_login" {
			signed = ck.Value
		}
	}
	t.Run("the signed cookie set at login opens the page", func(t *testing.T) {
		if signed == "" {
			t.Fatal("login set no is_login cookie")
		}
		if r := s.do(c, "GET", "/cookie-private/", nil); r.status != 200 || r.body != `cookie page for "1"` {
			t.Errorf("%d %q", r.status, r.body)
		}
	})
	t.Run("every altered byte of the signed cookie is refused", func(t *testing.T) {
		for i := range signed {
			b := []byte(signed)
			b[i] ^= 1
			if strings.ContainsAny(string(b), ";, \"\\") {
				continue
			}
			cc := s.browser()
			cc.Jar.SetCookies(u, []*http.Cookie{{Name: "is_login", Value: string(b)}})
			if r := s.do(cc, "GET", "/cookie-private/", nil); r.status != 302 {
				t.Fatalf("the cookie altered at byte %d (%q) reached the page", i, b)
			}
		}
	})
	t.Run("logout deletes the login cookie", func(t *testing.T) {
		r := s.do(c, "POST", "/logout/", nil)
		if !strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "\n"), `is_login=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0`) {
			t.Errorf("logout headers %q do not delete is_login", r.header.Values("Set-Cookie"))
		}
		if r := s.do(c, "GET", "/cookie-private/", nil); r.status != 302 {
			t.Errorf("after logout the cookie page gave %d", r.status)
		}
	})
}

func TestNextAfterLogin(t *testing.T) {
	s := newSite(t, Config{AllowedHosts: []string{"accounts.example.com"}})
	tests := []struct {
		name, next, want string
	}{
		{"a relative path is followed", "/private/x?y=1", "/private/x?y=1"},
		{"an absolute URL on the site's host is followed", s.srv.URL + "/private/", s.srv.URL + "/private/"},
		{"an extra allowed host is followed", "https://accounts.example.com/", "https://accounts.example.com/"},
		{"a scheme-relative URL to another host falls back", "//evil.com", "/home/"},
		{"a backslash trick falls back", `/\evil.com`, "/home/"},
		{"javascript falls back", "javascript:alert(1)", "/home/"},
		{"a header injection falls back", "/x\r\nSet-Cookie: a=b", "/home/"},
		{"the login page itself falls back", "/accounts/login/?next=/accounts/login/", "/home/"},
		{"the login page without its slash falls back", "/accounts/login", "/home/"},
		{"an empty next falls back", "", "/home/"},
		{"a space and non-ASCII are escaped", "/a b/é", "/a%20b/%C3%A9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(s.browser(), "POST", "/login/", url.Values{"id": {"1"}, "next": {tt.next}})
			if r.status != 302 || r.header.Get("Location") != tt.want {
				t.Errorf("login with next=%q: %d Location %q, want %q", tt.next, r.status, r.header.Get("Location"), tt.want)
			}
		})
	}
}

// TestLoginRedirectURLMatchesDjango compares with Locations produced by
// Django 3.2's login_required (RequestFactory, host testserver) for the
// same request targets and LOGIN_URLs.
func TestLoginRedirectURLMatchesDjango(t *testing.T) {
	tests := []struct {
		name, loginURL, target, want string
	}{
		{"a query is escaped into next", "", "/a/b?x=1&y=2", "/accounts/login/?next=/a/b%3Fx%3D1%26y%3D2"},
		{"a plain path is kept", "", "/private/", "/accounts/login/?next=/private/"},
		{"percent signs are escaped again", "", "/caf%C3%A9/x%20y?q=caf%C3%A9&r=a+b", "/accounts/login/?next=/caf%25C3%25A9/x%2520y%3Fq%3Dcaf%25C3%25A9%26r%3Da%2Bb"},
		{"an encoded slash in the path is decoded first", "", "/a%2Fb/?next=/x", "/accounts/login/?next=/a/b/%3Fnext%3D/x"},
		{"reserved characters are escaped", "", "/:@&+$,-_.!~*'()?[]=\"<>", "/accounts/login/?next=/%3A%40%26%2B%24%2C-_.%21~%2A%27%28%29%3F%5B%5D%3D%2522%253C%253E"},
		{"an empty query is dropped", "", "/?", "/accounts/login/?next=/"},
		{"a broken escape in the query is kept", "", "/x?a=%zz", "/accounts/login/?next=/x%3Fa%3D%25zz"},
		{"the login URL's query is kept and its next replaced", "/login/?lang=en&next=old", "/a/b?x=1&y=2", "/login/?lang=en&next=/a/b%3Fx%3D1%26y%3D2"},
		{"a login URL on another host gets the absolute URL", "https://accounts.example.com/login/", "/a/b?x=1&y=2", "https://accounts.example.com/login/?next=http%3A//testserver/a/b%3Fx%3D1%26y%3D2"},
		{"a login URL on the same host gets the path", "http://testserver/login/", "/p", "http://testserver/login/?next=/p"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(Config{SecretKey: []byte("k"), LoginURL: tt.loginURL})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", tt.target, nil)
			r.Host = "testserver"
			if got := a.LoginRedirectURL(r); got != tt.want {
				t.Errorf("LoginRedirectURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoginWithoutSessionOrCookieFails(t *testing.T) {
	a, err := New(Config{SecretKey: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	var r *http.Request
	a.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) { r = req })).ServeHTTP(w, httptest.NewRequest("POST", "/login/", nil))
	if err := a.Login(w, r, testUser{id: "1"}); !errors.Is(err, ErrNoSession) {
		t.Errorf("Login without a session: %v, want ErrNoSession", err)
	}
	if err := a.Login(w, r, nil); !errors.Is(err, ErrBadUser) {
		t.Errorf("Login of nil: %v, want ErrBadUser", err)
	}
	if err := a.Logout(w, r); !errors.Is(err, ErrNoSession) {
		t.Errorf("Logout without a session: %v, want ErrNoSession", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"an empty secret key":         {},
		"a bad login cookie name":     {SecretKey: []byte("k"), LoginCookie: "bad name"},
		"a negative login cookie age": {SecretKey: []byte("k"), LoginCookieMaxAge: -1},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New with %s: %v, want ErrConfig", name, err)
		}
	}
}

func TestMisuseWithoutTheAuthMiddlewareExplainsItself(t *testing.T) {
	a, err := New(Config{SecretKey: []byte(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	for name, call := range map[string]func(){
		"UserID":      func() { UserID(r) },
		"CurrentUser": func() { CurrentUser(r) },
		"Login":       func() { a.Login(httptest.NewRecorder(), r, testUser{id: "1"}) },
	} {
		func() {
			defer func() {
				msg := fmt.Sprint(recover())
				for _, want := range []string{"auth: " + name, "did not pass through the Authenticator's middleware", "sessions.Middleware(authenticator.Middleware(mux))"} {
					if !strings.Contains(msg, want) {
						t.Errorf("%s's panic %q does not say %q", name, msg, want)
					}
				}
			}()
			call()
			t.Errorf("%s without the middleware did not panic", name)
		}()
	}
}
