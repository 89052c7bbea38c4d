package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/auth/djangouser"
	"github.com/djsession/djsession/store/sqlstore/mysql"
	"github.com/djsession/djsession/store/sqlstore/postgres"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

// openDjangoUsers opens the auth_user table of a Django site, given as a
// postgres:// URL, a MySQL DSN (user:pw@tcp(host:port)/db, as --engine
// mysql takes it) or the path of an existing SQLite file (--django-users),
// and makes it the demo's user table instead of the built-in accounts.
// The table is Django's: its migrate creates it, the demo never does.
func (s *server) openDjangoUsers(ctx context.Context, dsn string) error {
	var db *sql.DB
	// Iterations 0 is Django 3.2's count.
	opts := djangouser.Options{Iterations: s.cfg.DjangoIterations}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		var err error
		if db, err = postgres.Open(dsn); err != nil {
			return fmt.Errorf("sessiondemo: --django-users: %w", err)
		}
		opts.Placeholders = djangouser.Dollar
	} else if isMySQLDSN(dsn) {
		var err error
		if db, err = mysql.Open(dsn); err != nil {
			return fmt.Errorf("sessiondemo: --django-users: %w", err)
		}
	} else {
		// sqlite.Open would create a missing file: an empty database is
		// not a Django site's.
		if _, err := os.Stat(dsn); err != nil {
			return fmt.Errorf("sessiondemo: --django-users %s: %w (run the Django site's manage.py migrate first)", dsn, err)
		}
		var err error
		if db, err = sqlite.Open(dsn); err != nil {
			return fmt.Errorf("sessiondemo: --django-users: %w", err)
		}
	}
	s.closers = append(s.closers, db.Close)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("sessiondemo: --django-users: %w", err)
	}
	st, err := djangouser.New(db, opts)
	if err != nil {
		return fmt.Errorf("sessiondemo: %w", err)
	}
	// One query now, so that a database without Django's tables fails at
	// start rather than at the first login.
	if _, err := st.ByID(ctx, "0"); err != nil && !errors.Is(err, auth.ErrUserNotFound) {
		return fmt.Errorf("sessiondemo: --django-users: %w (run the Django site's manage.py migrate first)", err)
	}
	s.users.django = st
	return nil
}

// isMySQLDSN reports whether dsn is go-sql-driver's form
// (user:pw@tcp(host:port)/db or @unix(path)/db) rather than a file name.
func isMySQLDSN(dsn string) bool {
	return strings.Contains(dsn, "@tcp(") || strings.Contains(dsn, "@unix(")
}

// fromDjango turns a row of auth_user into the demo's user.
func fromDjango(u *djangouser.User) *demoUser {
	return &demoUser{PK: u.PK, Username: u.Username, Password: u.Password}
}

// djangoLookup is userDB.lookup on the Django table.
func (db *userDB) djangoLookup(ctx context.Context, id string) (auth.User, error) {
	u, err := db.django.LookupUser(ctx, id)
	if err != nil {
		return nil, err
	}
	return fromDjango(u.(*djangouser.User)), nil
}

// djangoAuthenticate is userDB.authenticate on the Django table.
func (db *userDB) djangoAuthenticate(ctx context.Context, username, password string) *demoUser {
	u, err := db.django.Authenticate(ctx, username, password)
	if u == nil {
		if err != nil && !errors.Is(err, djangouser.ErrBadCredentials) {
			db.log.ErrorContext(ctx, "reading the Django user table", "error", err)
		}
		return nil
	}
	if err != nil {
		db.log.WarnContext(ctx, "login", "error", err)
	}
	return fromDjango(u)
}

// djangoChangePassword is userDB.changePassword on the Django table.
func (db *userDB) djangoChangePassword(ctx context.Context, id, password string) (*demoUser, error) {
	u, err := db.django.SetPassword(ctx, id, password)
	if err != nil {
		return nil, err
	}
	return fromDjango(u), nil
}
