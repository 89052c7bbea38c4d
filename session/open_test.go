package session_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// minimalStore has only what every Store must have.
type minimalStore struct{ mem *memory.Store }

func (s minimalStore) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	return s.mem.Load(ctx, key)
}
func (s minimalStore) Save(ctx context.Context, key string, data []byte, exp time.Time, mustCreate bool) error {
	return s.mem.Save(ctx, key, data, exp, mustCreate)
}
func (s minimalStore) Delete(ctx context.Context, key string) error { return s.mem.Delete(ctx, key) }

func TestOpenOutsideARequest(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		ctx := context.Background()

		// A new session, saved from a background job.
		s, err := f.m.Open(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		s.Set("job", "started")
		s.SetExpiry(600)
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		key := s.Key()
		if !session.ValidKey(key) {
			t.Fatalf("the new session's key %q is not a session key", key)
		}
		vals, exp, ok := f.stored(key)
		if !ok || vals["job"] != "started" {
			t.Fatalf("stored %v, %v", vals, ok)
		}
		if want := f.clock.Now().Add(600 * time.Second); !exp.Equal(want) {
			t.Errorf("stored expiry %v, want %v (SetExpiry's rule)", exp, want)
		}

		// Opened again by key: the same data and the record's expiry; a
		// change saved there is what the next request sees.
		s2, err := f.m.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if v, _, _ := s2.GetString("job"); v != "started" {
			t.Errorf("Open(key) reads %q", v)
		}
		if got := s2.LoadedExpiry(); !got.Equal(exp) {
			t.Errorf("LoadedExpiry %v, want %v", got, exp)
		}
		s2.Set("job", "done")
		if err := s2.Save(ctx); err != nil {
			t.Fatal(err)
		}
		f.handle("/job", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			v, _, _ := s.GetString("job")
			w.Write([]byte(v))
		})
		if r := f.raw("/job", "sessionid="+key); r.body != "done" {
			t.Errorf("the request after the job reads %q", r.body)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	f := newFixture(t, "bytes", session.Config{})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		key  string
		want error
	}{
		{"a key never stored", session.NewKey(), session.ErrNotFound},
		{"not a session key", "../etc/passwd", session.ErrNotFound},
		{"too short", "abc", session.ErrNotFound},
	} {
		if _, err := f.m.Open(ctx, tc.key); !errors.Is(err, tc.want) {
			t.Errorf("%s: Open = %v, want %v", tc.name, err, tc.want)
		}
	}
	// A record another secret key signed is corrupt, not an empty session.
	key := session.NewKey()
	other := session.NewDjangoCodec([]byte("another secret key of thirty-two bytes"), nil, nil)
	data, _ := other.Encode(map[string]any{"a": int64(1)})
	if err := f.store.Save(ctx, key, data, f.clock.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Open(ctx, key); !errors.Is(err, session.ErrCorrupt) {
		t.Errorf("Open of a foreign record = %v, want ErrCorrupt", err)
	}
	// An expired record is not found.
	old := session.NewKey()
	data, _ = session.NewDjangoCodec(testSecret, nil, nil).Encode(map[string]any{})
	if err := f.store.Save(ctx, old, data, f.clock.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Hour)
	if _, err := f.m.Open(ctx, old); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Open of an expired record = %v, want ErrNotFound", err)
	}
	// The store's failure is the store's error.
	boom := errors.New("disk on fire")
	f.cnt.setFail(boom)
	if _, err := f.m.Open(ctx, key); !errors.Is(err, boom) {
		t.Errorf("Open with a failing store = %v, want its error", err)
	}
}

func TestOptionalCapabilities(t *testing.T) {
	ctx := context.Background()
	minimal, err := session.New(minimalStore{memory.New(memory.Options{})}, session.Config{SecretKey: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	full, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func(m *session.Manager) error
	}{
		{"Exists", func(m *session.Manager) error { _, err := m.Exists(ctx, session.NewKey()); return err }},
		{"ClearExpired", func(m *session.Manager) error { return m.ClearExpired(ctx) }},
		{"Count", func(m *session.Manager) error { _, err := m.Count(ctx); return err }},
	} {
		err := tc.call(minimal)
		if !errors.Is(err, session.ErrNotSupported) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s on a store without it = %v, want ErrNotSupported naming %s", tc.name, err, tc.name)
		}
		if err := tc.call(full); err != nil {
			t.Errorf("%s on the memory store: %v", tc.name, err)
		}
	}
	// The session of a minimal store works for everything else.
	s, _ := minimal.Open(ctx, "")
	s.Set("a", 1)
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exists(ctx, s.Key()); !errors.Is(err, session.ErrNotSupported) {
		t.Errorf("Session.Exists = %v", err)
	}
	if n, err := full.Count(ctx); err != nil || n != 0 {
		t.Errorf("Count of an empty store = %d, %v", n, err)
	}
}

// stuckStore never answers a save until its context ends.
type stuckStore struct{ minimalStore }

func (s stuckStore) Save(ctx context.Context, key string, data []byte, exp time.Time, mustCreate bool) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Second): // a test without a timeout fails, not hangs
		return errors.New("stuck store: nothing stopped the save")
	}
}

func TestSaveTimeoutBoundsTheMiddlewaresSave(t *testing.T) {
	for _, tc := range []struct {
		timeout time.Duration
		max     time.Duration
	}{
		{200 * time.Millisecond, 3 * time.Second},
	} {
		m, err := session.New(stuckStore{minimalStore{memory.New(memory.Options{})}}, session.Config{
			SecretKey: testSecret, SaveTimeout: tc.timeout, Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		url := httpTestServer(t, m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			session.FromRequest(r).Set("a", 1)
		})))
		start := time.Now()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if took := time.Since(start); took > tc.max || took < tc.timeout {
			t.Errorf("SaveTimeout %v: the request took %v", tc.timeout, took)
		}
		if res.StatusCode != http.StatusInternalServerError {
			t.Errorf("status %d, want 500", res.StatusCode)
		}
	}
	if (session.Config{}).SaveTimeout != 0 {
		t.Fatal("unexpected")
	}
	m, _ := session.New(memory.New(memory.Options{}), session.Config{SecretKey: testSecret})
	if got := m.Config().SaveTimeout; got != session.DefaultSaveTimeout {
		t.Errorf("default SaveTimeout %v, want %v", got, session.DefaultSaveTimeout)
	}
}

func TestChangesAfterTheResponseWentOut(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		type result struct{ save, cycle error }
		got := make(chan result, 1)
		f.handle("/late", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			s.Set("before", 1)
			w.Write([]byte("body"))
			s.Set("after", 1)
			s.Set("after2", 2)
			got <- result{s.Save(r.Context()), s.CycleKey(r.Context())}
		})
		f.mux.HandleFunc("/late-first-use", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("body"))
			s := session.FromRequest(r)
			s.Set("x", 1)
			got <- result{s.Save(r.Context()), nil}
		})
		f.get("/late")
		res := <-got
		if !errors.Is(res.save, session.ErrResponseCommitted) || !errors.Is(res.cycle, session.ErrResponseCommitted) {
			t.Errorf("Save, CycleKey after the response: %v, %v; want ErrResponseCommitted", res.save, res.cycle)
		}
		if n := strings.Count(f.logs.String(), "changed after the response"); n != 1 {
			t.Errorf("%d warnings about late changes, want one per request:\n%s", n, f.logs.String())
		}
		vals, _, ok := f.stored(f.jarKey())
		if !ok || vals["before"] == nil || vals["after"] != nil {
			t.Errorf("stored %v (%v): want the change before the response only", vals, ok)
		}
		f.get("/late-first-use")
		if res := <-got; !errors.Is(res.save, session.ErrResponseCommitted) {
			t.Errorf("a session first used after the response: Save = %v", res.save)
		}
		if n := strings.Count(f.logs.String(), "changed after the response"); n != 2 {
			t.Errorf("%d warnings, want 2", n)
		}
	})
}

func TestConfigReturnsACopyOfTheKeys(t *testing.T) {
	key := append([]byte(nil), testSecret...)
	m, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: key, FallbackKeys: [][]byte{[]byte("old key")}})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.Open(context.Background(), "")
	s.Set("a", 1)
	if err := s.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := m.Config()
	for i := range c.SecretKey {
		c.SecretKey[i] = 'x'
	}
	c.FallbackKeys[0][0] = 'x'
	if string(m.Config().SecretKey) != string(testSecret) || string(m.Config().FallbackKeys[0]) != "old key" {
		t.Fatal("changing the copy changed the Manager's keys")
	}
	// The caller's own slice is not the Manager's either.
	key[0] = 'y'
	if string(m.Config().SecretKey) != string(testSecret) {
		t.Error("changing the caller's key slice changed the Manager's key")
	}
}
