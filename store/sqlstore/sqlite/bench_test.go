package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/internal/sqltest"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

// BenchmarkStore measures Load, Save (update) and Create on a SQLite file
// opened with Open (WAL, synchronous=NORMAL).
func BenchmarkStore(b *testing.B) {
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	sqltest.Bench(b, sqltest.NewStore(b, db, sqlstore.SQLite, nil), nil)
}
