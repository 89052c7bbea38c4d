package djangouser

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/auth/hashers"
)

// Placeholders is the parameter syntax of a database/sql driver.
type Placeholders int

const (
	// Question is "?" for every parameter: SQLite and MySQL drivers.
	Question Placeholders = iota
	// Dollar is "$1", "$2"...: PostgreSQL drivers (pgx, lib/pq).
	Dollar
)

// DefaultTable is the table of Django's default User model.
const DefaultTable = "auth_user"

// Errors of Authenticate and SetPassword. LookupUser and SetPassword
// return auth.ErrUserNotFound for an id that names no user.
var (
	// ErrBadCredentials is returned by Authenticate for an unknown
	// username, a wrong password, an unusable password or an inactive user,
	// without saying which (as Django's login form does not).
	ErrBadCredentials = errors.New("djangouser: wrong username or password")
	// ErrConfig is matched by every error New returns for bad Options.
	ErrConfig = errors.New("djangouser: invalid options")
)

// Options configures a Store. The zero value is Django's auth_user with
// "?" placeholders and Django 3.2's iteration count.
type Options struct {
	// Table is the user table; empty means DefaultTable. It must be a plain
	// SQL identifier (letters, digits, underscores), optionally
	// schema-qualified ("accounts.auth_user").
	Table string
	// Placeholders is the parameter syntax of the driver: Question (the
	// zero value) or Dollar.
	Placeholders Placeholders
	// Iterations is the PBKDF2 count of the hashes SetPassword makes and of
	// the upgrade Authenticate makes on login. Zero means
	// hashers.Django32Iterations, what the Django 3.2 site next to it
	// writes: a count the Django site does not use would make each side
	// hash the password again on every login (check_password's setter).
	Iterations int
	// DisableUpgrade stops Authenticate from storing a new hash when
	// hashers.MustUpdate says Django would.
	DisableUpgrade bool
}

// Store is a Django user table reached through database/sql. It is safe
// for concurrent use (as *sql.DB is) and holds no state of its own.
type Store struct {
	db        *sql.DB
	opts      Options
	byID      string
	byName    string
	setPass   string
	setLogin  string
	dummyHash string
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// New returns a Store over db. It does not query the database; the table
// must exist (Django's migrate creates it). The error matches ErrConfig for
// a table name that is not a plain identifier, an unknown Placeholders or
// an iteration count out of range.
func New(db *sql.DB, opts Options) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: no database", ErrConfig)
	}
	if opts.Table == "" {
		opts.Table = DefaultTable
	}
	if !identifier.MatchString(opts.Table) {
		return nil, fmt.Errorf("%w: table name %q is not a plain identifier", ErrConfig, opts.Table)
	}
	if opts.Iterations == 0 {
		opts.Iterations = hashers.Django32Iterations
	}
	// A dummy hash with the real count: checking a password against it
	// costs what checking a real user's costs.
	dummy, err := hashers.Make("djangouser dummy password", opts.Iterations)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	var p1, p2 string
	switch opts.Placeholders {
	case Question:
		p1, p2 = "?", "?"
	case Dollar:
		p1, p2 = "$1", "$2"
	default:
		return nil, fmt.Errorf("%w: unknown Placeholders %d", ErrConfig, opts.Placeholders)
	}
	cols := "id, username, password, is_active"
	return &Store{
		db:        db,
		opts:      opts,
		byID:      "SELECT " + cols + " FROM " + opts.Table + " WHERE id = " + p1,
		byName:    "SELECT " + cols + " FROM " + opts.Table + " WHERE username = " + p1,
		setPass:   "UPDATE " + opts.Table + " SET password = " + p1 + " WHERE id = " + p2,
		setLogin:  "UPDATE " + opts.Table + " SET last_login = " + p1 + " WHERE id = " + p2,
		dummyHash: dummy,
	}, nil
}

// Options returns the options with their defaults filled in.
func (s *Store) Options() Options { return s.opts }

// LookupUser is auth.Config.LookupUser: the active user whose primary key
// is id (the session's _auth_user_id), or an error matching
// auth.ErrUserNotFound when there is none, the user is inactive (Django's
// ModelBackend.get_user refuses an inactive user, which logs the session
// out) or id is not an integer. Other errors are the database's.
func (s *Store) LookupUser(ctx context.Context, id string) (auth.User, error) {
	u, err := s.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !u.IsActive {
		return nil, fmt.Errorf("%w: user %s is inactive", auth.ErrUserNotFound, id)
	}
	return u, nil
}

// ByID returns the user whose primary key is id, active or not, or an
// error matching auth.ErrUserNotFound.
func (s *Store) ByID(ctx context.Context, id string) (*User, error) {
	pk, err := parseID(id)
	if err != nil {
		return nil, err
	}
	return s.scan(s.db.QueryRowContext(ctx, s.byID, pk), "id "+id)
}

// ByUsername returns the user with that username, active or not, or an
// error matching auth.ErrUserNotFound. The database compares the names, as
// it does for Django: exactly on SQLite and PostgreSQL, and without regard
// to case under the default collation of MySQL and MariaDB, where "Alice"
// logs in as alice on both sides.
func (s *Store) ByUsername(ctx context.Context, username string) (*User, error) {
	return s.scan(s.db.QueryRowContext(ctx, s.byName, username), "username "+strconv.Quote(username))
}

func (s *Store) scan(row *sql.Row, what string) (*User, error) {
	var u User
	var pk int64
	if err := row.Scan(&pk, &u.Username, &u.Password, &u.IsActive); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%w: %s", auth.ErrUserNotFound, what)
		}
		return nil, fmt.Errorf("djangouser: reading %s from %s: %w", what, s.opts.Table, err)
	}
	u.PK = strconv.FormatInt(pk, 10)
	return &u, nil
}

// parseID turns the session's user id into the integer key of auth_user,
// as Django's pk.to_python does; anything else names no user.
func parseID(id string) (int64, error) {
	pk, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: id %q is not an integer", auth.ErrUserNotFound, id)
	}
	return pk, nil
}

// Authenticate is Django's ModelBackend.authenticate for a username and a
// password: the user when the password checks against the stored hash and
// the user is active, else an error matching ErrBadCredentials. An unknown
// username costs a hash check as well (against a dummy hash), so the time
// does not tell whether the user exists. After a successful check, when
// Django would hash the password again (hashers.MustUpdate with
// Options.Iterations), the new hash is written back, unless
// DisableUpgrade; a failure to write it is returned with the user, as the
// login itself succeeded. A hash this package cannot read (argon2,
// bcrypt) is ErrBadCredentials wrapping the hashers error.
func (s *Store) Authenticate(ctx context.Context, username, password string) (*User, error) {
	u, err := s.ByUsername(ctx, username)
	if errors.Is(err, auth.ErrUserNotFound) {
		hashers.Check(password, s.dummyHash)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, err := hashers.Check(password, u.Password)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadCredentials, err)
	}
	if !ok || !u.IsActive {
		return nil, ErrBadCredentials
	}
	if !s.opts.DisableUpgrade && hashers.MustUpdate(u.Password, s.opts.Iterations) {
		again, err := s.SetPassword(ctx, u.PK, password)
		if err != nil {
			return u, fmt.Errorf("djangouser: the login succeeded, but storing the upgraded hash failed: %w", err)
		}
		u = again
	}
	return u, nil
}

// SetPassword hashes password in Django's pbkdf2_sha256 format with
// Options.Iterations and stores it as the user's password field, as
// Django's user.set_password(p); user.save() does, and returns the user
// as it now is. Every session whose auth hash was made from the old
// password, on either side, then ends at its next request; keep the
// current one with auth.Authenticator.UpdateSessionAuthHash. The error
// matches auth.ErrUserNotFound when id names no user.
func (s *Store) SetPassword(ctx context.Context, id, password string) (*User, error) {
	pk, err := parseID(id)
	if err != nil {
		return nil, err
	}
	hash, err := hashers.Make(password, s.opts.Iterations)
	if err != nil {
		return nil, fmt.Errorf("djangouser: %w", err)
	}
	res, err := s.db.ExecContext(ctx, s.setPass, hash, pk)
	if err != nil {
		return nil, fmt.Errorf("djangouser: storing the password of user %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return nil, fmt.Errorf("%w: id %s", auth.ErrUserNotFound, id)
	}
	return s.ByID(ctx, id)
}

// UpdateLastLogin sets the user's last_login to at, as Django's
// update_last_login does on every login (the user_logged_in signal): call
// it after auth.Authenticator.Login, so that the Django site (its admin,
// its password reset tokens, which include last_login) sees the logins
// made on the Go side too. The time is written in UTC, as Django writes it
// with USE_TZ = True: a timestamp with time zone on PostgreSQL, and on
// SQLite and MySQL the text Django's own backends write ("2006-01-02
// 15:04:05.000000", microseconds at most). The error matches
// auth.ErrUserNotFound when id names no user.
func (s *Store) UpdateLastLogin(ctx context.Context, id string, at time.Time) error {
	pk, err := parseID(id)
	if err != nil {
		return err
	}
	at = at.UTC().Truncate(time.Microsecond)
	var v any = at
	if s.opts.Placeholders == Question {
		v = djangoDateTime(at)
	}
	res, err := s.db.ExecContext(ctx, s.setLogin, v, pk)
	if err != nil {
		return fmt.Errorf("djangouser: storing the last login of user %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("%w: id %s", auth.ErrUserNotFound, id)
	}
	return nil
}

// djangoDateTime is str() of the naive UTC datetime, what Django's SQLite
// and MySQL backends store for an aware datetime when USE_TZ is on:
// microseconds only when there are some.
func djangoDateTime(t time.Time) string {
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}
