package session_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// testSecret is a test key; New warns about keys under 32 bytes.
var testSecret = []byte("djsession-test-secret-key-of-at-least-32-bytes")

// clock is a settable time source shared by the Manager and the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	// Whole seconds, near the real time so that the cookie jar (which uses
	// the real clock for expires) agrees.
	return &clock{t: time.Now().Truncate(time.Second)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// counter wraps the real memory store, counting calls per method and
// recording every key that reaches it. With fail set, calls fail instead of
// reaching the store (fault injection; the data in the store is untouched).
type counter struct {
	mem *memory.Store

	mu    sync.Mutex
	calls map[string]int
	keys  []string
	fail  error
}

func (c *counter) record(method, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[method]++
	if key != "" {
		c.keys = append(c.keys, key)
	}
	return c.fail
}

func (c *counter) setFail(err error) {
	c.mu.Lock()
	c.fail = err
	c.mu.Unlock()
}

// count returns the number of calls of each named method together.
func (c *counter) count(methods ...string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, m := range methods {
		n += c.calls[m]
	}
	return n
}

func (c *counter) total() int {
	return c.count("Load", "LoadValues", "Save", "SaveValues", "Delete", "Exists", "ClearExpired")
}
func (c *counter) writes() int { return c.count("Save", "SaveValues", "Delete") }

func (c *counter) reset() {
	c.mu.Lock()
	c.calls = nil
	c.keys = nil
	c.mu.Unlock()
}

func (c *counter) seenKeys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.keys...)
}

func (c *counter) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	if err := c.record("Load", key); err != nil {
		return nil, time.Time{}, false, err
	}
	return c.mem.Load(ctx, key)
}

func (c *counter) Save(ctx context.Context, key string, data []byte, exp time.Time, mustCreate bool) error {
	if err := c.record("Save", key); err != nil {
		return err
	}
	return c.mem.Save(ctx, key, data, exp, mustCreate)
}

func (c *counter) Delete(ctx context.Context, key string) error {
	if err := c.record("Delete", key); err != nil {
		return err
	}
	return c.mem.Delete(ctx, key)
}

func (c *counter) Exists(ctx context.Context, key string) (bool, error) {
	if err := c.record("Exists", key); err != nil {
		return false, err
	}
	return c.mem.Exists(ctx, key)
}

func (c *counter) ClearExpired(ctx context.Context) error {
	if err := c.record("ClearExpired", ""); err != nil {
		return err
	}
	return c.mem.ClearExpired(ctx)
}

// valueCounter is counter for the ValueStore path.
type valueCounter struct{ *counter }

func (c valueCounter) LoadValues(ctx context.Context, key string) (map[string]any, time.Time, bool, error) {
	if err := c.record("LoadValues", key); err != nil {
		return nil, time.Time{}, false, err
	}
	return c.mem.LoadValues(ctx, key)
}

func (c valueCounter) SaveValues(ctx context.Context, key string, v map[string]any, exp time.Time, mustCreate bool) error {
	if err := c.record("SaveValues", key); err != nil {
		return err
	}
	return c.mem.SaveValues(ctx, key, v, exp, mustCreate)
}

// storeKinds are the two ways the Manager talks to a store: encoded bytes
// (Django's signed format, as with a database) and decoded values (the
// in-process memory store).
var storeKinds = []string{"bytes", "values"}

// fixture is a real HTTP server running the middleware over a counted
// memory store, and a client with a cookie jar.
type fixture struct {
	t       *testing.T
	cnt     *counter
	store   session.Store
	clock   *clock
	m       *session.Manager
	mux     *http.ServeMux
	srv     *httptest.Server
	client  *http.Client
	logs    *syncBuffer
	baseURL *url.URL
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
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

func newFixture(t *testing.T, kind string, cfg session.Config) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: newClock(), logs: &syncBuffer{}}
	f.cnt = &counter{mem: memory.New(memory.Options{Now: f.clock.Now})}
	switch kind {
	case "bytes":
		f.store = f.cnt
	case "values":
		f.store = valueCounter{f.cnt}
	default:
		t.Fatalf("unknown store kind %q", kind)
	}
	if cfg.SecretKey == nil {
		cfg.SecretKey = testSecret
	}
	if cfg.Now == nil {
		cfg.Now = f.clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	m, err := session.New(f.store, cfg)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	f.m = m
	f.mux = http.NewServeMux()
	f.srv = httptest.NewServer(m.Middleware(f.mux))
	t.Cleanup(f.srv.Close)
	jar, _ := cookiejar.New(nil)
	f.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.baseURL, _ = url.Parse(f.srv.URL)
	return f
}

// handle registers a handler for path that gets the request's session.
func (f *fixture) handle(path string, fn func(w http.ResponseWriter, r *http.Request, s *session.Session)) {
	f.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		if s == nil {
			f.t.Errorf("FromRequest returned nil inside the middleware")
			http.Error(w, "no session", 500)
			return
		}
		fn(w, r, s)
	})
}

type response struct {
	*http.Response
	body string
}

// get sends a GET with the client's cookie jar.
func (f *fixture) get(path string) response {
	f.t.Helper()
	return f.do(mustRequest(f.t, "GET", f.srv.URL+path))
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func (f *fixture) do(req *http.Request) response {
	f.t.Helper()
	res, err := f.client.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		f.t.Fatalf("reading the body: %v", err)
	}
	return response{res, string(body)}
}

// raw sends a GET with exactly the given Cookie header and no jar.
func (f *fixture) raw(path string, cookieHeaders ...string) response {
	f.t.Helper()
	req := mustRequest(f.t, "GET", f.srv.URL+path)
	for _, c := range cookieHeaders {
		req.Header.Add("Cookie", c)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		f.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return response{res, string(body)}
}

// jarKey returns the session key the client's jar holds ("" for none).
func (f *fixture) jarKey() string {
	for _, c := range f.client.Jar.Cookies(f.baseURL) {
		if c.Name == f.m.Config().CookieName {
			return c.Value
		}
	}
	return ""
}

// setJarKey puts a session cookie with value into the jar.
func (f *fixture) setJarKey(value string) {
	f.client.Jar.SetCookies(f.baseURL, []*http.Cookie{{Name: f.m.Config().CookieName, Value: value, Path: "/"}})
}

// sessionCookies returns the response's Set-Cookie lines for the session cookie.
func (r response) sessionCookies(name string) []string {
	var out []string
	for _, l := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(l, name+"=") {
			out = append(out, l)
		}
	}
	return out
}

// stored loads the record for key straight from the memory store, decoded.
func (f *fixture) stored(key string) (map[string]any, time.Time, bool) {
	f.t.Helper()
	if !session.ValidKey(key) {
		return nil, time.Time{}, false
	}
	vals, exp, found, err := f.cnt.mem.LoadValues(context.Background(), key)
	if errors.Is(err, session.ErrCorrupt) {
		data, exp, found, err := f.cnt.mem.Load(context.Background(), key)
		if err != nil || !found {
			f.t.Fatalf("Load: %v", err)
		}
		vals, err := session.NewDjangoCodec(testSecret, nil, nil).Decode(data)
		if err != nil {
			f.t.Fatalf("decoding the stored record: %v", err)
		}
		return vals, exp, true
	}
	if err != nil {
		f.t.Fatalf("LoadValues: %v", err)
	}
	return vals, exp, found
}

// forEachStore runs fn as a subtest for each store kind.
func forEachStore(t *testing.T, fn func(t *testing.T, kind string)) {
	for _, kind := range storeKinds {
		t.Run("with a "+kind+" store", func(t *testing.T) { fn(t, kind) })
	}
}

// parseSetCookie splits a Set-Cookie line into its value and attributes
// (names lower-cased).
func parseSetCookie(line string) (name, value string, attrs map[string]string) {
	parts := strings.Split(line, ";")
	name, value, _ = strings.Cut(strings.TrimSpace(parts[0]), "=")
	attrs = map[string]string{}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		attrs[strings.ToLower(k)] = v
	}
	return name, value, attrs
}

// httpTestServer starts h and returns its URL.
func httpTestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

func bg() context.Context { return context.Background() }

func farFuture() time.Time { return time.Now().Add(24 * time.Hour) }
