package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/session"
)

// DefaultTableName is Django's session table.
const DefaultTableName = "django_session"

// MaxKeyLength is the width of Django's session_key column. A longer key
// is never stored: Load and Exists report it as absent and Save refuses it.
const MaxKeyLength = 40

// ErrInvalidTableName is returned by New for a table name that is not a
// plain SQL identifier.
var ErrInvalidTableName = errors.New("sqlstore: table name must be a letter or underscore followed by letters, digits or underscores, at most 63 bytes")

// ErrKeyTooLong is returned by Save for a key longer than MaxKeyLength.
var ErrKeyTooLong = errors.New("sqlstore: session key longer than 40 characters")

// Options configures a Store. The zero value is Django's table and the
// system clock.
type Options struct {
	// TableName is the table that holds the sessions; it must be a plain
	// identifier (see ErrInvalidTableName). Default: DefaultTableName
	// ("django_session"), which a Django site shares.
	TableName string
	// Now is the clock that decides which sessions have expired. Default:
	// time.Now. Expiry is compared with the database's own clock nowhere,
	// so the application's clock is the only one that matters.
	Now func() time.Time
	// DriverErrors says what the driver's errors mean. Default: the one the
	// dialect's driver subpackage registered (see RegisterDriverErrors).
	DriverErrors DriverErrors
}

// Store is a session.Store on a SQL database: Django's db session engine.
// Each method runs one SQL statement (see the package documentation for
// the two rare exceptions on MySQL). It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	table   string
	now     func() time.Time
	errs    DriverErrors
	// writeSem serialises the writes of this Store on SQLite, which takes
	// one writer at a time: in-process writers queue here (honouring their
	// context) instead of polling SQLite's busy handler.
	writeSem chan struct{}

	mu    sync.Mutex
	stmts [numStmts]*sql.Stmt
	text  [numStmts]string
}

type stmtID int

const (
	stmtLoad stmtID = iota
	stmtInsert
	stmtUpdate
	stmtDelete
	stmtExists
	stmtLiveExists
	stmtClear
	stmtCount
	numStmts
)

var (
	_ session.Store          = (*Store)(nil)
	_ session.Exister        = (*Store)(nil)
	_ session.ExpiredClearer = (*Store)(nil)
	_ session.Counter        = (*Store)(nil)
)

// New returns a Store that keeps sessions in the table opts.TableName of db,
// speaking dialect. It does not touch the database: call CreateTable once
// (at start-up, or from a migration) to create the table; a read never
// creates it. db is not closed by the Store.
//
// For MySQL, db should come from a DSN with clientFoundRows=true (the
// mysql subpackage's Open adds it). Without it the Store is still correct,
// but saving a session whose data and expiry did not change costs a second
// statement.
//
// New returns an error for an unknown dialect, a nil db or an invalid table
// name.
func New(db *sql.DB, dialect Dialect, opts Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: nil *sql.DB")
	}
	if !dialect.valid() {
		return nil, fmt.Errorf("sqlstore: unknown dialect %v", dialect)
	}
	table := opts.TableName
	if table == "" {
		table = DefaultTableName
	}
	if !validTableName(table) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidTableName, table)
	}
	s := &Store{db: db, dialect: dialect, table: table, now: opts.Now, errs: opts.DriverErrors}
	if s.errs == nil {
		s.errs = registeredDriverErrors(dialect)
	}
	if s.errs == nil {
		s.errs = noDriverErrors{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if dialect == SQLite {
		s.writeSem = make(chan struct{}, 1)
	}
	q, p, t := dialect.quote, dialect.ph, dialect.quote(table)
	key, data, exp := q("session_key"), q("session_data"), q("expire_date")
	s.text[stmtLoad] = "SELECT " + data + ", " + exp + " FROM " + t + " WHERE " + key + " = " + p(1) + " AND " + exp + " > " + p(2)
	switch dialect {
	case MySQL:
		// A duplicate key is an error here; Save tells it from others.
		s.text[stmtInsert] = "INSERT INTO " + t + " (" + key + ", " + data + ", " + exp + ") VALUES (?, ?, ?)"
	default:
		s.text[stmtInsert] = "INSERT INTO " + t + " (" + key + ", " + data + ", " + exp + ") VALUES (" +
			p(1) + ", " + p(2) + ", " + p(3) + ") ON CONFLICT (" + key + ") DO NOTHING"
	}
	s.text[stmtUpdate] = "UPDATE " + t + " SET " + data + " = " + p(1) + ", " + exp + " = " + p(2) +
		" WHERE " + key + " = " + p(3) + " AND " + exp + " > " + p(4)
	s.text[stmtDelete] = "DELETE FROM " + t + " WHERE " + key + " = " + p(1)
	s.text[stmtExists] = "SELECT 1 FROM " + t + " WHERE " + key + " = " + p(1)
	s.text[stmtLiveExists] = "SELECT 1 FROM " + t + " WHERE " + key + " = " + p(1) + " AND " + exp + " > " + p(2)
	s.text[stmtClear] = "DELETE FROM " + t + " WHERE " + exp + " < " + p(1)
	s.text[stmtCount] = "SELECT COUNT(*) FROM " + t + " WHERE " + exp + " > " + p(1)
	return s, nil
}

// DB returns the database the Store uses.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the Store's dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// TableName returns the name of the Store's table.
func (s *Store) TableName() string { return s.table }

// CreateTable creates the session table and its indexes exactly as Django's
// migration sessions.0001_initial does for the dialect (same column types,
// same index names), unless they exist already: calling it at every start
// is fine. On SQLite and PostgreSQL it runs in one transaction.
func (s *Store) CreateTable(ctx context.Context) error {
	stmts := s.dialect.createTable(s.table)
	if err := s.lockWrite(ctx); err != nil {
		return err
	}
	defer s.unlockWrite()
	if s.dialect == MySQL { // DDL is not transactional there
		for _, q := range stmts {
			if _, err := s.db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("sqlstore: creating table %s: %w", s.table, err)
			}
		}
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: creating table %s: %w", s.table, err)
	}
	defer tx.Rollback()
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlstore: creating table %s: %w", s.table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: creating table %s: %w", s.table, err)
	}
	return nil
}

// Load returns the session stored under key if its expire_date is after
// now (Django's SELECT … WHERE session_key = %s AND expire_date > %s).
// A missing or expired session is found == false with a nil error; a key
// longer than MaxKeyLength is never found (no query is run).
func (s *Store) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	if len(key) > MaxKeyLength {
		return nil, time.Time{}, false, nil
	}
	st, err := s.stmt(ctx, stmtLoad)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	var data []byte
	var exp any
	err = st.QueryRowContext(ctx, key, s.dialect.expiryArg(s.now())).Scan(&data, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("sqlstore: loading a session: %w", err)
	}
	expiry, err := s.dialect.scanExpiry(exp)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	return decodeData(data), expiry, true, nil
}

// BinaryPrefix starts the session_data of a record whose data is not plain
// text (see Save). Django never writes it: its session data is base64 and
// colons.
const BinaryPrefix = "~b64~"

// encodeData returns the text stored for data.
func encodeData(data []byte) string {
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 && !bytes.HasPrefix(data, []byte(BinaryPrefix)) {
		return string(data)
	}
	return BinaryPrefix + base64.StdEncoding.EncodeToString(data)
}

// decodeData returns the data of a stored text. A text that starts with
// BinaryPrefix but is not valid base64 (not written by a Store) is returned
// as it is, for the codec to reject.
func decodeData(text []byte) []byte {
	if text == nil {
		return []byte{}
	}
	rest, ok := bytes.CutPrefix(text, []byte(BinaryPrefix))
	if !ok {
		return text
	}
	data := make([]byte, base64.StdEncoding.DecodedLen(len(rest)))
	n, err := base64.StdEncoding.Decode(data, rest)
	if err != nil {
		return text
	}
	return data[:n]
}

// Save writes data under key with expire_date = expiry (to the microsecond,
// as Django stores it).
//
// With mustCreate it INSERTs, and a row that already has the key (even an
// expired one: it still blocks the key, as in Django) gives an error
// matching session.ErrKeyExists. Without mustCreate it UPDATEs the row if it
// is still live, and gives an error matching session.ErrNotFound when there
// is none: a session deleted or expired in the meantime is not resurrected.
// data goes into session_data, a text column: as it is when it is UTF-8
// text without NUL bytes (Django's session data is ASCII, so a Django site
// reads it), and otherwise as BinaryPrefix followed by its standard base64
// encoding, which Load undoes (so any bytes round-trip, and text that
// happens to start with BinaryPrefix too).
func (s *Store) Save(ctx context.Context, key string, data []byte, expiry time.Time, mustCreate bool) error {
	if len(key) > MaxKeyLength {
		return ErrKeyTooLong
	}
	if err := s.lockWrite(ctx); err != nil {
		return err
	}
	defer s.unlockWrite()
	if mustCreate {
		return s.insert(ctx, key, data, expiry)
	}
	st, err := s.stmt(ctx, stmtUpdate)
	if err != nil {
		return err
	}
	now := s.dialect.expiryArg(s.now())
	res, err := s.execRetry(ctx, st, encodeData(data), s.dialect.expiryArg(expiry), key, now)
	if err != nil {
		return fmt.Errorf("sqlstore: saving a session: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: saving a session: %w", err)
	}
	if n > 0 {
		return nil
	}
	if s.dialect == MySQL {
		// Without clientFoundRows, MySQL counts changed rows, not matched
		// ones: an UPDATE that wrote the same values reports 0. Look.
		live, err := s.exists(ctx, stmtLiveExists, key, now)
		if err != nil {
			return err
		}
		if live {
			return nil
		}
	}
	return fmt.Errorf("sqlstore: updating session: %w", session.ErrNotFound)
}

func (s *Store) insert(ctx context.Context, key string, data []byte, expiry time.Time) error {
	st, err := s.stmt(ctx, stmtInsert)
	if err != nil {
		return err
	}
	res, err := s.execRetry(ctx, st, key, encodeData(data), s.dialect.expiryArg(expiry))
	if err != nil {
		if s.errs.Duplicate(err) {
			// MySQL has no ON CONFLICT DO NOTHING: its INSERT fails.
			return fmt.Errorf("sqlstore: creating session: %w (%v)", session.ErrKeyExists, err)
		}
		return fmt.Errorf("sqlstore: creating a session: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: creating a session: %w", err)
	}
	if n == 0 { // ON CONFLICT DO NOTHING
		return fmt.Errorf("sqlstore: creating session: %w", session.ErrKeyExists)
	}
	return nil
}

// Delete removes the row of key. A missing row is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if len(key) > MaxKeyLength {
		return nil
	}
	if err := s.lockWrite(ctx); err != nil {
		return err
	}
	defer s.unlockWrite()
	st, err := s.stmt(ctx, stmtDelete)
	if err != nil {
		return err
	}
	if _, err := s.execRetry(ctx, st, key); err != nil {
		return fmt.Errorf("sqlstore: deleting a session: %w", err)
	}
	return nil
}

// Exists reports whether a row with key exists, expired or not, as Django's
// db engine does: an expired row that ClearExpired has not removed yet
// still blocks its key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if len(key) > MaxKeyLength {
		return false, nil
	}
	return s.exists(ctx, stmtExists, key)
}

func (s *Store) exists(ctx context.Context, id stmtID, args ...any) (bool, error) {
	st, err := s.stmt(ctx, id)
	if err != nil {
		return false, err
	}
	var one int
	err = st.QueryRowContext(ctx, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: looking up a session: %w", err)
	}
	return true, nil
}

// ClearExpired deletes every row whose expire_date is before now, in one
// DELETE statement (Django's clearsessions; a row expiring exactly now is
// kept, as Django keeps it).
func (s *Store) ClearExpired(ctx context.Context) error {
	_, err := s.ClearExpiredCount(ctx)
	return err
}

// ClearExpiredCount is ClearExpired that also returns how many rows it
// deleted.
func (s *Store) ClearExpiredCount(ctx context.Context) (int64, error) {
	if err := s.lockWrite(ctx); err != nil {
		return 0, err
	}
	defer s.unlockWrite()
	st, err := s.stmt(ctx, stmtClear)
	if err != nil {
		return 0, err
	}
	res, err := s.execRetry(ctx, st, s.dialect.expiryArg(s.now()))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: clearing expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: clearing expired sessions: %w", err)
	}
	return n, nil
}

// Count returns the number of live rows: those whose expire_date is after
// now (session.Counter).
func (s *Store) Count(ctx context.Context) (int64, error) {
	st, err := s.stmt(ctx, stmtCount)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := st.QueryRowContext(ctx, s.dialect.expiryArg(s.now())).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: counting sessions: %w", err)
	}
	return n, nil
}

// Close releases the Store's prepared statements. It does not close the
// *sql.DB. A Store can still be used after Close: it prepares again.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for i, st := range s.stmts {
		if st != nil {
			errs = append(errs, st.Close())
			s.stmts[i] = nil
		}
	}
	return errors.Join(errs...)
}

// stmt returns the prepared statement id, preparing it on first use. A
// failed preparation (no table yet, database down) is returned and tried
// again next time.
func (s *Store) stmt(ctx context.Context, id stmtID) (*sql.Stmt, error) {
	s.mu.Lock()
	st := s.stmts[id]
	s.mu.Unlock()
	if st != nil {
		return st, nil
	}
	// Prepare without the lock: a database that is down must not hold up
	// the callers that found their statement ready.
	st, err := s.db.PrepareContext(ctx, s.text[id])
	if err != nil {
		return nil, fmt.Errorf("sqlstore: preparing a statement on table %s: %w", s.table, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev := s.stmts[id]; prev != nil { // another caller was quicker
		st.Close()
		return prev, nil
	}
	s.stmts[id] = st
	return st, nil
}

// lockWrite takes the write slot on SQLite (no-op elsewhere), giving up
// when ctx ends.
func (s *Store) lockWrite(ctx context.Context) error {
	if s.writeSem == nil {
		return nil
	}
	select {
	case s.writeSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sqlstore: waiting to write: %w", ctx.Err())
	}
}

func (s *Store) unlockWrite() {
	if s.writeSem != nil {
		<-s.writeSem
	}
}

// maxRetries is how many times a statement that lost a deadlock is run
// again before its error is returned.
const maxRetries = 5

// execRetry runs st, and runs it again when the driver's errors say the
// database chose it as the victim of a deadlock or a serialization failure
// (InnoDB's gap locks make a DELETE of expired rows and concurrent INSERTs
// deadlock now and then; the statement is safe to repeat, as the database
// rolled it back).
func (s *Store) execRetry(ctx context.Context, st *sql.Stmt, args ...any) (sql.Result, error) {
	for attempt := 0; ; attempt++ {
		res, err := st.ExecContext(ctx, args...)
		if err == nil || attempt == maxRetries || !s.errs.Retryable(err) {
			return res, err
		}
		t := time.NewTimer(time.Duration(attempt+1) * 5 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}
