package mysql

import (
	"errors"

	driver "github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/store/sqlstore"
)

// MySQL and MariaDB error numbers that matter to the store.
const (
	errDupEntry        = 1062 // ER_DUP_ENTRY: the key is taken
	errLockDeadlock    = 1213 // ER_LOCK_DEADLOCK: rolled back as a deadlock victim
	errLockWaitTimeout = 1205 // ER_LOCK_WAIT_TIMEOUT: the statement was rolled back
)

// DriverErrors reads go-sql-driver/mysql's typed errors (*mysql.MySQLError)
// for sqlstore: 1062 is a duplicate key; 1213 (deadlock) and 1205 (lock
// wait timeout, which InnoDB rolls back) are retried.
type DriverErrors struct{}

// Duplicate reports a duplicate-key error (1062).
func (DriverErrors) Duplicate(err error) bool { return number(err) == errDupEntry }

// Retryable reports a deadlock (1213) or a lock wait timeout (1205).
func (DriverErrors) Retryable(err error) bool {
	n := number(err)
	return n == errLockDeadlock || n == errLockWaitTimeout
}

func number(err error) uint16 {
	var me *driver.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

func init() { sqlstore.RegisterDriverErrors(sqlstore.MySQL, DriverErrors{}) }
