package memcache_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/internal/interoptest"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	memcachestore "github.com/djsession/djsession/store/memcache"
)

// countingConn counts the writes on a connection: gomemcache flushes each
// command in one write before it reads the answer, so a write is a round
// trip.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// TestRoundTripsPerRequest checks the round trips the package doc
// promises: none for a request that does not touch its session, one for a
// read, one for a new session, two for a modification.
func TestRoundTripsPerRequest(t *testing.T) {
	addr := sharedAddr(t)
	var n atomic.Int64
	c := gomemcache.New(addr)
	c.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		return countingConn{conn, &n}, nil
	}
	defer c.Close()
	m, err := session.New(newStore(t, c, memcachestore.Options{}), session.Config{SecretKey: []byte(interoptest.Secret), Codec: pickle.Codec{}})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		switch r.URL.Path {
		case "/new", "/modify":
			v, _, _ := s.GetInt("visits")
			s.Set("visits", v+1)
		case "/read":
			s.Get("visits")
		}
	}))
	do := func(path, cookie string) (string, int64) {
		req := httptest.NewRequest("GET", path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", "sessionid="+cookie)
		}
		before := n.Load()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		for _, ck := range rec.Result().Cookies() {
			if ck.Name == "sessionid" {
				cookie = ck.Value
			}
		}
		return cookie, n.Load() - before
	}
	key, got := do("/new", "")
	if got != 1 {
		t.Errorf("a new session: %d round trips, want 1 (add)", got)
	}
	for _, tc := range []struct {
		path string
		want int64
	}{{"/read", 1}, {"/modify", 2}, {"/untouched", 0}} {
		if _, got := do(tc.path, key); got != tc.want {
			t.Errorf("%s: %d round trips, want %d", tc.path, got, tc.want)
		}
	}
}

// TestOneOfTwoServersDown stops one of two servers: the sessions on it
// load as anonymous (its keys are not moved elsewhere, see Rendezvous),
// the others are unaffected, and nothing is an error page.
func TestOneOfTwoServersDown(t *testing.T) {
	a, b := ownServer(t), ownServer(t)
	sel, err := memcachestore.NewRendezvous(a.Addr, b.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c := gomemcache.NewFromSelector(sel)
	c.Timeout = 200 * time.Millisecond
	defer c.Close()
	st := newStore(t, c, memcachestore.Options{Logger: quiet()})
	g := newGoSide(t, st)
	onA, onB := "", ""
	for onA == "" || onB == "" {
		_, key := g.OK(t, "/login", "")
		if sel.Server(st.Key(key)) == a.Addr {
			onA = key
		} else {
			onB = key
		}
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	if body, _ := g.OK(t, "/whoami", onA); body != "user=" {
		t.Errorf("a session on the stopped server: %q, want anonymous", body)
	}
	if body, _ := g.OK(t, "/whoami", onB); body != "user=1" {
		t.Errorf("a session on the other server: %q, want alice", body)
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }
