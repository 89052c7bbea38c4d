package sqlite

import (
	"errors"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/djsession/djsession/store/sqlstore"
)

// DriverErrors reads modernc.org/sqlite's typed errors (*sqlite.Error) for
// sqlstore: a primary-key or unique constraint violation is a duplicate
// key. Nothing is retried: the Store queues its own writes in the process
// and the busy timeout waits for other processes' writers, so SQLite never
// picks a deadlock victim.
type DriverErrors struct{}

// Duplicate reports SQLITE_CONSTRAINT_PRIMARYKEY or SQLITE_CONSTRAINT_UNIQUE.
func (DriverErrors) Duplicate(err error) bool {
	var se *driver.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code()
	return c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// Retryable is false for every error.
func (DriverErrors) Retryable(error) bool { return false }

func init() { sqlstore.RegisterDriverErrors(sqlstore.SQLite, DriverErrors{}) }
