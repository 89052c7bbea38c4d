package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/store/sqlstore/mysql"
	"github.com/djsession/djsession/store/sqlstore/postgres"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

// sideEngine is one row of the side-by-side table: a Django session engine
// and the Go store that shares its sessions. Adding an engine is one more
// row.
type sideEngine struct {
	// name is the row's name, as the test's subtests show it.
	name string
	// setup prepares the shared storage and returns the Django site's
	// settings (DJSITE_*), the Go demo's config, and how to read the
	// store's expiry of a session (nil when the engine has no store-side
	// expiry to read, as signed_cookies).
	setup func(t *testing.T) (django map[string]string, goCfg config, expiry storeExpiry)
}

// storeExpiry returns when the store expires the session key, or ok false
// when it does not hold it.
type storeExpiry func(t *testing.T, key string) (at time.Time, ok bool)

// sideEngines lists every engine both sides share.
var sideEngines = []sideEngine{
	{name: "db on SQLite", setup: func(t *testing.T) (map[string]string, config, storeExpiry) {
		path := sqliteFile(t)
		db := func() *sql.DB {
			d, err := sqlite.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		return map[string]string{"DJSITE_ENGINE": "db", "DJSITE_DATABASE": path},
			config{Engine: "sqlite", DSN: path, DjangoUsers: path},
			sqlExpiry(db, "?")
	}},
	{name: "db on PostgreSQL", setup: func(t *testing.T) (map[string]string, config, storeExpiry) {
		dsn := freshPostgres(t)
		db := func() *sql.DB {
			d, err := postgres.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		return map[string]string{"DJSITE_ENGINE": "db", "DJSITE_DATABASE": dsn},
			config{Engine: "postgres", DSN: dsn, DjangoUsers: dsn},
			sqlExpiry(db, "$1")
	}},
	{name: "db on MariaDB", setup: func(t *testing.T) (map[string]string, config, storeExpiry) {
		dsn, djangoURL := freshMySQL(t)
		db := func() *sql.DB {
			d, err := mysql.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		return map[string]string{"DJSITE_ENGINE": "db", "DJSITE_DATABASE": djangoURL},
			config{Engine: "mysql", DSN: dsn, DjangoUsers: dsn},
			sqlExpiry(db, "?")
	}},
	{name: "cache on Redis", setup: func(t *testing.T) (map[string]string, config, storeExpiry) {
		addr := testservers.Require(t, testservers.EnvRedisAddr)
		users := sqliteFile(t)
		redisURL := "redis://" + addr + "/5"
		return map[string]string{"DJSITE_ENGINE": "cache", "DJSITE_CACHE": redisURL, "DJSITE_DATABASE": users},
			config{Engine: "redis", DSN: redisURL, DjangoUsers: users},
			redisExpiry(t, addr, 5)
	}},
	{name: "file", setup: func(t *testing.T) (map[string]string, config, storeExpiry) {
		dir, users := t.TempDir(), sqliteFile(t)
		return map[string]string{"DJSITE_ENGINE": "file", "DJSITE_SESSION_DIR": dir, "DJSITE_DATABASE": users},
			config{Engine: "file", DSN: dir, DjangoUsers: users}, nil
	}},
	{name: "signed_cookies", setup: func(t *testing.T) (map[string]string, config, storeExpiry) {
		users := sqliteFile(t)
		return map[string]string{"DJSITE_ENGINE": "signed_cookies", "DJSITE_DATABASE": users},
			config{Engine: "cookie", DjangoUsers: users}, nil
	}},
	{name: "cache on memcached", setup: func(t *testing.T) (map[string]string, config, storeExpiry) {
		addr, users := testservers.Require(t, testservers.EnvMemcacheAddr), sqliteFile(t)
		return map[string]string{"DJSITE_ENGINE": "cache", "DJSITE_CACHE": "memcache://" + addr, "DJSITE_DATABASE": users},
			config{Engine: "memcache", DSN: addr, DjangoUsers: users},
			memcacheExpiry(addr, ":1:django.contrib.sessions.cache")
	}},
	{name: "cached_db on Redis and SQLite", setup: func(t *testing.T) (map[string]string, config, storeExpiry) {
		addr, path := testservers.Require(t, testservers.EnvRedisAddr), sqliteFile(t)
		redisURL := "redis://" + addr + "/6"
		return map[string]string{"DJSITE_ENGINE": "cached_db", "DJSITE_CACHE": redisURL, "DJSITE_DATABASE": path},
			config{Engine: "cached_db", DSN: path, Cache: redisURL, DjangoUsers: path},
			bothExpiries(sqlExpiry(sqliteOpener(t, path), "?"), redisKeyExpiry(t, addr, 6, ":1:django.contrib.sessions.cached_db"))
	}},
	{name: "cached_db on memcached and SQLite", setup: func(t *testing.T) (map[string]string, config, storeExpiry) {
		addr, path := testservers.Require(t, testservers.EnvMemcacheAddr), sqliteFile(t)
		return map[string]string{"DJSITE_ENGINE": "cached_db", "DJSITE_CACHE": "memcache://" + addr, "DJSITE_DATABASE": path},
			config{Engine: "cached_db", DSN: path, Cache: "memcache://" + addr, DjangoUsers: path},
			bothExpiries(sqlExpiry(sqliteOpener(t, path), "?"), memcacheExpiry(addr, ":1:django.contrib.sessions.cached_db"))
	}},
}

// sqlExpiry reads django_session.expire_date. Django writes it in UTC
// (USE_TZ); SQLite keeps it as text.
func sqlExpiry(open func() *sql.DB, placeholder string) storeExpiry {
	return func(t *testing.T, key string) (time.Time, bool) {
		t.Helper()
		db := open()
		defer db.Close()
		var raw any
		err := db.QueryRowContext(context.Background(), "SELECT expire_date FROM django_session WHERE session_key = "+placeholder, key).Scan(&raw)
		if err == sql.ErrNoRows {
			return time.Time{}, false
		}
		if err != nil {
			t.Fatal(err)
		}
		switch v := raw.(type) {
		case time.Time:
			return v.UTC(), true
		case string:
			at, err := time.ParseInLocation("2006-01-02 15:04:05.999999", v, time.UTC)
			if err != nil {
				t.Fatalf("expire_date %q: %v", v, err)
			}
			return at, true
		}
		t.Fatalf("expire_date is a %T", raw)
		return time.Time{}, false
	}
}

// redisExpiry reads the TTL of Django's cache key for the session.
func redisExpiry(t *testing.T, addr string, db int) storeExpiry {
	return redisKeyExpiry(t, addr, db, ":1:django.contrib.sessions.cache")
}

// redisKeyExpiry reads the TTL of the Redis key prefix+session key.
func redisKeyExpiry(t *testing.T, addr string, db int, prefix string) storeExpiry {
	client := goredis.NewClient(&goredis.Options{Addr: addr, DB: db})
	t.Cleanup(func() { client.Close() })
	return func(t *testing.T, key string) (time.Time, bool) {
		t.Helper()
		ttl, err := client.PTTL(context.Background(), prefix+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl < 0 {
			return time.Time{}, false
		}
		return time.Now().Add(ttl).UTC(), true
	}
}

// memcacheExpiry reads the remaining TTL memcached holds for the item
// prefix+session key, with the meta get command (mg key t: memcached 1.6),
// which reads it without touching the item.
func memcacheExpiry(addr, prefix string) storeExpiry {
	return func(t *testing.T, key string) (time.Time, bool) {
		t.Helper()
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := fmt.Fprintf(c, "mg %s t\r\n", prefix+key); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		fields := strings.Fields(line)
		switch {
		case len(fields) == 1 && fields[0] == "EN":
			return time.Time{}, false
		case len(fields) == 2 && fields[0] == "HD" && strings.HasPrefix(fields[1], "t"):
			secs, err := strconv.Atoi(fields[1][1:])
			if err != nil {
				t.Fatalf("memcached's mg answer %q: %v", line, err)
			}
			if secs < 0 {
				t.Fatalf("memcached holds %s without an expiry", prefix+key)
			}
			return time.Now().Add(time.Duration(secs) * time.Second).UTC(), true
		}
		t.Fatalf("memcached's mg answer: %q", line)
		return time.Time{}, false
	}
}

// bothExpiries is the expiry of a store in two places (cached_db: the
// database row and the cache's copy): the first's, which the second must
// agree with, to the second.
func bothExpiries(first, second storeExpiry) storeExpiry {
	return func(t *testing.T, key string) (time.Time, bool) {
		t.Helper()
		at, ok := first(t, key)
		if !ok {
			return at, ok
		}
		if at2, ok2 := second(t, key); !ok2 {
			t.Errorf("the cache does not hold the session %s that the database holds", key)
		} else if d := at2.Sub(at); d < -2*time.Second || d > 2*time.Second {
			t.Errorf("the cache expires the session at %v, the database at %v", at2, at)
		}
		return at, ok
	}
}

// sqliteOpener opens the SQLite file at path, for each read.
func sqliteOpener(t *testing.T, path string) func() *sql.DB {
	return func() *sql.DB {
		d, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
}

// scratchDatabase creates a database of the test's own through the server
// that open reaches at base (so that Django's migrate finds no table of
// another test), with createOpts after its name, and drops it with
// dropOpts when the test ends; it returns the name.
func scratchDatabase(t *testing.T, base string, open func(string) (*sql.DB, error), createOpts, dropOpts string) string {
	t.Helper()
	admin, err := open(base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	rand.Read(b[:])
	name := "djsite_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+createOpts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+dropOpts); err != nil {
			t.Logf("dropping %s: %v", name, err)
		}
	})
	return name
}

// freshPostgres is a scratch database on the test PostgreSQL; it returns
// its URL.
func freshPostgres(t *testing.T) string {
	t.Helper()
	base := testservers.Require(t, testservers.EnvPostgresDSN)
	name := scratchDatabase(t, base, postgres.Open, "", " WITH (FORCE)")
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// freshMySQL is a scratch database on the test command's MariaDB, returned
// as the Go side names it (go-sql-driver's DSN) and as the Django site does
// (a mysql:// URL, examples/django-site/settings.py).
func freshMySQL(t *testing.T) (goDSN, djangoURL string) {
	t.Helper()
	base := testservers.Require(t, testservers.EnvMySQLDSN)
	name := scratchDatabase(t, base, mysql.Open, " CHARACTER SET utf8mb4", "")
	cfg, err := mysqldriver.ParseDSN(base)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	u := url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + name}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	} else {
		u.User = url.User(cfg.User)
	}
	return cfg.FormatDSN(), u.String()
}
