package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/djsession/djsession/store/sqlstore"
)

// SQLSTATE codes that matter to the store.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// DriverErrors reads pgx's typed errors (*pgconn.PgError) for sqlstore:
// 23505 is a duplicate key; 40001 (serialization failure) and 40P01
// (deadlock detected) are retried.
type DriverErrors struct{}

// Duplicate reports a unique violation (23505).
func (DriverErrors) Duplicate(err error) bool { return code(err) == codeUniqueViolation }

// Retryable reports a serialization failure (40001) or a deadlock (40P01).
func (DriverErrors) Retryable(err error) bool {
	c := code(err)
	return c == codeSerializationFailure || c == codeDeadlockDetected
}

func code(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func init() { sqlstore.RegisterDriverErrors(sqlstore.PostgreSQL, DriverErrors{}) }
