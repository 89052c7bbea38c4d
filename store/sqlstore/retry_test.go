package sqlstore

import (
	"errors"
	"fmt"
	"testing"
)

type sqlStateError string

func (e sqlStateError) Error() string    { return "pg error " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

func TestTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"a MySQL deadlock is retried", errors.New("Error 1213 (40001): Deadlock found when trying to get lock; try restarting transaction"), true},
		{"a MySQL lock wait timeout is retried", errors.New("Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction"), true},
		{"a PostgreSQL deadlock is retried", fmt.Errorf("exec: %w", sqlStateError("40P01")), true},
		{"a PostgreSQL serialization failure is retried", sqlStateError("40001"), true},
		{"a duplicate key is not retried", errors.New("Error 1062 (23000): Duplicate entry 'x' for key 'PRIMARY'"), false},
		{"a PostgreSQL unique violation is not retried", sqlStateError("23505"), false},
		{"a closed database is not retried", errors.New("sql: database is closed"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transient(tt.err); got != tt.want {
				t.Errorf("transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
