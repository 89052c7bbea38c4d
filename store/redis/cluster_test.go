package redis_test

import (
	"context"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	redisstore "github.com/djsession/djsession/store/redis"
)

// TestCluster runs the store on a Redis Cluster of its own (3 masters,
// one replica each, an append-only file on every node) through a
// redis.ClusterClient: the conformance suite, then a master stopped in the
// middle of a load.
func TestCluster(t *testing.T) {
	testservers.Require(t, testservers.EnvRedisAddr) // the full command has redis-server
	start := time.Now()
	cl, err := testservers.StartRedisCluster(t.Context(), t.TempDir(), testservers.RedisClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	t.Logf("cluster of %d nodes up in %v", len(cl.Nodes), time.Since(start).Round(time.Millisecond))
	c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: cl.Addrs(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })

	t.Run("storetest passes through a ClusterClient", func(t *testing.T) {
		storetestThrough(t, c)
	})
	t.Run("a master stopped with SIGTERM fails over to its replica, nothing acknowledged is lost, other slots keep working", func(t *testing.T) {
		clusterFailover(t, cl, c)
	})
}

func clusterFailover(t *testing.T, cl *testservers.RedisCluster, c *goredis.ClusterClient) {
	ctx := t.Context()
	st := newStore(t, c, redisstore.Options{KeyPrefix: uniquePrefix(t)})

	// The victim is the master of a session's slot; its slots are the
	// group "victim", every other slot "others".
	probe := st.Key(session.NewKey())
	mc, err := c.MasterForKey(ctx, probe)
	if err != nil {
		t.Fatal(err)
	}
	victim := cl.Node(mc.Options().Addr)
	if victim == nil {
		t.Fatalf("the master of %s, %s, is not a node of the cluster", probe, mc.Options().Addr)
	}
	replica, err := cl.ReplicaOf(ctx, victim)
	if err != nil || replica == nil {
		t.Fatalf("the replica of %s: %v, %v", victim.Addr, replica, err)
	}
	slots, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	var owned [16384]bool
	for _, r := range slots {
		if r.Nodes[0].Addr == victim.Addr {
			for s := r.Start; s <= r.End; s++ {
				owned[s] = true
			}
		}
	}
	group := func(key string) string {
		if owned[keySlot(st.Key(key))] {
			return "victim"
		}
		return "others"
	}

	for _, k := range []string{probe, st.Key(session.NewKey()), "a{user1}b"} {
		if n, err := c.ClusterKeySlot(ctx, k).Result(); err != nil || int(n) != keySlot(k) {
			t.Fatalf("CLUSTER KEYSLOT %s = %d, %v; keySlot says %d", k, n, err, keySlot(k))
		}
	}

	load := newFaultLoad(st, group)
	t.Logf("the victim is master %s; its replica is %s", victim.Addr, replica.Addr)
	// Recovered: a new session in the victim's slots is saved.
	stopped, recovered := failoverUnderLoad(t, load, victim, "a save in the stopped master's slots", func(ctx context.Context) error {
		for {
			key := session.NewKey()
			if group(key) == "victim" {
				return st.Save(ctx, key, []byte("probe"), time.Now().Add(time.Hour), true)
			}
		}
	})

	v, o := load.summary("victim"), load.summary("others")
	t.Logf("victim's slots: %d calls, %d errors from +%v to +%v after the stop (e.g. %v); saves there again %v after the stop",
		v.calls, v.errors, since(stopped, v.firstErr), since(stopped, v.lastErr), v.sample, recovered.Sub(stopped).Round(time.Millisecond))
	t.Logf("other slots: %d calls, %d errors", o.calls, o.errors)
	if o.errors > 0 {
		t.Errorf("%d of %d calls for the other masters' slots failed (e.g. %v), want none", o.errors, o.calls, o.sample)
	}
	if v.errors > 0 && (v.firstErr.Before(stopped.Add(-time.Second)) || v.lastErr.After(recovered.Add(3*time.Second))) {
		t.Errorf("errors in the victim's slots from %v to %v, outside the outage (stop at %v, recovered at %v)",
			v.firstErr, v.lastErr, stopped, recovered)
	}
	if v.calls == 0 || o.calls == 0 {
		t.Errorf("the load made %d calls in the victim's slots and %d in the others", v.calls, o.calls)
	}
	nodes, err := cl.Topology(ctx, replica.Addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.Addr == replica.Addr && (!n.Master || n.Slots == 0) {
			t.Errorf("the replica %s is not a master with slots after the failover: %+v", replica.Addr, n)
		}
	}
	load.checkNothingLost(t)
}

// since is how long after t0 t is (0 for a zero t).
func since(t0, t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	return t.Sub(t0).Round(time.Millisecond)
}

// keySlot is Redis Cluster's hash slot of a key: CRC16 (XMODEM) of the
// key, or of its hash tag (what is between the first { and the next }),
// modulo 16384.
func keySlot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % 16384
}
