package cacheddbtest

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cacheddb"
)

// TestCacheDownServesFromTheDatabase logs alice in, then takes the cache
// away (stopped, then frozen with SIGSTOP): her requests keep being served
// from the database, never an error page; once the breaker is open each
// costs less than one cache timeout (measured); one log line says the cache
// is given up and one that it is back.
func TestCacheDownServesFromTheDatabase(t *testing.T) {
	for _, c := range ownCaches(t) {
		for _, fault := range []struct {
			name         string
			break_, heal func(t *testing.T)
		}{
			{"stopped", func(t *testing.T) { must(t, c.srv.Stop()) }, func(t *testing.T) { must(t, c.srv.Start(context.Background())) }},
			{"frozen (SIGSTOP)", func(t *testing.T) { must(t, c.srv.Pause()) }, func(t *testing.T) { must(t, c.srv.Resume()) }},
		} {
			t.Run(c.name+" "+fault.name, func(t *testing.T) {
				logs := &logBuffer{}
				db, _ := sqliteDB(t, tempDB(t))
				const retry = 400 * time.Millisecond
				st := newStore(t, db, c.cache, cacheddb.Options{RetryAfter: retry,
					Logger: slog.New(slog.NewTextHandler(logs, nil))})
				g := newGoSide(t, st)
				_, key := g.OK(t, "/login", "")
				if !c.has(t, st.CacheKey(key)) {
					t.Fatal("the login did not fill the cache")
				}

				fault.break_(t)
				healed := false
				defer func() {
					if !healed {
						fault.heal(t)
					}
				}()
				var first, slowest time.Duration
				for i := range 20 {
					start := time.Now()
					code, body, _ := g.Do(t, "/whoami", key)
					took := time.Since(start)
					if code != 200 || body != "user=1" {
						t.Fatalf("request %d with the cache %s: %d %q, want alice from the database", i, fault.name, code, body)
					}
					if i == 0 {
						first = took
					} else {
						slowest = max(slowest, took)
					}
				}
				t.Logf("cache %s: the first request took %v, the slowest after it %v (cache timeout %v)", fault.name, first, slowest, cacheTimeout)
				if first >= 3*cacheTimeout {
					t.Errorf("the first request took %v: more than one cache timeout (%v) and the database", first, cacheTimeout)
				}
				if slowest >= cacheTimeout {
					t.Errorf("with the breaker open a request took %v, more than one cache timeout (%v)", slowest, cacheTimeout)
				}
				if !st.CacheSkipped() {
					t.Error("the breaker is not open")
				}
				if n := strings.Count(logs.String(), "the cache failed"); n != 1 {
					t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
				}

				fault.heal(t)
				healed = true
				time.Sleep(retry + 50*time.Millisecond)
				if body, _ := g.OK(t, "/whoami", key); body != "user=1" {
					t.Fatalf("after the cache is back: %q", body)
				}
				if st.CacheSkipped() {
					t.Error("the breaker did not close after the cache came back")
				}
				if !strings.Contains(logs.String(), "the cache answers again") {
					t.Errorf("no log line for the recovery:\n%s", logs.String())
				}
				if !c.has(t, st.CacheKey(key)) {
					t.Error("the cache was not filled again after it came back")
				}
			})
		}
	}
}

// TestLogoutWhileTheCacheIsDown is the stale copy: alice logs out while
// the cache is stopped, so her cached session survives there (a Redis with
// an append-only file brings it back on restart); when the cache is back,
// the store deletes it before trusting the cache again, and her old cookie
// is anonymous. (A frozen server heals by itself: the DEL waits in its
// socket and runs on SIGCONT. memcached keeps nothing across a restart.)
func TestLogoutWhileTheCacheIsDown(t *testing.T) {
	testservers.Require(t, testservers.EnvRedisAddr)
	srv, err := testservers.StartRedis(context.Background(), "", "--appendonly", "yes", "--appendfsync", "always")
	must(t, err)
	t.Cleanup(func() { srv.Close() })
	c := redisCache(t, srv.Addr, srv)
	db, _ := sqliteDB(t, tempDB(t))
	const retry = 300 * time.Millisecond
	st := newStore(t, db, c.cache, cacheddb.Options{RetryAfter: retry, Logger: slog.New(slog.DiscardHandler)})
	g := newGoSide(t, st)
	_, key := g.OK(t, "/login", "")
	must(t, srv.Stop())
	if _, cookie := g.OK(t, "/logout", key); cookie != "-" {
		t.Fatalf("logout while the cache is stopped: cookie %q", cookie)
	}
	must(t, srv.Start(context.Background()))
	if !c.has(t, st.CacheKey(key)) {
		t.Fatal("the test wants the stale copy in the cache after the restart; it is not there")
	}
	time.Sleep(retry + 50*time.Millisecond)
	if body, _ := g.OK(t, "/whoami", key); body != "user=" {
		t.Errorf("alice's old cookie after the cache is back: %q, want anonymous", body)
	}
	if c.has(t, st.CacheKey(key)) {
		t.Error("the stale copy is still in the cache")
	}
}

// TestDatabaseDownIsAnError: the database is the truth, so a database
// that fails is the store error, and the login fails (500) rather than
// living in the cache alone.
func TestDatabaseDownIsAnError(t *testing.T) {
	c := sharedCaches(t)[0]
	dbStore, db := sqliteDB(t, tempDB(t))
	st := newStore(t, dbStore, c.cache, cacheddb.Options{Logger: slog.New(slog.DiscardHandler)})
	g := newGoSide(t, st)
	_, key := g.OK(t, "/login", "")
	db.Close()
	if code, _, _ := g.Do(t, "/login", ""); code != 500 {
		t.Errorf("a login with the database closed answered %d, want 500", code)
	}
	// A cached session still reads (Django's read path: the cache first).
	if body, _ := g.OK(t, "/whoami", key); body != "user=1" {
		t.Errorf("a cached session with the database closed: %q", body)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestProbeCutShortByItsRequest: the request that probes a frozen cache
// goes away (the client hangs up) before the cache answers. That says
// nothing about the cache, and must not leave the breaker waiting for a
// probe that never ends: once the cache is back, a later request closes it.
func TestProbeCutShortByItsRequest(t *testing.T) {
	c := ownCaches(t)[1] // Redis: it honours the context's deadline
	db, _ := sqliteDB(t, tempDB(t))
	const retry = 200 * time.Millisecond
	st := newStore(t, db, c.cache, cacheddb.Options{RetryAfter: retry, Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	key := session.NewKey()
	must(t, st.SaveValues(ctx, key, map[string]any{"a": int64(1)}, time.Now().Add(time.Hour), true))
	must(t, c.srv.Pause())
	defer c.srv.Resume()
	// Exists, not a load: a load would fill the cache and leave a stale
	// entry for the probe to delete first.
	if found, err := st.Exists(ctx, key); err != nil || !found {
		t.Fatalf("Exists with the cache frozen = %v, %v; want the database's answer", found, err)
	}
	if !st.CacheSkipped() {
		t.Fatal("the breaker did not open")
	}
	time.Sleep(retry + 20*time.Millisecond)
	// The probe: its client hangs up while it waits for the cache.
	short, cancel := context.WithCancel(ctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	st.Exists(short, key)
	cancel()
	must(t, c.srv.Resume())
	time.Sleep(retry + 20*time.Millisecond)
	if _, _, found, err := st.LoadValues(ctx, key); err != nil || !found {
		t.Fatalf("LoadValues after the cache is back = %v, %v", found, err)
	}
	if st.CacheSkipped() {
		t.Error("the breaker is still open: the probe that was cut short blocked every later one")
	}
}
