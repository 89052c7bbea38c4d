package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/cmd/internal/cacheconn"
	"github.com/djsession/djsession/cmd/internal/keys"
	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/mysql"
	"github.com/djsession/djsession/store/sqlstore/postgres"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

// defaultSQLitePath is the demo site's database file (cmd/sessiondemo with
// its default data folder), relative to the working directory.
const defaultSQLitePath = "sessiondemo-data/sessions.sqlite3"

// pingTimeout bounds the first contact with a database server.
const pingTimeout = 15 * time.Second

// openStore opens the engine that o names. create says whether a missing
// SQLite file (and its folder) may be created; otherwise a missing file is
// an error, so that a mistyped path does not silently make an empty
// database. On failure it has printed the message and returns the exit code.
func openStore(ctx context.Context, cmd string, o *opts, create bool, stderr io.Writer) (*sqlstore.Store, int) {
	engine := strings.ToLower(strings.TrimSpace(o.engine))
	if engine == "" {
		engine = "sqlite"
	}
	sopts := sqlstore.Options{TableName: o.table}
	fail := func(format string, a ...any) (*sqlstore.Store, int) {
		fmt.Fprintf(stderr, "sessionctl %s: %s\n", cmd, fmt.Sprintf(format, a...))
		return nil, exitStoreErr
	}
	var (
		db  *sql.DB
		st  *sqlstore.Store
		err error
	)
	switch engine {
	case "memory":
		return nil, usageError(stderr, cmd, "the memory engine keeps sessions inside one running process; a command cannot reach them (use sqlite, postgres or mysql)")
	case "cookie", "signed_cookies", "signed-cookies", "cookie-encrypted":
		return nil, usageError(stderr, cmd, "the cookie engines keep each session in its cookie: there is no table to create or clear (inspect decodes a cookie value)")
	case "sqlite", "sqlite3":
		path := o.dsn
		if path == "" {
			path = defaultSQLitePath
		}
		if create {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return fail("creating the folder of %s: %v", path, err)
			}
		} else if path != ":memory:" {
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return fail("SQLite database %s does not exist (run 'sessionctl migrate' to create it, or pass --dsn)", path)
			}
		}
		if db, err = sqlite.Open(path); err != nil {
			return fail("opening SQLite database %s: %v", path, err)
		}
		st, err = sqlite.New(db, sopts)
	case "postgres", "postgresql", "pgx":
		if o.dsn == "" {
			return nil, usageError(stderr, cmd, "--engine postgres needs --dsn postgres://user:password@host:5432/db (or SESSIONCTL_DSN)")
		}
		if db, err = postgres.Open(o.dsn); err != nil {
			return fail("opening PostgreSQL: %v", err)
		}
		st, err = postgres.New(db, sopts)
	case "mysql", "mariadb":
		if o.dsn == "" {
			return nil, usageError(stderr, cmd, "--engine mysql needs --dsn 'user:password@tcp(host:3306)/db' (or SESSIONCTL_DSN)")
		}
		if db, err = mysql.Open(o.dsn); err != nil {
			return fail("opening MySQL: %v", err)
		}
		st, err = mysql.New(db, sopts)
	default:
		return nil, usageError(stderr, cmd, fmt.Sprintf("unknown engine %q (use sqlite, postgres, mysql or file)", o.engine))
	}
	if err != nil {
		db.Close()
		if errors.Is(err, sqlstore.ErrInvalidTableName) {
			return nil, usageError(stderr, cmd, fmt.Sprintf("--table %q: %v", o.table, err))
		}
		return fail("%v", err)
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return fail("connecting to the %s database: %v", engine, err)
	}
	return st, exitOK
}

// closeStore closes the store and its database.
func closeStore(st *sqlstore.Store) {
	st.Close()
	st.DB().Close()
}

func runMigrate(ctx context.Context, o *opts, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		return usageError(stderr, "migrate", fmt.Sprintf("unexpected arguments %q", args))
	}
	if isFileEngine(o) {
		return runMigrateFile(o, stdout, stderr)
	}
	if isRedis(o) {
		fmt.Fprintln(stdout, "nothing to migrate: Redis keeps sessions as keys, with no table to create")
		return exitOK
	}
	if isMemcache(o) {
		fmt.Fprintln(stdout, "nothing to migrate: memcached keeps sessions as items, with no table to create")
		return exitOK
	}
	if isCachedDB(o) { // the table is the database's
		o.engine = cacheconn.SQLEngine(o.dsn)
	}
	st, code := openStore(ctx, "migrate", o, true, stderr)
	if st == nil {
		return code
	}
	defer closeStore(st)
	if err := st.CreateTable(ctx); err != nil {
		fmt.Fprintf(stderr, "sessionctl migrate: %v\n", err)
		return exitStoreErr
	}
	fmt.Fprintf(stdout, "table %s is ready\n", st.TableName())
	return exitOK
}

func runClear(ctx context.Context, o *opts, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		return usageError(stderr, "clearsessions", fmt.Sprintf("unexpected arguments %q", args))
	}
	if isFileEngine(o) {
		return runClearFile(ctx, o, stdout, stderr)
	}
	if isRedis(o) {
		st, closeFn, code := openRedis(ctx, "clearsessions", o, stderr)
		if st == nil {
			return code
		}
		defer closeFn()
		if err := st.ClearExpired(ctx); err != nil {
			fmt.Fprintf(stderr, "sessionctl clearsessions: %v\n", err)
			return exitStoreErr
		}
		fmt.Fprintln(stdout, "nothing to do: Redis removes each session when its TTL runs out (Django's cache engine clears nothing either)")
		return exitOK
	}
	if isMemcache(o) {
		fmt.Fprintln(stdout, "nothing to do: memcached removes each session at its expiry (Django's cache engine clears nothing either)")
		return exitOK
	}
	if isCachedDB(o) { // cached_db's clear_expired is the database's; the cache expires its own
		o.engine = cacheconn.SQLEngine(o.dsn)
	}
	st, code := openStore(ctx, "clearsessions", o, false, stderr)
	if st == nil {
		return code
	}
	defer closeStore(st)
	var store session.Store = st
	if c, ok := store.(interface {
		ClearExpiredCount(context.Context) (int64, error)
	}); ok {
		n, err := c.ClearExpiredCount(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "sessionctl clearsessions: %v\n", err)
			return exitStoreErr
		}
		fmt.Fprintf(stdout, "removed %d expired session(s)\n", n)
		return exitOK
	}
	if err := st.ClearExpired(ctx); err != nil {
		fmt.Fprintf(stderr, "sessionctl clearsessions: %v\n", err)
		return exitStoreErr
	}
	fmt.Fprintln(stdout, "expired sessions removed")
	return exitOK
}

// quiet is the logger of the Manager that commands open: their errors are
// printed by the command itself.
var quiet = slog.New(slog.DiscardHandler)

// demoSecretKeyFile is the key the demo site generates next to its
// database when it is given none (cmd/sessiondemo's secretKeyFile).
var demoSecretKeyFile = filepath.Join(filepath.Dir(defaultSQLitePath), "secret_key")

// secrets returns the secret key and the fallbacks, or false after printing
// a usage error when there is no key. The key comes from --secret-key-file,
// else --secret-key, else SECRET_KEY, else, for a command on the demo's
// default SQLite database (usesDemoDB), the key file the demo generated.
func secrets(cmd string, o *opts, stderr io.Writer) ([]byte, [][]byte, bool) {
	key := o.secretKey
	switch {
	case o.secretKeyFile != "" && o.secretKeyFlag:
		usageError(stderr, cmd, "give --secret-key-file or --secret-key, not both")
		return nil, nil, false
	case o.secretKeyFile != "":
		k, err := readKeyFile(o.secretKeyFile)
		if err != nil {
			usageError(stderr, cmd, "--secret-key-file: "+err.Error())
			return nil, nil, false
		}
		key = k
	case o.secretKeyFlag:
		fmt.Fprintln(stderr, "sessionctl: warning: a key given with --secret-key shows in ps and in the shell's history; prefer SECRET_KEY or --secret-key-file")
	case key == "" && o.usesDemoDB():
		if k, err := readKeyFile(demoSecretKeyFile); err == nil {
			key = k
		}
	}
	if key == "" {
		usageError(stderr, cmd, "no secret key: set SECRET_KEY or pass --secret-key-file FILE")
		return nil, nil, false
	}
	return []byte(key), keys.Fallbacks(o.fallbacks), true
}

// readKeyFile reads a secret key from a file: its content without the
// surrounding white space (a final newline, as editors write it).
func readKeyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	k := strings.TrimSpace(string(b))
	if k == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return k, nil
}

// usesDemoDB reports whether the command works on the demo site's default
// SQLite file (no engine or sqlite, no --dsn).
func (o *opts) usesDemoDB() bool {
	e := strings.ToLower(strings.TrimSpace(o.engine))
	return o.db && (e == "" || e == "sqlite" || e == "sqlite3") && o.dsn == ""
}

func runInspect(ctx context.Context, o *opts, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		return usageError(stderr, "inspect", "expected one session KEY (the value of the sessionid cookie)")
	}
	key := args[0]
	if isFileEngine(o) {
		return runInspectFile(ctx, o, key, stdout, stderr)
	}
	secret, fallbacks, ok := secrets("inspect", o, stderr)
	if !ok {
		return exitUsage
	}
	if isCookie, encrypted := cookieEngine(o.engine); isCookie {
		return inspectCookie(o, key, secret, fallbacks, encrypted, stdout, stderr)
	}
	var (
		store session.Store
		codec session.Codec
	)
	if isRedis(o) {
		c, err := redisCodec(o)
		if err != nil {
			return usageError(stderr, "inspect", err.Error())
		}
		st, closeFn, code := openRedis(ctx, "inspect", o, stderr)
		if st == nil {
			return code
		}
		defer closeFn()
		store, codec = st, c
	} else if isMemcache(o) {
		c, err := redisCodec(o)
		if err != nil {
			return usageError(stderr, "inspect", err.Error())
		}
		st, closeFn, code := openMemcache("inspect", o, stderr)
		if st == nil {
			return code
		}
		defer closeFn()
		store, codec = st, c
	} else if isCachedDB(o) {
		st, closeFn, code := openCachedDB(ctx, "inspect", o, secret, fallbacks, stderr)
		if st == nil {
			return code
		}
		defer closeFn()
		store = st
	} else {
		st, code := openStore(ctx, "inspect", o, false, stderr)
		if st == nil {
			return code
		}
		defer closeStore(st)
		store = st
	}
	return inspectStore(ctx, store, codec, key, secret, fallbacks, stdout, stderr)
}

// inspectStore prints the session key of st, encoded by codec (nil for
// Django's signed format), as inspect does.
func inspectStore(ctx context.Context, store session.Store, codec session.Codec, key string, secret []byte, fallbacks [][]byte, stdout, stderr io.Writer) int {
	m, err := session.New(store, session.Config{SecretKey: secret, FallbackKeys: fallbacks, Logger: quiet, Codec: codec})
	if err != nil {
		return usageError(stderr, "inspect", err.Error())
	}
	sess, err := m.Open(ctx, key)
	switch {
	case errors.Is(err, session.ErrNotFound):
		fmt.Fprintf(stderr, "sessionctl inspect: no live session %q (unknown or expired)\n", key)
		return exitNo
	case errors.Is(err, session.ErrCodecMismatch):
		fmt.Fprintf(stderr, "sessionctl inspect: the data of session %q is not in the format of this codec (see --codec): %v\n", key, err)
		return exitNo
	case errors.Is(err, session.ErrCorrupt):
		fmt.Fprintf(stderr, "sessionctl inspect: the data of session %q does not verify with this SECRET_KEY or its fallbacks (wrong secret key, or altered data): %v\n", key, err)
		return exitNo
	case err != nil:
		fmt.Fprintf(stderr, "sessionctl inspect: %v\n", err)
		return exitStoreErr
	}
	values := map[string]any{}
	for k, v := range sess.All() {
		values[k] = v
	}
	out, err := inspectJSON(key, sess.LoadedExpiry(), values)
	if err != nil {
		fmt.Fprintf(stderr, "sessionctl inspect: printing the data: %v\n", err)
		return exitStoreErr
	}
	stdout.Write(out)
	return exitOK
}

// inspectJSON writes the inspect document, indented, with the fields in a
// fixed order. The data goes through pyjson, so that numbers keep their
// exact form (1 and 1.0 differ, integers beyond 2^53 stay exact).
func inspectJSON(key string, expiry time.Time, values map[string]any) ([]byte, error) {
	if values == nil {
		values = map[string]any{}
	}
	data, err := pyjson.Marshal(values)
	if err != nil {
		return nil, err
	}
	k, _ := json.Marshal(key)
	e, _ := json.Marshal(expiry.UTC().Format(time.RFC3339Nano))
	var raw bytes.Buffer
	fmt.Fprintf(&raw, `{"session_key":%s,"expire_date":%s,"data":%s}`, k, e, data)
	var out bytes.Buffer
	if err := json.Indent(&out, raw.Bytes(), "", "  "); err != nil {
		// NaN or Infinity, which Python writes but JSON lacks: print as is.
		out.Reset()
		out.Write(raw.Bytes())
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func runSign(_ context.Context, o *opts, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		return usageError(stderr, "sign", fmt.Sprintf("unexpected arguments %q (use --name and --value)", args))
	}
	if o.name == "" {
		return usageError(stderr, "sign", "--name is required: the cookie name is part of what is signed")
	}
	secret, fallbacks, ok := secrets("sign", o, stderr)
	if !ok {
		return exitUsage
	}
	s := cookie.Signer{SecretKey: secret, FallbackKeys: fallbacks, Salt: o.salt}
	signed, err := s.Sign(o.name, o.value)
	if err != nil {
		return usageError(stderr, "sign", err.Error())
	}
	fmt.Fprintln(stdout, signed)
	return exitOK
}

// maxMaxAge bounds --max-age: a hundred years is past any cookie's life,
// and far inside time.Duration's range.
const maxMaxAge = 100 * 365 * 24 * time.Hour

// parseMaxAge reads --max-age: a Go duration or a number of seconds. Zero
// (or empty) means no limit. Anything else must be between one second
// (signatures hold whole seconds, and a value that rounds to zero would
// mean no limit) and a hundred years: NaN, infinities, negative and
// out-of-range values are errors.
func parseMaxAge(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		switch {
		case math.IsNaN(n) || math.IsInf(n, 0):
			return 0, errors.New("must be a finite number of seconds")
		case n == 0:
			return 0, nil
		case n < 0:
			return 0, errors.New("must not be negative")
		case n > maxMaxAge.Seconds():
			return 0, fmt.Errorf("must be at most %d seconds (a hundred years)", int64(maxMaxAge.Seconds()))
		}
		d = time.Duration(n * float64(time.Second))
	} else {
		if d, err = time.ParseDuration(s); err != nil {
			return 0, errors.New("want a duration such as 90s, 15m or 24h, or a number of seconds")
		}
		if d == 0 && strings.Trim(strings.TrimRight(s, "nsuµμmh"), "0.") == "" {
			return 0, nil // 0s, 0h, 0.0m: no limit
		}
		switch {
		case d < 0:
			return 0, errors.New("must not be negative")
		case d > maxMaxAge:
			return 0, errors.New("must be at most a hundred years")
		}
	}
	if d < time.Second {
		return 0, errors.New("must be at least one second, or 0 for no limit (signatures hold whole seconds)")
	}
	return d, nil
}

func runUnsign(_ context.Context, o *opts, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		return usageError(stderr, "unsign", fmt.Sprintf("unexpected arguments %q (use --name and --value)", args))
	}
	if o.name == "" {
		return usageError(stderr, "unsign", "--name is required: the cookie name is part of what is signed")
	}
	if o.value == "" {
		return usageError(stderr, "unsign", "--value is required: the signed cookie value")
	}
	maxAge, err := parseMaxAge(o.maxAge)
	if err != nil {
		return usageError(stderr, "unsign", fmt.Sprintf("--max-age %q: %v", o.maxAge, err))
	}
	secret, fallbacks, ok := secrets("unsign", o, stderr)
	if !ok {
		return exitUsage
	}
	s := cookie.Signer{SecretKey: secret, FallbackKeys: fallbacks, Salt: o.salt, MaxAge: maxAge}
	value, err := s.Unsign(o.name, o.value)
	switch {
	case err == nil:
		fmt.Fprintln(stdout, value)
		return exitOK
	case errors.Is(err, signing.ErrExpired):
		fmt.Fprintf(stderr, "sessionctl unsign: expired: signed longer ago than --max-age %s\n", maxAge)
		return exitNo
	case errors.Is(err, signing.ErrBadSignature), errors.Is(err, signing.ErrMalformed):
		fmt.Fprintln(stderr, "sessionctl unsign: bad signature: the value was not signed with this secret key, cookie name and salt, or it was changed")
		return exitNo
	default:
		return usageError(stderr, "unsign", err.Error())
	}
}
