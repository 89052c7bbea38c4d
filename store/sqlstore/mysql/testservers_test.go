package mysql_test

// The checks of internal/testservers that need the go-sql-driver/mysql
// driver: they live in this module, which brings the driver, so that the
// core module needs none.

import (
	"testing"

	_ "github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/store/sqlstore/internal/sqltest"
)

// TestSharedServersAnswer checks that the MariaDB that the full test
// command hands to the tests really answers through the driver this store
// uses.
func TestSharedServersAnswer(t *testing.T) {
	t.Run("MariaDB answers a query in the djsession database through go-sql-driver/mysql", func(t *testing.T) {
		sqltest.RunSharedServerAnswers(t, "mysql", testservers.EnvMySQLDSN, "SELECT DATABASE(), VERSION()", "MariaDB")
	})
}
