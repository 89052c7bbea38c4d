package redis_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	redisstore "github.com/djsession/djsession/store/redis"
)

// TestOutage stops a redis-server of its own (append-only file on) while
// clients keep visiting two sites on it, one with the default
// ErrorHandler and one with an ErrorHandler of its own, and starts it
// again. It checks that the failures fall inside the outage and are the
// configured responses, that the handler saw the store's error, that
// every acknowledged write is there after the restart, that requests
// succeed within a second of the restart, and that goroutines and
// connections come back to their level from before the outage.
func TestOutage(t *testing.T) {
	testservers.Require(t, testservers.EnvRedisAddr) // the full command has redis-server
	ctx := t.Context()
	srv, err := testservers.StartRedis(ctx, t.TempDir(), "--appendonly", "yes", "--appendfsync", "everysec")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	admin := goredis.NewClient(&goredis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true, PoolSize: 1})
	t.Cleanup(func() { admin.Close() })
	st := newStore(t, c, redisstore.Options{})

	var handlerSaw, customCalls atomic.Int64
	visit := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		if err := s.Load(r.Context()); err != nil {
			handlerSaw.Add(1)
		}
		n, _, _ := s.GetInt("visits")
		s.Set("visits", n+1)
		fmt.Fprint(w, n+1)
	})
	sites := map[int]*httptest.Server{} // by the status an outage answers
	for _, site := range []struct {
		status  int
		onError func(http.ResponseWriter, *http.Request, error)
	}{
		{http.StatusInternalServerError, nil},
		{http.StatusServiceUnavailable, func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, session.ErrSessionInterrupted) {
				t.Errorf("the ErrorHandler got %v, want the store's error", err)
			}
			customCalls.Add(1)
			w.Header().Set("Retry-After", "1")
			http.Error(w, "sessions are unavailable, try again", http.StatusServiceUnavailable)
		}},
	} {
		m, err := session.New(st, session.Config{
			SecretKey:    []byte("a secret key for this test only, long enough"),
			Codec:        pickle.Codec{},
			Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
			ErrorHandler: site.onError,
		})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(m.Middleware(visit))
		t.Cleanup(ts.Close)
		sites[site.status] = ts
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	client := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)

	// Sessions stored before the outage, beside the visitors' own.
	stored := newFaultLoad(st, nil)
	stored.seed(t, 200)

	const perSite = 3
	var visitors []*visitor
	for status, ts := range sites {
		for range perSite {
			v := &visitor{client: client, url: ts.URL, outageStatus: status}
			if code, _ := v.visit(); code != http.StatusOK {
				t.Fatalf("the first visit answered %d", code)
			}
			visitors = append(visitors, v)
		}
	}
	runVisitors(visitors, 500*time.Millisecond, nil)
	before := measureLevels(t, tr, c, admin, nil)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	runVisitors(visitors, 0, stop, &wg)
	time.Sleep(300 * time.Millisecond)
	stopping := time.Now()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	// Down for 3 s: longer than a failing visit takes with go-redis's
	// retries (about 1.3 s), so that every visitor sees a failure.
	time.Sleep(1500 * time.Millisecond)
	during := measureLevels(t, tr, c, nil, nil)
	time.Sleep(1500 * time.Millisecond)
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now() // redis-server answers PING again
	probe := &visitor{client: client, url: sites[http.StatusInternalServerError].URL}
	for {
		if code, _ := probe.visit(); code == http.StatusOK {
			break
		}
		if time.Since(restarted) > 10*time.Second {
			t.Fatal("no request succeeded within 10 s of the restart")
		}
		time.Sleep(10 * time.Millisecond)
	}
	firstOK := time.Since(restarted)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	after := measureLevels(t, tr, c, admin, &before)

	t.Logf("server stopped (SIGTERM) in %v; down for %v; a request succeeded %v after it answered PING again",
		stopped.Sub(stopping).Round(time.Millisecond), restarted.Sub(stopping).Round(time.Millisecond), firstOK.Round(100*time.Microsecond))
	t.Logf("goroutines before/during/after: %d/%d/%d; client connections (pool): %d/%d/%d; server connected_clients: %d/-/%d",
		before.goroutines, during.goroutines, after.goroutines, before.poolConns, during.poolConns, after.poolConns, before.serverClients, after.serverClients)
	// After PoolSize failed dials go-redis's pool fails at once and probes
	// the server once a second: the first success comes up to a second
	// after the server is back (plus what a loaded machine adds).
	if firstOK > 1500*time.Millisecond {
		t.Errorf("the first request succeeded %v after the restart, want within a second", firstOK)
	}
	var failed int
	var slowest time.Duration
	for _, v := range visitors {
		for _, o := range v.ops {
			if o.status == http.StatusOK {
				continue
			}
			failed++
			slowest = max(slowest, o.end.Sub(o.start))
			if o.status != v.outageStatus {
				t.Errorf("a visit during the outage answered %d (%s), want %d", o.status, o.body, v.outageStatus)
			}
			if o.start.Before(stopping) || o.end.After(restarted.Add(time.Second)) {
				t.Errorf("a visit failed from +%v to +%v after the stop, outside the outage (+0 to +%v)",
					o.start.Sub(stopping), o.end.Sub(stopping), restarted.Sub(stopping))
			}
		}
	}
	t.Logf("%d visits failed during the outage, the slowest in %v; the handler saw the store's error %d times; the custom ErrorHandler answered %d",
		failed, slowest.Round(time.Millisecond), handlerSaw.Load(), customCalls.Load())
	if failed == 0 || handlerSaw.Load() == 0 || customCalls.Load() == 0 {
		t.Errorf("the outage made %d visits fail, the handler saw %d errors, the custom ErrorHandler answered %d; want some of each",
			failed, handlerSaw.Load(), customCalls.Load())
	}
	// Every acknowledged visit is counted: a visit is acknowledged when it
	// answered 200; one that failed may have been written anyway (the
	// server applied it and went down before the answer), so the count
	// can be higher, never lower. The first visit counted 1, and this last
	// one counts one more.
	for _, v := range visitors {
		code, body := v.visit()
		n, _ := strconv.Atoi(strings.TrimSpace(body))
		if applied := n - 2; code != http.StatusOK || applied < v.acked || applied > len(v.ops) {
			t.Errorf("a visitor with %d acknowledged visits of %d (and a first one) now counts %q (%d)", v.acked, len(v.ops), body, code)
		}
	}
	stored.checkNothingLost(t)
}

// visitor is one browser: a session cookie, its visits, in order.
type visitor struct {
	client       *http.Client
	url          string
	outageStatus int // what its site answers when Redis is down
	cookie       string
	ops          []visit
	acked        int // visits answered 200, after the first
}

type visit struct {
	start, end time.Time
	status     int
	body       string
}

// visit makes one request and returns its status and body.
func (v *visitor) visit() (int, string) {
	req, err := http.NewRequest("GET", v.url, nil)
	if err != nil {
		panic(err)
	}
	if v.cookie != "" {
		req.Header.Set("Cookie", "sessionid="+v.cookie)
	}
	res, err := v.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, ck := range res.Cookies() {
		if ck.Name == "sessionid" && ck.Value != "" {
			v.cookie = ck.Value
		}
	}
	return res.StatusCode, string(b)
}

// runVisitors makes every visitor visit in a loop, one visit at a time:
// for d when stop is nil (and returns then), else until stop is closed
// (and returns at once; wg says when they are done).
func runVisitors(vs []*visitor, d time.Duration, stop chan struct{}, wg ...*sync.WaitGroup) {
	var own sync.WaitGroup
	group := &own
	if len(wg) > 0 {
		group = wg[0]
	}
	end := time.Now().Add(d)
	for _, v := range vs {
		group.Add(1)
		go func() {
			defer group.Done()
			for {
				if stop == nil && time.Now().After(end) {
					return
				}
				if stop != nil {
					select {
					case <-stop:
						return
					default:
					}
				}
				start := time.Now()
				code, body := v.visit()
				v.ops = append(v.ops, visit{start: start, end: time.Now(), status: code, body: body})
				if code == http.StatusOK {
					v.acked++
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	if stop == nil {
		own.Wait()
	}
}

// levels are what an outage could leak.
type levels struct {
	goroutines    int
	poolConns     uint32 // go-redis pool: open connections
	serverClients int    // redis-server's connected_clients (admin included)
}

// measureLevels closes the idle HTTP connections and reads the levels.
// With want, it polls (for up to 10 s) until they are no higher than
// want's, and fails the test if they stay higher. admin nil skips the
// server's count (the server is down).
func measureLevels(t *testing.T, tr *http.Transport, c, admin *goredis.Client, want *levels) levels {
	t.Helper()
	read := func() levels {
		tr.CloseIdleConnections()
		l := levels{goroutines: runtime.NumGoroutine(), poolConns: c.PoolStats().TotalConns}
		if admin != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			info, err := admin.Info(ctx, "clients").Result()
			if err != nil {
				t.Fatalf("INFO clients: %v", err)
			}
			for _, line := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_clients:"); ok {
					l.serverClients, _ = strconv.Atoi(v)
				}
			}
		}
		return l
	}
	time.Sleep(100 * time.Millisecond) // let the closed connections' goroutines end
	l := read()
	if want == nil {
		return l
	}
	deadline := time.Now().Add(10 * time.Second)
	for l.goroutines > want.goroutines || l.poolConns > want.poolConns || l.serverClients > want.serverClients {
		if time.Now().After(deadline) {
			t.Errorf("after the outage: %d goroutines, %d pool connections, %d server clients; before: %d, %d, %d",
				l.goroutines, l.poolConns, l.serverClients, want.goroutines, want.poolConns, want.serverClients)
			break
		}
		time.Sleep(100 * time.Millisecond)
		l = read()
	}
	return l
}
