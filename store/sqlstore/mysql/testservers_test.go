package mysql_test

// The checks of internal/testservers that need the go-sql-driver/mysql
// driver: they live in this module, which brings the driver, so that the
// core module needs none.

import (
	"database/sql"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/internal/testservers"
)

// TestSharedServersAnswer checks that the MariaDB that the full test
// command hands to the tests really answers through the driver this store
// uses.
func TestSharedServersAnswer(t *testing.T) {
	t.Run("MariaDB answers a query in the djsession database through go-sql-driver/mysql", func(t *testing.T) {
		dsn := testservers.Require(t, testservers.EnvMySQLDSN)
		db, name, version := queryDB(t, "mysql", dsn, "SELECT DATABASE(), VERSION()")
		defer db.Close()
		if name != testservers.Database || !strings.Contains(version, "MariaDB") {
			t.Fatalf("got database %q, version %q; want %q on MariaDB", name, version, testservers.Database)
		}
	})
}

// queryDB opens dsn with driver and scans two strings from query.
func queryDB(t *testing.T, driver, dsn, query string) (*sql.DB, string, string) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var a, b string
	if err := db.QueryRowContext(t.Context(), query).Scan(&a, &b); err != nil {
		db.Close()
		t.Fatalf("%s: %v", query, err)
	}
	return db, a, b
}
