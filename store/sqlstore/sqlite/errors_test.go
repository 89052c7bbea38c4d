package sqlite_test

import (
	"context"
	"errors"
	"testing"

	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

func TestARealConstraintErrorIsADuplicate(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE dup (k text PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	db.ExecContext(ctx, "INSERT INTO dup VALUES ('a')")
	_, err := db.ExecContext(ctx, "INSERT INTO dup VALUES ('a')")
	var e sqlite.DriverErrors
	if !e.Duplicate(err) || e.Retryable(err) {
		t.Fatalf("the constraint error %v: Duplicate %v, Retryable %v", err, e.Duplicate(err), e.Retryable(err))
	}
	if e.Duplicate(errors.New("UNIQUE constraint failed: dup.k")) {
		t.Error("an error was classified by its text")
	}
}
