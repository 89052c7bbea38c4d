package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testservers"
)

// The side-by-side tests run the repository's Django site
// (examples/django-site, Django's runserver) and the Go demo next to each
// other on 127.0.0.1, sharing SECRET_KEY, the session store and Django's
// auth_user table, and drive both over HTTP with one cookie jar, as a
// browser would (cookies are per host, not per port). Django's forms are
// posted with their CSRF token, taken from the form as a browser does.

// Users of the side-by-side site; each scenario that changes a password
// has a user of its own.
var sideUsers = []string{
	"alice", "wonderland",
	"bob", "builder1",
	"carol", "christmas",
}

// pair is one Django site and one Go demo on the same engine.
type pair struct {
	django string   // http://127.0.0.1:port of the Django site
	env    []string // the Django site's environment, for manage.py
	goURL  string   // http://127.0.0.1:port of the Go demo
	srv    *server
	expiry storeExpiry
}

// djangoLastLogin is the user's last_login as Django reads it (the zero
// time for null).
func djangoLastLogin(t *testing.T, env []string, username string) time.Time {
	t.Helper()
	var shown struct {
		LastLogin *time.Time `json:"last_login"`
	}
	out := manage(t, env, "showuser", username)
	if err := json.Unmarshal([]byte(out[strings.LastIndex(out, "{"):]), &shown); err != nil {
		t.Fatalf("showuser printed %q: %v", out, err)
	}
	if shown.LastLogin == nil {
		return time.Time{}
	}
	return *shown.LastLogin
}

// startPair starts both sides on an engine.
func startPair(t *testing.T, eng sideEngine) *pair {
	t.Helper()
	settings, cfg, expiry := eng.setup(t)
	env := djangoEnv(settings)
	site := startDjangoSite(t, env, sideUsers...)
	cfg.DjangoIterations = testIterations
	cfg.SecretKey = []byte(testKey)
	cfg.DataDir = t.TempDir()
	cfg.Logger = quietLogger()
	srv, err := newServer(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv) // 127.0.0.1, as the Django site
	t.Cleanup(ts.Close)
	return &pair{django: site.base, env: env, goURL: ts.URL, srv: srv, expiry: expiry}
}

// requireSideBySide skips under a bare go test: the side-by-side tests
// start a Django site per engine, which the full test command provides for.
func requireSideBySide(t *testing.T) {
	t.Helper()
	if !testservers.Full() {
		t.Skipf("the side-by-side tests run Django sites next to the demo: run %q", testservers.FullCommand)
	}
}

// browser is one cookie jar for both sites, with redirects not followed
// (so that each response's status and Set-Cookie can be checked).
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, u string, form url.Values) reply {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return reply{res.StatusCode, res.Header, string(raw)}
}

func (b *browser) get(u string) reply { b.t.Helper(); return b.do("GET", u, nil) }

var csrfField = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`)

// djangoPost opens a Django page, takes the CSRF token of its form (the
// csrftoken cookie is in the jar) and posts the form to action.
func (b *browser) djangoPost(page, action string, form url.Values) reply {
	b.t.Helper()
	r := b.get(page)
	m := csrfField.FindStringSubmatch(r.body)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s (%d)", page, r.status)
	}
	form.Set("csrfmiddlewaretoken", m[1])
	return b.do("POST", action, form)
}

// cookie returns the jar's value of a cookie for the sites' host.
func (b *browser) cookie(base, name string) string {
	u, _ := url.Parse(base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *browser) setCookie(base, name, value string) {
	u, _ := url.Parse(base)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

func (p *pair) djangoLogin(b *browser, user, password string) {
	b.t.Helper()
	r := b.djangoPost(p.django+"/accounts/login/", p.django+"/accounts/login/", url.Values{"username": {user}, "password": {password}})
	if r.status != 302 {
		b.t.Fatalf("Django login of %s: %d\n%s", user, r.status, r.body)
	}
}

func (p *pair) goLogin(b *browser, user, password string) {
	b.t.Helper()
	r := b.do("POST", p.goURL+"/accounts/login/", url.Values{"username": {user}, "password": {password}})
	if r.status != 302 {
		b.t.Fatalf("Go login of %s: %d", user, r.status)
	}
}

func (p *pair) djangoLogout(b *browser) reply {
	b.t.Helper()
	return b.djangoPost(p.django+"/", p.django+"/accounts/logout/", url.Values{})
}

func (p *pair) goLogout(b *browser) reply {
	b.t.Helper()
	return b.do("POST", p.goURL+"/accounts/logout/", url.Values{})
}

// sessionView is /session.json on Django and /api/session on Go.
type sessionView struct {
	User                 any            `json:"user"`
	HasSessionKey        bool           `json:"has_session_key"`
	Items                map[string]any `json:"items"`
	ExpiryAge            json.Number    `json:"expiry_age"`
	ExpiryDate           string         `json:"expiry_date"`
	ExpireAtBrowserClose bool           `json:"expire_at_browser_close"`
}

func decodeExact(t *testing.T, raw string, v any) {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("decoding %q: %v", raw, err)
	}
}

func (p *pair) djangoView(b *browser) sessionView {
	b.t.Helper()
	var v sessionView
	r := b.get(p.django + "/session.json")
	if r.status != 200 {
		b.t.Fatalf("Django's session.json: %d", r.status)
	}
	decodeExact(b.t, r.body, &v)
	return v
}

func (p *pair) goView(b *browser) sessionView {
	b.t.Helper()
	var v sessionView
	r := b.get(p.goURL + "/api/session")
	if r.status != 200 {
		b.t.Fatalf("Go's /api/session: %d", r.status)
	}
	decodeExact(b.t, r.body, &v)
	return v
}

// djangoUser and goUser are the user each side serves the browser: the
// login-required page's user, or "" when it sends the browser to log in.
func (p *pair) djangoUser(b *browser) string {
	b.t.Helper()
	r := b.get(p.django + "/private/")
	switch r.status {
	case 200:
		m := regexp.MustCompile(`<h1 id="private-title">Welcome, ([^<]+)</h1>`).FindStringSubmatch(r.body)
		if m == nil {
			b.t.Fatalf("Django's private page names no user:\n%s", r.body)
		}
		return m[1]
	case 302:
		if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/accounts/login/") {
			b.t.Fatalf("Django's private page redirects to %q", loc)
		}
		return ""
	}
	b.t.Fatalf("Django's private page: %d", r.status)
	return ""
}

func (p *pair) goUser(b *browser) string {
	b.t.Helper()
	r := b.get(p.goURL + "/api/me")
	switch r.status {
	case 200:
		var me struct{ Username string }
		decodeExact(b.t, r.body, &me)
		return me.Username
	case 302, 401:
		return ""
	}
	b.t.Fatalf("Go's /api/me: %d", r.status)
	return ""
}

// sessionCookieOf returns the response's Set-Cookie of sessionid, or nil.
func sessionCookieOf(r reply) *http.Cookie {
	for _, line := range r.header.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == "sessionid" {
			return c
		}
	}
	return nil
}

// sharedValues are the values that must cross exactly, as JSON text.
const sharedValues = `{
	"greeting": "grüß dich, 世界 🎉 \"quoted\" \\ back",
	"nested": {"list": [1, "two", {"three": 3.5}], "empty_list": [], "empty": {}},
	"big": 9007199254740993,
	"negative_big": -9223372036854775808,
	"huge": 1180591620717411303424,
	"float": 0.1,
	"whole_float": 1.0,
	"tiny": 1e-300,
	"yes": true,
	"no": false,
	"nothing": null
}`

func TestSideBySide(t *testing.T) {
	requireSideBySide(t)
	for _, eng := range sideEngines {
		t.Run(eng.name, func(t *testing.T) {
			p := startPair(t, eng)
			start := time.Now()
			t.Run("a login on Django is a login on Go", func(t *testing.T) {
				b := newBrowser(t)
				p.djangoLogin(b, "alice", "wonderland")
				if got := p.goUser(b); got != "alice" {
					t.Fatalf("Go serves %q after a Django login, want alice", got)
				}
				if r := b.get(p.goURL + "/private/"); r.status != 200 || !strings.Contains(r.body, "Welcome, alice") {
					t.Errorf("Go's private page: %d", r.status)
				}
			})
			t.Run("a login on Go is a login on Django", func(t *testing.T) {
				b := newBrowser(t)
				before := time.Now() // after the Django login above
				p.goLogin(b, "alice", "wonderland")
				if got := p.djangoUser(b); got != "alice" {
					t.Fatalf("Django serves %q after a Go login, want alice", got)
				}
				if v := p.djangoView(b); v.User != "alice" {
					t.Errorf("Django's request.user is %v", v.User)
				}
				// As Django's login does (update_last_login), the Go login
				// wrote auth_user.last_login.
				if at := djangoLastLogin(t, p.env, "alice"); at.Before(before) || at.After(time.Now()) {
					t.Errorf("after a Go login, Django reads last_login %v; want a time after %v", at, before)
				}
			})
			t.Run("a wrong password logs in on neither side", func(t *testing.T) {
				b := newBrowser(t)
				if r := b.do("POST", p.goURL+"/accounts/login/", url.Values{"username": {"alice"}, "password": {"wrong"}}); r.status != 200 {
					t.Errorf("Go accepted a wrong password (%d)", r.status)
				}
				if p.goUser(b) != "" || p.djangoUser(b) != "" {
					t.Error("a failed login is logged in")
				}
			})
			t.Run("values set on Django read exactly on Go", func(t *testing.T) {
				b := newBrowser(t)
				p.djangoLogin(b, "alice", "wonderland")
				if r := b.djangoPost(p.django+"/session/set/", p.django+"/session/set/", url.Values{"values": {sharedValues}}); r.status != 302 {
					t.Fatalf("Django's set form: %d\n%s", r.status, r.body)
				}
				checkValues(t, "Go", p.goView(b).Items)
				checkValues(t, "Django", p.djangoView(b).Items)
			})
			t.Run("values set on Go read exactly on Django", func(t *testing.T) {
				b := newBrowser(t)
				p.goLogin(b, "alice", "wonderland")
				var want map[string]json.RawMessage
				if err := json.Unmarshal([]byte(sharedValues), &want); err != nil {
					t.Fatal(err)
				}
				for k, raw := range want {
					r := b.do("POST", p.goURL+"/session/", url.Values{"action": {"set"}, "key": {k}, "value": {string(raw)}, "json": {"1"}})
					if r.status != 303 {
						t.Fatalf("Go's set %s: %d", k, r.status)
					}
				}
				checkValues(t, "Django", p.djangoView(b).Items)
				checkValues(t, "Go", p.goView(b).Items)
			})
			t.Run("set_expiry agrees in the cookie and the store", func(t *testing.T) {
				testSideExpiry(t, p)
			})
			t.Run("logout on Django ends the session on Go", func(t *testing.T) {
				b := newBrowser(t)
				p.goLogin(b, "alice", "wonderland")
				copied := b.cookie(p.goURL, "sessionid")
				r := p.djangoLogout(b)
				if r.status != 302 {
					t.Fatalf("Django's logout: %d", r.status)
				}
				checkLoggedOut(t, p, b, r, copied, eng)
			})
			t.Run("logout on Go ends the session on Django", func(t *testing.T) {
				b := newBrowser(t)
				p.djangoLogin(b, "alice", "wonderland")
				copied := b.cookie(p.django, "sessionid")
				r := p.goLogout(b)
				if r.status != 302 && r.status != 303 {
					t.Fatalf("Go's logout: %d", r.status)
				}
				checkLoggedOut(t, p, b, r, copied, eng)
			})
			t.Run("a password changed on Django ends the Go sessions", func(t *testing.T) {
				here, there := newBrowser(t), newBrowser(t)
				p.djangoLogin(here, "bob", "builder1")
				p.goLogin(there, "bob", "builder1")
				r := here.djangoPost(p.django+"/accounts/password/", p.django+"/accounts/password/", url.Values{
					"old_password": {"builder1"}, "new_password1": {"new-builder-2"}, "new_password2": {"new-builder-2"},
				})
				if r.status != 302 {
					t.Fatalf("Django's password change: %d\n%s", r.status, r.body)
				}
				if got := p.djangoUser(here); got != "bob" {
					t.Errorf("the browser that changed the password is no longer logged in on Django (%q)", got)
				}
				if got := p.goUser(here); got != "bob" {
					t.Errorf("the browser that changed the password is no longer logged in on Go (%q)", got)
				}
				if got := p.goUser(there); got != "" {
					t.Errorf("the other browser's Go session is still %q", got)
				}
				if got := p.djangoUser(there); got != "" {
					t.Errorf("the other browser's session is still %q on Django", got)
				}
				p.goLogin(newBrowser(t), "bob", "new-builder-2")
			})
			t.Run("a password changed on Go ends the Django sessions", func(t *testing.T) {
				here, there := newBrowser(t), newBrowser(t)
				p.goLogin(here, "carol", "christmas")
				p.djangoLogin(there, "carol", "christmas")
				r := here.do("POST", p.goURL+"/accounts/password/", url.Values{
					"old_password": {"christmas"}, "new_password1": {"new-carol-2"}, "new_password2": {"new-carol-2"},
				})
				if r.status != 303 {
					t.Fatalf("Go's password change: %d", r.status)
				}
				if got := p.goUser(here); got != "carol" {
					t.Errorf("the browser that changed the password is no longer logged in on Go (%q)", got)
				}
				if got := p.djangoUser(here); got != "carol" {
					t.Errorf("the browser that changed the password is no longer logged in on Django (%q)", got)
				}
				if got := p.djangoUser(there); got != "" {
					t.Errorf("the other browser's Django session is still %q", got)
				}
				if got := p.goUser(there); got != "" {
					t.Errorf("the other browser's session is still %q on Go", got)
				}
				p.djangoLogin(newBrowser(t), "carol", "new-carol-2")
			})
			t.Logf("%s: the scenarios took %v (after the sites started)", eng.name, time.Since(start).Round(time.Millisecond))
		})
	}
}

// checkValues compares session items with sharedValues, number for number.
func checkValues(t *testing.T, side string, items map[string]any) {
	t.Helper()
	var want map[string]any
	decodeExact(t, sharedValues, &want)
	for k, w := range want {
		if g, ok := items[k]; !ok || !reflect.DeepEqual(g, w) {
			t.Errorf("%s reads %s = %#v, want %#v", side, k, g, w)
		}
	}
}

// checkLoggedOut checks both sides after a logout answered by r: the
// session cookie is deleted and neither side serves the user; a copy of
// the old cookie opens nothing, except on signed_cookies, where the
// cookie is the session and nothing on the server can revoke it.
func checkLoggedOut(t *testing.T, p *pair, b *browser, r reply, copied string, eng sideEngine) {
	t.Helper()
	// The logout deletes the session cookie, or replaces it with a new,
	// anonymous session (both sides keep a "logged out" message in it).
	if c := sessionCookieOf(r); c == nil || c.Value == copied {
		t.Errorf("the logout leaves the session cookie: %v", r.header.Values("Set-Cookie"))
	}
	if got := p.goUser(b); got != "" {
		t.Errorf("Go still serves %q after the logout", got)
	}
	if got := p.djangoUser(b); got != "" {
		t.Errorf("Django still serves %q after the logout", got)
	}
	replay := newBrowser(t)
	replay.setCookie(p.goURL, "sessionid", copied)
	goUser, djangoUser := p.goUser(replay), p.djangoUser(replay)
	if eng.name == "signed_cookies" {
		// Known and documented (SECURITY.md, docs/compatibility.md): the
		// copy is still a valid session on both sides until it expires.
		if goUser != "alice" || djangoUser != "alice" {
			t.Errorf("a copied signed_cookies cookie replays as %q on Go and %q on Django; both sides should accept it alike", goUser, djangoUser)
		}
		return
	}
	if goUser != "" || djangoUser != "" {
		t.Errorf("a copy of the logged-out cookie opens %q on Go and %q on Django", goUser, djangoUser)
	}
}

// testSideExpiry sets each kind of expiry on one side and checks the
// cookie and the store, then on the other side after a save there.
func testSideExpiry(t *testing.T, p *pair) {
	cookieAge := int64(p.srv.sess.Config().CookieAge / time.Second)
	cases := []struct {
		name, expiry string
		maxAge       int   // the cookie's Max-Age; 0 means a browser-session cookie
		age          int64 // get_expiry_age on both sides
		close        bool
		store        int64 // seconds from now when the store drops it
	}{
		{"300 seconds", "300", 300, 300, false, 300},
		{"0, the end of the browser session", "0", 0, cookieAge, true, cookieAge},
		{"the default", "default", int(cookieAge), cookieAge, false, cookieAge},
	}
	for _, tc := range cases {
		t.Run(tc.name+", set on Django", func(t *testing.T) {
			b := newBrowser(t)
			p.djangoLogin(b, "alice", "wonderland")
			if tc.expiry == "default" {
				// Seconds first, so that default is a change.
				b.djangoPost(p.django+"/session/set/", p.django+"/session/set/", url.Values{"expiry": {"300"}})
			}
			r := b.djangoPost(p.django+"/session/set/", p.django+"/session/set/", url.Values{"values": {`{"by": "django"}`}, "expiry": {tc.expiry}})
			checkExpiryCookie(t, "Django", r, tc.maxAge)
			checkStoreExpiry(t, p, b, tc.store)
			for side, v := range map[string]sessionView{"Go": p.goView(b), "Django": p.djangoView(b)} {
				if v.ExpiryAge.String() != strconv.FormatInt(tc.age, 10) || v.ExpireAtBrowserClose != tc.close {
					t.Errorf("%s: expiry age %s, at browser close %v; want %d, %v", side, v.ExpiryAge, v.ExpireAtBrowserClose, tc.age, tc.close)
				}
			}
			// A save on the Go side keeps the expiry Django set.
			r = b.do("POST", p.goURL+"/session/", url.Values{"action": {"set"}, "key": {"by"}, "value": {"go"}})
			checkExpiryCookie(t, "Go", r, tc.maxAge)
			checkStoreExpiry(t, p, b, tc.store)
		})
		t.Run(tc.name+", set on Go", func(t *testing.T) {
			b := newBrowser(t)
			p.goLogin(b, "alice", "wonderland")
			form := url.Values{"action": {"expiry"}, "mode": {"seconds"}, "seconds": {tc.expiry}}
			switch tc.expiry {
			case "0":
				form.Set("mode", "browser")
			case "default":
				b.do("POST", p.goURL+"/session/", url.Values{"action": {"expiry"}, "mode": {"seconds"}, "seconds": {"300"}})
				form.Set("mode", "default")
			}
			r := b.do("POST", p.goURL+"/session/", form)
			checkExpiryCookie(t, "Go", r, tc.maxAge)
			checkStoreExpiry(t, p, b, tc.store)
			for side, v := range map[string]sessionView{"Django": p.djangoView(b), "Go": p.goView(b)} {
				if v.ExpiryAge.String() != strconv.FormatInt(tc.age, 10) || v.ExpireAtBrowserClose != tc.close {
					t.Errorf("%s: expiry age %s, at browser close %v; want %d, %v", side, v.ExpiryAge, v.ExpireAtBrowserClose, tc.age, tc.close)
				}
			}
			r = b.djangoPost(p.django+"/session/set/", p.django+"/session/set/", url.Values{"values": {`{"by": "django"}`}})
			checkExpiryCookie(t, "Django", r, tc.maxAge)
			checkStoreExpiry(t, p, b, tc.store)
		})
	}
}

// checkExpiryCookie checks the session cookie a saving response sets:
// Max-Age maxAge, or none (a browser-session cookie) for 0.
func checkExpiryCookie(t *testing.T, side string, r reply, maxAge int) {
	t.Helper()
	c := sessionCookieOf(r)
	if c == nil {
		t.Fatalf("%s's save set no session cookie (%d)", side, r.status)
	}
	if maxAge == 0 {
		if c.MaxAge != 0 || !c.Expires.IsZero() {
			t.Errorf("%s's cookie should end with the browser: %s", side, c.Raw)
		}
		return
	}
	if c.MaxAge != maxAge {
		t.Errorf("%s's cookie: Max-Age %d, want %d (%s)", side, c.MaxAge, maxAge, c.Raw)
	}
	if d := time.Until(c.Expires) - time.Duration(maxAge)*time.Second; d < -5*time.Second || d > 5*time.Second {
		t.Errorf("%s's cookie expires %v, %v off Max-Age", side, c.Expires, d)
	}
}

// checkStoreExpiry checks when the store expires the browser's session.
func checkStoreExpiry(t *testing.T, p *pair, b *browser, seconds int64) {
	t.Helper()
	if p.expiry == nil {
		return
	}
	key := b.cookie(p.goURL, "sessionid")
	at, ok := p.expiry(t, key)
	if !ok {
		t.Fatalf("the store does not hold the session %s", key)
	}
	if d := time.Until(at) - time.Duration(seconds)*time.Second; d < -5*time.Second || d > 5*time.Second {
		t.Errorf("the store expires the session at %v: %v off %d s", at, d, seconds)
	}
}
