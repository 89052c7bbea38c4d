package main

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	"github.com/djsession/djsession/store/cookiestore"
	"github.com/djsession/djsession/store/memory"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/mysql"
	"github.com/djsession/djsession/store/sqlstore/postgres"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Engines the demo can keep its sessions in.
var engines = []string{"sqlite", "memory", "postgres", "mysql", "file", "redis", "memcache", "cached_db", "cookie", "cookie-encrypted"}

// config is what newServer needs; main fills it from flags and the
// environment, tests fill it directly.
type config struct {
	// Engine is "sqlite" (default), "memory", "postgres", "mysql", "file",
	// "redis" (Django's cache engine on Redis, with the pickle codec),
	// "memcache" (the same on memcached), "cached_db" (a database behind a
	// cache: see Cache),
	// "cookie" (Django's signed_cookies) or "cookie-encrypted".
	Engine string
	// DSN is the database to use: a file path for sqlite (default
	// DataDir/sessions.sqlite3), a URL for postgres, a go-sql-driver DSN
	// for mysql, the session directory for file (default DataDir/sessions),
	// host:port or a redis:// URL for redis (default 127.0.0.1:6379),
	// host:port[,host:port...] for memcache (default 127.0.0.1:11211), and
	// for cached_db the database as for sqlite, postgres or mysql (told
	// apart by its form). Unused by memory and the cookie engines.
	DSN string
	// Cache is cached_db's cache: memcache://host:port[,host:port...] (or
	// host:port alone) or redis://host:port/db. Empty means
	// memcache://127.0.0.1:11211.
	Cache string
	// DataDir holds the SQLite file and a generated secret key.
	DataDir string
	// SecretKey is Django's SECRET_KEY. Required.
	SecretKey []byte
	// SecureCookies marks the cookies Secure (for a site served over HTTPS).
	SecureCookies bool
	// Logger receives the request log and errors. Nil means slog.Default().
	Logger *slog.Logger
	// DjangoUsers, when set, is a Django site's database (a postgres://
	// URL or a SQLite file) whose auth_user table replaces the built-in
	// accounts (djangousers.go).
	DjangoUsers string
	// FallbackKeys are Django's SECRET_KEY_FALLBACKS, for the session and
	// the login (set by tests; the demo's command line has no flag for them).
	FallbackKeys [][]byte
	// DjangoIterations is the PBKDF2 count of the password hashes written
	// to DjangoUsers: the Django site's (its PBKDF2PasswordHasher.iterations).
	// Zero means Django 3.2's 260000.
	DjangoIterations int
}

// server is the demo site: an http.Handler plus the resources to release.
type server struct {
	cfg     config
	handler http.Handler
	pages   map[string]*template.Template
	sess    *session.Manager
	auth    *auth.Authenticator
	users   *userDB
	// playgroundKey signs the cookie playground's cookies: random for each
	// process, so that no cookie of this site, nor of a Django site with the
	// same SECRET_KEY, accepts what a visitor has the playground sign.
	playgroundKey []byte
	log           *slog.Logger
	closers       []func() error
}

// newServer opens the session store (creating its table when it is a
// database), and returns the demo's handler. Close releases the store.
func newServer(ctx context.Context, cfg config) (*server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if len(cfg.SecretKey) == 0 {
		return nil, errors.New("sessiondemo: no secret key")
	}
	if cfg.Engine == "" {
		cfg.Engine = "sqlite"
	}
	s := &server{cfg: cfg, log: cfg.Logger, users: newUserDB(), playgroundKey: make([]byte, 32)}
	if _, err := rand.Read(s.playgroundKey); err != nil {
		return nil, fmt.Errorf("sessiondemo: the playground key: %w", err)
	}
	s.users.log = cfg.Logger
	if cfg.DjangoUsers != "" {
		if err := s.openDjangoUsers(ctx, cfg.DjangoUsers); err != nil {
			s.Close()
			return nil, err
		}
	}
	store, err := s.openStore(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.sess, err = session.New(store, s.sessionConfig())
	if err != nil {
		s.Close()
		return nil, err
	}
	s.auth, err = auth.New(auth.Config{
		SecretKey:    cfg.SecretKey,
		FallbackKeys: cfg.FallbackKeys,
		LoginURL:     "/accounts/login/",
		LookupUser:   s.users.lookup,
		Logger:       cfg.Logger,
		// The signed login cookie: used by the members page.
		LoginCookie:       loginCookie,
		LoginCookieSecure: cfg.SecureCookies,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	if s.pages, err = parsePages(); err != nil {
		s.Close()
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// sessionConfig is the session configuration, the same for the Manager and
// for a store that needs it (the cookie engines).
func (s *server) sessionConfig() session.Config {
	var codec session.Codec
	if s.cfg.Engine == "redis" || s.cfg.Engine == "memcache" {
		// As Django's cache engine stores it, so that a Django site with
		// django-redis on the same Redis shares the sessions.
		codec = pickle.Codec{}
	}
	return session.Config{
		SecretKey:    s.cfg.SecretKey,
		FallbackKeys: s.cfg.FallbackKeys,
		CookieSecure: s.cfg.SecureCookies,
		Logger:       s.cfg.Logger,
		Codec:        codec,
	}
}

// openStore opens the configured engine and creates its table.
func (s *server) openStore(ctx context.Context) (session.Store, error) {
	switch s.cfg.Engine {
	case "memory":
		return memory.New(memory.Options{}), nil
	case "cookie", "cookie-encrypted":
		// The session lives in the cookie: nothing to open.
		return cookiestore.New(s.sessionConfig(), cookiestore.Options{Encrypted: s.cfg.Engine == "cookie-encrypted"})
	case "sqlite":
		path := s.cfg.DSN
		if path == "" {
			if s.cfg.DataDir == "" {
				return nil, errors.New("sessiondemo: sqlite needs --dsn or a data folder")
			}
			if err := os.MkdirAll(s.cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("sessiondemo: creating the data folder: %w", err)
			}
			path = filepath.Join(s.cfg.DataDir, "sessions.sqlite3")
		}
		db, err := sqlite.Open(path)
		if err != nil {
			return nil, fmt.Errorf("sessiondemo: opening SQLite database %s: %w", path, err)
		}
		s.closers = append(s.closers, db.Close)
		st, err := sqlite.New(db, sqlstore.Options{})
		return s.prepareSQL(ctx, st, err)
	case "postgres":
		if s.cfg.DSN == "" {
			return nil, errors.New("sessiondemo: --engine postgres needs --dsn postgres://user@host:5432/db")
		}
		db, err := postgres.Open(s.cfg.DSN)
		if err != nil {
			return nil, fmt.Errorf("sessiondemo: opening PostgreSQL: %w", err)
		}
		s.closers = append(s.closers, db.Close)
		st, err := postgres.New(db, sqlstore.Options{})
		return s.prepareSQL(ctx, st, err)
	case "mysql":
		if s.cfg.DSN == "" {
			return nil, errors.New("sessiondemo: --engine mysql needs --dsn user:password@tcp(host:3306)/db")
		}
		db, err := mysql.Open(s.cfg.DSN)
		if err != nil {
			return nil, fmt.Errorf("sessiondemo: opening MySQL: %w", err)
		}
		s.closers = append(s.closers, db.Close)
		st, err := mysql.New(db, sqlstore.Options{})
		return s.prepareSQL(ctx, st, err)
	case "redis":
		return s.openRedis(ctx)
	case "memcache":
		return s.openMemcache()
	case "cached_db":
		return s.openCachedDB(ctx)
	case "file":
		return s.openFileStore()
	default:
		return nil, fmt.Errorf("sessiondemo: unknown engine %q (choose one of %s)", s.cfg.Engine, strings.Join(engines, ", "))
	}
}

func (s *server) prepareSQL(ctx context.Context, st *sqlstore.Store, err error) (session.Store, error) {
	if err != nil {
		return nil, fmt.Errorf("sessiondemo: %w", err)
	}
	s.closers = append([]func() error{st.Close}, s.closers...)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := st.CreateTable(ctx); err != nil {
		return nil, fmt.Errorf("sessiondemo: creating the %s table: %w", st.TableName(), err)
	}
	return st, nil
}

// ServeHTTP serves the demo site.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close releases the session store.
func (s *server) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// routes builds the handler: request log, security headers, cross-origin
// POST protection, sessions, login state, then the pages.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /accounts/login/", s.loginForm)
	mux.HandleFunc("POST /accounts/login/", s.loginSubmit)
	mux.HandleFunc("POST /accounts/logout/", s.logout)
	mux.HandleFunc("GET /accounts/logout/", s.logoutGet)
	mux.Handle("GET /accounts/password/", s.auth.LoginRequired(http.HandlerFunc(s.passwordForm)))
	mux.Handle("POST /accounts/password/", s.auth.LoginRequired(http.HandlerFunc(s.passwordSubmit)))
	mux.Handle("GET /private/", s.auth.LoginRequired(http.HandlerFunc(s.private)))
	mux.Handle("GET /members/", s.auth.CookieLoginRequired(http.HandlerFunc(s.members)))
	mux.Handle("GET /api/me", s.auth.LoginRequired(http.HandlerFunc(s.apiMe)))
	mux.HandleFunc("GET /api/session", s.apiSession)
	mux.HandleFunc("GET /session/", s.sessionPage)
	mux.HandleFunc("POST /session/", s.sessionAction)
	mux.HandleFunc("GET /cookies/", s.cookiesPage)
	mux.HandleFunc("POST /cookies/", s.cookiesAction)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusNotFound, "There is no page here.")
	})

	// Cross-origin protection inside the session and auth middleware, so
	// that its refusal page is rendered like any other page.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "This form was posted from another site, so it was refused (cross-site request forgery protection).")
	}))
	var h http.Handler = cop.Handler(mux)
	h = s.auth.Middleware(h)
	h = s.sess.Middleware(h)
	h = securityHeaders(h)
	return s.logRequests(h)
}

// securityHeaders adds headers that keep the pages from being framed,
// sniffed or loaded with foreign scripts.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)))
	})
}

// page is what every template gets.
type page struct {
	Here     string    // the nav entry to highlight
	User     string    // the signed-in username, or ""
	Messages []message // popped from the session by render unless set
	Engine   string
	Storage  string // how the engine keeps the data, for the footer
	D        any    // the page's own data
}

// Top returns the messages for the top of the page.
func (p page) Top() []message { return tagged(p.Messages, "") }

// Tagged returns the messages for one part of the page.
func (p page) Tagged(tag string) []message { return tagged(p.Messages, tag) }

func parsePages() (map[string]*template.Template, error) {
	layout, err := template.ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"home", "login", "private", "members", "session", "cookies", "password", "error"} {
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a page with status.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if p.User == "" {
		p.User = s.username(r)
	}
	if p.Messages == nil {
		p.Messages = popMessages(r)
	}
	p.Engine = s.cfg.Engine
	p.Storage = storageNote(s.cfg.Engine, s.sess.Store())
	var b strings.Builder
	if err := s.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.ErrorContext(r.Context(), "rendering a page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, b.String())
}

func (s *server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", page{D: map[string]any{
		"Status": status, "Text": http.StatusText(status), "Message": msg,
	}})
}

// username returns the name of the signed-in user, or "".
func (s *server) username(r *http.Request) string {
	if u, ok := auth.CurrentUser(r).(*demoUser); ok && u != nil {
		return u.Username
	}
	return ""
}

// cookieEngine reports whether the sessions live in the cookie itself.
func (s *server) cookieEngine() bool {
	return s.cfg.Engine == "cookie" || s.cfg.Engine == "cookie-encrypted"
}
