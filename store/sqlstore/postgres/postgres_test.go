package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/internal/sqltest"
	"github.com/djsession/djsession/store/sqlstore/postgres"
)

// open returns a pool on the shared PostgreSQL of the full test command.
func open(t *testing.T) *sql.DB {
	t.Helper()
	dsn := testservers.Require(t, testservers.EnvPostgresDSN)
	db, err := postgres.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestDialect runs the checks every dialect shares (sqltest.RunDialect):
// the store conformance suite, the SQL contract, Django's format and a
// closed database.
func TestDialect(t *testing.T) { sqltest.RunDialect(t, open, sqlstore.PostgreSQL) }

func TestConcurrentRequests(t *testing.T) {
	db := open(t)
	sqltest.RunLoad(t, sqltest.NewStore(t, db, sqlstore.PostgreSQL, nil), 8, 200)
}

// TestTableIsDjangos reads the columns and indexes back from the catalog
// and compares them with what Django's migration creates on PostgreSQL.
func TestTableIsDjangos(t *testing.T) {
	db := open(t)
	s := sqltest.NewStore(t, db, sqlstore.PostgreSQL, nil)
	rows, err := db.Query(`SELECT column_name, data_type, coalesce(character_maximum_length, 0), is_nullable
		FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, s.TableName())
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var name, typ, null string
		var n int
		if err := rows.Scan(&name, &typ, &n, &null); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, fmt.Sprintf("%s %s(%d) null=%s", name, typ, n, null))
	}
	rows.Close()
	want := []string{
		"session_key character varying(40) null=NO",
		"session_data text(0) null=NO",
		"expire_date timestamp with time zone(0) null=NO",
	}
	if strings.Join(cols, "\n") != strings.Join(want, "\n") {
		t.Errorf("columns:\n%s\nwant\n%s", strings.Join(cols, "\n"), strings.Join(want, "\n"))
	}

	rows, err = db.Query(`SELECT indexdef FROM pg_indexes WHERE tablename = $1`, s.TableName())
	if err != nil {
		t.Fatal(err)
	}
	var defs []string
	for rows.Next() {
		var def string
		if err := rows.Scan(&def); err != nil {
			t.Fatal(err)
		}
		defs = append(defs, strings.ReplaceAll(def, s.TableName(), "T"))
	}
	rows.Close()
	sort.Strings(defs)
	// The hashes in the names are checked on Django's own table in TestDjangosTableNames.
	shapes := []struct{ prefix, suffix string }{
		{"CREATE INDEX T_expire_date_", " ON public.T USING btree (expire_date)"},
		{"CREATE INDEX T_session_key_", "_like ON public.T USING btree (session_key varchar_pattern_ops)"},
		{"CREATE UNIQUE INDEX T_pkey", " ON public.T USING btree (session_key)"},
	}
	if len(defs) != len(shapes) {
		t.Fatalf("indexes:\n%s\nwant %d", strings.Join(defs, "\n"), len(shapes))
	}
	for i, sh := range shapes {
		if !strings.HasPrefix(defs[i], sh.prefix) || !strings.HasSuffix(defs[i], sh.suffix) {
			t.Errorf("index %q, want %q…%q", defs[i], sh.prefix, sh.suffix)
		}
	}
}

// TestDjangosTableNames checks the index names on Django's own table.
func TestDjangosTableNames(t *testing.T) {
	db := open(t)
	schema := "s_" + strings.ToLower(sqltest.TableName())
	ctx := context.Background()
	// A schema of its own, so that this test's django_session meets nobody's.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"CREATE SCHEMA " + schema, "SET search_path TO " + schema} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	defer db.Exec("DROP SCHEMA " + schema + " CASCADE")
	// The store's pool works in that schema too.
	dsn := testservers.Require(t, testservers.EnvPostgresDSN)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	one, err := postgres.Open(dsn + sep + "search_path=" + schema)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	s, err := postgres.New(one, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	var names []string
	rows, err := conn.QueryContext(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'django_session' ORDER BY 1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	want := "django_session_expire_date_a5c62663 django_session_pkey django_session_session_key_c0390e0f_like"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("indexes %s, want %s", got, want)
	}
}

// TestServerStoppedMidRun stops a PostgreSQL of its own while requests are
// being served: calls made while it is down return errors (no panic, no
// hang), and once it is back every session whose Save had succeeded is
// there with its data, and the same pool serves requests again.
func TestServerStoppedMidRun(t *testing.T) {
	testservers.Require(t, testservers.EnvPostgresDSN) // the full command can start PostgreSQL
	srv, err := testservers.StartPostgres(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	db, err := postgres.Open(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := postgres.New(db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(t.Context()); err != nil {
		t.Fatal(err)
	}

	for _, stop := range []struct {
		name string
		fn   func() error
	}{{"a clean shutdown", srv.Stop}, {"a crash (immediate shutdown)", srv.Crash}} {
		t.Run("sessions survive "+stop.name, func(t *testing.T) {
			var (
				mu     sync.Mutex
				stored = map[string][]string{} // sessions whose create returned nil: the data they may hold
				fails  atomic.Int64
				stopCh = make(chan struct{})
				wg     sync.WaitGroup
			)
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stopCh:
							return
						default:
						}
						ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
						key, data := sqltest.Key(), fmt.Sprintf("worker %d op %d", w, i)
						err := s.Save(ctx, key, []byte(data), time.Now().Add(time.Hour), true)
						if err == nil {
							mu.Lock()
							stored[key] = []string{data}
							mu.Unlock()
							// Read it back, and update it: both must work or fail cleanly.
							if _, _, _, err := s.Load(ctx, key); err != nil {
								fails.Add(1)
							}
							data2 := data + " updated"
							err := s.Save(ctx, key, []byte(data2), time.Now().Add(time.Hour), false)
							mu.Lock()
							if err == nil {
								stored[key] = []string{data2}
							} else {
								// The update may have committed before the
								// server went away with the answer.
								stored[key] = []string{data, data2}
								if errors.Is(err, sqlstore.ErrKeyTooLong) {
									t.Error(err)
								}
							}
							mu.Unlock()
						} else {
							fails.Add(1)
							time.Sleep(10 * time.Millisecond)
						}
						cancel()
					}
				}()
			}
			time.Sleep(300 * time.Millisecond)
			if err := stop.fn(); err != nil {
				t.Fatal(err)
			}
			// While it is down, every kind of call fails quickly with an error.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			down := time.Now()
			key := sqltest.Key()
			if _, _, _, err := s.Load(ctx, key); err == nil {
				t.Error("Load succeeded while the server was down")
			}
			if err := s.Save(ctx, key, []byte("x"), time.Now().Add(time.Hour), true); err == nil {
				t.Error("Save succeeded while the server was down")
			}
			if _, err := s.Exists(ctx, key); err == nil {
				t.Error("Exists succeeded while the server was down")
			}
			if err := s.ClearExpired(ctx); err == nil {
				t.Error("ClearExpired succeeded while the server was down")
			}
			if d := time.Since(down); d > 5*time.Second {
				t.Errorf("the calls took %v to fail", d)
			}
			time.Sleep(200 * time.Millisecond)
			if err := srv.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			close(stopCh)
			wg.Wait()

			mu.Lock()
			defer mu.Unlock()
			if len(stored) == 0 || fails.Load() == 0 {
				t.Fatalf("%d sessions stored, %d failures: the outage was not exercised", len(stored), fails.Load())
			}
			for key, allowed := range stored {
				got, _, found, err := s.Load(context.Background(), key)
				if err != nil || !found || !slices.Contains(allowed, string(got)) {
					t.Errorf("session %s: Load = %q, %v, %v; want one of %q", key, got, found, err, allowed)
				}
			}
			t.Logf("%d sessions stored around the outage, %d calls failed during it; all loaded after the restart", len(stored), fails.Load())
		})
	}
}
