package cacheddbtest

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"
	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/interoptest"
	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cacheddb"
	memcachestore "github.com/djsession/djsession/store/memcache"
	redisstore "github.com/djsession/djsession/store/redis"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/mysql"
	"github.com/djsession/djsession/store/sqlstore/postgres"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

// secret is the SECRET_KEY Django and Go share.
const secret = interoptest.Secret

// cacheTimeout is the cache timeout of these tests (the memcached client's
// Timeout, and cacheddb's CacheTimeout).
const cacheTimeout = 100 * time.Millisecond

// aCache is one cache under test: the raw cache, a way to read its keys
// directly, and the server when the test started its own.
type aCache struct {
	name  string
	cache cacheddb.Cache
	has   func(t *testing.T, key string) bool
	srv   *testservers.Server
	// django is the helper's flag that puts Django's CACHES on this cache.
	django []string
}

func memcachedCache(t *testing.T, addr string, srv *testservers.Server) aCache {
	c := gomemcache.New(addr)
	c.Timeout = cacheTimeout
	c.MaxIdleConns = 64
	t.Cleanup(func() { c.Close() })
	rc, err := memcachestore.NewRawCache(c)
	if err != nil {
		t.Fatal(err)
	}
	return aCache{name: "memcached", cache: rc, srv: srv, django: []string{"--memcache-servers", addr},
		has: func(t *testing.T, key string) bool {
			_, err := c.Get(key)
			if err != nil && err != gomemcache.ErrCacheMiss {
				t.Fatal(err)
			}
			return err == nil
		}}
}

func redisCache(t *testing.T, addr string, srv *testservers.Server) aCache {
	c := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1,
		DialTimeout: cacheTimeout, ReadTimeout: cacheTimeout, WriteTimeout: cacheTimeout})
	t.Cleanup(func() { c.Close() })
	rc, err := redisstore.NewRawCache(c)
	if err != nil {
		t.Fatal(err)
	}
	return aCache{name: "redis", cache: rc, srv: srv, django: []string{"--redis-url", "redis://" + addr + "/0"},
		has: func(t *testing.T, key string) bool {
			n, err := c.Exists(context.Background(), key).Result()
			if err != nil {
				t.Fatal(err)
			}
			return n > 0
		}}
}

// sharedCaches are the test command's memcached and Redis.
func sharedCaches(t *testing.T) []aCache {
	return []aCache{
		memcachedCache(t, testservers.Require(t, testservers.EnvMemcacheAddr), nil),
		redisCache(t, testservers.Require(t, testservers.EnvRedisAddr), nil),
	}
}

// ownCaches are a memcached and a Redis of the test's own, to stop and
// freeze.
func ownCaches(t *testing.T) []aCache {
	testservers.Require(t, testservers.EnvMemcacheAddr)
	testservers.Require(t, testservers.EnvRedisAddr)
	ctx := context.Background()
	mc, err := testservers.StartMemcached(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	rs, err := testservers.StartRedis(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Close() })
	return []aCache{memcachedCache(t, mc.Addr, mc), redisCache(t, rs.Addr, rs)}
}

// sqliteDB opens (creating) an SQLite file with Django's table.
func sqliteDB(t *testing.T, path string) (*sqlstore.Store, *sql.DB) {
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := sqlite.New(db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st, db
}

var tables atomic.Int64

// postgresDB is a table of the test's own on the test command's
// PostgreSQL.
func postgresDB(t *testing.T) *sqlstore.Store {
	dsn := testservers.Require(t, testservers.EnvPostgresDSN)
	db, err := postgres.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return ownTable(t, db, postgres.New)
}

// mysqlDB is a table of the test's own on the test command's MariaDB.
func mysqlDB(t *testing.T) *sqlstore.Store {
	dsn := testservers.Require(t, testservers.EnvMySQLDSN)
	db, err := mysql.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return ownTable(t, db, mysql.New)
}

// ownTable creates a table no other test uses with newStore (a dialect's
// New) and drops it when the test ends.
func ownTable(t *testing.T, db *sql.DB, newStore func(*sql.DB, sqlstore.Options) (*sqlstore.Store, error)) *sqlstore.Store {
	name := "cacheddb_" + time.Now().Format("150405") + "_" + string(rune('a'+tables.Add(1)%26)) + strings.Repeat("x", int(tables.Load()%7))
	st, err := newStore(db, sqlstore.Options{TableName: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP TABLE IF EXISTS " + name) })
	return st
}

var prefixes atomic.Int64

// uniquePrefix is a cache KEY_PREFIX no other test uses.
func uniquePrefix(t testing.TB) string {
	return "cdb-" + strings.NewReplacer("/", ".", " ", "_").Replace(t.Name())[:min(60, len(t.Name()))] + "-" +
		time.Now().Format("150405.000000") + string(rune('a'+prefixes.Add(1)%26))
}

// logBuffer is a slog handler's output, safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newGoSide is a Go service on a cacheddb store: the session middleware
// with Django's defaults (its JSON codec) and the auth middleware that
// finds alice.
func newGoSide(t *testing.T, st session.Store) interoptest.GoSide {
	return interoptest.NewGoSide(t, st, nil)
}

func newStore(t *testing.T, db session.Store, c cacheddb.Cache, opts cacheddb.Options) *cacheddb.Store {
	t.Helper()
	if opts.DBCodec == nil {
		opts.DBCodec = session.NewDjangoCodec([]byte(secret), nil, nil)
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = uniquePrefix(t)
	}
	if opts.CacheTimeout == 0 {
		opts.CacheTimeout = cacheTimeout
	}
	st, err := cacheddb.New(db, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// tempDB is the path of a new SQLite file in a private directory.
func tempDB(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "sessions.sqlite3")
}
