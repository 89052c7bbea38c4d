package mysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/internal/sqltest"
	"github.com/djsession/djsession/store/sqlstore/mysql"
)

// open returns a pool on the shared MariaDB of the full test command.
func open(t *testing.T) *sql.DB {
	t.Helper()
	dsn := testservers.Require(t, testservers.EnvMySQLDSN)
	db, err := mysql.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestDialect runs the checks every dialect shares (sqltest.RunDialect):
// the store conformance suite, the SQL contract, Django's format and a
// closed database.
func TestDialect(t *testing.T) { sqltest.RunDialect(t, open, sqlstore.MySQL) }

// TestContractWithoutClientFoundRows runs the contract on a pool opened
// straight from the driver, as a user who did not read the docs would:
// an UPDATE that changes nothing must still not look like a lost session.
func TestContractWithoutClientFoundRows(t *testing.T) {
	dsn := testservers.Require(t, testservers.EnvMySQLDSN)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sqltest.RunContract(t, db, sqlstore.MySQL)
}

// TestContractWithLocalTimeZone uses a driver set to another time zone
// (loc=Asia/Tokyo): expire_date must still hold UTC and read back right.
func TestContractWithLocalTimeZone(t *testing.T) {
	dsn := testservers.Require(t, testservers.EnvMySQLDSN)
	db, err := mysql.Open(dsn + "?loc=Asia%2FTokyo")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sqltest.RunContract(t, db, sqlstore.MySQL)
	sqltest.RunDjangoFormat(t, db, sqlstore.MySQL)
}

func TestConcurrentRequests(t *testing.T) {
	db := open(t)
	sqltest.RunLoad(t, sqltest.NewStore(t, db, sqlstore.MySQL, nil), 8, 200)
}

// TestTableIsDjangos reads the columns and the index back from
// information_schema and compares them with Django's migration on MySQL.
func TestTableIsDjangos(t *testing.T) {
	db := open(t)
	s := sqltest.NewStore(t, db, sqlstore.MySQL, nil)
	rows, err := db.Query(`SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, s.TableName())
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var name, typ, null, key string
		if err := rows.Scan(&name, &typ, &null, &key); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, fmt.Sprintf("%s %s null=%s key=%s", name, typ, null, key))
	}
	rows.Close()
	want := []string{
		"session_key varchar(40) null=NO key=PRI",
		"session_data longtext null=NO key=",
		"expire_date datetime(6) null=NO key=MUL",
	}
	if strings.Join(cols, "\n") != strings.Join(want, "\n") {
		t.Errorf("columns:\n%s\nwant\n%s", strings.Join(cols, "\n"), strings.Join(want, "\n"))
	}
	var index string
	err = db.QueryRow(`SELECT INDEX_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'expire_date'`, s.TableName()).Scan(&index)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(index, s.TableName()+"_expire_date_") || len(index) != len(s.TableName())+len("_expire_date_")+8 {
		t.Errorf("expiry index %q is not named as Django names it", index)
	}
}

func TestDSNAddsWhatTheStoreNeeds(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		check    func(*driver.Config) bool
	}{
		{"a bare DSN gets clientFoundRows and parseTime", "root@tcp(127.0.0.1:3306)/app",
			func(c *driver.Config) bool { return c.ClientFoundRows && c.ParseTime && c.DBName == "app" }},
		{"other parameters are kept", "u:p@tcp(db:3306)/app?timeout=5s&loc=Local&clientFoundRows=false",
			func(c *driver.Config) bool {
				return c.ClientFoundRows && c.ParseTime && c.Timeout == 5*time.Second && c.Loc == time.Local && c.Passwd == "p"
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn, err := mysql.DSN(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := driver.ParseDSN(dsn)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(cfg) {
				t.Fatalf("DSN(%q) = %q", tc.in, dsn)
			}
		})
	}
	if _, err := mysql.DSN("not a dsn"); err == nil {
		t.Fatal("a malformed DSN was accepted")
	}
	if _, err := mysql.Open("not a dsn"); err == nil {
		t.Fatal("Open took a malformed DSN")
	}
}

// TestUnchangedUpdateIsOneStatementWithClientFoundRows checks, with the
// server's own statement counter, that an update that changes nothing costs
// one statement through Open (clientFoundRows) and two without it.
func TestUnchangedUpdateIsOneStatementWithClientFoundRows(t *testing.T) {
	dsn := testservers.Require(t, testservers.EnvMySQLDSN)
	plain, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for _, tc := range []struct {
		name string
		db   *sql.DB
		want int
	}{{"through Open", open(t), 1}, {"on a pool without clientFoundRows", plain, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			// One connection: the store's statements and the counter query
			// meet on it, and other tests' statements do not count.
			tc.db.SetMaxOpenConns(1)
			s := sqltest.NewStore(t, tc.db, sqlstore.MySQL, nil)
			ctx := context.Background()
			key, exp := sqltest.Key(), time.Now().Add(time.Hour)
			if err := s.Save(ctx, key, []byte("same"), exp, true); err != nil {
				t.Fatal(err)
			}
			if err := s.Save(ctx, key, []byte("same"), exp, false); err != nil { // prepares
				t.Fatal(err)
			}
			n := StatementsRun(t, tc.db, func() {
				if err := s.Save(ctx, key, []byte("same"), exp, false); err != nil {
					t.Fatal(err)
				}
			})
			if n != tc.want {
				t.Fatalf("an unchanged update ran %d statements, want %d", n, tc.want)
			}
		})
	}
}

// StatementsRun returns how many prepared statements the server executed
// on db's connection while fn ran. db must have a single connection.
func StatementsRun(t testing.TB, db *sql.DB, fn func()) int {
	t.Helper()
	read := func() int {
		var name string
		var n int
		if err := db.QueryRow("SHOW SESSION STATUS LIKE 'Com_stmt_execute'").Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := read()
	fn()
	return read() - before
}
