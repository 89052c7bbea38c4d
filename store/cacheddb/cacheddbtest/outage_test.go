package cacheddbtest

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cacheddb"
)

// TestNoStaleReadAcrossAnOutage has goroutines that each own a session and
// keep reading it and incrementing a counter in it, while the cache (a
// Redis whose append-only file brings its old entries back on restart) is
// stopped and started again: every read must see the goroutine's own last
// write, from the database while the cache is skipped and from the cache
// once it is trusted again, never an entry the outage left behind. Run it
// with -race: it is the breaker under concurrent use.
func TestNoStaleReadAcrossAnOutage(t *testing.T) {
	testservers.Require(t, testservers.EnvRedisAddr)
	srv, err := testservers.StartRedis(context.Background(), "", "--appendonly", "yes", "--appendfsync", "always")
	must(t, err)
	t.Cleanup(func() { srv.Close() })
	c := redisCache(t, srv.Addr, srv)
	db, _ := sqliteDB(t, tempDB(t))
	st := newStore(t, db, c.cache, cacheddb.Options{RetryAfter: 150 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	m, err := session.New(st, session.Config{SecretKey: []byte(secret), Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	ctx := context.Background()

	const workers = 6
	stop := make(chan struct{})
	var wg sync.WaitGroup
	writes := make([]int64, workers)
	for w := range workers {
		s, err := m.Open(ctx, "")
		must(t, err)
		s.Set("n", 0)
		must(t, s.Save(ctx))
		key := s.Key()
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := int64(0)
			for i := 0; ; i++ {
				select {
				case <-stop:
					writes[w] = want
					return
				default:
				}
				s, err := m.Open(ctx, key)
				if err != nil {
					t.Errorf("worker %d: open: %v", w, err)
					return
				}
				if got, _, _ := s.GetInt("n"); got != want {
					t.Errorf("worker %d read n=%d, its last write was %d (a stale cache entry)", w, got, want)
					return
				}
				if i%4 != 3 { // mostly reads, as a site's requests are
					continue
				}
				want++
				s.Set("n", want)
				if err := s.Save(ctx); err != nil {
					t.Errorf("worker %d: save: %v", w, err)
					return
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	must(t, srv.Stop())
	time.Sleep(400 * time.Millisecond)
	must(t, srv.Start(context.Background()))
	time.Sleep(800 * time.Millisecond)
	close(stop)
	wg.Wait()
	if st.CacheSkipped() {
		t.Error("the breaker is still open after the cache came back")
	}
	t.Logf("writes per worker: %v", writes)
}
