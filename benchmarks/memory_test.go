package benchmarks

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/alexedwards/scs/v2/memstore"
	"github.com/djsession/djsession/store/memory"
)

// BenchmarkMemoryPerSession measures the heap that a live session costs in
// an in-process store: djsession's store/memory and scs's memstore, each
// filled through its own middleware by the "new session" handler (the four
// values of every scenario), n sessions in all. The figure, B/session, is
// the growth of the live heap (runtime.MemStats.HeapAlloc after a full
// collection) divided by n: the record, its key, the store's index and
// whatever the store keeps of the values. Time is not measured (ns/op is
// suppressed): the sessions are made once per run whatever b.N is.
func BenchmarkMemoryPerSession(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		name := fmt.Sprintf("%dk", n/1000)
		if n >= 1_000_000 {
			name = fmt.Sprintf("%dM", n/1_000_000)
		}
		b.Run(name+"/djsession", func(b *testing.B) {
			store := memory.New(memory.Options{MaxEntries: n, MaxBytes: -1}) // no byte budget: every session stays
			measureSessions(b, n, djsessionImpl(b, "djsession", store, nil), store)
			if store.Len() != n {
				b.Fatalf("the store holds %d sessions, want %d", store.Len(), n)
			}
		})
		b.Run(name+"/scs", func(b *testing.B) {
			store := memstore.NewWithCleanupInterval(0)
			measureSessions(b, n, scsImplWith(store), store)
			if all, _ := store.All(); len(all) != n {
				b.Fatalf("the store holds %d sessions, want %d", len(all), n)
			}
		})
	}
}

func measureSessions(b *testing.B, n int, im impl, store any) {
	h := im.wrap(http.HandlerFunc(im.fill))
	req := request("")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		rec := httptest.NewRecorder()
		r := *req
		h.ServeHTTP(rec, &r)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(store)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(n), "B/session")
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(0, "B/op")
	b.ReportMetric(0, "allocs/op")
}
