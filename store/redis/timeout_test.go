package redis_test

import (
	"context"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	redisstore "github.com/djsession/djsession/store/redis"
)

// deadlines is a go-redis hook that records the deadline of the context
// each command is sent with.
type deadlines struct {
	mu  sync.Mutex
	got []time.Time // zero: none
}

func (h *deadlines) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h *deadlines) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		dl, _ := ctx.Deadline()
		h.mu.Lock()
		h.got = append(h.got, dl)
		h.mu.Unlock()
		return context.Canceled // nothing goes out: there is no server
	}
}

func (h *deadlines) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		dl, _ := ctx.Deadline()
		h.mu.Lock()
		h.got = append(h.got, dl)
		h.mu.Unlock()
		return context.Canceled
	}
}

// TestTimeoutBoundsEveryCall checks the deadline each command of the store
// is sent with: Options.Timeout when the caller's context has none or a
// later one, the caller's when it is sooner, none with a negative Timeout.
func TestTimeoutBoundsEveryCall(t *testing.T) {
	soon := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 50*time.Millisecond)
	}
	late := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), time.Hour)
	}
	none := func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		ctx     func() (context.Context, context.CancelFunc)
		want    time.Duration // from now; 0 = no deadline
	}{
		{"the default Timeout bounds a context without a deadline", 0, none, redisstore.DefaultTimeout},
		{"Timeout bounds a context without a deadline", 300 * time.Millisecond, none, 300 * time.Millisecond},
		{"Timeout bounds a context whose deadline is later", 300 * time.Millisecond, late, 300 * time.Millisecond},
		{"a sooner deadline of the context stays", 300 * time.Millisecond, soon, 50 * time.Millisecond},
		{"a negative Timeout leaves a context without a deadline", -1, none, 0},
		{"a negative Timeout leaves the context's deadline", -1, late, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, loadExpiry := range []bool{false, true} {
				h := &deadlines{}
				c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
				c.AddHook(h)
				st := newStore(t, c, redisstore.Options{Timeout: tc.timeout, LoadExpiry: loadExpiry})
				calls := []func(ctx context.Context){
					func(ctx context.Context) { st.Load(ctx, "abc") },
					func(ctx context.Context) { st.Save(ctx, "abc", []byte("x"), time.Now().Add(time.Hour), true) },
					func(ctx context.Context) { st.Save(ctx, "abc", []byte("x"), time.Now().Add(time.Hour), false) },
					func(ctx context.Context) { st.Delete(ctx, "abc") },
					func(ctx context.Context) { st.Exists(ctx, "abc") },
				}
				for _, call := range calls {
					ctx, cancel := tc.ctx()
					start := time.Now()
					call(ctx)
					cancel()
					h.mu.Lock()
					got := h.got[len(h.got)-1]
					h.mu.Unlock()
					switch {
					case tc.want == 0 && !got.IsZero():
						t.Errorf("a command was sent with a deadline in %v, want none", got.Sub(start))
					case tc.want != 0 && (got.IsZero() || got.Sub(start) < tc.want-10*time.Millisecond || got.Sub(start) > tc.want+time.Second):
						t.Errorf("a command was sent with the deadline %v (in %v), want in %v", got, got.Sub(start), tc.want)
					}
				}
				if len(h.got) != len(calls) {
					t.Errorf("%d commands for %d calls", len(h.got), len(calls))
				}
				c.Close()
			}
		})
	}
}
