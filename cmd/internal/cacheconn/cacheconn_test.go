package cacheconn

import (
	"errors"
	"testing"
)

func TestSQLEngine(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://app@db:5432/app", "postgres"},
		{"postgresql://app@db/app?sslmode=disable", "postgres"},
		{"app:pw@tcp(127.0.0.1:3306)/app", "mysql"},
		{"app@unix(/run/mysqld/mysqld.sock)/app", "mysql"},
		{"/var/lib/app/sessions.sqlite3", "sqlite"},
		{"", "sqlite"},
	}
	for _, tt := range tests {
		if got := SQLEngine(tt.dsn); got != tt.want {
			t.Errorf("SQLEngine(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

func TestRawCacheNamesWhatItTakes(t *testing.T) {
	tests := []struct {
		addr    string
		wantErr error // nil: a cache (no server needs to answer)
	}{
		{"", nil},
		{"memcache://127.0.0.1:1", nil},
		{"127.0.0.1:1,127.0.0.1:2", nil},
		{"redis://127.0.0.1:1/3", nil},
		{"http://127.0.0.1:1", ErrCacheURL},
		{"redis://127.0.0.1:1/notanumber", errAny},
		{"memcache://", nil}, // the default server
	}
	for _, tt := range tests {
		cache, closeFn, err := RawCache(tt.addr)
		switch {
		case tt.wantErr == nil && err != nil:
			t.Errorf("RawCache(%q): %v", tt.addr, err)
		case tt.wantErr == errAny && err == nil, tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
			t.Errorf("RawCache(%q) = %v, want %v", tt.addr, err, tt.wantErr)
		}
		if err == nil {
			if cache == nil || closeFn == nil {
				t.Errorf("RawCache(%q): no cache or no close", tt.addr)
			} else {
				closeFn()
			}
		}
	}
}

// errAny stands for "some error" in the table.
var errAny = errors.New("any error")
