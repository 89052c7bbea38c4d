package postgres_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/postgres"
)

// TestMiddlewareWhileServerIsDown runs the session middleware on a
// PostgreSQL of its own: while the server is stopped a request with a valid
// session cookie gets a 500 (the handler's response is replaced, the
// session is not lost or replaced by another), and after the restart the
// same cookie finds the same session.
func TestMiddlewareWhileServerIsDown(t *testing.T) {
	testservers.Require(t, testservers.EnvPostgresDSN) // the full command can start PostgreSQL
	srv, err := testservers.StartPostgres(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	db, err := postgres.Open(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := postgres.New(db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateTable(t.Context()); err != nil {
		t.Fatal(err)
	}
	m, err := session.New(store, session.Config{
		SecretKey: []byte("a secret key for this test only, long enough"),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)), // the errors are expected
	})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		if r.URL.Path == "/login" {
			s.Set("user", "alice")
		}
		user, _ := s.Get("user")
		w.Write([]byte("user=" + toString(user)))
	}))
	do := func(path string, cookie *http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	login := do("/login", nil)
	var cookie *http.Cookie
	for _, c := range login.Result().Cookies() {
		if c.Name == "sessionid" {
			cookie = c
		}
	}
	if login.Code != 200 || cookie == nil {
		t.Fatalf("login: %d, cookie %v", login.Code, cookie)
	}

	for _, stop := range []struct {
		name string
		fn   func() error
	}{{"stopped", srv.Stop}, {"crashed", srv.Crash}} {
		t.Run("a server that "+stop.name+" gives 500, then the session is back", func(t *testing.T) {
			if err := stop.fn(); err != nil {
				t.Fatal(err)
			}
			rec := do("/", cookie)
			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("while down: %d %q, want 500", rec.Code, rec.Body.String())
			}
			if rec.Body.String() == "user=alice" || rec.Body.String() == "user=" {
				t.Fatalf("while down, the handler's response went out: %q", rec.Body.String())
			}
			for _, c := range rec.Result().Cookies() {
				if c.Name == "sessionid" {
					t.Fatalf("while down, the session cookie was changed: %v", c)
				}
			}
			if err := srv.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			if rec := do("/", cookie); rec.Code != 200 || rec.Body.String() != "user=alice" {
				t.Fatalf("after the restart: %d %q, want 200 user=alice", rec.Code, rec.Body.String())
			}
		})
	}
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}
