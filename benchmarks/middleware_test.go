package benchmarks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cookiestore"
	"github.com/djsession/djsession/store/memory"
	"github.com/gorilla/sessions"
)

var secret = []byte("benchmark-secret-key-benchmark-secret-key")

// The session every scenario works on: a logged-in user with a small cart.
const (
	userID   = 42
	username = "alice"
)

var cart = []string{"apple", "pear", "plum"}

// nextVisit is the counter the "modifying" handler stores. It wraps at
// 1000 so that the session keeps its size (75 to 77 bytes of JSON for
// djsession) however many iterations a benchmark runs: a counter that grew
// with b.N made the result depend on -benchtime, since from 100000 on the
// session reaches the size at which DjangoCodec starts trying zlib
// (signing.MinCompressLen).
func nextVisit(n int) int { return n%1000 + 1 }

func body(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "hello")
}

// impl is one session library behind the four handlers.
type impl struct {
	name string
	// wrap returns the library's middleware around h (gorilla has none).
	wrap func(h http.Handler) http.Handler
	// fill writes the session content (the "new session" handler).
	fill func(w http.ResponseWriter, r *http.Request)
	// read reads two values (the "read-only" handler).
	read func(w http.ResponseWriter, r *http.Request)
	// modify increments a counter (the "modifying" handler).
	modify func(w http.ResponseWriter, r *http.Request)
}

func untouched(w http.ResponseWriter, r *http.Request) { body(w) }

func djsessionImpl(tb testing.TB, name string, store session.Store, codec session.Codec) impl {
	return djsessionWith(tb, name, store, session.Config{Codec: codec})
}

// djsessionWith is djsessionImpl with cfg (its SecretKey is set here).
func djsessionWith(tb testing.TB, name string, store session.Store, cfg session.Config) impl {
	cfg.SecretKey = secret
	m, err := session.New(store, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return impl{
		name: name,
		wrap: m.Middleware,
		fill: func(w http.ResponseWriter, r *http.Request) {
			s := session.FromRequest(r)
			s.Set("user_id", userID)
			s.Set("username", username)
			s.Set("cart", cart)
			s.Set("visits", 1)
			body(w)
		},
		read: func(w http.ResponseWriter, r *http.Request) {
			s := session.FromRequest(r)
			if n, _, err := s.GetInt("user_id"); err != nil || n != userID {
				http.Error(w, "bad session", 500)
				return
			}
			if u, _, _ := s.GetString("username"); u != username {
				http.Error(w, "bad session", 500)
				return
			}
			body(w)
		},
		modify: func(w http.ResponseWriter, r *http.Request) {
			s := session.FromRequest(r)
			n, _, err := s.GetInt("visits")
			if err != nil {
				http.Error(w, "bad session", 500)
				return
			}
			s.Set("visits", nextVisit(int(n)))
			body(w)
		},
	}
}

// bytesOnly hides the memory store's ValueStore methods, so that the
// Manager encodes the data in Django's signed format as it does for a
// database, file or Redis store.
type bytesOnly struct{ session.Store }

func scsImpl() impl {
	// No cleanup goroutine: it would keep every store of the run alive and
	// slow down the benchmarks that follow.
	return scsImplWith(memstore.NewWithCleanupInterval(0))
}

// scsImplWith is scs with store behind the four handlers.
func scsImplWith(store scs.Store) impl {
	sm := scs.New()
	sm.Store = store
	return scsOn(sm, "scs")
}

// scsOn is scs's session manager sm behind the four handlers.
func scsOn(sm *scs.SessionManager, name string) impl {
	return impl{
		name: name,
		wrap: sm.LoadAndSave,
		fill: func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			sm.Put(ctx, "user_id", userID)
			sm.Put(ctx, "username", username)
			sm.Put(ctx, "cart", cart)
			sm.Put(ctx, "visits", 1)
			body(w)
		},
		read: func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if sm.GetInt(ctx, "user_id") != userID || sm.GetString(ctx, "username") != username {
				http.Error(w, "bad session", 500)
				return
			}
			body(w)
		},
		modify: func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			sm.Put(ctx, "visits", nextVisit(sm.GetInt(ctx, "visits")))
			body(w)
		},
	}
}

// gorillaImpl is gorilla/sessions' CookieStore with keyPairs: a hash key
// alone (signed), or a hash key and an AES block key (signed and
// encrypted, AES-CTR then HMAC).
func gorillaImpl(name string, keyPairs ...[]byte) impl {
	return gorillaWith(name, sessions.NewCookieStore(keyPairs...))
}

// gorillaWith is gorilla/sessions on store, under the row name name.
func gorillaWith(name string, store sessions.Store) impl {
	get := func(w http.ResponseWriter, r *http.Request) *sessions.Session {
		s, err := store.Get(r, "session")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return nil
		}
		return s
	}
	return impl{
		name: name,
		wrap: func(h http.Handler) http.Handler { return h },
		fill: func(w http.ResponseWriter, r *http.Request) {
			s := get(w, r)
			if s == nil {
				return
			}
			s.Values["user_id"] = userID
			s.Values["username"] = username
			s.Values["cart"] = cart
			s.Values["visits"] = 1
			if err := s.Save(r, w); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			body(w)
		},
		read: func(w http.ResponseWriter, r *http.Request) {
			s := get(w, r)
			if s == nil {
				return
			}
			if s.Values["user_id"] != userID || s.Values["username"] != username {
				http.Error(w, "bad session", 500)
				return
			}
			body(w)
		},
		modify: func(w http.ResponseWriter, r *http.Request) {
			s := get(w, r)
			if s == nil {
				return
			}
			n, _ := s.Values["visits"].(int)
			s.Values["visits"] = nextVisit(n)
			if err := s.Save(r, w); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			body(w)
		},
	}
}

func impls(tb testing.TB) []impl {
	return []impl{
		// The memory store with its defaults (at most 10000 sessions).
		djsessionImpl(tb, "djsession", memory.New(memory.Options{}), nil),
		// The same store seen as a byte store: Django's signed format, as
		// with a database, file or Redis store.
		djsessionImpl(tb, "djsession-signed", bytesOnly{memory.New(memory.Options{})}, nil),
		// Without the Manager's cache of decoded sessions: every read
		// verifies and decodes (a record read for the first time, or
		// changed by another writer since).
		djsessionWith(tb, "djsession-signed-uncached", bytesOnly{memory.New(memory.Options{})}, session.Config{DecodedCacheEntries: -1}),
		// A byte store with unsigned JSON (the alternative to value
		// snapshots for an in-process store).
		djsessionImpl(tb, "djsession-json", bytesOnly{memory.New(memory.Options{})}, session.JSONCodec{}),
		scsImpl(),
		gorillaImpl("gorilla", secret),
		// The session in the cookie: Django's signed_cookies engine, and
		// its encrypted form against gorilla's signed and encrypted cookie.
		djsessionImpl(tb, "djsession-cookie", cookieStore(tb, cookiestore.Options{}), nil),
		djsessionImpl(tb, "djsession-cookie-encrypted", cookieStore(tb, cookiestore.Options{Encrypted: true}), nil),
		// Without the cache of verified cookies: every read verifies and
		// decodes (the cost of a cookie never seen before).
		djsessionImpl(tb, "djsession-cookie-uncached", cookieStore(tb, cookiestore.Options{CacheEntries: -1}), nil),
		djsessionImpl(tb, "djsession-cookie-encrypted-uncached", cookieStore(tb, cookiestore.Options{Encrypted: true, CacheEntries: -1}), nil),
		gorillaImpl("gorilla-aes", secret, blockKey),
	}
}

// blockKey is gorilla's AES-256 key for its encrypted cookies.
var blockKey = []byte("benchmark-aes-256-block-key-32by")

// cookieStore is the cookie store for djsessionImpl's Config.
func cookieStore(tb testing.TB, opts cookiestore.Options) session.Store {
	st, err := cookiestore.New(session.Config{SecretKey: secret}, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// newSession runs the fill handler once and returns the Cookie header that
// names the new session.
func newSession(tb testing.TB, im impl) string {
	rec := httptest.NewRecorder()
	im.wrap(http.HandlerFunc(im.fill)).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 {
		tb.Fatalf("%s: creating the session: status %d", im.name, rec.Code)
	}
	var pairs []string
	for _, c := range rec.Result().Cookies() {
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	if len(pairs) != 1 {
		tb.Fatalf("%s: creating the session set %d cookies", im.name, len(pairs))
	}
	return strings.Join(pairs, "; ")
}

// serve runs h on req b.N times, each with a fresh recorder, and checks the
// last response.
func serve(b *testing.B, h http.Handler, req *http.Request, wantCookie bool) {
	b.ReportAllocs()
	runtime.GC() // start from a clean heap: earlier benchmarks' garbage is not this one's cost
	var rec *httptest.ResponseRecorder
	for b.Loop() {
		rec = httptest.NewRecorder()
		// A shallow copy per request, as net/http gives each request its
		// own: gorilla/sessions writes its registry into *r.
		r := *req
		h.ServeHTTP(rec, &r)
	}
	if rec.Code != 200 || rec.Body.String() != "hello" {
		b.Fatalf("status %d, body %q", rec.Code, rec.Body.String())
	}
	if got := len(rec.Result().Cookies()) > 0; got != wantCookie {
		b.Fatalf("response sets a cookie: %v, want %v", got, wantCookie)
	}
}

func request(cookie string) *http.Request {
	req := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	return req.WithContext(context.Background())
}

// BenchmarkBare is the floor: the same response without any session library.
func BenchmarkBare(b *testing.B) {
	serve(b, http.HandlerFunc(untouched), request("sessionid=0123456789abcdefghijklmnopqrstuv"), false)
}

// ctxKey and contextOnly are the smallest middleware that makes a value
// reachable from the request's context (context.WithValue plus
// Request.WithContext), what any session middleware must at least do: the
// floor of BenchmarkUntouched.
type ctxKey struct{}

type contextOnly struct{ next http.Handler }

func (m *contextOnly) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, 1)))
}

// BenchmarkUntouched is a request that carries a session cookie and never
// uses the session.
func BenchmarkUntouched(b *testing.B) {
	b.Run("context-only", func(b *testing.B) {
		var h http.Handler = &contextOnly{next: http.HandlerFunc(untouched)}
		serve(b, h, request("sessionid=0123456789abcdefghijklmnopqrstuv"), false)
	})
	for _, im := range impls(b) {
		if strings.HasPrefix(im.name, "gorilla") {
			continue // no middleware: the same as BenchmarkBare
		}
		b.Run(im.name, func(b *testing.B) {
			serve(b, im.wrap(http.HandlerFunc(untouched)), request(newSession(b, im)), false)
		})
	}
}

// BenchmarkReadOnly reads two values of an existing session.
func BenchmarkReadOnly(b *testing.B) {
	for _, im := range impls(b) {
		b.Run(im.name, func(b *testing.B) {
			serve(b, im.wrap(http.HandlerFunc(im.read)), request(newSession(b, im)), false)
		})
	}
}

// BenchmarkModify increments a counter in an existing session: a load, a
// save and the cookie.
func BenchmarkModify(b *testing.B) {
	for _, im := range impls(b) {
		b.Run(im.name, func(b *testing.B) {
			serve(b, im.wrap(http.HandlerFunc(im.modify)), request(newSession(b, im)), true)
		})
	}
}

// BenchmarkNew creates a session with the four values on a request without
// a cookie.
func BenchmarkNew(b *testing.B) {
	for _, im := range impls(b) {
		b.Run(im.name, func(b *testing.B) {
			serve(b, im.wrap(http.HandlerFunc(im.fill)), request(""), true)
		})
	}
}
