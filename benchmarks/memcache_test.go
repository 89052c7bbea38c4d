package benchmarks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	"github.com/djsession/djsession/store/cacheddb"
	memcachestore "github.com/djsession/djsession/store/memcache"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/postgres"
)

// memcacheClient is a gomemcache client of the shared memcached whose
// connections count their writes (each command is one flush: one round
// trip).
func memcacheClient(b *testing.B, w *writes) *gomemcache.Client {
	addr := testservers.Require(b, testservers.EnvMemcacheAddr)
	sel, err := memcachestore.NewRendezvous(addr)
	if err != nil {
		b.Fatal(err)
	}
	c := gomemcache.NewFromSelector(sel)
	c.MaxIdleConns = 8
	c.DialContext = w.dial
	b.Cleanup(func() { c.Close() })
	return c
}

// scenarios are the four request kinds of the store benchmarks.
var scenarios = []struct {
	name       string
	handler    func(im impl) http.HandlerFunc
	withCookie bool
	setsCookie bool
}{
	{"ReadOnly", func(im impl) http.HandlerFunc { return im.read }, true, false},
	{"Modify", func(im impl) http.HandlerFunc { return im.modify }, true, true},
	{"New", func(im impl) http.HandlerFunc { return im.fill }, false, true},
	{"Untouched", func(impl) http.HandlerFunc { return untouched }, true, false},
}

// BenchmarkMemcache runs the four scenarios on the shared memcached over
// loopback, with the pickle codec (shared with Django) and the JSON codec
// (Go only), and reports the round trips per request.
func BenchmarkMemcache(b *testing.B) {
	var impls []impl
	counters := map[string]*writes{}
	for _, c := range []struct {
		name  string
		codec session.Codec
	}{{"djsession-memcache-pickle", pickle.Codec{}}, {"djsession-memcache-json", session.JSONCodec{}}} {
		w := &writes{}
		st, err := memcachestore.New(memcacheClient(b, w), memcachestore.Options{KeyPrefix: fmt.Sprintf("bench-%d", time.Now().UnixNano())})
		if err != nil {
			b.Fatal(err)
		}
		impls = append(impls, djsessionImpl(b, c.name, st, c.codec))
		counters[c.name] = w
	}
	b.Run("Floor", func(b *testing.B) {
		c := memcacheClient(b, &writes{})
		key := fmt.Sprintf("bench-floor-%d", time.Now().UnixNano())
		if err := c.Set(&gomemcache.Item{Key: key, Value: []byte(strings.Repeat("x", 120)), Expiration: 60}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Get(key); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			for _, im := range impls {
				b.Run(im.name, func(b *testing.B) {
					cookie := ""
					if sc.withCookie {
						cookie = newSession(b, im)
					}
					w := counters[im.name]
					before := w.n.Load()
					serve(b, im.wrap(sc.handler(im)), request(cookie), sc.setsCookie)
					b.ReportMetric(float64(w.n.Load()-before)/float64(b.N), "roundtrips/op")
				})
			}
		})
	}
}

// countingDB counts the queries cacheddb sends to its database store.
type countingDB struct {
	session.Store
	n atomic.Int64
}

func (d *countingDB) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	d.n.Add(1)
	return d.Store.Load(ctx, key)
}

func (d *countingDB) Save(ctx context.Context, key string, data []byte, exp time.Time, mustCreate bool) error {
	d.n.Add(1)
	return d.Store.Save(ctx, key, data, exp, mustCreate)
}

func (d *countingDB) Delete(ctx context.Context, key string) error {
	d.n.Add(1)
	return d.Store.Delete(ctx, key)
}

// BenchmarkCachedDB runs cacheddb on the shared PostgreSQL with the shared
// memcached as its cache: the four scenarios with the session in the cache
// (a hit), and a read whose cache entry was evicted before each request (a
// miss: the database, then the fill). It reports the cache's round trips
// and the database's queries per request; the plain PostgreSQL store is the
// row to compare with.
func BenchmarkCachedDB(b *testing.B) {
	dsn := testservers.Require(b, testservers.EnvPostgresDSN)
	db, err := postgres.Open(dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	table := fmt.Sprintf("bench_cacheddb_%d", time.Now().UnixNano())
	pg, err := postgres.New(db, sqlstore.Options{TableName: table})
	if err != nil {
		b.Fatal(err)
	}
	if err := pg.CreateTable(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Exec("DROP TABLE " + table) })
	cw := &writes{}
	rc, err := memcachestore.NewRawCache(memcacheClient(b, cw))
	if err != nil {
		b.Fatal(err)
	}
	counted := &countingDB{Store: pg}
	st, err := cacheddb.New(counted, rc, cacheddb.Options{
		DBCodec:   session.NewDjangoCodec(secret, nil, nil),
		KeyPrefix: fmt.Sprintf("bench-%d", time.Now().UnixNano()),
	})
	if err != nil {
		b.Fatal(err)
	}
	plainCounted := &countingDB{Store: pg}
	impls := []struct {
		im    impl
		cache *writes
		db    *countingDB
	}{
		{djsessionImpl(b, "djsession-cacheddb", st, nil), cw, counted},
		{djsessionImpl(b, "djsession-postgres", plainCounted, nil), &writes{}, plainCounted},
	}
	report := func(b *testing.B, cache *writes, db *countingDB, run func()) {
		c0, d0 := cache.n.Load(), db.n.Load()
		run()
		b.ReportMetric(float64(cache.n.Load()-c0)/float64(b.N), "cache-roundtrips/op")
		b.ReportMetric(float64(db.n.Load()-d0)/float64(b.N), "db-queries/op")
	}
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			for _, x := range impls {
				b.Run(x.im.name, func(b *testing.B) {
					cookie := ""
					if sc.withCookie {
						cookie = newSession(b, x.im)
					}
					report(b, x.cache, x.db, func() { serve(b, x.im.wrap(sc.handler(x.im)), request(cookie), sc.setsCookie) })
				})
			}
		})
	}
	b.Run("ReadOnlyCacheMiss/djsession-cacheddb", func(b *testing.B) {
		im := impls[0].im
		cookie := newSession(b, im)
		evict := memcacheClient(b, &writes{})
		ck := st.CacheKey(strings.TrimPrefix(cookie, "sessionid="))
		h := im.wrap(http.HandlerFunc(im.read))
		report(b, cw, counted, func() {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				if err := evict.Delete(ck); err != nil && err != gomemcache.ErrCacheMiss {
					b.Fatal(err)
				}
				b.StartTimer()
				rec := httptest.NewRecorder()
				r := *request(cookie)
				h.ServeHTTP(rec, &r)
				if rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	})
}
