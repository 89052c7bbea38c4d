package djangouser

import (
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/djsession/djsession/auth/hashers"
)

// The queries against a real Django auth_user table on SQLite and
// PostgreSQL are in the cmd module (cmd/sessiondemo/djangouser_test.go),
// which may import database drivers; here, the options.
func TestNewChecksOptions(t *testing.T) {
	db := &sql.DB{} // never queried by New
	for _, tc := range []struct {
		name string
		opts Options
		ok   bool
	}{
		{"the defaults", Options{}, true},
		{"a schema-qualified table", Options{Table: "accounts.auth_user"}, true},
		{"a table name with SQL in it", Options{Table: "auth_user; DROP TABLE x"}, false},
		{"a quoted table name", Options{Table: `"auth_user"`}, false},
		{"unknown placeholders", Options{Placeholders: 7}, false},
		{"negative iterations", Options{Iterations: -1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(db, tc.opts)
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrConfig)) {
				t.Errorf("New(%+v) = %v", tc.opts, err)
			}
		})
	}
	if _, err := New(nil, Options{}); !errors.Is(err, ErrConfig) {
		t.Errorf("New(nil) = %v", err)
	}
}

func TestQueriesUseTheDriversPlaceholders(t *testing.T) {
	q, err := New(&sql.DB{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(&sql.DB{}, Options{Placeholders: Dollar, Table: "public.auth_user"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(q.setPass, "SET password = ? WHERE id = ?") || !strings.HasSuffix(d.setPass, "public.auth_user SET password = $1 WHERE id = $2") {
		t.Errorf("queries: %q, %q", q.setPass, d.setPass)
	}
	if got := q.Options().Iterations; got != hashers.Django32Iterations {
		t.Errorf("default iterations %d, want Django 3.2's", got)
	}
}
