package memcache_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/session"
	memcachestore "github.com/djsession/djsession/store/memcache"
)

// TestRendezvousPicksWhatPymemcachePicks asks the real pymemcache (through
// Django's PyMemcacheCache) which server each key lands on, for several
// server lists, and compares with Rendezvous.
func TestRendezvousPicksWhatPymemcachePicks(t *testing.T) {
	djangotest.Python(t)
	rng := rand.New(rand.NewPCG(16, 16))
	keys := []string{"", "a", "ab", "abc", "abcd", "abcde", "clé", "☃snow", "😀😀😀", "ünïcödé-key-ß"}
	for range 400 {
		keys = append(keys, ":1:django.contrib.sessions.cache"+session.NewKey())
	}
	for range 200 {
		b := make([]byte, 1+rng.IntN(60))
		for i := range b {
			b[i] = byte(0x21 + rng.IntN(0x5e))
		}
		keys = append(keys, string(b))
	}
	for _, servers := range [][]string{
		{"127.0.0.1:11211", "127.0.0.1:11212"},
		{"127.0.0.1:11212", "127.0.0.1:11211"},
		{"127.0.0.1:11211", "127.0.0.1:11212", "10.1.2.3:11211"},
		{"localhost", "[::1]:11213", "127.0.0.1:40000", "192.168.0.10:11211", "127.0.0.2:11211"},
	} {
		t.Run(strings.Join(servers, ","), func(t *testing.T) {
			r, err := memcachestore.NewRendezvous(servers...)
			if err != nil {
				t.Fatal(err)
			}
			res := djangotest.OK(t, djangotest.Run(t, "memcache-pick", "--secret", "x",
				"--servers", strings.Join(servers, ","), "--keys-json", djangotest.JSON(t, keys)))
			picks, _ := res["picks"].([]any)
			if len(picks) != len(keys) {
				t.Fatalf("pymemcache gave %d picks for %d keys", len(picks), len(keys))
			}
			seen := map[string]int{}
			bad := 0
			for i, k := range keys {
				got := r.Server(k)
				seen[got]++
				if got != picks[i] {
					bad++
					if bad <= 5 {
						t.Errorf("key %q: Go picks %s, pymemcache %v", k, got, picks[i])
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d keys differ", bad, len(keys))
			}
			if len(seen) != len(servers) {
				t.Errorf("the keys landed on %d of %d servers: %v", len(seen), len(servers), seen)
			}
		})
	}
}

func TestRendezvousNames(t *testing.T) {
	for _, tc := range []struct{ server, name string }{
		{"127.0.0.1:11211", "127.0.0.1:11211"},
		{"localhost", "localhost:11211"},
		{"[::1]:11300", "::1:11300"},
		{"[::1]", "::1:11211"},
		{"unix:/tmp/mc.sock", "/tmp/mc.sock"},
	} {
		t.Run(tc.server, func(t *testing.T) {
			r, err := memcachestore.NewRendezvous(tc.server)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Server("k"); got != tc.name {
				t.Errorf("node name = %q, want %q", got, tc.name)
			}
		})
	}
	if _, err := memcachestore.NewRendezvous(); err == nil {
		t.Error("NewRendezvous() with no servers succeeded")
	}
	if _, err := memcachestore.NewRendezvous("127.0.0.1:port"); err == nil {
		t.Error("a bad port was accepted")
	}
}
