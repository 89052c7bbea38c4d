package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

const testKey = "demo-test-secret-key-0123456789abcdef"

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// demo is the demo site on an httptest server with a browser-like client.
type demo struct {
	t   *testing.T
	srv *server
	ts  *httptest.Server
}

func newDemo(t *testing.T, cfg config) *demo {
	t.Helper()
	if cfg.SecretKey == nil {
		cfg.SecretKey = []byte(testKey)
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	srv, err := newServer(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &demo{t: t, srv: srv, ts: ts}
}

func (d *demo) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type resp struct {
	status int
	header http.Header
	body   string
}

// do sends a request as a browser would: a POST carries the site's Origin.
func (d *demo) do(c *http.Client, method, path string, form url.Values, header ...string) resp {
	d.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, d.ts.URL+path, body)
	if err != nil {
		d.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", d.ts.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, string(b)}
}

func (d *demo) login(c *http.Client, user, pw, next string) resp {
	d.t.Helper()
	return d.do(c, "POST", "/accounts/login/", url.Values{"username": {user}, "password": {pw}, "next": {next}})
}

func TestPagesRender(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	c := d.client()
	for _, p := range []struct{ path, want string }{
		{"/", "alice"},
		{"/accounts/login/", "wonderland"},
		{"/session/", `id="visits">1<`},
		{"/cookies/", "Cookie playground"},
		{"/static/style.css", "--accent"},
	} {
		r := d.do(c, "GET", p.path, nil)
		if r.status != 200 || !strings.Contains(r.body, p.want) {
			t.Errorf("GET %s: %d, body without %q", p.path, r.status, p.want)
		}
	}
	if r := d.do(c, "GET", "/nope", nil); r.status != 404 {
		t.Errorf("an unknown page gave %d", r.status)
	}
	r := d.do(c, "GET", "/", nil)
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"} {
		if r.header.Get(h) == "" {
			t.Errorf("the home page has no %s header", h)
		}
	}
	if strings.Contains(r.body, "http://") && strings.Contains(r.body, "<script") {
		t.Error("the page loads an external asset")
	}
}

func TestLoginFlow(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	c := d.client()
	r := d.do(c, "GET", "/private/x?a=1", nil)
	if r.status != 302 || r.header.Get("Location") != "/accounts/login/?next=/private/x%3Fa%3D1" {
		t.Fatalf("anonymous /private/x?a=1: %d %q", r.status, r.header.Get("Location"))
	}
	if r := d.do(c, "GET", "/api/me", nil, "Accept", "application/json"); r.status != 401 {
		t.Errorf("anonymous JSON request: %d, want 401", r.status)
	}
	if r := d.login(c, "alice", "wrong", "/private/x?a=1"); r.status != 200 || !strings.Contains(r.body, "correct username and password") {
		t.Errorf("wrong password: %d", r.status)
	}
	if r := d.login(c, "nobody", "wonderland", ""); r.status != 200 || !strings.Contains(r.body, "correct username and password") {
		t.Errorf("unknown user: %d", r.status)
	}
	r = d.login(c, "alice", "wonderland", "/private/x?a=1")
	if r.status != 302 || r.header.Get("Location") != "/private/x?a=1" {
		t.Fatalf("login: %d %q", r.status, r.header.Get("Location"))
	}
	if r := d.do(c, "GET", "/private/x?a=1", nil); r.status != 200 || !strings.Contains(r.body, "Welcome, alice") || strings.Contains(r.body, "Welcome back") {
		t.Errorf("private page after a first login: %d, without \"Welcome, alice\"", r.status)
	}
	if r := d.do(c, "GET", "/api/me", nil); !strings.Contains(r.body, `"username":"alice"`) {
		t.Errorf("/api/me: %s", r.body)
	}
	// A password change ends the session (Django's get_user).
	d.srv.users.setPassword("alice", "pbkdf2_sha256$1$x$changed")
	if r := d.do(c, "GET", "/private/", nil); r.status != 302 {
		t.Errorf("after a password change the old session still works (%d)", r.status)
	}
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	c := d.client()
	r := d.do(c, "POST", "/accounts/login/", url.Values{"username": {"alice"}, "password": {"wonderland"}},
		"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site")
	if r.status != 403 {
		t.Errorf("a cross-site login POST gave %d, want 403", r.status)
	}
	if len(c.Jar.Cookies(mustURL(t, d.ts.URL))) != 0 {
		t.Error("a refused cross-site POST set cookies")
	}
}

func TestSessionPage(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	c := d.client()
	visits := regexp.MustCompile(`id="visits">(\d+)<`)
	count := func() string {
		m := visits.FindStringSubmatch(d.do(c, "GET", "/session/", nil).body)
		if m == nil {
			t.Fatal("no visit counter")
		}
		return m[1]
	}
	if a, b := count(), count(); a != "1" || b != "2" {
		t.Errorf("visits %s then %s, want 1 then 2", a, b)
	}
	post := func(v url.Values) resp {
		r := d.do(c, "POST", "/session/", v)
		if r.status != 303 {
			t.Fatalf("POST %v: %d", v, r.status)
		}
		return d.do(c, "GET", r.header.Get("Location"), nil)
	}
	body := post(url.Values{"action": {"set"}, "key": {"n"}, "value": {"1.0"}, "json": {"1"}}).body
	if !strings.Contains(body, `<code class="long">1.0</code>`) {
		t.Error("a float 1.0 set as JSON does not show as 1.0")
	}
	if !strings.Contains(body, `id="expiry-age">1209600<`) || !strings.Contains(body, "the default policy: SESSION_COOKIE_AGE, 1209600 seconds") {
		t.Error("the default expiry is not shown as 1209600 seconds of the default policy")
	}
	if !strings.Contains(body, `id="items-count">(2 keys)<`) {
		t.Error("the item count does not read (2 keys)")
	}
	body = post(url.Values{"action": {"expiry"}, "mode": {"seconds"}, "seconds": {"300"}}).body
	if !strings.Contains(body, `id="expiry-age">300<`) || !strings.Contains(body, "300 seconds of inactivity") {
		t.Error("SetExpiry(300) does not show an age of 300 seconds of inactivity")
	}
	r := d.do(c, "POST", "/session/", url.Values{"action": {"expiry"}, "mode": {"browser"}})
	r = d.do(c, "GET", "/session/", nil)
	if sc := r.header.Get("Set-Cookie"); !strings.HasPrefix(sc, "sessionid=") || strings.Contains(sc, "Max-Age") || strings.Contains(sc, "expires") {
		t.Errorf("after SetExpiry(0) the cookie is %q; want no Max-Age and no expires", sc)
	}
	if body := d.do(c, "GET", "/session/", nil).body; !strings.Contains(body, "0: the cookie ends when the browser closes") || !strings.Contains(body, `id="expiry-age">1209600<`) {
		t.Error("SetExpiry(0) is not shown as browser close with Django's age, SESSION_COOKIE_AGE")
	}
	future := time.Now().UTC().Add(48 * time.Hour).Format("2006-01-02T15:04")
	body = post(url.Values{"action": {"expiry"}, "mode": {"date"}, "date": {future}}).body
	if !strings.Contains(body, strings.Replace(future, "T", " ", 1)) || !strings.Contains(body, "a fixed date") {
		t.Errorf("SetExpiryTime(%s) is not shown as the expiry date", future)
	}
	if m := regexp.MustCompile(`id="expiry-age">(\d+)<`).FindStringSubmatch(body); m == nil {
		t.Error("no expiry age for a fixed date")
	} else if n, _ := strconv.Atoi(m[1]); n < 172000 || n > 172800 {
		t.Errorf("48 hours from now (to the minute) is shown as an age of %d seconds", n)
	}
	before := sessionCookie(t, c, d.ts.URL)
	post(url.Values{"action": {"cycle"}})
	if after := sessionCookie(t, c, d.ts.URL); after == before || after == "" {
		t.Error("CycleKey did not change the session cookie")
	}
	body = post(url.Values{"action": {"flush"}}).body
	if m := visits.FindStringSubmatch(body); m == nil || m[1] != "1" {
		t.Error("after Flush the counter did not start again at 1")
	}
}

// setCookieFor returns the Set-Cookie line for name, or "".
func setCookieFor(h http.Header, name string) string {
	for _, v := range h.Values("Set-Cookie") {
		if strings.HasPrefix(v, name+"=") {
			return v
		}
	}
	return ""
}

func sessionCookie(t *testing.T, c *http.Client, base string) string {
	for _, ck := range c.Jar.Cookies(mustURL(t, base)) {
		if ck.Name == "sessionid" {
			return ck.Value
		}
	}
	return ""
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCookiePlayground(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	c := d.client()
	set := func(v url.Values) resp {
		v.Set("action", "set")
		return d.do(c, "POST", "/cookies/", v)
	}
	r := set(url.Values{"name": {"plain"}, "value": {"a b"}, "max_age": {"60"}, "path": {"/"}, "samesite": {"Strict"}, "httponly": {"1"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/cookies/" {
		t.Errorf("a POST to the playground answered %d to %q, want 303 to /cookies/", r.status, r.header.Get("Location"))
	}
	sc := setCookieFor(r.header, "plain")
	for _, part := range []string{`plain="a b"`, "Max-Age=60", "HttpOnly", "SameSite=Strict", "Path=/", "expires="} {
		if !strings.Contains(sc, part) {
			t.Errorf("Set-Cookie %q lacks %q", sc, part)
		}
	}
	page := d.do(c, "GET", "/cookies/", nil).body
	if !strings.Contains(page, "Set-Cookie: plain=&#34;a b&#34;") || !strings.Contains(page, `Cookie &#34;plain&#34; set.`) {
		t.Error("the page after the redirect does not show the Set-Cookie header the POST sent")
	}
	if again := d.do(c, "GET", "/cookies/", nil).body; strings.Contains(again, "Set-Cookie: plain") || strings.Contains(again, "set. The table") {
		t.Error("a reload shows the messages again")
	}
	r = set(url.Values{"name": {"x"}, "value": {"1"}, "samesite": {"None"}})
	if sc := setCookieFor(r.header, "x"); sc != "" {
		t.Errorf("SameSite=None without Secure was not refused: %q", sc)
	}
	if page := d.do(c, "GET", "/cookies/", nil).body; !strings.Contains(page, `class="msg error" role="status" data-level="error">Not set`) {
		t.Error("the refusal is not shown as an error")
	}
	set(url.Values{"name": {"sig"}, "value": {"v"}, "signed": {"1"}, "salt": {"s"}})
	read := func(salt string) string {
		r := d.do(c, "POST", "/cookies/", url.Values{"action": {"read-signed"}, "name": {"sig"}, "salt": {salt}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("read-signed answered %d", r.status)
		}
		return d.do(c, "GET", "/cookies/", nil).body
	}
	if body := read("s"); !strings.Contains(body, `class="msg success" id="signed-result" data-level="success">Signature valid. &#34;sig&#34; = &#34;v&#34;`) {
		t.Error("the signed cookie did not read back, shown as a success")
	}
	if body := read("other"); !strings.Contains(body, `class="msg error" id="signed-result" data-level="error">Bad signature`) {
		t.Error("a signed cookie read with another salt was not shown as an error")
	}
	r = d.do(c, "POST", "/cookies/", url.Values{"action": {"delete"}, "name": {"plain"}})
	if sc := setCookieFor(r.header, "plain"); !strings.HasPrefix(sc, `plain=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0`) {
		t.Errorf("delete sent %q", sc)
	}
	// Deleting the session cookie itself: the playground's header wins over
	// the session's (the messages are lost with the session).
	r = d.do(c, "POST", "/cookies/", url.Values{"action": {"delete"}, "name": {"sessionid"}})
	if sc := r.header.Values("Set-Cookie"); len(sc) != 1 || !strings.HasPrefix(sc[0], `sessionid=""; expires=Thu, 01 Jan 1970`) {
		t.Errorf("deleting sessionid in the playground sent %q", sc)
	}
}

func TestSecretKeyIsGeneratedOnceAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	k1, err := secretKey("", "", dir, logger)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != 50 || !strings.Contains(logs.String(), "generated a new one") {
		t.Errorf("generated key of %d bytes; log %q", len(k1), logs.String())
	}
	fi, err := os.Stat(filepath.Join(dir, secretKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v", err, fi.Mode())
	}
	k2, _ := secretKey("", "", dir, logger)
	if string(k1) != string(k2) {
		t.Error("a second start made a new key")
	}
	if k, _ := secretKey("", "from-env", dir, logger); string(k) != "from-env" {
		t.Error("SECRET_KEY from the environment was ignored")
	}
	if k, _ := secretKey("from-flag", "from-env", dir, logger); string(k) != "from-flag" {
		t.Error("--secret-key did not win over the environment")
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunPrintsItsURLAndShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--data-dir", dir}, func(string) string { return "" }, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the start line: %v (stderr: %s)", err, stderr.String())
	}
	m := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(line)
	if m == "" {
		t.Fatalf("the start line %q names no URL", line)
	}
	go io.Copy(io.Discard, pr)
	res, err := http.Get(m)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET %s: %d", m, res.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(dir, "sessions.sqlite3")); err != nil {
		t.Errorf("the default SQLite database was not created: %v", err)
	}
	if !strings.Contains(stderr.String(), "generated a new one") {
		t.Errorf("the generated secret key was not announced: %s", stderr.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after the signal", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop after its context was cancelled")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no shutdown log: %s", stderr.String())
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--engine", "oracle"}, {"--nope"}, {"extra"}} {
		err := run(context.Background(), append(args, "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0"), func(string) string { return "k" }, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("run %q succeeded", args)
		}
	}
}

// TestEngines runs a login on every engine the demo offers, each against a
// real server when the test command provides one.
func TestEngines(t *testing.T) {
	tests := []struct {
		engine string
		dsn    func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "s.db") }},
		{"memory", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return testservers.Require(t, testservers.EnvPostgresDSN) }},
		{"mysql", func(t *testing.T) string { return testservers.Require(t, testservers.EnvMySQLDSN) }},
		{"cookie", func(*testing.T) string { return "" }},
		{"cookie-encrypted", func(*testing.T) string { return "" }},
		{"file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "sessions") }},
	}
	for _, tt := range tests {
		t.Run("logging in works on the "+tt.engine+" engine", func(t *testing.T) {
			d := newDemo(t, config{Engine: tt.engine, DSN: tt.dsn(t)})
			c := d.client()
			if r := d.login(c, "bob", "builder", "/private/"); r.status != 302 {
				t.Fatalf("login: %d", r.status)
			}
			if r := d.do(c, "GET", "/private/", nil); r.status != 200 || !strings.Contains(r.body, "bob") {
				t.Errorf("private page: %d", r.status)
			}
			d.do(c, "POST", "/accounts/logout/", nil)
			if r := d.do(c, "GET", "/private/", nil); r.status != 302 {
				t.Errorf("after logout: %d", r.status)
			}
		})
	}
}

// TestTooLargeForTheCookieEngine: on the cookie engines a value that would
// take the cookie past 4096 bytes is refused with a notice, and the
// session goes on with what it had.
func TestTooLargeForTheCookieEngine(t *testing.T) {
	for _, engine := range []string{"cookie", "cookie-encrypted"} {
		t.Run(engine, func(t *testing.T) {
			d := newDemo(t, config{Engine: engine})
			c := d.client()
			d.do(c, "GET", "/session/", nil)
			r := d.do(c, "POST", "/session/", url.Values{"action": {"set"}, "key": {"big"}, "value": {randomText(t, 6000)}})
			if r.status != 303 || r.header.Get("Location") != "/session/" {
				t.Fatalf("POST of a large value: %d to %q", r.status, r.header.Get("Location"))
			}
			body := d.do(c, "GET", r.header.Get("Location"), nil).body
			if !strings.Contains(body, "too large") || strings.Contains(body, "<code>big</code>") {
				t.Error("the notice is missing, or the value was kept")
			}
			d.do(c, "POST", "/session/", url.Values{"action": {"set"}, "key": {"small"}, "value": {"x"}})
			if body := d.do(c, "GET", "/session/", nil).body; !strings.Contains(body, "Value saved in the session.") {
				t.Error("a small value after it was not saved")
			}
		})
	}
}

// randomText returns n characters of random hex, which zlib cannot
// compress below half.
func randomText(t *testing.T, n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)[:n]
}

// TestRunReadsSecretKeyFallbacks starts the demo as a user rotating the key
// does, SECRET_KEY new and SECRET_KEY_FALLBACKS naming the old one: a
// session signed with the old key is still read; without the fallback it
// is not.
func TestRunReadsSecretKeyFallbacks(t *testing.T) {
	const oldKey, newKey = "the-old-secret-key-0123456789abcdefghij", "the-new-secret-key-0123456789abcdefghij"
	for _, tc := range []struct {
		name      string
		fallbacks string
		want      bool
	}{
		{"with the old key among the fallbacks", "an-older-key-0123456789abcdefghijklmnop, " + oldKey, true},
		{"without it", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := sqlite.Open(filepath.Join(dir, "sessions.sqlite3"))
			if err != nil {
				t.Fatal(err)
			}
			st, err := sqlite.New(db, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.CreateTable(t.Context()); err != nil {
				t.Fatal(err)
			}
			m, err := session.New(st, session.Config{SecretKey: []byte(oldKey)})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := m.Open(t.Context(), "")
			s.Set("signed with", "the old key")
			if err := s.Save(t.Context()); err != nil {
				t.Fatal(err)
			}
			db.Close()

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			env := map[string]string{"SECRET_KEY": newKey, "SECRET_KEY_FALLBACKS": tc.fallbacks}
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--data-dir", dir}, func(k string) string { return env[k] }, pw, io.Discard)
				pw.Close()
			}()
			line, err := bufio.NewReader(pr).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			go io.Copy(io.Discard, pr)
			base := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(line)
			req, _ := http.NewRequest("GET", base+"api/session", nil)
			req.AddCookie(&http.Cookie{Name: "sessionid", Value: s.Key()})
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if got := strings.Contains(string(body), `"signed with": "the old key"`) || strings.Contains(string(body), `"signed with":"the old key"`); got != tc.want {
				t.Errorf("the old session read: %v, want %v (%s)", got, tc.want, body)
			}
			cancel()
			<-done
		})
	}
}
