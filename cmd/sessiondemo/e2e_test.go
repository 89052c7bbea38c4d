package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/djsession/djsession/internal/testservers"
)

// e2e is one headless Chromium driving the demo site over real HTTP.
type e2e struct {
	t       *testing.T
	base    string // http://127.0.0.1:port
	browser context.Context
	srv     *server
}

// newE2E starts the demo handler on 127.0.0.1 and a fresh Chromium
// (startChromium).
func newE2E(t *testing.T) *e2e {
	t.Helper()
	chromium := testservers.Require(t, testservers.EnvChromium)
	srv, err := newServer(context.Background(), config{
		Engine:    "sqlite",
		DataDir:   t.TempDir(),
		SecretKey: []byte("e2e-test-secret-key-0123456789abcdef"),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv) // listens on 127.0.0.1
	t.Cleanup(ts.Close)
	return &e2e{t: t, base: ts.URL, browser: startChromium(t, chromium), srv: srv}
}

// startChromium starts a fresh headless Chromium with the flags the
// project's design notes list and a new profile, until the test ends.
func startChromium(t *testing.T, chromium string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	// Start the browser now, with no deadline on this first call.
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium (%s): %v", chromium, err)
	}
	return browser
}

// tab opens a new tab with no cookies in the browser and a deadline.
func (e *e2e) tab(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelT)
	e.do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
	return ctx
}

func (e *e2e) do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func runT[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// submit clicks a submit button and waits for the page it leads to.
func (e *e2e) submit(t *testing.T, ctx context.Context, buttonID string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(buttonID))); err != nil {
		t.Fatalf("clicking #%s: %v", buttonID, err)
	}
}

// cookies returns the browser's cookies for the site, read through CDP.
func (e *e2e) cookies(t *testing.T, ctx context.Context) map[string]*network.Cookie {
	t.Helper()
	res := runT(t, ctx, func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{e.base + "/"}})
	})
	out := map[string]*network.Cookie{}
	for _, c := range res.Cookies {
		out[c.Name] = c
	}
	return out
}

func (e *e2e) setCookie(t *testing.T, ctx context.Context, name, value string, httpOnly bool) {
	t.Helper()
	e.do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{
			Name: name, Value: value, URL: e.base + "/", Path: "/",
			HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax,
		})
		return err
	}))
}

// login fills the login form on the current page and submits it.
func (e *e2e) login(t *testing.T, ctx context.Context, user, password string) {
	t.Helper()
	e.do(t, ctx,
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SetValue(chromedp.ID("username-input"), user),
		chromedp.SetValue(chromedp.ID("password-input"), password),
	)
	e.submit(t, ctx, "login-submit")
}

func (e *e2e) location(t *testing.T, ctx context.Context) string {
	t.Helper()
	return runT(t, ctx, chromedp.Location())
}

func (e *e2e) text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	return runT(t, ctx, chromedp.Text(chromedp.ID(id)))
}

func TestInChromium(t *testing.T) {
	e := newE2E(t)

	t.Run("a protected page redirects to login and logging in lands on the next page", func(t *testing.T) {
		ctx := e.tab(t)
		target := "/private/reports/?year=2025&q=caf%C3%A9"
		e.do(t, ctx, chromedp.Navigate(e.base+target))
		want := e.base + "/accounts/login/?next=/private/reports/%3Fyear%3D2025%26q%3Dcaf%25C3%25A9"
		if got := e.location(t, ctx); got != want {
			t.Fatalf("the protected page led to %s, want %s", got, want)
		}
		next := runT(t, ctx, chromedp.Evaluate[string](`document.querySelector('input[name=next]').value`))
		if next != target {
			t.Errorf("the login form carries next=%q, want %q", next, target)
		}
		e.login(t, ctx, "alice", "wonderland")
		if got := e.location(t, ctx); got != e.base+target {
			t.Fatalf("after login the browser is at %s, want %s", got, e.base+target)
		}
		if h := e.text(t, ctx, "private-title"); !strings.Contains(h, "alice") {
			t.Errorf("the private page says %q, not alice's name", h)
		}
	})

	t.Run("a wrong password keeps the user on the login form", func(t *testing.T) {
		ctx := e.tab(t)
		e.do(t, ctx, chromedp.Navigate(e.base+"/private/"))
		e.login(t, ctx, "alice", "not-the-password")
		if msg := e.text(t, ctx, "login-error"); !strings.Contains(msg, "correct username and password") {
			t.Errorf("error message %q", msg)
		}
		if _, ok := e.cookies(t, ctx)["is_login"]; ok {
			t.Error("a failed login set the login cookie")
		}
	})

	t.Run("an open redirect in next is ignored", func(t *testing.T) {
		ctx := e.tab(t)
		e.do(t, ctx, chromedp.Navigate(e.base+"/accounts/login/?next="+url.QueryEscape(`/\example.com/`)))
		e.login(t, ctx, "bob", "builder")
		if got := e.location(t, ctx); got != e.base+"/private/" {
			t.Errorf("after login with next=/\\example.com/ the browser is at %s, want %s/private/", got, e.base)
		}
	})

	t.Run("the session cookie is HttpOnly and SameSite=Lax", func(t *testing.T) {
		ctx := e.tab(t)
		e.do(t, ctx, chromedp.Navigate(e.base+"/accounts/login/"))
		e.login(t, ctx, "alice", "wonderland")
		c := e.cookies(t, ctx)["sessionid"]
		if c == nil {
			t.Fatal("no sessionid cookie after login")
		}
		if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
			t.Errorf("sessionid: HttpOnly %v, SameSite %q; want true, Lax", c.HTTPOnly, c.SameSite)
		}
		if dc := runT(t, ctx, chromedp.Evaluate[string]("document.cookie")); strings.Contains(dc, "sessionid") || strings.Contains(dc, c.Value) {
			t.Errorf("document.cookie shows the session cookie: %q", dc)
		}
		for _, page := range []string{"/session/", "/cookies/", "/private/", "/members/"} {
			e.do(t, ctx, chromedp.Navigate(e.base+page))
			if html := runT(t, ctx, chromedp.Evaluate[string]("document.documentElement.outerHTML")); strings.Contains(html, c.Value) {
				t.Errorf("the page %s shows the whole session key to its scripts", page)
			}
		}
		if l := e.cookies(t, ctx)["is_login"]; l == nil || !l.HTTPOnly {
			t.Errorf("the login cookie is missing or not HttpOnly: %+v", l)
		}
	})

	t.Run("a forged login cookie typed into document.cookie does not log in", func(t *testing.T) {
		ctx := e.tab(t)
		e.do(t, ctx, chromedp.Navigate(e.base+"/"))
		for _, forged := range []string{"is_login=1", "is_login=1:1r31eq:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "sessionid=abcdefghijklmnopqrstuvwxyz012345"} {
			runT(t, ctx, chromedp.Evaluate[string](`document.cookie = "`+forged+`; path=/"`))
		}
		for _, page := range []string{"/members/", "/private/"} {
			e.do(t, ctx, chromedp.Navigate(e.base+page))
			if got := e.location(t, ctx); !strings.HasPrefix(got, e.base+"/accounts/login/?next=") {
				t.Errorf("with forged cookies %s led to %s, not to the login page", page, got)
			}
		}
		// The real thing works.
		e.login(t, ctx, "alice", "wonderland")
		e.do(t, ctx, chromedp.Navigate(e.base+"/members/"))
		if got := e.text(t, ctx, "members-user"); got != "1" {
			t.Errorf("after a real login the members page shows user %q", got)
		}
	})

	t.Run("logout makes the old session cookie useless even when replayed", func(t *testing.T) {
		ctx := e.tab(t)
		e.do(t, ctx, chromedp.Navigate(e.base+"/private/"))
		e.login(t, ctx, "alice", "wonderland")
		old := e.cookies(t, ctx)["sessionid"]
		if old == nil {
			t.Fatal("no session cookie after login")
		}
		e.submit(t, ctx, "logout")
		if got := e.location(t, ctx); got != e.base+"/" {
			t.Errorf("logout led to %s", got)
		}
		if msg := runT(t, ctx, chromedp.Evaluate[string](`document.querySelector('.msg.success').textContent`)); !strings.Contains(msg, "logged out") {
			t.Errorf("the page after logout says %q", msg)
		}
		if c := e.cookies(t, ctx)["sessionid"]; c != nil && c.Value == old.Value {
			t.Error("the browser still holds the old session cookie after logout")
		}
		e.setCookie(t, ctx, "sessionid", old.Value, true)
		e.do(t, ctx, chromedp.Navigate(e.base+"/private/"))
		if got := e.location(t, ctx); !strings.HasPrefix(got, e.base+"/accounts/login/") {
			t.Errorf("the replayed session cookie reached %s", got)
		}
	})

	t.Run("an expiry of 0 gives a session cookie without Expires or Max-Age", func(t *testing.T) {
		ctx := e.tab(t)
		e.do(t, ctx, chromedp.Navigate(e.base+"/session/"))
		c := e.cookies(t, ctx)["sessionid"]
		if c == nil || c.Session {
			t.Fatalf("the default session cookie should be persistent: %+v", c)
		}
		e.do(t, ctx, chromedp.Click(chromedp.ID("expiry-browser")))
		e.submit(t, ctx, "expiry-submit")
		if got := e.text(t, ctx, "browser-close"); got != "yes" {
			t.Errorf("the page says at-browser-close = %q", got)
		}
		c = e.cookies(t, ctx)["sessionid"]
		if c == nil || !c.Session || c.Expires != -1 {
			t.Errorf("after SetExpiry(0) the cookie is %+v; want session: true, expires: -1", c)
		}
		if n := e.text(t, ctx, "visits"); n != "2" {
			t.Errorf("the visit counter is %s after two views, want 2", n)
		}
	})

	t.Run("a signed cookie reads back and a tampered one does not", func(t *testing.T) {
		ctx := e.tab(t)
		e.do(t, ctx,
			chromedp.Navigate(e.base+"/cookies/"),
			chromedp.SetValue(chromedp.ID("c-name"), "greeting"),
			chromedp.SetValue(chromedp.ID("c-value"), "hello"),
			chromedp.SetValue(chromedp.ID("c-salt"), "demo"),
		)
		if !runT(t, ctx, chromedp.Evaluate[bool](`document.getElementById('c-signed').checked`)) {
			e.do(t, ctx, chromedp.Click(chromedp.ID("c-signed")))
		}
		e.submit(t, ctx, "c-submit")
		if h := e.text(t, ctx, "set-cookie-header"); !strings.HasPrefix(h, "Set-Cookie: greeting=hello:") {
			t.Errorf("the page shows %q, want a signed greeting cookie", h)
		}
		signed := e.cookies(t, ctx)["greeting"]
		if signed == nil || !strings.HasPrefix(signed.Value, "hello:") {
			t.Fatalf("the browser did not keep the signed cookie: %+v", signed)
		}
		read := func() string {
			e.do(t, ctx,
				chromedp.SetValue(chromedp.ID("r-name"), "greeting"),
				chromedp.SetValue(chromedp.ID("r-salt"), "demo"),
			)
			e.submit(t, ctx, "r-submit")
			return e.text(t, ctx, "signed-result")
		}
		level := func() string {
			return runT(t, ctx, chromedp.Evaluate[string](`document.getElementById('signed-result').dataset.level`))
		}
		if got := read(); got != `Signature valid. "greeting" = "hello"` || level() != "success" {
			t.Errorf("reading the signed cookie: %q, shown as %s", got, level())
		}
		tampered := strings.Replace(signed.Value, "hello:", "hellp:", 1)
		e.setCookie(t, ctx, "greeting", tampered, false)
		if got := read(); !strings.HasPrefix(got, "Bad signature") || level() != "error" {
			t.Errorf("reading the tampered cookie %q: %q, shown as %s", tampered, got, level())
		}
		// The read was a POST answered by a redirect: a reload shows the
		// playground afresh, posting nothing again.
		e.do(t, ctx, chromedp.Reload())
		if n := runT(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#signed-result, #set-cookie-header, .msg.success, .msg.error').length`)); n != 0 {
			t.Errorf("a reload after the POST shows %d results again", n)
		}
		if nav := runT(t, ctx, chromedp.Evaluate[string](`performance.getEntriesByType('navigation')[0].type`)); nav != "reload" {
			t.Errorf("the navigation was a %s, not a reload", nav)
		}
	})

	t.Run("a value in Django's quoted form is accepted by Chromium and reads back intact", func(t *testing.T) {
		ctx := e.tab(t)
		value := `héllo wörld; "quoted" \ ☃`
		e.do(t, ctx,
			chromedp.Navigate(e.base+"/cookies/"),
			chromedp.SetValue(chromedp.ID("c-name"), "motto"),
			chromedp.SetValue(chromedp.ID("c-value"), value),
		)
		if runT(t, ctx, chromedp.Evaluate[bool](`document.getElementById('c-signed').checked`)) {
			e.do(t, ctx, chromedp.Click(chromedp.ID("c-signed")))
		}
		e.submit(t, ctx, "c-submit")
		// What Django 3.2's set_cookie writes for the same value
		// (djhelper.py set-cookie-header --samesite Lax): octal escapes for
		// the Latin-1 letters and ";", backslash escapes, ☃ as it is.
		want := `Set-Cookie: motto="h\351llo w\366rld\073 \"quoted\" \\ ☃"; Path=/; SameSite=Lax`
		if header := strings.TrimSpace(e.text(t, ctx, "set-cookie-header")); header != want {
			t.Errorf("the server sent\n%s\nwant Django's\n%s", header, want)
		}
		c := e.cookies(t, ctx)["motto"]
		if c == nil || !strings.HasPrefix(c.Value, `"`) {
			t.Fatalf("Chromium did not keep the quoted cookie: %+v", c)
		}
		e.do(t, ctx, chromedp.Navigate(e.base+"/cookies/"))
		got := runT(t, ctx, chromedp.Evaluate[string](`document.querySelector('code.cookie-value[data-name="motto"]').textContent`))
		if got != value {
			t.Errorf("the server read back %q, want %q", got, value)
		}
	})

	t.Run("flush on the session page ends the members' login cookie too", func(t *testing.T) {
		ctx := e.tab(t)
		e.do(t, ctx, chromedp.Navigate(e.base+"/accounts/login/"))
		e.login(t, ctx, "alice", "wonderland")
		e.do(t, ctx, chromedp.Navigate(e.base+"/members/"))
		if got := e.text(t, ctx, "members-user"); got != "1" {
			t.Fatalf("the members page shows %q", got)
		}
		e.do(t, ctx, chromedp.Navigate(e.base+"/session/"))
		e.submit(t, ctx, "flush")
		if who := e.text(t, ctx, "who"); !strings.Contains(who, "Not signed in") {
			t.Errorf("after Flush the header says %q", who)
		}
		msg := runT(t, ctx, chromedp.Evaluate[string](`document.querySelector('.msg.success').textContent`))
		if !strings.Contains(msg, "Session flushed") || !strings.Contains(msg, "is_login") {
			t.Errorf("after Flush the page says %q", msg)
		}
		if _, ok := e.cookies(t, ctx)["is_login"]; ok {
			t.Error("the login cookie survived Flush")
		}
		e.do(t, ctx, chromedp.Navigate(e.base+"/members/"))
		if got := e.location(t, ctx); !strings.HasPrefix(got, e.base+"/accounts/login/") {
			t.Errorf("after Flush /members/ led to %s", got)
		}
	})

	t.Run("a password change keeps this browser in and logs the other out", func(t *testing.T) {
		e.srv.users.setIterations(1000)
		other := e.tab(t)
		e.do(t, other, chromedp.Navigate(e.base+"/accounts/login/"))
		e.login(t, other, "bob", "builder")
		// A second browser: the tabs of one browser share cookies, so the
		// other login is a copy of its session cookie set in a fresh tab
		// after this one changes the password.
		otherCookie := e.cookies(t, other)["sessionid"]
		ctx := e.tab(t)
		e.do(t, ctx, chromedp.Navigate(e.base+"/accounts/login/"))
		e.login(t, ctx, "bob", "builder")
		e.do(t, ctx,
			chromedp.Navigate(e.base+"/accounts/password/"),
			chromedp.SetValue(chromedp.ID("old-password"), "builder"),
			chromedp.SetValue(chromedp.ID("new-password1"), "can-we-fix-it"),
			chromedp.SetValue(chromedp.ID("new-password2"), "can-we-fix-it"),
		)
		e.submit(t, ctx, "password-submit")
		if got := e.location(t, ctx); got != e.base+"/private/" {
			t.Fatalf("after the change the browser is at %s", got)
		}
		if msg := runT(t, ctx, chromedp.Evaluate[string](`document.querySelector('.msg.success').textContent`)); !strings.Contains(msg, "Password changed") {
			t.Errorf("after the change the page says %q", msg)
		}
		mine := e.cookies(t, ctx)["sessionid"]
		e.setCookie(t, ctx, "sessionid", otherCookie.Value, true)
		e.do(t, ctx, chromedp.Navigate(e.base+"/private/"))
		if got := e.location(t, ctx); !strings.HasPrefix(got, e.base+"/accounts/login/") {
			t.Errorf("bob's other session still reaches %s", got)
		}
		e.setCookie(t, ctx, "sessionid", mine.Value, true)
		e.do(t, ctx, chromedp.Navigate(e.base+"/private/"))
		if got := e.location(t, ctx); got != e.base+"/private/" {
			t.Errorf("the session that changed the password was sent to %s", got)
		}
	})

	t.Run("the pages say what happened and nothing a URL can forge", func(t *testing.T) {
		ctx := e.tab(t)
		count := func(sel string) int {
			return runT(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+`').length`))
		}
		for _, forged := range []string{"/session/?done=flush", "/?logged_out=1", "/cookies/?done=set"} {
			e.do(t, ctx, chromedp.Navigate(e.base+forged))
			if n := count(".msg.success, .msg.error"); n != 0 {
				t.Errorf("%s shows %d messages", forged, n)
			}
		}
		// ExpiryAge in seconds, as Django's get_expiry_age, with the mode.
		e.do(t, ctx, chromedp.Navigate(e.base+"/session/"))
		if got := e.text(t, ctx, "expiry-age"); got != "1209600" {
			t.Errorf("ExpiryAge shows %q, want 1209600 (seconds)", got)
		}
		if got := e.text(t, ctx, "expiry-mode"); !strings.Contains(got, "default policy") {
			t.Errorf("the expiry mode reads %q", got)
		}
		if got := e.text(t, ctx, "items-count"); got != "(1 key)" {
			t.Errorf("the item count reads %q, want (1 key)", got)
		}
		// The footer of the SQLite engine.
		if got := e.text(t, ctx, "storage-note"); !strings.Contains(got, "django_session") || !strings.Contains(got, "signed JSON format") {
			t.Errorf("the footer says %q", got)
		}
		// "Welcome back" only for a returning user.
		first := e.srv.users.lastLogin("1").IsZero()
		e.do(t, ctx, chromedp.Navigate(e.base+"/private/"))
		e.login(t, ctx, "alice", "wonderland")
		want := map[bool]string{true: "Welcome, alice", false: "Welcome back, alice"}[first]
		if title := e.text(t, ctx, "private-title"); title != want {
			t.Errorf("alice (logged in before: %v) is greeted %q, want %q", !first, title, want)
		}
		e.submit(t, ctx, "logout")
		e.do(t, ctx, chromedp.Navigate(e.base+"/private/"))
		e.login(t, ctx, "alice", "wonderland")
		if title := e.text(t, ctx, "private-title"); title != "Welcome back, alice" {
			t.Errorf("alice, back for another login, is greeted %q", title)
		}
		// A GET of the logout URL: 405 and a hint, and no logout.
		res, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.base+"/accounts/logout/"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 405 || !strings.Contains(runT(t, ctx, chromedp.Evaluate[string](`document.body.textContent`)), "Log out button") {
			t.Errorf("GET /accounts/logout/: %d", res.Status)
		}
		if who := e.text(t, ctx, "who"); !strings.Contains(who, "alice") {
			t.Errorf("a GET of the logout URL logged out: %q", who)
		}
	})
}
