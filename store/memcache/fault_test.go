package memcache_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"

	memcachestore "github.com/djsession/djsession/store/memcache"
)

// TestServerStoppedMidRun stops the test's own memcached under a logged-in
// user: her requests are anonymous (200, never 500) while it is down, one
// log line says so, and after it is back (empty: memcached keeps nothing)
// she can log in again; the old cookie stays anonymous.
func TestServerStoppedMidRun(t *testing.T) {
	srv := ownServer(t)
	c := gomemcache.New(srv.Addr)
	c.Timeout = 200 * time.Millisecond
	defer c.Close()
	var logs bytes.Buffer
	st := newStore(t, c, memcachestore.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	g := newGoSide(t, st)

	_, key := g.OK(t, "/login", "")
	if body, _ := g.OK(t, "/whoami", key); body != "user=1" {
		t.Fatalf("before the stop: %q", body)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		code, body, _ := g.Do(t, "/whoami", key)
		if code != 200 || body != "user=" {
			t.Fatalf("request %d while memcached is stopped: %d %q, want 200 and anonymous", i, code, body)
		}
	}
	if n := strings.Count(logs.String(), "does not answer"); n != 1 {
		t.Errorf("%d warnings for 5 failing requests, want 1:\n%s", n, logs.String())
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if body, _ := g.OK(t, "/whoami", key); body != "user=" {
		t.Errorf("after the restart the old cookie is %q, want anonymous (memcached kept nothing)", body)
	}
	if !strings.Contains(logs.String(), "answers again") {
		t.Errorf("no log line for the recovery:\n%s", logs.String())
	}
	_, key2 := g.OK(t, "/login", "")
	if body, _ := g.OK(t, "/whoami", key2); body != "user=1" {
		t.Errorf("a new login after the restart: %q", body)
	}
}

// TestReportLoadErrors checks the opt-out: Load returns the error, where
// by default it reports a miss.
func TestReportLoadErrors(t *testing.T) {
	srv := ownServer(t)
	c := gomemcache.New(srv.Addr)
	c.Timeout = 200 * time.Millisecond
	defer c.Close()
	strict := newStore(t, c, memcachestore.Options{ReportLoadErrors: true})
	lenient := newStore(t, c, memcachestore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := strict.Load(t.Context(), "k"); err == nil {
		t.Error("with ReportLoadErrors, Load on a stopped server succeeded")
	}
	if _, _, found, err := lenient.Load(t.Context(), "k"); err != nil || found {
		t.Errorf("by default, Load on a stopped server = found %v, %v; want a miss", found, err)
	}
}
