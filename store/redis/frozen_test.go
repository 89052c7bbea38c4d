package redis_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	redisstore "github.com/djsession/djsession/store/redis"
)

// TestFrozenServer freezes a redis-server of its own with SIGSTOP: the
// kernel still accepts connections and nothing answers. Every request
// through the middleware ends by the bound that applies to it (the
// request's own deadline, session.Config.SaveTimeout for the save,
// Options.Timeout for the read), also for 60 requests at once, and with a
// client built without
// ContextTimeoutEnabled (bounded by the first ReadTimeout that runs out
// after the deadline); after SIGCONT the requests succeed again.
func TestFrozenServer(t *testing.T) {
	testservers.Require(t, testservers.EnvRedisAddr) // the full command has redis-server
	ctx := t.Context()
	srv, err := testservers.StartRedis(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	const (
		storeTimeout = 400 * time.Millisecond
		saveTimeout  = 200 * time.Millisecond
		reqDeadline  = 100 * time.Millisecond
		readTimeout  = 300 * time.Millisecond // of the client without ContextTimeoutEnabled
		// Without ContextTimeoutEnabled each attempt waits ReadTimeout,
		// and go-redis makes no new attempt once the deadline has passed:
		// the call ends at the first ReadTimeout that runs out after it.
		offBound = (storeTimeout/readTimeout + 1) * readTimeout
	)
	on := goredis.NewClient(&goredis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { on.Close() })
	off := goredis.NewClient(&goredis.Options{Addr: srv.Addr, ReadTimeout: readTimeout})
	t.Cleanup(func() { off.Close() })
	handler := func(c goredis.UniversalClient, opts redisstore.Options) http.Handler {
		m, err := session.New(newStore(t, c, opts), session.Config{
			SecretKey:   []byte("a secret key for this test only, long enough"),
			Codec:       pickle.Codec{},
			Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
			SaveTimeout: saveTimeout,
		})
		if err != nil {
			t.Fatal(err)
		}
		return m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.FromRequest(r)
			switch r.URL.Path {
			case "/read":
				s.Get("user")
			case "/login":
				s.Set("user", "alice")
			}
		}))
	}
	hOn := handler(on, redisstore.Options{Timeout: storeTimeout})
	hOff := handler(off, redisstore.Options{Timeout: storeTimeout, AllowContextTimeoutOff: true})

	// A session to read, from each client.
	cookies := map[http.Handler]string{}
	for _, h := range []http.Handler{hOn, hOff} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
		for _, ck := range rec.Result().Cookies() {
			cookies[h] = ck.Value
		}
		if rec.Code != http.StatusOK || cookies[h] == "" {
			t.Fatalf("login: %d, cookie %q", rec.Code, cookies[h])
		}
	}

	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			srv.Resume()
		}
	})
	for _, tc := range []struct {
		name     string
		h        http.Handler
		path     string
		deadline time.Duration // of the request's context; 0 = none
		parallel int
		bound    time.Duration
	}{
		{"a read ends at Options.Timeout", hOn, "/read", 0, 1, storeTimeout},
		{"a read ends at the request's deadline when it comes sooner", hOn, "/read", reqDeadline, 1, reqDeadline},
		{"a new session's save ends at SaveTimeout", hOn, "/login", 0, 1, saveTimeout},
		{"60 reads at once end at Options.Timeout", hOn, "/read", 0, 60, storeTimeout},
		{"60 saves at once end at SaveTimeout", hOn, "/login", 0, 60, saveTimeout},
		{"without ContextTimeoutEnabled a read ends at the first ReadTimeout after Options.Timeout", hOff, "/read", 0, 1, offBound},
		{"without ContextTimeoutEnabled 60 reads at once end at the first ReadTimeout after Options.Timeout", hOff, "/read", 0, 60, offBound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			var slowest time.Duration
			codes := map[int]int{}
			for range tc.parallel {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req := httptest.NewRequest("GET", tc.path, nil)
					if tc.path == "/read" {
						req.Header.Set("Cookie", "sessionid="+cookies[tc.h])
					}
					if tc.deadline > 0 {
						rctx, cancel := context.WithTimeout(req.Context(), tc.deadline)
						defer cancel()
						req = req.WithContext(rctx)
					}
					rec := httptest.NewRecorder()
					start := time.Now()
					tc.h.ServeHTTP(rec, req)
					took := time.Since(start)
					mu.Lock()
					defer mu.Unlock()
					slowest = max(slowest, took)
					codes[rec.Code]++
				}()
			}
			wg.Wait()
			t.Logf("%d requests: answers %v, the slowest in %v (bound %v)", tc.parallel, codes, slowest.Round(time.Millisecond), tc.bound)
			if codes[http.StatusInternalServerError] != tc.parallel {
				t.Errorf("answers %v, want %d × 500", codes, tc.parallel)
			}
			// A loaded 2-core machine may be late, never by seconds.
			if slowest > tc.bound+time.Second {
				t.Errorf("the slowest request took %v, want about %v", slowest, tc.bound)
			}
		})
	}

	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	resumed = true
	resumedAt := time.Now()
	for _, h := range []http.Handler{hOn, hOff} {
		for {
			req := httptest.NewRequest("GET", "/read", nil)
			req.Header.Set("Cookie", "sessionid="+cookies[h])
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code == http.StatusOK {
				break
			}
			if time.Since(resumedAt) > 10*time.Second {
				t.Fatalf("a read answered %d 10 s after SIGCONT", rec.Code)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Logf("reads succeed again %v after SIGCONT", time.Since(resumedAt).Round(100*time.Microsecond))
	if d := time.Since(resumedAt); d > time.Second {
		t.Errorf("reads succeeded again %v after SIGCONT, want within a second", d)
	}
}
