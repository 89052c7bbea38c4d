// Package sqltest holds the tests that every dialect of sqlstore runs on a
// real database: the session.Store contract as Django's db engine keeps it,
// the exact table and expire_date format Django uses, concurrency, and
// failures of the database.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/storetest"
	"github.com/djsession/djsession/store/sqlstore"
)

// Clock is a settable clock for Options.Now, safe for concurrent use.
type Clock struct{ ns atomic.Int64 }

// NewClock returns a Clock set to t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t)
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Set sets the clock.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Add moves the clock.
func (c *Clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// TableName returns a table name of its own for one test, so that tests
// sharing a database server never collide.
func TableName() string {
	return "sess_" + strings.ToLower(rand.Text()[:16])
}

// NewStore makes a Store on a new table of db (created with CreateTable)
// with the clock now (nil: the system clock), and drops the table when the
// test ends.
func NewStore(t testing.TB, db *sql.DB, d sqlstore.Dialect, now func() time.Time) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.New(db, d, sqlstore.Options{TableName: TableName(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		q := `"`
		if d == sqlstore.MySQL {
			q = "`"
		}
		_, _ = db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+q+s.TableName()+q)
	})
	return s
}

// Key returns a new random session key: 32 characters of [a-z0-9], as
// Django makes them.
func Key() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [32]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)] // a slight bias is fine for tests
	}
	return string(b[:])
}

// base is the clock's start in the contract tests: a time with microseconds,
// so that the fraction is written and read back.
var base = time.Date(2031, 3, 4, 5, 6, 7, 890123000, time.UTC)

// RunContract runs the session.Store contract, as Django's db engine keeps
// it, against db.
//
// The rules every store shares (not found, create collisions, updates of
// missing or expired records, expired loads, cancelled contexts) are
// storetest's, which every dialect runs too; these are what SQL adds.
func RunContract(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
	ctx := context.Background()
	newStore := func(t *testing.T) (*sqlstore.Store, *Clock) {
		clock := NewClock(base)
		return NewStore(t, db, d, clock.Now), clock
	}
	data := []byte("eyJhIjoxfQ:1uTQ2x:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG") // Django's signed form

	t.Run("a created session loads with its data and expiry to the microsecond", func(t *testing.T) {
		s, _ := newStore(t)
		key, expiry := Key(), base.Add(14*24*time.Hour)
		mustSave(t, s, key, data, expiry.Add(123), true) // nanoseconds are dropped
		got, exp, found, err := s.Load(ctx, key)
		if err != nil || !found || string(got) != string(data) || !exp.Equal(expiry) || exp.Location() != time.UTC {
			t.Fatalf("Load = %q, %v, %v, %v; want %q, %v UTC", got, exp, found, err, data, expiry)
		}
	})
	t.Run("an expired row not yet cleared still blocks its key, as in Django", func(t *testing.T) {
		s, clock := newStore(t)
		key := Key()
		mustSave(t, s, key, data, base.Add(time.Minute), true)
		clock.Add(time.Hour)
		if err := s.Save(ctx, key, data, base.Add(2*time.Hour), true); !errors.Is(err, session.ErrKeyExists) {
			t.Fatalf("create over an expired row: %v, want ErrKeyExists", err)
		}
		if ok, err := s.Exists(ctx, key); err != nil || !ok {
			t.Fatalf("Exists = %v, %v; want true (expiry is not checked)", ok, err)
		}
	})
	t.Run("an update that changes nothing succeeds", func(t *testing.T) {
		s, _ := newStore(t)
		key := Key()
		mustSave(t, s, key, data, base.Add(time.Hour), true)
		mustSave(t, s, key, data, base.Add(time.Hour), false)
		mustSave(t, s, key, data, base.Add(time.Hour), false)
		expectLoad(t, s, key, data, base.Add(time.Hour))
	})
	t.Run("updating a deleted session fails with ErrNotFound and does not bring it back", func(t *testing.T) {
		s, _ := newStore(t)
		key := Key()
		mustSave(t, s, key, data, base.Add(time.Hour), true)
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := s.Save(ctx, key, data, base.Add(time.Hour), false); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Save = %v, want ErrNotFound", err)
		}
		expectMissing(t, s, key)
	})
	t.Run("updating an expired session fails with ErrNotFound and does not revive it", func(t *testing.T) {
		s, clock := newStore(t)
		key := Key()
		mustSave(t, s, key, data, base.Add(time.Minute), true)
		clock.Add(time.Minute) // expire_date == now: already gone
		if err := s.Save(ctx, key, data, base.Add(time.Hour), false); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Save = %v, want ErrNotFound", err)
		}
		clock.Set(base)
		expectLoad(t, s, key, data, base.Add(time.Minute)) // the row was not rewritten
	})
	t.Run("a session expires when now reaches expire_date, not a microsecond later", func(t *testing.T) {
		s, clock := newStore(t)
		key, expiry := Key(), base.Add(time.Hour)
		mustSave(t, s, key, data, expiry, true)
		clock.Set(expiry.Add(-time.Microsecond))
		expectLoad(t, s, key, data, expiry)
		clock.Set(expiry)
		expectMissing(t, s, key)
	})
	t.Run("Exists is true for a live session and false for a deleted or unknown one", func(t *testing.T) {
		s, _ := newStore(t)
		key := Key()
		mustSave(t, s, key, data, base.Add(time.Hour), true)
		for _, tc := range []struct {
			key  string
			want bool
		}{{key, true}, {Key(), false}, {strings.Repeat("a", 41), false}} {
			if ok, err := s.Exists(ctx, tc.key); err != nil || ok != tc.want {
				t.Fatalf("Exists(%q) = %v, %v; want %v", tc.key, ok, err, tc.want)
			}
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Exists(ctx, key); err != nil || ok {
			t.Fatalf("Exists after Delete = %v, %v", ok, err)
		}
	})
	t.Run("deleting a missing key is not an error", func(t *testing.T) {
		s, _ := newStore(t)
		for _, key := range []string{Key(), "", strings.Repeat("z", 100)} {
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete(%q) = %v", key, err)
			}
		}
	})
	t.Run("ClearExpired removes rows before now and keeps the row expiring now", func(t *testing.T) {
		s, _ := newStore(t)
		keys := map[string]time.Duration{Key(): -time.Hour, Key(): -time.Microsecond, Key(): 0, Key(): time.Microsecond, Key(): time.Hour}
		for k, off := range keys {
			mustSave(t, s, k, data, base.Add(off), true)
		}
		n, err := s.ClearExpiredCount(ctx)
		if err != nil || n != 2 {
			t.Fatalf("ClearExpiredCount = %d, %v; want 2", n, err)
		}
		for k, off := range keys {
			ok, err := s.Exists(ctx, k)
			if err != nil || ok != (off >= 0) {
				t.Errorf("row expiring at now%+v: Exists = %v, %v", off, ok, err)
			}
		}
		if err := s.ClearExpired(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a key longer than the column is never found and cannot be saved", func(t *testing.T) {
		s, _ := newStore(t)
		long := strings.Repeat("k", 41)
		if err := s.Save(ctx, long, data, base.Add(time.Hour), true); !errors.Is(err, sqlstore.ErrKeyTooLong) {
			t.Fatalf("Save = %v, want ErrKeyTooLong", err)
		}
		expectMissing(t, s, long)
		exact := strings.Repeat("k", 40)
		mustSave(t, s, exact, data, base.Add(time.Hour), true)
		expectLoad(t, s, exact, data, base.Add(time.Hour))
	})
	t.Run("keys that look like SQL are plain data", func(t *testing.T) {
		s, _ := newStore(t)
		for _, key := range []string{"' OR '1'='1", `"; DROP TABLE x; --`, "%", "_"} {
			mustSave(t, s, key, data, base.Add(time.Hour), true)
			expectLoad(t, s, key, data, base.Add(time.Hour))
		}
		expectMissing(t, s, "x")
	})
	t.Run("large session data comes back intact", func(t *testing.T) {
		s, _ := newStore(t)
		key := Key()
		big := []byte(strings.Repeat("abcdefghij:", 100_000)) // 1.1 MB
		mustSave(t, s, key, big, base.Add(time.Hour), true)
		expectLoad(t, s, key, big, base.Add(time.Hour))
	})
	t.Run("empty session data is stored as an empty string", func(t *testing.T) {
		s, _ := newStore(t)
		key := Key()
		mustSave(t, s, key, []byte{}, base.Add(time.Hour), true)
		got, _, found, err := s.Load(ctx, key)
		if err != nil || !found || got == nil || len(got) != 0 {
			t.Fatalf("Load = %q (nil %v), %v, %v", got, got == nil, found, err)
		}
	})
	t.Run("concurrent creates of one key: exactly one wins", func(t *testing.T) {
		s, _ := newStore(t)
		key := Key()
		var wins, taken atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Save(ctx, key, fmt.Appendf(nil, "writer %d", i), base.Add(time.Hour), true)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, session.ErrKeyExists):
					taken.Add(1)
				default:
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if wins.Load() != 1 || taken.Load() != 7 {
			t.Fatalf("%d creates won and %d saw ErrKeyExists; want 1 and 7", wins.Load(), taken.Load())
		}
	})
	t.Run("CreateTable can run again on an existing table without losing rows", func(t *testing.T) {
		s, _ := newStore(t)
		key := Key()
		mustSave(t, s, key, data, base.Add(time.Hour), true)
		if err := s.CreateTable(ctx); err != nil {
			t.Fatal(err)
		}
		expectLoad(t, s, key, data, base.Add(time.Hour))
	})
	t.Run("a Store without its table gives errors until CreateTable, and never creates it by reading", func(t *testing.T) {
		s, err := sqlstore.New(db, d, sqlstore.Options{TableName: TableName()})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		t.Cleanup(func() { _, _ = db.Exec("DROP TABLE IF EXISTS " + quote(d, s.TableName())) })
		if _, _, _, err := s.Load(ctx, Key()); err == nil {
			t.Fatal("Load on a missing table succeeded")
		}
		if _, err := s.Exists(ctx, Key()); err == nil {
			t.Fatal("Exists on a missing table succeeded")
		}
		if err := s.CreateTable(ctx); err != nil {
			t.Fatal(err)
		}
		key := Key()
		if err := s.Save(ctx, key, data, time.Now().Add(time.Hour), true); err != nil {
			t.Fatal(err)
		}
		if _, _, found, err := s.Load(ctx, key); err != nil || !found {
			t.Fatalf("Load after CreateTable = %v, %v", found, err)
		}
	})
}

// RunDjangoFormat checks that the table and its expire_date values are the
// ones Django writes for the dialect, and that rows written as Django
// writes them load.
func RunDjangoFormat(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
	ctx := context.Background()
	t.Run("expire_date is stored as Django stores it", func(t *testing.T) {
		s := NewStore(t, db, d, nil)
		for _, tc := range []struct {
			expiry time.Time
			want   string
		}{
			{time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC), "2031-01-02 03:04:05"},
			{time.Date(2031, 1, 2, 3, 4, 5, 123456789, time.UTC), "2031-01-02 03:04:05.123456"},
			{time.Date(2031, 1, 2, 5, 4, 5, 10000, time.FixedZone("CEST", 2*3600)), "2031-01-02 03:04:05.000010"},
		} {
			key := Key()
			mustSave(t, s, key, []byte("x"), tc.expiry, true)
			got := RawExpireDate(t, db, d, s.TableName(), key)
			want := tc.want
			if d != sqlstore.SQLite && !strings.Contains(want, ".") {
				want += ".000000" // MySQL and PostgreSQL show six digits; SQLite keeps Django's text
			}
			if got != want {
				t.Errorf("expiry %v stored as %q, want %q", tc.expiry, got, want)
			}
		}
	})
	t.Run("a row written as Django writes it loads", func(t *testing.T) {
		s := NewStore(t, db, d, nil)
		key := Key()
		expiry := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
		lit := expiry.Format("2006-01-02 15:04:05")
		var q string
		switch d {
		case sqlstore.PostgreSQL:
			q = "INSERT INTO " + quote(d, s.TableName()) + " VALUES ($1, $2, $3::timestamptz)"
			lit += "+00"
		default:
			q = "INSERT INTO " + quote(d, s.TableName()) + " VALUES (?, ?, ?)"
		}
		if _, err := db.ExecContext(ctx, q, key, "django data", lit); err != nil {
			t.Fatal(err)
		}
		expectLoad(t, s, key, []byte("django data"), expiry)
	})
}

// RawExpireDate returns the expire_date of key as the database shows it:
// SQLite's stored text, PostgreSQL's timestamp in UTC, MySQL's datetime(6).
func RawExpireDate(t testing.TB, db *sql.DB, d sqlstore.Dialect, table, key string) string {
	t.Helper()
	var q string
	switch d {
	case sqlstore.SQLite:
		q = "SELECT typeof(expire_date) || ':' || CAST(expire_date AS TEXT) FROM " + quote(d, table) + " WHERE session_key = ?"
	case sqlstore.PostgreSQL:
		q = "SELECT to_char(expire_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM " + quote(d, table) + " WHERE session_key = $1"
	case sqlstore.MySQL:
		q = "SELECT CAST(expire_date AS CHAR) FROM " + quote(d, table) + " WHERE session_key = ?"
	}
	var s string
	if err := db.QueryRowContext(context.Background(), q, key).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if d == sqlstore.SQLite {
		typ, text, _ := strings.Cut(s, ":")
		if typ != "text" {
			t.Fatalf("expire_date has SQLite type %s, want text", typ)
		}
		return text
	}
	return s
}

// RunClosedDB checks that a Store on a closed *sql.DB returns errors from
// every method instead of panicking.
func RunClosedDB(t *testing.T, open func(t *testing.T) *sql.DB, d sqlstore.Dialect) {
	ctx := context.Background()
	for _, prepared := range []bool{false, true} {
		name := "a closed database gives errors, not panics"
		if prepared {
			name += ", also with statements already prepared"
		}
		t.Run(name, func(t *testing.T) {
			db := open(t)
			s := NewStore(t, db, d, nil)
			key := Key()
			if prepared {
				mustSave(t, s, key, []byte("x"), time.Now().Add(time.Hour), true)
				if _, _, _, err := s.Load(ctx, key); err != nil {
					t.Fatal(err)
				}
				_, _ = s.Exists(ctx, key)
				_ = s.Delete(ctx, Key())
				_ = s.ClearExpired(ctx)
				_ = s.Save(ctx, key, []byte("y"), time.Now().Add(time.Hour), false)
			}
			db.Close()
			if _, _, _, err := s.Load(ctx, key); err == nil {
				t.Error("Load succeeded")
			}
			if err := s.Save(ctx, Key(), []byte("x"), time.Now().Add(time.Hour), true); err == nil {
				t.Error("Save (create) succeeded")
			}
			if err := s.Save(ctx, key, []byte("x"), time.Now().Add(time.Hour), false); err == nil {
				t.Error("Save (update) succeeded")
			}
			if err := s.Delete(ctx, key); err == nil {
				t.Error("Delete succeeded")
			}
			if _, err := s.Exists(ctx, key); err == nil {
				t.Error("Exists succeeded")
			}
			if err := s.ClearExpired(ctx); err == nil {
				t.Error("ClearExpired succeeded")
			}
			if err := s.CreateTable(ctx); err == nil {
				t.Error("CreateTable succeeded")
			}
		})
	}
}

// RunLoad runs workers goroutines that each do ops mixed operations
// (create, load, update, delete) on a store and fails the test on any error.
func RunLoad(t *testing.T, s *sqlstore.Store, workers, ops int) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var failures atomic.Int64
	var firstErr sync.Once
	report := func(err error) {
		failures.Add(1)
		firstErr.Do(func() { t.Errorf("first error: %v", err) })
	}
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var keys []string
			for i := range ops {
				exp := time.Now().Add(time.Hour)
				switch {
				case i%4 == 0 || len(keys) == 0:
					k := Key()
					if err := s.Save(ctx, k, fmt.Appendf(nil, "w%d-%d", w, i), exp, true); err != nil {
						report(err)
						continue
					}
					keys = append(keys, k)
				case i%4 == 1:
					k := keys[i%len(keys)]
					if err := s.Save(ctx, k, fmt.Appendf(nil, "w%d-%d-u", w, i), exp, false); err != nil {
						report(err)
					}
				case i%10 == 7:
					k := keys[len(keys)-1]
					if err := s.Delete(ctx, k); err != nil {
						report(err)
					}
					keys = keys[:len(keys)-1]
				default:
					k := keys[i%len(keys)]
					if _, _, found, err := s.Load(ctx, k); err != nil || !found {
						report(fmt.Errorf("load %s: found=%v err=%v", k, found, err))
					}
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d workers x %d operations in %v, %d failures", workers, ops, time.Since(start).Round(time.Millisecond), failures.Load())
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d operations failed", n, workers*ops)
	}
}

func quote(d sqlstore.Dialect, name string) string {
	if d == sqlstore.MySQL {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

func mustSave(t testing.TB, s *sqlstore.Store, key string, data []byte, expiry time.Time, mustCreate bool) {
	t.Helper()
	if err := s.Save(context.Background(), key, data, expiry, mustCreate); err != nil {
		t.Fatalf("Save(%q, mustCreate=%v): %v", key, mustCreate, err)
	}
}

func expectLoad(t testing.TB, s *sqlstore.Store, key string, data []byte, expiry time.Time) {
	t.Helper()
	got, exp, found, err := s.Load(context.Background(), key)
	if err != nil || !found || string(got) != string(data) || !exp.Equal(expiry) {
		t.Fatalf("Load(%q) = %.40q, %v, %v, %v; want %.40q, %v", key, got, exp, found, err, data, expiry)
	}
}

func expectMissing(t testing.TB, s *sqlstore.Store, key string) {
	t.Helper()
	got, _, found, err := s.Load(context.Background(), key)
	if err != nil || found {
		t.Fatalf("Load(%q) = %.40q, %v, %v; want not found", key, got, found, err)
	}
}

// RunDialect runs, on the databases open gives, every check each dialect
// shares: the session.Store conformance suite (each check on a table of
// its own, on a moving clock), the SQL contract, Django's format and the
// closed-database behaviour. Each dialect's tests call it once.
func RunDialect(t *testing.T, open func(t *testing.T) *sql.DB, d sqlstore.Dialect) {
	t.Run("Conformance", func(t *testing.T) {
		db := open(t)
		storetest.RunWithClock(t, func(t *testing.T, now func() time.Time) session.Store {
			return NewStore(t, db, d, now)
		}, storetest.Options{})
	})
	t.Run("Contract", func(t *testing.T) { RunContract(t, open(t), d) })
	t.Run("DjangoFormat", func(t *testing.T) { RunDjangoFormat(t, open(t), d) })
	t.Run("ClosedDB", func(t *testing.T) { RunClosedDB(t, open, d) })
}
