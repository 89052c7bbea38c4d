// Package mysql opens MySQL and MariaDB databases for sqlstore through
// github.com/go-sql-driver/mysql.
//
// The store needs the server to count the rows an UPDATE matched, not the
// rows it changed (clientFoundRows=true): otherwise saving a session whose
// data did not change looks like saving a session that has vanished. DSN
// and Open add that parameter, and parseTime=true; sqlstore still copes
// without it, at the price of a second statement in that case.
//
//	db, err := mysql.Open("app:secret@tcp(db.example:3306)/app")
//	store, err := mysql.New(db, sqlstore.Options{})
//	err = store.CreateTable(ctx)
package mysql

import (
	"database/sql"
	"fmt"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/store/sqlstore"
)

// DSN returns dsn (a go-sql-driver/mysql data source name such as
// user:password@tcp(host:3306)/dbname) with clientFoundRows=true and
// parseTime=true set, and every other parameter kept. It fails on a
// malformed dsn.
func DSN(dsn string) (string, error) {
	cfg, err := config(dsn)
	if err != nil {
		return "", err
	}
	return cfg.FormatDSN(), nil
}

func config(dsn string) (*driver.Config, error) {
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	cfg.ClientFoundRows = true
	cfg.ParseTime = true
	return cfg, nil
}

// Open returns a pool of connections to the MySQL or MariaDB database named
// by dsn, with the parameters DSN adds. It fails on a malformed dsn but does
// not connect: the first query does (call PingContext to check at once).
//
// The pool keeps up to 16 idle connections, dropped after 5 minutes unused
// (below MySQL's default wait_timeout); tune it with the *sql.DB methods.
func Open(dsn string) (*sql.DB, error) {
	cfg, err := config(dsn)
	if err != nil {
		return nil, err
	}
	connector, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// New returns a sqlstore.Store for MySQL or MariaDB on db (usually from
// Open). It is sqlstore.New(db, sqlstore.MySQL, opts).
func New(db *sql.DB, opts sqlstore.Options) (*sqlstore.Store, error) {
	return sqlstore.New(db, sqlstore.MySQL, opts)
}
