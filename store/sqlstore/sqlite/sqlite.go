// Package sqlite opens SQLite databases for sqlstore through
// modernc.org/sqlite (pure Go, no cgo): the project's default session
// engine, which needs no server.
//
// Open configures the database so that concurrent requests do not fail with
// "database is locked": write-ahead logging (readers never wait for the
// writer), a busy timeout of BusyTimeout (another process's writer is
// waited for), transactions that take the write lock when they begin, and
// a pool of several connections for concurrent readers. The Store made by
// New queues its own writes in the process, so they never compete for the
// lock among themselves.
//
//	db, err := sqlite.Open("sessions.db")
//	store, err := sqlite.New(db, sqlstore.Options{})
//	err = store.CreateTable(ctx)
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/djsession/djsession/store/sqlstore"
)

// BusyTimeout is how long a statement waits for a lock held by another
// connection (another process, or another pool on the same file) before
// it fails with SQLITE_BUSY.
const BusyTimeout = 10 * time.Second

// DSN returns the modernc.org/sqlite data source name that Open uses for
// the database file at path: a file: URI (the path made absolute and
// escaped) with busy_timeout, journal_mode=WAL, synchronous=NORMAL (in WAL
// mode: no data lost when the process dies, only the last commits on a
// power cut), foreign_keys on, and BEGIN IMMEDIATE for transactions.
// The path ":memory:" gives a private in-memory database.
func DSN(path string) (string, error) {
	params := "_pragma=busy_timeout(" + strconv.FormatInt(BusyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)&_txlock=immediate"
	if path == "" || path == ":memory:" {
		return "file::memory:?" + params, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite: %w", err)
	}
	u := url.URL{Path: filepath.ToSlash(abs)}
	return "file:" + u.EscapedPath() + "?" + params + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)", nil
}

// Open opens the SQLite database file at path, creating the file if it
// does not exist (not the session table: see sqlstore.Store.CreateTable),
// configured as DSN describes, and checks that it can be used. The pool
// keeps up to max(4, GOMAXPROCS) connections open, for concurrent readers.
//
// The table holds raw session keys, and a key read from it is a live
// login: Open creates a missing file with mode 0600 (SQLite gives its -wal
// and -shm files the database file's mode), and logs a warning through
// slog.Default when the file or its directory is readable by the group or
// by others (PermissionWarnings says which).
//
// The path ":memory:" (or "") opens a database that lives in memory for as
// long as the *sql.DB is open; its pool has a single connection, since
// each connection would otherwise see a database of its own.
func Open(path string) (*sql.DB, error) {
	dsn, err := DSN(path)
	if err != nil {
		return nil, err
	}
	if path != "" && path != ":memory:" {
		if err := createPrivate(path); err != nil {
			return nil, err
		}
		for _, w := range PermissionWarnings(path) {
			slog.Warn("sqlite: "+w, "path", path)
		}
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	if path == "" || path == ":memory:" {
		n = 1
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	ctx, cancel := context.WithTimeout(context.Background(), BusyTimeout+5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	return db, nil
}

// createPrivate creates the database file at path with mode 0600 when it
// does not exist (an empty file is an empty SQLite database).
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: creating %s: %w", path, err)
	}
	return f.Close()
}

// PermissionWarnings returns what is wrong with the permissions of the
// database file at path, its -wal and -shm files and its directory: one
// sentence for each that the group or other users can read. It returns
// nothing for files that do not exist.
func PermissionWarnings(path string) []string {
	var out []string
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o044 != 0 {
			out = append(out, fmt.Sprintf("%s is readable by other users (mode %#o): the session keys in it are live logins; chmod 600 it", p, fi.Mode().Perm()))
		}
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o044 != 0 {
		out = append(out, fmt.Sprintf("the directory %s is readable by other users (mode %#o): keep the session database in a directory of mode 0700", dir, fi.Mode().Perm()))
	}
	return out
}

// New returns a sqlstore.Store for SQLite on db (usually from Open). It is
// sqlstore.New(db, sqlstore.SQLite, opts).
func New(db *sql.DB, opts sqlstore.Options) (*sqlstore.Store, error) {
	return sqlstore.New(db, sqlstore.SQLite, opts)
}
