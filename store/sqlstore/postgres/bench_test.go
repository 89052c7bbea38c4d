package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/internal/sqltest"
)

// BenchmarkStore measures Load, Save (update) and Create on the shared
// PostgreSQL over loopback, counting the statements sent on the wire.
func BenchmarkStore(b *testing.B) {
	dsn := testservers.Require(b, testservers.EnvPostgresDSN)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	counter := sqltest.NewCounter(sqltest.ProtoPostgres)
	cfg.DialFunc = counter.Dial
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	db.SetMaxIdleConns(16)
	sqltest.Bench(b, sqltest.NewStore(b, db, sqlstore.PostgreSQL, nil), counter)
}
