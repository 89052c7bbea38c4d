package session

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"
	"unsafe"
)

func TestComputeExpiry(t *testing.T) {
	now := time.Date(2023, 11, 14, 22, 13, 20, 500_000_000, time.UTC)
	const age = 1209600 * time.Second
	tests := []struct {
		name      string
		v         any
		present   bool
		global    bool
		wantAge   int64
		wantDate  time.Time
		wantClose bool
	}{
		{"no expiry uses the cookie age", nil, false, false, 1209600, now.Add(age), false},
		{"no expiry follows ExpireAtBrowserClose", nil, false, true, 1209600, now.Add(age), true},
		{"an integer is an age counted from now", int64(300), true, true, 300, now.Add(300 * time.Second), false},
		{"an int set in this request counts too", 300, true, false, 300, now.Add(300 * time.Second), false},
		{"zero means browser close with the default store age", int64(0), true, false, 1209600, now.Add(age), true},
		{"a float is truncated", 10.9, true, false, 10, now.Add(10 * time.Second), false},
		{"a float zero means browser close", 0.0, true, false, 1209600, now.Add(age), true},
		{"a negative integer is in the past", int64(-5), true, false, -5, now.Add(-5 * time.Second), false},
		{"a huge json.Number is clamped", json.Number("99999999999999999999999"), true, false, maxExpirySeconds, now.Add(maxExpirySeconds * time.Second), false},
		{"an ISO date gives the floored seconds until it", "2023-11-14T23:13:20+00:00", true, true, 3599, time.Date(2023, 11, 14, 23, 13, 20, 0, time.UTC), false},
		{"an ISO date with microseconds", "2023-11-14T22:13:30.750000+00:00", true, false, 10, time.Date(2023, 11, 14, 22, 13, 30, 750_000_000, time.UTC), false},
		{"an ISO date in the past gives a negative age", "2023-11-14T22:13:19+00:00", true, false, -2, time.Date(2023, 11, 14, 22, 13, 19, 0, time.UTC), false},
		{"an ISO date with another offset", "2023-11-15T01:13:20+02:00", true, false, 3599, time.Date(2023, 11, 14, 23, 13, 20, 0, time.UTC), false},
		{"a naive ISO date is UTC", "2023-11-14T23:13:20", true, false, 3599, time.Date(2023, 11, 14, 23, 13, 20, 0, time.UTC), false},
		{"an unreadable string falls back to the global policy", "tomorrow", true, true, 1209600, now.Add(age), true},
		{"a bool falls back to the global policy", true, true, false, 1209600, now.Add(age), false},
		{"null falls back to the global policy", nil, true, false, 1209600, now.Add(age), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := computeExpiry(tc.v, tc.present, now, age, tc.global)
			if e.age != tc.wantAge || !e.date.Equal(tc.wantDate) || e.browserClose != tc.wantClose {
				t.Fatalf("got age %d, date %v, close %v; want %d, %v, %v", e.age, e.date, e.browserClose, tc.wantAge, tc.wantDate, tc.wantClose)
			}
		})
	}
}

func TestISOTimeFormat(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"whole seconds have no fraction", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "2024-01-02T03:04:05+00:00"},
		{"microseconds are written with six digits", time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC), "2024-01-02T03:04:05.000006+00:00"},
		{"nanoseconds are truncated", time.Date(2024, 1, 2, 3, 4, 5, 999, time.UTC), "2024-01-02T03:04:05+00:00"},
		{"other zones are written in UTC", time.Date(2024, 1, 2, 5, 4, 5, 0, time.FixedZone("", 7200)), "2024-01-02T03:04:05+00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := formatISOTime(tc.t)
			if got != tc.want {
				t.Fatalf("formatISOTime = %q, want %q", got, tc.want)
			}
			back, err := parseISOTime(got)
			if err != nil || !back.Equal(tc.t.Truncate(time.Microsecond)) {
				t.Fatalf("parseISOTime(%q) = %v, %v", got, back, err)
			}
		})
	}
}

func TestPatchVaryAndCacheControl(t *testing.T) {
	tests := []struct {
		name            string
		vary, cc        []string
		wantVary        string
		wantCacheHeader string
	}{
		{"empty headers", nil, nil, "Cookie", "private, no-store"},
		{"two Vary lines are joined", []string{"Accept", "Origin"}, nil, "Accept, Origin, Cookie", "private, no-store"},
		{"Cookie in any case is kept", []string{"accept,COOKIE"}, []string{"no-store"}, "accept,COOKIE", "no-store"},
		{"star wins", []string{"Accept", "*"}, []string{"Private"}, "*", "Private"},
		{"private with field names still counts as private", nil, []string{`max-age=5, private`}, "Cookie", "max-age=5, private"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.vary != nil {
				h["Vary"] = tc.vary
			}
			if tc.cc != nil {
				h["Cache-Control"] = tc.cc
			}
			var hs headerSlots
			patchVary(h, &hs)
			preventSharedCaching(h, &hs)
			if got := h.Get("Vary"); got != tc.wantVary || len(h["Vary"]) != 1 {
				t.Errorf("Vary = %q, want %q", h["Vary"], tc.wantVary)
			}
			if got := h.Get("Cache-Control"); got != tc.wantCacheHeader {
				t.Errorf("Cache-Control = %q, want %q", got, tc.wantCacheHeader)
			}
		})
	}
}

func FuzzParseISOTime(f *testing.F) {
	for _, s := range []string{"2024-01-02T03:04:05+00:00", "2024-01-02 03:04:05.123456", "2024-01-02T03:04Z", "x", "2024-13-45T99:99:99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := parseISOTime(s)
		if err != nil {
			return
		}
		back, err := parseISOTime(formatISOTime(tm))
		if err != nil || !back.Equal(tm.Truncate(time.Microsecond)) {
			t.Fatalf("%q: parsed %v, round trip %v, %v", s, tm, back, err)
		}
	})
}

// The key buffer hands out each byte of crypto/rand once and keeps none of
// those it handed out.
func TestKeyRandomZeroesWhatItHandsOut(t *testing.T) {
	var r randomBuffer
	seen := map[[16]byte]bool{}
	for i := range 200 { // several refills
		var b [16]byte
		r.read(b[:])
		if seen[b] {
			t.Fatalf("read %d repeated earlier bytes", i)
		}
		seen[b] = true
		for j, c := range r.buf[:len(r.buf)-r.left] {
			if c != 0 {
				t.Fatalf("after read %d, byte %d handed out is still in the buffer", i, j)
			}
		}
		if r.left == len(r.buf) || r.left < 0 {
			t.Fatalf("after read %d, %d bytes left", i, r.left)
		}
	}
}

// Keys made at once by many goroutines never repeat.
func TestNewKeyConcurrently(t *testing.T) {
	const goroutines, each = 8, 500
	keys := make(chan string, goroutines*each)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				keys <- NewKey()
			}
		}()
	}
	wg.Wait()
	close(keys)
	seen := map[string]bool{}
	for k := range keys {
		if seen[k] || !ValidKey(k) {
			t.Fatalf("NewKey gave %q twice or invalid", k)
		}
		seen[k] = true
	}
}

// A Session is the one allocation a request that uses its session adds:
// keep it in the 320-byte size class (a field more, or a bool in the wrong
// place, moves every request to the 352-byte class).
func TestSessionFitsItsSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Session{}); n > 320 {
		t.Errorf("Session is %d bytes, over the 320-byte size class", n)
	}
}

// bytesOnly hides a store's optional interfaces: a plain byte store.
type bytesOnly struct{ Store }

// A save replaces the version it read in the decoded cache: a session
// saved again and again takes one entry, not one per version.
func TestDecodedCacheKeepsOneVersionPerSession(t *testing.T) {
	ctx := context.Background()
	m, err := New(bytesOnly{newMapStore()}, Config{SecretKey: []byte("a test secret key, long enough to be one")})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.Open(ctx, "")
	s.Set("n", 0)
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	key := s.Key()
	for i := range 5 {
		s, err := m.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		s.Set("n", i+1)
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		if n := m.decoded.Len(); n != 1 {
			t.Fatalf("after %d saves the cache holds %d entries, want 1", i+1, n)
		}
	}
}

// mapStore is the smallest byte store, for the tests of this package that
// cannot import store/memory (which imports it).
type mapStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMapStore() *mapStore { return &mapStore{m: map[string][]byte{}} }

func (s *mapStore) Load(_ context.Context, key string) ([]byte, time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.m[key]
	return bytes.Clone(d), time.Time{}, ok, nil
}

func (s *mapStore) Save(_ context.Context, key string, data []byte, _ time.Time, mustCreate bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[key]
	switch {
	case mustCreate && ok:
		return ErrKeyExists
	case !mustCreate && !ok:
		return ErrNotFound
	}
	s.m[key] = bytes.Clone(data)
	return nil
}

func (s *mapStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}
