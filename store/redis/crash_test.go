package redis_test

import (
	"bytes"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	redisstore "github.com/djsession/djsession/store/redis"
)

// TestCrash kills a redis-server of its own (SIGKILL) in the middle of a
// load, with Redis's default durability for an append-only file
// (appendfsync everysec), and starts it again from that file. Redis
// write()s every acknowledged command to the file before it answers, and
// fsyncs once a second (it may hold the write back for up to 2 s while an
// fsync lags): a killed process loses nothing the kernel has, a power cut
// what was not fsynced. The sessions saved more than 2 s before the kill
// must all be there; the test reports how many of the later ones are.
func TestCrash(t *testing.T) {
	testservers.Require(t, testservers.EnvRedisAddr) // the full command has redis-server
	ctx := t.Context()
	srv, err := testservers.StartRedis(ctx, t.TempDir(), "--appendonly", "yes", "--appendfsync", "everysec")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	st := newStore(t, c, redisstore.Options{})

	early := newFaultLoad(st, nil)
	early.seed(t, 200)
	load := newFaultLoad(st, nil)
	load.seed(t, 50)
	started := time.Now()
	load.run(4, time.Second)
	time.Sleep(2100 * time.Millisecond)
	killed := time.Now()
	if err := srv.Crash(); err != nil {
		t.Fatal(err)
	}
	load.halt()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	early.checkNothingLost(t)

	load.mu.Lock()
	defer load.mu.Unlock()
	lost := 0
	for key, want := range load.acked {
		got, _, found, err := st.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if !found || !bytes.Equal(got, want) {
			lost++
		}
	}
	t.Logf("SIGKILL in the middle of the load: %d of the %d sessions acknowledged in the %v before it lost",
		lost, len(load.acked), killed.Sub(started).Round(time.Millisecond))
}
