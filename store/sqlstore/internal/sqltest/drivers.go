package sqltest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/store/sqlstore"
)

// DriverErrorCase is one error a driver may return, and how a dialect's
// DriverErrors must read it.
type DriverErrorCase struct {
	Name           string
	Err            error
	Dup, Retryable bool
}

// RunDriverErrors checks e against the driver's typed errors in cases, and
// against what every dialect must refuse to read from an error's text
// alone: a message that looks like a deadlock, a cancelled context.
func RunDriverErrors(t *testing.T, e sqlstore.DriverErrors, cases []DriverErrorCase) {
	t.Helper()
	cases = append(cases,
		DriverErrorCase{Name: "text that looks like a deadlock", Err: errors.New("Error 1213 (40001): Deadlock found; SQLSTATE 40P01")},
		DriverErrorCase{Name: "a cancelled context", Err: context.Canceled},
	)
	for _, tc := range cases {
		if got := e.Duplicate(tc.Err); got != tc.Dup {
			t.Errorf("%s: Duplicate = %v", tc.Name, got)
		}
		if got := e.Retryable(tc.Err); got != tc.Retryable {
			t.Errorf("%s: Retryable = %v", tc.Name, got)
		}
	}
}

// RunRealDuplicate inserts one primary key twice on the real server behind
// db and checks that e reads the server's own error as a duplicate.
func RunRealDuplicate(t *testing.T, db *sql.DB, e sqlstore.DriverErrors) {
	t.Helper()
	ctx := context.Background()
	table := "dup_" + fmt.Sprint(time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (k varchar(10) PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP TABLE " + table) })
	db.ExecContext(ctx, "INSERT INTO "+table+" VALUES ('a')")
	_, err := db.ExecContext(ctx, "INSERT INTO "+table+" VALUES ('a')")
	if !e.Duplicate(err) {
		t.Fatalf("the server's duplicate-key error %v is not recognised", err)
	}
}

// RunSharedServerAnswers checks that the server the full test command
// hands over in the environment variable env answers query (which must
// return the database's name and the server's version) through driver, in
// the project's database, and that its version names product.
func RunSharedServerAnswers(t *testing.T, driver, env, query, product string) {
	t.Helper()
	dsn := testservers.Require(t, env)
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var name, version string
	if err := db.QueryRowContext(t.Context(), query).Scan(&name, &version); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if name != testservers.Database || !strings.Contains(version, product) {
		t.Fatalf("got database %q, version %q; want %q on %s", name, version, testservers.Database, product)
	}
}
