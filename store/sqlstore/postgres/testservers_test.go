package postgres_test

// The checks of internal/testservers that need the pgx driver: they live in
// this module, which brings the driver, so that the core module needs none.

import (
	"database/sql"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/store/sqlstore/internal/sqltest"
)

// TestSharedServersAnswer checks that the PostgreSQL that the full test
// command hands to the tests really answers through the driver this store
// uses.
func TestSharedServersAnswer(t *testing.T) {
	t.Run("PostgreSQL answers a query in the djsession database through pgx", func(t *testing.T) {
		sqltest.RunSharedServerAnswers(t, "pgx", testservers.EnvPostgresDSN, "SELECT current_database(), version()", "PostgreSQL")
	})
}

// TestDedicatedPostgresKeepsDataAcrossStopAndCrash starts a PostgreSQL of
// its own (the shared one is not disturbed), and checks what fault tests
// rely on: a stopped server refuses connections, and committed rows are
// there again after a clean stop and after an immediate (crash) shutdown.
func TestDedicatedPostgresKeepsDataAcrossStopAndCrash(t *testing.T) {
	testservers.Require(t, testservers.EnvPostgresDSN) // the full command can start PostgreSQL
	ctx := t.Context()
	srv, err := testservers.StartPostgres(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if srv.DSN() == os.Getenv(testservers.EnvPostgresDSN) {
		t.Fatal("the dedicated server has the shared server's DSN")
	}
	db, err := sql.Open("pgx", srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustExec(t, db, "CREATE TABLE t (n int)")
	mustExec(t, db, "INSERT INTO t VALUES (1)")

	count := func() (int, error) {
		var n int
		err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n)
		return n, err
	}
	for i, stop := range []struct {
		name string
		fn   func() error
	}{{"a clean stop", srv.Stop}, {"a crash", srv.Crash}} {
		t.Run("rows survive "+stop.name, func(t *testing.T) {
			if err := stop.fn(); err != nil {
				t.Fatal(err)
			}
			if srv.Running() {
				t.Fatal("Running() is true after stopping")
			}
			if _, err := count(); err == nil {
				t.Fatal("a query on a stopped server succeeded")
			}
			if err := srv.Stop(); err != testservers.ErrNotRunning {
				t.Fatalf("stopping a stopped server: %v, want ErrNotRunning", err)
			}
			if err := srv.Start(ctx); err != nil {
				t.Fatal(err)
			}
			// The pool may hold connections to the old process: retry once.
			n, err := count()
			if err != nil {
				n, err = count()
			}
			if err != nil || n != i+1 {
				t.Fatalf("after restart: count %d, %v; want %d", n, err, i+1)
			}
			mustExec(t, db, "INSERT INTO t VALUES (1)")
		})
	}
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
