package mysql_test

import (
	"fmt"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/store/sqlstore/internal/sqltest"
	"github.com/djsession/djsession/store/sqlstore/mysql"
)

func TestDriverErrorsReadTypedErrorsOnly(t *testing.T) {
	sqltest.RunDriverErrors(t, mysql.DriverErrors{}, []sqltest.DriverErrorCase{
		{Name: "a duplicate key", Err: &driver.MySQLError{Number: 1062}, Dup: true},
		{Name: "a deadlock", Err: fmt.Errorf("exec: %w", &driver.MySQLError{Number: 1213}), Retryable: true},
		{Name: "a rolled-back statement", Err: &driver.MySQLError{Number: 1205}, Retryable: true},
		{Name: "another error", Err: &driver.MySQLError{Number: 1146}},
	})
}

func TestAReal1062IsADuplicate(t *testing.T) {
	sqltest.RunRealDuplicate(t, open(t), mysql.DriverErrors{})
}
