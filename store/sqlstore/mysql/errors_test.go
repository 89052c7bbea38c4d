package mysql_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/store/sqlstore/mysql"
)

func TestDriverErrorsReadTypedErrorsOnly(t *testing.T) {
	var e mysql.DriverErrors
	for _, tc := range []struct {
		name           string
		err            error
		dup, retryable bool
	}{
		{"a duplicate key", &driver.MySQLError{Number: 1062}, true, false},
		{"a deadlock", fmt.Errorf("exec: %w", &driver.MySQLError{Number: 1213}), false, true},
		{"a rolled-back statement", &driver.MySQLError{Number: 1205}, false, true},
		{"another error", &driver.MySQLError{Number: 1146}, false, false},
		{"text that looks like a deadlock", errors.New("Error 1213 (40001): Deadlock found; SQLSTATE 40P01"), false, false},
		{"a cancelled context", context.Canceled, false, false},
	} {
		if got := e.Duplicate(tc.err); got != tc.dup {
			t.Errorf("%s: Duplicate = %v", tc.name, got)
		}
		if got := e.Retryable(tc.err); got != tc.retryable {
			t.Errorf("%s: Retryable = %v", tc.name, got)
		}
	}
}

func TestAReal1062IsADuplicate(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	table := "dup_" + fmt.Sprint(time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (k varchar(10) PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP TABLE " + table) })
	db.ExecContext(ctx, "INSERT INTO "+table+" VALUES ('a')")
	_, err := db.ExecContext(ctx, "INSERT INTO "+table+" VALUES ('a')")
	if !(mysql.DriverErrors{}).Duplicate(err) {
		t.Fatalf("the server's duplicate-key error %v is not recognised", err)
	}
}
