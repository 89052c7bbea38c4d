package redis_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	redisstore "github.com/djsession/djsession/store/redis"
)

// roundTrips is a go-redis hook that counts round trips: one per command
// sent alone, one per pipeline.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// commandStats returns the calls of each command since the last CONFIG
// RESETSTAT (INFO commandstats), without CONFIG and INFO themselves.
func commandStats(t *testing.T, c *goredis.Client) map[string]int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	stats := map[string]int{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		name = strings.TrimPrefix(name, "cmdstat_")
		if strings.HasPrefix(name, "config") || name == "info" {
			continue
		}
		calls := strings.TrimPrefix(strings.Split(rest, ",")[0], "calls=")
		n, _ := strconv.Atoi(calls)
		stats[name] = n
	}
	return stats
}

// TestRoundTripsPerRequest runs the middleware with the pickle codec on a
// redis-server of its own (so that the server's command statistics are
// this test's alone) and counts, per kind of request, the round trips (a
// go-redis hook) and the commands the server ran (INFO commandstats).
func TestRoundTripsPerRequest(t *testing.T) {
	testservers.Require(t, testservers.EnvRedisAddr) // the full command has redis-server
	srv, err := testservers.StartRedis(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	read := map[string]int{"get": 1}
	readTTL := map[string]int{"get": 1, "pttl": 1}
	for _, opt := range []struct {
		name string
		opts redisstore.Options
		read map[string]int
	}{{"the default Load (GET)", redisstore.Options{}, read}, {"LoadExpiry (GET and PTTL pipelined)", redisstore.Options{LoadExpiry: true}, readTTL}} {
		t.Run(opt.name, func(t *testing.T) { countRoundTrips(t, srv.Addr, opt.opts, opt.read) })
	}
}

func countRoundTrips(t *testing.T, addr string, opts redisstore.Options, read map[string]int) {
	hook := &roundTrips{}
	c := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true, PoolSize: 1})
	defer c.Close()
	c.AddHook(hook)
	admin := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true})
	defer admin.Close()
	st := newStore(t, c, opts)
	m, err := session.New(st, session.Config{
		SecretKey: []byte("a secret key for this test only, long enough"),
		Codec:     pickle.Codec{},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		switch r.URL.Path {
		case "/new", "/modify":
			n, _, _ := s.GetInt("visits")
			s.Set("visits", n+1)
			s.Set("user", "alice")
		case "/read":
			s.Get("user")
		}
	}))
	var cookie string
	do := func(path string) {
		req := httptest.NewRequest("GET", path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", "sessionid="+cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		for _, ck := range rec.Result().Cookies() {
			if ck.Name == "sessionid" {
				cookie = ck.Value
			}
		}
	}
	// Warm up: the connection is made, and go-redis sends its HELLO on
	// the connection's first pipeline, before counting.
	if err := c.Pipeline().Ping(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/new", "/read", "/modify"} {
		do(path)
	}
	cookie = ""
	modify := map[string]int{"set": 1}
	for k, v := range read {
		modify[k] = v
	}
	for _, tc := range []struct {
		name       string
		path       string
		roundTrips int64
		commands   map[string]int
	}{
		{"a new session: 1 round trip, SET NX", "/new", 1, map[string]int{"set": 1}},
		{"a read-only request: 1 round trip", "/read", 1, read},
		{"a modification: 2 round trips, the read and SET XX", "/modify", 2, modify},
		{"an untouched session: no round trip", "/untouched", 0, map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := admin.ConfigResetStat(t.Context()).Err(); err != nil {
				t.Fatal(err)
			}
			hook.n.Store(0)
			do(tc.path)
			if got := hook.n.Load(); got != tc.roundTrips {
				t.Errorf("round trips = %d, want %d", got, tc.roundTrips)
			}
			if got := commandStats(t, admin); !reflect.DeepEqual(got, tc.commands) {
				t.Errorf("commands run by the server = %v, want %v", got, tc.commands)
			}
		})
	}
	if cookie == "" {
		t.Fatal("no session cookie")
	}
}
