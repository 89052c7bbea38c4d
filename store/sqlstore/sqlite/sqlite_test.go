package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/internal/sqltest"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

func open(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestDialect runs the checks every dialect shares (sqltest.RunDialect):
// the store conformance suite, the SQL contract, Django's format and a
// closed database.
func TestDialect(t *testing.T) { sqltest.RunDialect(t, open, sqlstore.SQLite) }

// TestTableIsDjangos compares the schema SQLite keeps with what Django 3.2's
// migration creates (verified against Django's sessions.0001_initial migration).
func TestTableIsDjangos(t *testing.T) {
	db := open(t)
	s, err := sqlite.New(db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"django_session":                      `CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)`,
		"django_session_expire_date_a5c62663": `CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")`,
	}
	rows, err := db.Query(`SELECT name, sql FROM sqlite_master WHERE tbl_name = 'django_session' AND sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var name, sql string
		if err := rows.Scan(&name, &sql); err != nil {
			t.Fatal(err)
		}
		got[name] = sql
	}
	for name, w := range want {
		// SQLite keeps the statement as written, so drop our IF NOT EXISTS.
		g := strings.Replace(got[name], " IF NOT EXISTS", "", 1)
		if g != w {
			t.Errorf("%s:\n got %s\nwant %s", name, g, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("schema has %d objects, want %d: %v", len(got), len(want), got)
	}
}

func TestOpenConfiguresTheDatabase(t *testing.T) {
	db := open(t)
	for _, tc := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"busy_timeout", "10000"},
		{"foreign_keys", "1"},
		{"synchronous", "1"},
	} {
		t.Run(tc.pragma+" is "+tc.want, func(t *testing.T) {
			var got string
			if err := db.QueryRow("PRAGMA " + tc.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
			}
		})
	}
}

func TestOpenTakesPathsWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?#%", "s&x=1.db")
	if _, err := sqlite.Open(path); err == nil {
		t.Fatal("opening in a missing directory succeeded")
	}
	path = filepath.Join(t.TempDir(), "sess?ions#1%20.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var file string
	if err := db.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil {
		t.Fatal(err)
	}
	if file != path {
		t.Fatalf("database file is %q, want %q", file, path)
	}
}

func TestInMemory(t *testing.T) {
	db, err := sqlite.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sqltest.RunContract(t, db, sqlstore.SQLite)
}

// TestConcurrentRequestsNeverSeeDatabaseLocked is the load test: many
// goroutines mixing creates, loads, updates and deletes on one file.
func TestConcurrentRequestsNeverSeeDatabaseLocked(t *testing.T) {
	db := open(t)
	s := sqltest.NewStore(t, db, sqlstore.SQLite, nil)
	sqltest.RunLoad(t, s, 8, 200)
}

// TestTwoPoolsOnOneFileNeverSeeDatabaseLocked runs the load on two Stores
// with separate pools on the same file, as two processes would: their
// writers meet in SQLite's lock and the busy timeout.
func TestTwoPoolsOnOneFileNeverSeeDatabaseLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var stores []*sqlstore.Store
	for range 2 {
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := sqlite.New(db, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateTable(context.Background()); err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sqltest.RunLoad(t, stores[0], 4, 200)
	}()
	sqltest.RunLoad(t, stores[1], 4, 200)
	<-done
}

// TestWriteLockHeldByAnotherConnectionIsWaitedOut holds SQLite's write lock
// from a second pool (as another process would) for about a second: the
// Store's writes wait for it and succeed, and its reads are not held up.
func TestWriteLockHeldByAnotherConnectionIsWaitedOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := sqlite.New(db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	live := sqltest.Key()
	if err := s.Save(ctx, live, []byte("before"), time.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}

	other, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `UPDATE django_session SET session_data = 'held' WHERE session_key = ?`, live); err != nil {
		t.Fatal(err)
	}
	const hold = time.Second
	released := make(chan time.Time, 1)
	go func() {
		time.Sleep(hold)
		released <- time.Now()
		_, _ = conn.ExecContext(ctx, "COMMIT")
	}()

	start := time.Now()
	// A read goes on while the lock is held (WAL): it sees the old data.
	if data, _, found, err := s.Load(ctx, live); err != nil || !found || string(data) != "before" {
		t.Fatalf("Load during the lock = %q, %v, %v", data, found, err)
	}
	if d := time.Since(start); d > hold/2 {
		t.Fatalf("a read waited %v for the writer", d)
	}
	key := sqltest.Key()
	if err := s.Save(ctx, key, []byte("after"), time.Now().Add(time.Hour), true); err != nil {
		t.Fatalf("Save while another connection holds the write lock: %v", err)
	}
	end := time.Now()
	if rel := <-released; end.Before(rel) {
		t.Fatalf("Save finished %v before the lock was released: it did not wait", rel.Sub(end))
	}
	if data, _, found, err := s.Load(ctx, live); err != nil || !found || string(data) != "held" {
		t.Fatalf("Load after the other transaction = %q, %v, %v; want its committed data", data, found, err)
	}
	t.Logf("Save waited %v for a lock held %v", end.Sub(start).Round(time.Millisecond), hold)
}

// TestAWriteThatCannotGetTheLockInTimeIsAnError checks the other side of the
// busy timeout: a context deadline shorter than the lock gives an error
// (not a hang, not a panic), and the Store works once the lock is gone.
func TestAWriteThatCannotGetTheLockInTimeIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := sqlite.New(db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Save(short, sqltest.Key(), []byte("x"), time.Now().Add(time.Hour), true)
	if err == nil {
		t.Fatal("Save succeeded while the lock was held")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Save gave up after %v, long after its deadline", d)
	}
	if errors.Is(err, sqlstore.ErrKeyTooLong) {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, sqltest.Key(), []byte("x"), time.Now().Add(time.Hour), true); err != nil {
		t.Fatalf("Save after the lock was released: %v", err)
	}
}
