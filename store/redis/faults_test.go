package redis_test

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/storetest"
	redisstore "github.com/djsession/djsession/store/redis"
)

// This file holds what the fault tests (cluster_test.go, sentinel_test.go,
// outage_test.go) share: a load that writes sessions while a server fails,
// and the check that nothing it was told was saved is lost.

// op is one store call made during a fault test.
type op struct {
	start, end time.Time
	group      string // which part of the keyspace the key belongs to
	err        error
}

// faultLoad writes new sessions and reads old ones from several
// goroutines until stopped, and remembers every session whose save was
// acknowledged.
type faultLoad struct {
	st    *redisstore.Store
	group func(key string) string // the keyspace part of a key ("" = one part)

	mu    sync.Mutex
	acked map[string][]byte // session key -> data, for every save that returned nil
	ops   []op
	stop  chan struct{}
	wg    sync.WaitGroup
}

func newFaultLoad(st *redisstore.Store, group func(string) string) *faultLoad {
	if group == nil {
		group = func(string) string { return "" }
	}
	return &faultLoad{st: st, group: group, acked: map[string][]byte{}, stop: make(chan struct{})}
}

// seed saves n sessions and fails the test unless every save succeeds.
func (l *faultLoad) seed(t *testing.T, n int) {
	t.Helper()
	for range n {
		key := session.NewKey()
		data := []byte("seeded " + key)
		if err := l.st.Save(t.Context(), key, data, time.Now().Add(time.Hour), true); err != nil {
			t.Fatalf("seeding: %v", err)
		}
		l.acked[key] = data
	}
}

// run starts workers goroutines, each saving a new session and reading a
// seeded one in turn, every call bounded by timeout.
func (l *faultLoad) run(workers int, timeout time.Duration) {
	l.mu.Lock()
	seeded := make([]string, 0, len(l.acked))
	for k := range l.acked {
		seeded = append(seeded, k)
	}
	l.mu.Unlock()
	sort.Strings(seeded)
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := w; ; i += workers {
				select {
				case <-l.stop:
					return
				default:
				}
				key := session.NewKey()
				data := []byte("written " + key)
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				start := time.Now()
				err := l.st.Save(ctx, key, data, time.Now().Add(time.Hour), true)
				l.record(op{start: start, end: time.Now(), group: l.group(key), err: err}, key, data)
				old := seeded[i%len(seeded)]
				start = time.Now()
				got, _, found, err := l.st.Load(ctx, old)
				if err == nil && !found {
					err = fmt.Errorf("seeded session %s not found", old)
				}
				if err == nil && !bytes.Equal(got, []byte("seeded "+old)) {
					err = fmt.Errorf("seeded session %s holds %q", old, got)
				}
				l.record(op{start: start, end: time.Now(), group: l.group(old), err: err}, "", nil)
				cancel()
				time.Sleep(2 * time.Millisecond) // a steady load, not a busy loop
			}
		}()
	}
}

func (l *faultLoad) record(o op, key string, data []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops = append(l.ops, o)
	if o.err == nil && key != "" {
		l.acked[key] = data
	}
}

// halt stops the workers and waits for them.
func (l *faultLoad) halt() {
	close(l.stop)
	l.wg.Wait()
}

// summary counts the calls and errors of a group, and the window the
// errors fall in: from the start of the first failed call to the end of
// the last.
type summary struct {
	calls, errors     int
	firstErr, lastErr time.Time
	sample            error
}

func (l *faultLoad) summary(group string) summary {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s summary
	for _, o := range l.ops {
		if o.group != group {
			continue
		}
		s.calls++
		if o.err == nil {
			continue
		}
		s.errors++
		if s.firstErr.IsZero() || o.start.Before(s.firstErr) {
			s.firstErr = o.start
		}
		if o.end.After(s.lastErr) {
			s.lastErr = o.end
		}
		if s.sample == nil {
			s.sample = o.err
		}
	}
	return s
}

// checkNothingLost reads back every acknowledged session through st and
// reports each that is missing or holds other data.
func (l *faultLoad) checkNothingLost(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	lost := 0
	for key, want := range l.acked {
		got, _, found, err := l.st.Load(t.Context(), key)
		if err != nil || !found || !bytes.Equal(got, want) {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged session %s: Load = %q, found %v, %v; want %q", key, got, found, err, want)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged sessions lost", lost, len(l.acked))
	}
	t.Logf("%d acknowledged sessions, %d lost", len(l.acked), lost)
}

// waitFor polls cond every 20 ms until it returns nil or the deadline
// passes, and returns when it first succeeded.
func waitFor(t *testing.T, deadline time.Duration, what string, cond func(ctx context.Context) error) time.Time {
	t.Helper()
	end := time.Now().Add(deadline)
	var last error
	for time.Now().Before(end) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		last = cond(ctx)
		cancel()
		if last == nil {
			return time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v; last error: %v", what, deadline, last)
	return time.Time{}
}

// storetestThrough runs the conformance suite on stores that talk through
// c (a failover or cluster client), each under a prefix of its own.
func storetestThrough(t *testing.T, c goredis.UniversalClient) {
	storetest.RunWithOptions(t, func(t *testing.T) session.Store {
		return newStore(t, c, redisstore.Options{KeyPrefix: uniquePrefix(t), LoadExpiry: true})
	}, storetest.Options{ExpiryGranularity: 25 * time.Millisecond, ClearExpiredIsNoop: true})
}

// failoverUnderLoad seeds 300 sessions and runs load (4 workers, calls
// bounded at 2 s); after 300 ms of steady load it stops master with
// SIGTERM, waits up to 30 s for probe (named what) to succeed, lets the
// load run 300 ms more and halts it. It returns when master was stopped
// and when probe first succeeded.
func failoverUnderLoad(t *testing.T, load *faultLoad, master *testservers.Server, what string, probe func(ctx context.Context) error) (stopped, recovered time.Time) {
	t.Helper()
	load.seed(t, 300)
	load.run(4, 2*time.Second)
	time.Sleep(300 * time.Millisecond) // a steady load before the fault

	stopped = time.Now()
	if err := master.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("master %s stopped (SIGTERM) in %v", master.Addr, time.Since(stopped).Round(time.Millisecond))
	recovered = waitFor(t, 30*time.Second, what, probe)
	time.Sleep(300 * time.Millisecond) // and a steady load after it
	load.halt()
	return stopped, recovered
}
