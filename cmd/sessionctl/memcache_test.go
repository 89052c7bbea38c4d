package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	"github.com/djsession/djsession/store/cacheddb"
	memcachestore "github.com/djsession/djsession/store/memcache"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

func TestMemcache(t *testing.T) {
	addr := testservers.Require(t, testservers.EnvMemcacheAddr)
	prefix := fmt.Sprintf("sessionctl-test-%d", time.Now().UnixNano())
	st, err := memcachestore.New(gomemcache.New(addr), memcachestore.Options{KeyPrefix: prefix, Version: 3})
	if err != nil {
		t.Fatal(err)
	}
	key := "memc0000000000000000000000000001"
	data, err := pickle.Codec{}.Encode(map[string]any{"user": "élodie", "visits": int64(3)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Save(context.Background(), key, data, time.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SECRET_KEY": testSecret}
	flags := []string{"--engine", "memcache", "--dsn", addr, "--key-prefix", prefix, "--cache-version", "3"}
	t.Run("inspect prints a session pickled as Django's cache engine keeps it", func(t *testing.T) {
		r := sessionctl(t, env, append(append([]string{"inspect"}, flags...), key)...)
		check(t, r, 0, key, "")
		var got inspected
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		if got.Data["user"] != "élodie" || got.Data["visits"] != 3.0 {
			t.Errorf("data = %v", got.Data)
		}
	})
	t.Run("inspect of an unknown key exits 1", func(t *testing.T) {
		check(t, sessionctl(t, env, append(append([]string{"inspect"}, flags...), session.NewKey())...), 1, "", "no live session")
	})
	t.Run("clearsessions and migrate have nothing to do, and say why", func(t *testing.T) {
		check(t, sessionctl(t, env, append([]string{"clearsessions"}, flags...)...), 0, "nothing to do", "")
		check(t, sessionctl(t, env, append([]string{"migrate"}, flags...)...), 0, "nothing to migrate", "")
	})
	t.Run("a memcached that does not answer is a store error", func(t *testing.T) {
		check(t, sessionctl(t, env, "inspect", "--engine", "memcache", "--dsn", "127.0.0.1:1", key), 3, "", "connecting to memcached")
	})
}

func TestCachedDB(t *testing.T) {
	addr := testservers.Require(t, testservers.EnvMemcacheAddr)
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	path := filepath.Join(dir, "sessions.sqlite3")
	env := map[string]string{"SECRET_KEY": testSecret}
	flags := []string{"--engine", "cached_db", "--dsn", path, "--cache", "memcache://" + addr}
	t.Run("migrate creates the database's table", func(t *testing.T) {
		check(t, sessionctl(t, env, append([]string{"migrate"}, flags...)...), 0, "django_session", "")
	})
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dbStore, err := sqlite.New(db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mc := gomemcache.New(addr)
	rc, _ := memcachestore.NewRawCache(mc)
	st, err := cacheddb.New(dbStore, rc, cacheddb.Options{DBCodec: session.NewDjangoCodec([]byte(testSecret), nil, nil)})
	if err != nil {
		t.Fatal(err)
	}
	key := session.NewKey()
	if err := st.SaveValues(context.Background(), key, map[string]any{"user": "élodie"}, time.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	for _, where := range []string{"the cache", "the database"} {
		t.Run("inspect reads the session from "+where, func(t *testing.T) {
			r := sessionctl(t, env, append(append([]string{"inspect"}, flags...), key)...)
			check(t, r, 0, `"user": "\u00e9lodie"`, "")
		})
		mc.Delete(st.CacheKey(key))
	}
	t.Run("clearsessions clears the database", func(t *testing.T) {
		check(t, sessionctl(t, env, append([]string{"clearsessions"}, flags...)...), 0, "", "")
	})
}
