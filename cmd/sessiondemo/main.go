// Command sessiondemo is the djsession demo site: a login form with a
// protected page reached through ?next=, a password change that keeps the
// browser signed in and ends the user's other sessions, a session page
// (visit counter, keys and values, SetExpiry, Flush, CycleKey) and a
// cookie playground (plain and signed cookies with every option, and the
// exact Set-Cookie header the server sends). Each action answers with a
// redirect and leaves its message in the session, shown once.
//
// Run it from the repository root:
//
//	go run ./cmd/sessiondemo
//
// It listens on 127.0.0.1:8000 and keeps its sessions in SQLite, in
// ./sessiondemo-data/. Its flags, as a list (not compiled):
//
//	--addr host:port      where to listen (default 127.0.0.1:8000)
//	--engine name         sqlite (default), memory, postgres, mysql, file, redis,
//	                      memcache, cached_db, cookie (Django's signed_cookies)
//	                      or cookie-encrypted
//	--dsn string          the database: a file for sqlite, a URL for postgres
//	                      (postgres://user:pw@host:5432/db), a DSN for mysql
//	                      (user:pw@tcp(host:3306)/db), the session directory
//	                      for file (Django's SESSION_FILE_PATH), host:port or a
//	                      redis:// URL for redis (default 127.0.0.1:6379;
//	                      sessions pickled as Django's cache engine keeps them),
//	                      host:port[,host:port] for memcache (default
//	                      127.0.0.1:11211, pickled too), and for cached_db
//	                      the database as for sqlite, postgres or mysql
//	--cache url           cached_db's cache: memcache://host:port[,host:port]
//	                      or redis://host:port/db (default
//	                      memcache://127.0.0.1:11211)
//	--data-dir path       where the SQLite file and a generated secret key live
//	--secret-key string   Django's SECRET_KEY (or set SECRET_KEY in the environment)
//	--secure-cookies      mark cookies Secure (when served over HTTPS)
//	--django-users dsn    log in the users of a Django site instead of the
//	                      built-in accounts: its database (a postgres:// URL,
//	                      a MySQL DSN as for --engine mysql, or an existing
//	                      SQLite file) with Django's auth_user table, which
//	                      the Django site's migrate creates
//	--django-iterations n the PBKDF2 count of the Django site's password
//	                      hasher (default 260000, Django 3.2's)
//
// SECRET_KEY_FALLBACKS in the environment lists older keys, comma-separated
// (Django's SECRET_KEY_FALLBACKS): sessions, logins and signed cookies made
// with them still verify, and whatever is saved again is signed with the
// current key.
//
// Without a secret key it generates one with crypto/rand into the data
// folder on first start, says so, and reuses it afterwards. It creates the
// session table on start and stops gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/djsession/djsession/cmd/internal/keys"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := exitCode(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr), os.Stderr)
	stop()
	os.Exit(code)
}

// exitCode is the exit status for run's error: 0 for none and for --help
// (the usage was printed), 1 otherwise, with the error on stderr.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "sessiondemo:", err)
	return 1
}

// run parses args, starts the site and serves until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("sessiondemo", flag.ContinueOnError)
	fl.SetOutput(stderr)
	addr := fl.String("addr", "127.0.0.1:8000", "address to listen on")
	engine := fl.String("engine", "sqlite", "session engine: "+strings.Join(engines, ", "))
	dsn := fl.String("dsn", "", "database: SQLite file (default <data-dir>/sessions.sqlite3), PostgreSQL URL, MySQL DSN, the session directory for file (default <data-dir>/sessions), or Redis host:port or redis:// URL (default 127.0.0.1:6379)")
	cache := fl.String("cache", "", "cached_db's cache: memcache://host:port[,host:port] or redis://host:port/db (default memcache://127.0.0.1:11211)")
	dataDir := fl.String("data-dir", "sessiondemo-data", "folder for the SQLite file and a generated secret key")
	secret := fl.String("secret-key", "", "Django's SECRET_KEY (default: $SECRET_KEY, else one generated into the data folder)")
	secure := fl.Bool("secure-cookies", false, "mark cookies Secure (serve over HTTPS)")
	djangoUsers := fl.String("django-users", "", "log in the users of a Django site: its database (a postgres:// URL, a MySQL DSN or a SQLite file) with Django's auth_user table")
	djangoIterations := fl.Int("django-iterations", 0, "with --django-users: the PBKDF2 iteration count of the Django site's password hasher (default: Django 3.2's 260000)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fl.Args())
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	key, err := secretKey(*secret, getenv("SECRET_KEY"), *dataDir, logger)
	if err != nil {
		return err
	}
	srv, err := newServer(ctx, config{
		Engine:           *engine,
		DSN:              *dsn,
		Cache:            *cache,
		DataDir:          *dataDir,
		SecretKey:        key,
		FallbackKeys:     keys.Fallbacks(getenv("SECRET_KEY_FALLBACKS")),
		SecureCookies:    *secure,
		Logger:           logger,
		DjangoUsers:      *djangoUsers,
		DjangoIterations: *djangoIterations,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	fmt.Fprintf(stdout, "djsession demo: http://%s/ (engine %s; press Ctrl+C to stop)\n", ln.Addr(), *engine)
	logger.Info("listening", "url", "http://"+ln.Addr().String()+"/", "engine", *engine)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// secretKeyFile is the name of the generated key inside the data folder.
const secretKeyFile = "secret_key"

// secretKey returns the key from the flag, else from the environment, else
// from the data folder, generating and saving one there when none exists.
func secretKey(flagValue, envValue, dataDir string, logger *slog.Logger) ([]byte, error) {
	if flagValue != "" {
		return []byte(flagValue), nil
	}
	if envValue != "" {
		return []byte(envValue), nil
	}
	path := filepath.Join(dataDir, secretKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if k := strings.TrimSpace(string(b)); k != "" {
			return []byte(k), nil
		}
		return nil, fmt.Errorf("%s is empty: delete it or pass --secret-key", path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the secret key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the data folder: %w", err)
	}
	k := generateKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("saving the secret key: %w", err)
	}
	if _, err := f.WriteString(k + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("saving the secret key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("saving the secret key: %w", err)
	}
	logger.Warn("no SECRET_KEY given: generated a new one and saved it (pass --secret-key or set SECRET_KEY to choose your own)", "file", path)
	return []byte(k), nil
}

// generateKey returns 50 random characters from Django's
// get_random_secret_key alphabet, read from crypto/rand (rand.Read never
// fails on supported platforms).
func generateKey() string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"
	out := make([]byte, 0, 50)
	var buf [64]byte
	for len(out) < 50 {
		rand.Read(buf[:])
		for _, c := range buf {
			if c < 250 && len(out) < 50 { // 250 = 5*50: no bias
				out = append(out, chars[int(c)%len(chars)])
			}
		}
	}
	return string(out)
}
