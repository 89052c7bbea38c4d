package postgres_test

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/djsession/djsession/store/sqlstore/internal/sqltest"
	"github.com/djsession/djsession/store/sqlstore/postgres"
)

func TestDriverErrorsReadTypedErrorsOnly(t *testing.T) {
	sqltest.RunDriverErrors(t, postgres.DriverErrors{}, []sqltest.DriverErrorCase{
		{Name: "a duplicate key", Err: &pgconn.PgError{Code: "23505"}, Dup: true},
		{Name: "a deadlock", Err: fmt.Errorf("exec: %w", &pgconn.PgError{Code: "40P01"}), Retryable: true},
		{Name: "a rolled-back statement", Err: &pgconn.PgError{Code: "40001"}, Retryable: true},
		{Name: "another error", Err: &pgconn.PgError{Code: "42P01"}},
	})
}

func TestAReal23505IsADuplicate(t *testing.T) {
	sqltest.RunRealDuplicate(t, open(t), postgres.DriverErrors{})
}
