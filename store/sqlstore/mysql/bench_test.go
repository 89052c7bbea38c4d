package mysql_test

import (
	"context"
	"net"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/internal/sqltest"
	"github.com/djsession/djsession/store/sqlstore/mysql"
)

// BenchmarkStore measures Load, Save (update) and Create on the shared
// MariaDB over loopback, through Open, counting the statements sent on the
// wire.
func BenchmarkStore(b *testing.B) {
	dsn := testservers.Require(b, testservers.EnvMySQLDSN)
	counter := sqltest.NewCounter(sqltest.ProtoMySQL)
	driver.RegisterDialContext("counted", func(ctx context.Context, addr string) (net.Conn, error) {
		return counter.Dial(ctx, "tcp", addr)
	})
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Net = "counted"
	db, err := mysql.Open(cfg.FormatDSN())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	sqltest.Bench(b, sqltest.NewStore(b, db, sqlstore.MySQL, nil), counter)
}
