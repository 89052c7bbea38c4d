// Package postgres opens PostgreSQL databases for sqlstore through
// github.com/jackc/pgx/v5/stdlib.
//
//	db, err := postgres.Open("postgres://app@db.example:5432/app?sslmode=verify-full")
//	store, err := postgres.New(db, sqlstore.Options{})
//	err = store.CreateTable(ctx)
package postgres

import (
	"database/sql"
	"fmt"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/djsession/djsession/store/sqlstore"
)

// Open returns a pool of connections to the PostgreSQL database named by
// dsn, a URL (postgres://user:password@host:port/db?sslmode=…) or a
// key=value string as libpq takes. It fails on a malformed dsn but does not
// connect: the first query does, so a server that is down at start-up
// gives errors then, not here (call PingContext to check at once).
//
// The pool keeps up to 16 idle connections, dropped after 5 minutes unused,
// so that a busy site does not reconnect for every request; tune it with
// the *sql.DB methods.
func Open(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// New returns a sqlstore.Store for PostgreSQL on db (usually from Open).
// It is sqlstore.New(db, sqlstore.PostgreSQL, opts).
func New(db *sql.DB, opts sqlstore.Options) (*sqlstore.Store, error) {
	return sqlstore.New(db, sqlstore.PostgreSQL, opts)
}
