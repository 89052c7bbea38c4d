package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	redisstore "github.com/djsession/djsession/store/redis"
)

func TestRedis(t *testing.T) {
	addr := testservers.Require(t, testservers.EnvRedisAddr)
	prefix := fmt.Sprintf("sessionctl-test-%d", time.Now().UnixNano())
	c := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true})
	defer c.Close()
	st, err := redisstore.New(c, redisstore.Options{KeyPrefix: prefix, Version: 3})
	if err != nil {
		t.Fatal(err)
	}
	key := "redis000000000000000000000000001"
	expiry := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	data, err := pickle.Codec{}.Encode(map[string]any{"user": "élodie", "visits": int64(3), "ratio": 1.0})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Save(context.Background(), key, data, expiry, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Delete(context.Background(), key) })
	env := map[string]string{"SECRET_KEY": testSecret}
	flags := []string{"--engine", "redis", "--dsn", addr, "--key-prefix", prefix, "--cache-version", "3"}
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
		if exp, err := time.Parse(time.RFC3339, got.ExpireDate); err != nil || exp.Sub(expiry).Abs() > 2*time.Second {
			t.Errorf("expire_date %q, want about %v", got.ExpireDate, expiry)
		}
	})
	t.Run("inspect with another codec says so and exits 1", func(t *testing.T) {
		r := sessionctl(t, env, append(append([]string{"inspect"}, flags...), "--codec", "json", key)...)
		check(t, r, 1, "", "not in the format of this codec")
	})
	t.Run("inspect of an unknown key exits 1", func(t *testing.T) {
		check(t, sessionctl(t, env, append(append([]string{"inspect"}, flags...), session.NewKey())...), 1, "", "no live session")
	})
	t.Run("clearsessions has nothing to do, and says why", func(t *testing.T) {
		check(t, sessionctl(t, env, append([]string{"clearsessions"}, flags...)...), 0, "TTL", "")
	})
	t.Run("migrate has no table to create", func(t *testing.T) {
		check(t, sessionctl(t, env, append([]string{"migrate"}, flags...)...), 0, "nothing to migrate", "")
	})
	t.Run("a bad --codec is a usage error", func(t *testing.T) {
		check(t, sessionctl(t, env, append(append([]string{"inspect"}, flags...), "--codec", "gob", key)...), 2, "", "--codec")
	})
	t.Run("a Redis that does not answer is a store error", func(t *testing.T) {
		check(t, sessionctl(t, env, "clearsessions", "--engine", "redis", "--dsn", "127.0.0.1:1"), 3, "", "connecting to Redis")
	})
}
