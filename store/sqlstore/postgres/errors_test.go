package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/djsession/djsession/store/sqlstore/postgres"
)

func TestDriverErrorsReadTypedErrorsOnly(t *testing.T) {
	var e postgres.DriverErrors
	for _, tc := range []struct {
		name           string
		err            error
		dup, retryable bool
	}{
		{"a duplicate key", &pgconn.PgError{Code: "23505"}, true, false},
		{"a deadlock", fmt.Errorf("exec: %w", &pgconn.PgError{Code: "40P01"}), false, true},
		{"a rolled-back statement", &pgconn.PgError{Code: "40001"}, false, true},
		{"another error", &pgconn.PgError{Code: "42P01"}, false, false},
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

func TestAReal23505IsADuplicate(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	table := "dup_" + fmt.Sprint(time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (k varchar(10) PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP TABLE " + table) })
	db.ExecContext(ctx, "INSERT INTO "+table+" VALUES ('a')")
	_, err := db.ExecContext(ctx, "INSERT INTO "+table+" VALUES ('a')")
	if !(postgres.DriverErrors{}).Duplicate(err) {
		t.Fatalf("the server's unique violation %v is not recognised", err)
	}
}
