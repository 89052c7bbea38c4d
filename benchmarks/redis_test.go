package benchmarks

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/gomodule/redigo/redis"
	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	redisstore2 "github.com/djsession/djsession/store/redis"
)

// writes counts the writes on the connections it dialed: each is one
// round trip (both clients buffer a command, or a pipeline, and flush it
// in one write before reading the answer).
type writes struct{ n atomic.Int64 }

type countingConn struct {
	net.Conn
	w *writes
}

func (c countingConn) Write(p []byte) (int, error) {
	c.w.n.Add(1)
	return c.Conn.Write(p)
}

func (w *writes) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return countingConn{c, w}, nil
}

// redisImpls are the session libraries on the shared redis-server: this
// project's store with the pickle codec (what a site that shares sessions
// with Django runs) and with the JSON codec (Go only), and scs's
// redisstore on redigo (gob).
func redisImpls(b *testing.B) ([]impl, map[string]*writes) {
	addr := testservers.Require(b, testservers.EnvRedisAddr)
	counters := map[string]*writes{}
	var out []impl
	for _, c := range []struct {
		name  string
		codec session.Codec
	}{{"djsession-pickle", pickle.Codec{}}, {"djsession-json", session.JSONCodec{}}} {
		w := &writes{}
		client := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true, Dialer: w.dial})
		b.Cleanup(func() { client.Close() })
		st, err := redisstore2.New(client, redisstore2.Options{KeyPrefix: fmt.Sprintf("bench-%d", time.Now().UnixNano())})
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, djsessionImpl(b, c.name, st, c.codec))
		counters[c.name] = w
	}
	w := &writes{}
	pool := &redis.Pool{MaxIdle: 10, Dial: func() (redis.Conn, error) {
		c, err := w.dial(context.Background(), "tcp", addr)
		if err != nil {
			return nil, err
		}
		return redis.NewConn(c, 5*time.Second, 5*time.Second), nil
	}}
	b.Cleanup(func() { pool.Close() })
	sm := scs.New()
	sm.Store = redisstore.NewWithPrefix(pool, fmt.Sprintf("bench-scs-%d:", time.Now().UnixNano()))
	out = append(out, scsOn(sm, "scs-redisstore"))
	counters["scs-redisstore"] = w
	return out, counters
}

// BenchmarkRedis runs the four scenarios on the shared redis-server over
// loopback and reports the round trips per request besides the time.
func BenchmarkRedis(b *testing.B) {
	scenarios := []struct {
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
	impls, counters := redisImpls(b)
	b.Run("Floor", func(b *testing.B) { redisFloor(b) })
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

// redisFloor measures one bare GET of a session-sized value with each
// client, outside any session library: the floor of a read-only request.
func redisFloor(b *testing.B) {
	addr := testservers.Require(b, testservers.EnvRedisAddr)
	ctx := context.Background()
	key := fmt.Sprintf("bench-floor-%d", time.Now().UnixNano())
	value := strings.Repeat("x", 120)
	c := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true})
	defer c.Close()
	if err := c.Set(ctx, key, value, time.Minute).Err(); err != nil {
		b.Fatal(err)
	}
	b.Run("go-redis-GET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Get(ctx, key).Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
	pool := &redis.Pool{MaxIdle: 10, Dial: func() (redis.Conn, error) { return redis.Dial("tcp", addr) }}
	defer pool.Close()
	b.Run("redigo-GET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			conn := pool.Get()
			_, err := redis.Bytes(conn.Do("GET", key))
			conn.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
