package cookiestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
)

// benchValues is the benchmarks module's session: a user, a cart, a counter.
func benchValues() map[string]any {
	return map[string]any{"user_id": int64(42), "username": "alice", "cart": []any{"apple", "pear", "plum"}, "visits": int64(1)}
}

func BenchmarkSaveKey(b *testing.B) {
	for _, f := range forms {
		b.Run(f.name, func(b *testing.B) {
			st := newStore(b, session.Config{}, f.opts)
			exp := time.Now().Add(time.Hour)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.SaveKey(context.Background(), benchValues(), exp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadValues reads one cookie again and again: from the cache,
// and without it (a cookie never seen before).
func BenchmarkLoadValues(b *testing.B) {
	for _, f := range forms {
		for _, cached := range []bool{true, false} {
			name := f.name
			opts := f.opts
			if !cached {
				name += "-uncached"
				opts.CacheEntries = -1
			}
			b.Run(name, func(b *testing.B) {
				st := newStore(b, session.Config{}, opts)
				v, err := st.SaveKey(context.Background(), benchValues(), time.Now().Add(time.Hour))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, _, found, _ := st.LoadValues(context.Background(), v); !found {
						b.Fatal("not found")
					}
				}
			})
		}
	}
}
