package cookiestore_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cookiestore"
)

// testSecret is a test key of the recommended length.
var testSecret = []byte("cookiestore-test-secret-key-of-at-least-32-bytes")

// forms are the two forms every behaviour test runs on.
var forms = []struct {
	name string
	opts cookiestore.Options
}{
	{"signed", cookiestore.Options{}},
	{"encrypted", cookiestore.Options{Encrypted: true}},
}

// clock is a settable time source shared by the Manager and the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

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

// newStore returns a store for cfg (SecretKey and Now filled in when
// empty) and fails the test on error.
func newStore(t testing.TB, cfg session.Config, opts cookiestore.Options) *cookiestore.Store {
	t.Helper()
	if cfg.SecretKey == nil {
		cfg.SecretKey = testSecret
	}
	st, err := cookiestore.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// site is a Manager on a cookie store, with its handler.
type site struct {
	m     *session.Manager
	store *cookiestore.Store
	h     http.Handler
	cfg   session.Config
}

// newSite makes a Manager and its store from one Config, and serves mux
// through the middleware.
func newSite(t testing.TB, cfg session.Config, opts cookiestore.Options, mux http.Handler) *site {
	t.Helper()
	if cfg.SecretKey == nil {
		cfg.SecretKey = testSecret
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	st := newStore(t, cfg, opts)
	m, err := session.New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &site{m: m, store: st, h: m.Middleware(mux), cfg: cfg}
}

// reply is one response, with the session cookie's Set-Cookie line.
type reply struct {
	status int
	body   string
	line   string // the Set-Cookie line of the session cookie, "" if none
	value  string // its value
}

// deleted reports whether the response deletes the session cookie.
func (r reply) deleted() bool {
	return r.line != "" && r.value == "" && strings.Contains(r.line, "Max-Age=0")
}

// get sends GET path with the session cookie value (none when empty).
func (s *site) get(t testing.TB, path, value string) reply {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if value != "" {
		req.Header.Set("Cookie", s.name()+"="+value)
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return replyOf(rec, s.name())
}

func (s *site) name() string {
	if s.cfg.CookieName != "" {
		return s.cfg.CookieName
	}
	return session.DefaultCookieName
}

func replyOf(rec *httptest.ResponseRecorder, name string) reply {
	r := reply{status: rec.Code, body: rec.Body.String()}
	for _, line := range rec.Result().Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			r.line = line
			v := strings.TrimPrefix(line, name+"=")
			if i := strings.IndexByte(v, ';'); i >= 0 {
				v = v[:i]
			}
			if v == `""` {
				v = ""
			}
			r.value = v
		}
	}
	return r
}

// sessionMux answers /set?k=&v=, /get?k=, /expiry?s=, /flush, /cycle and
// /save (an explicit Save whose error is the body).
func sessionMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		session.FromRequest(r).Set(r.URL.Query().Get("k"), r.URL.Query().Get("v"))
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		v, _, _ := session.FromRequest(r).GetString(r.URL.Query().Get("k"))
		w.Write([]byte(v))
	})
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		if err := session.FromRequest(r).Flush(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/cycle", func(w http.ResponseWriter, r *http.Request) {
		if err := session.FromRequest(r).CycleKey(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	return mux
}

// flip returns v with the byte at i replaced by another base64url letter.
func flip(v string, i int) string {
	b := []byte(v)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
