package redis_test

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	redisstore "github.com/djsession/djsession/store/redis"
)

// TestSentinel runs the store on a Sentinel deployment of its own (a
// master and a replica with append-only files, three sentinels) through
// redis.NewFailoverClient: the conformance suite, then the master stopped
// in the middle of a load.
func TestSentinel(t *testing.T) {
	testservers.Require(t, testservers.EnvRedisAddr) // the full command has redis-server
	start := time.Now()
	dep, err := testservers.StartRedisSentinel(t.Context(), t.TempDir(), testservers.RedisSentinelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dep.Close() })
	t.Logf("master, replica and %d sentinels up in %v", len(dep.Sentinels), time.Since(start).Round(time.Millisecond))
	c := goredis.NewFailoverClient(&goredis.FailoverOptions{
		MasterName:            testservers.SentinelMasterName,
		SentinelAddrs:         dep.SentinelAddrs(),
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { c.Close() })

	t.Run("storetest passes through a failover client", func(t *testing.T) {
		storetestThrough(t, c)
	})
	t.Run("the master stopped with SIGTERM fails over to the replica and nothing acknowledged is lost", func(t *testing.T) {
		sentinelFailover(t, dep, c)
	})
}

func sentinelFailover(t *testing.T, dep *testservers.RedisSentinel, c *goredis.Client) {
	ctx := t.Context()
	st := newStore(t, c, redisstore.Options{KeyPrefix: uniquePrefix(t)})
	master, err := dep.Master(ctx)
	if err != nil {
		t.Fatal(err)
	}
	load := newFaultLoad(st, nil)
	stopped, recovered := failoverUnderLoad(t, load, master, "a save after the failover", func(ctx context.Context) error {
		return st.Save(ctx, session.NewKey(), []byte("probe"), time.Now().Add(time.Hour), true)
	})

	s := load.summary("")
	t.Logf("%d calls, %d errors from +%v to +%v after the stop (e.g. %v); saves again %v after the stop",
		s.calls, s.errors, since(stopped, s.firstErr), since(stopped, s.lastErr), s.sample, recovered.Sub(stopped).Round(time.Millisecond))
	if s.errors > 0 && (s.firstErr.Before(stopped.Add(-time.Second)) || s.lastErr.After(recovered.Add(3*time.Second))) {
		t.Errorf("errors from %v to %v, outside the outage (stop at %v, recovered at %v)", s.firstErr, s.lastErr, stopped, recovered)
	}
	// "Within a few seconds": down-after-milliseconds is 2 s, the election
	// and the promotion take about as long again.
	if d := recovered.Sub(stopped); d > 15*time.Second {
		t.Errorf("saves succeeded again %v after the stop, want within a few seconds", d)
	}
	// Every sentinel learns the new master (from the one that led the
	// failover) within a few seconds.
	waitFor(t, 15*time.Second, "the sentinels name another master", func(ctx context.Context) error {
		return dep.WaitHealthy(ctx)
	})
	if now, err := dep.Master(ctx); err != nil || now == master {
		t.Errorf("the sentinels name %v (%v) the master, want the replica", now.Addr, err)
	}
	load.checkNothingLost(t)
}
