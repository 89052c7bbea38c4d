package sqlstore

import (
	"database/sql"
	"errors"
	"testing"
)

type fakeErrors struct{ dup, retry error }

func (f fakeErrors) Duplicate(err error) bool { return errors.Is(err, f.dup) }
func (f fakeErrors) Retryable(err error) bool { return errors.Is(err, f.retry) }

func TestDriverErrorsComeFromOptionsThenTheRegistry(t *testing.T) {
	opt := fakeErrors{}
	reg := fakeErrors{}
	RegisterDriverErrors(PostgreSQL, reg)
	t.Cleanup(func() { RegisterDriverErrors(PostgreSQL, nil) })
	for _, tc := range []struct {
		name string
		d    Dialect
		opts Options
		want DriverErrors
	}{
		{"the Options' own", PostgreSQL, Options{DriverErrors: opt}, opt},
		{"the dialect's registered one", PostgreSQL, Options{}, reg},
		{"none: nothing is classified", MySQL, Options{}, noDriverErrors{}},
	} {
		s, err := New(nilDB(), tc.d, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if s.errs != tc.want {
			t.Errorf("%s: %T", tc.name, s.errs)
		}
	}
	// Text that merely looks like a deadlock is never retried without a
	// classifier that says so.
	if (noDriverErrors{}).Retryable(errors.New("Error 1213 (40001): Deadlock found")) {
		t.Error("an error was classified by its text")
	}
}

// nilDB is a *sql.DB that New accepts and nothing here uses.
func nilDB() *sql.DB { return new(sql.DB) }
