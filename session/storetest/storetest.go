// Package storetest is the conformance suite for session.Store
// implementations. Every store package runs it from its tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) session.Store {
//			return memory.New(memory.Options{}) // a new, empty store of yours
//		})
//	}
//
// The suite checks session.Store's contract with the real store: create
// with mustCreate and key collisions, loading missing, expired and arbitrary
// data, save and overwrite, ErrNotFound for an update of a missing record,
// delete, exists, clear expired, a 60-day age (memcached reads an exptime
// over 30 days as a date), expiry precision (it sleeps about two
// seconds, in parallel with the other checks), large values, concurrent use
// (run it with -race), and cancelled contexts. A store that also implements
// session.ValueStore gets the same checks for its values methods.
//
// A session.DataKeyedStore, whose key is its data (a cookie store), cannot
// keep data under a key chosen by the caller: it runs RunDataKeyed instead.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
)

// Options declare what a store cannot do exactly; the zero value asks for
// everything.
type Options struct {
	// ExpiryGranularity is the precision with which the store keeps expiry
	// times: a record may live up to this much longer than asked, and the
	// expiry Load returns may differ by this much. Zero means a millisecond;
	// use time.Second for stores that keep whole seconds (memcached, a
	// Redis EXPIRE, SQL columns without fractions).
	ExpiryGranularity time.Duration

	// ClearExpiredIsNoop says that ClearExpired does nothing because the
	// store expires records on its own (Django's cache engines). The suite
	// then only checks that ClearExpired succeeds and keeps live records.
	ClearExpiredIsNoop bool

	// LoadHasNoExpiry says that Load cannot report a record's expiry and
	// returns the zero time (memcached). Otherwise Load must return it.
	LoadHasNoExpiry bool

	// MaxValueSize is the largest record the suite writes. Zero means
	// 256 KiB.
	MaxValueSize int
}

// Run runs the conformance suite on stores made by newStore, with the zero
// Options. newStore is called once per check and must return an empty
// store, or at least one where keys made by session.NewKey are unused; it
// can register cleanup with t.Cleanup.
//
// The checks of an optional capability (session.Exister,
// session.ExpiredClearer, session.Counter, session.ValueStore) run when
// the store has it. Run uses the real clock: the check of a short expiry
// waits for it (about two seconds, in parallel with the other checks).
// Stores that compare expiry against a clock they are given should use
// RunWithClock instead, which waits for nothing.
func Run(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Helper()
	RunWithOptions(t, newStore, Options{})
}

// RunWithOptions is Run for a store that declares limits in opts.
func RunWithOptions(t *testing.T, newStore func(t *testing.T) session.Store, opts Options) {
	t.Helper()
	run(t, suite{newStore: newStore, opts: opts, now: time.Now})
}

// RunWithClock is RunWithOptions for a store that takes its clock: newStore
// must make a store that reads the time from now. The suite then moves that
// clock forward instead of sleeping, so the expiry checks take no time.
func RunWithClock(t *testing.T, newStore func(t *testing.T, now func() time.Time) session.Store, opts Options) {
	t.Helper()
	c := &fakeClock{t: time.Now()}
	s := suite{opts: opts, now: c.Now, advance: c.Advance}
	s.newStore = func(t *testing.T) session.Store { return newStore(t, c.Now) }
	run(t, s)
}

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func run(t *testing.T, s suite) {
	t.Helper()
	if s.opts.ExpiryGranularity <= 0 {
		s.opts.ExpiryGranularity = time.Millisecond
	}
	if s.opts.MaxValueSize <= 0 {
		s.opts.MaxValueSize = 256 << 10
	}
	newStore := s.newStore
	probe := newStore(t)
	if _, ok := probe.(session.DataKeyedStore); ok {
		t.Fatalf("storetest: %T is a session.DataKeyedStore, whose keys are its data: run RunDataKeyed", probe)
	}
	for _, c := range s.checks(probe) {
		t.Run(c.name, func(t *testing.T) {
			if c.parallel {
				t.Parallel()
			}
			c.fn(t, newStore(t))
		})
	}
	if _, ok := probe.(session.ValueStore); ok {
		for _, c := range s.valueChecks() {
			t.Run(c.name, func(t *testing.T) {
				c.fn(t, newStore(t).(session.ValueStore))
			})
		}
	}
}

type suite struct {
	newStore func(t *testing.T) session.Store
	opts     Options
	now      func() time.Time    // the clock the store reads
	advance  func(time.Duration) // moves a fake clock; nil for the real one
}

// wait lets d pass: on the fake clock at once, on the real one by sleeping.
func (s suite) wait(d time.Duration) {
	if s.advance != nil {
		s.advance(d)
		return
	}
	time.Sleep(d)
}

// exists reports Exists for a store that has it, and ok == false for one
// that does not.
func exists(t *testing.T, st session.Store, key string) (found, ok bool) {
	t.Helper()
	ex, ok := st.(session.Exister)
	if !ok {
		return false, false
	}
	found, err := ex.Exists(bg, key)
	if err != nil {
		t.Fatalf("Exists: %v", err)
	}
	return found, true
}

type check struct {
	name     string
	parallel bool
	fn       func(t *testing.T, st session.Store)
}

type valueCheck struct {
	name string
	fn   func(t *testing.T, st session.ValueStore)
}

const hour = time.Hour

func (s suite) checks(probe session.Store) []check {
	checks := []check{
		{name: "a record created with mustCreate loads back with its data and expiry", fn: s.createAndLoad},
		{name: "mustCreate on a taken key fails with ErrKeyExists and keeps the original", fn: s.createCollision},
		{name: "loading a key that was never saved reports not found", fn: s.loadMissing},
		{name: "loading a record whose expiry has passed reports not found", fn: s.loadExpired},
		{name: "any bytes round-trip unchanged, empty and binary included", fn: s.arbitraryBytes},
		{name: "saving without mustCreate overwrites the data and the expiry", fn: s.overwrite},
		{name: "saving without mustCreate on a missing key fails with ErrNotFound and creates nothing", fn: s.updateMissing},
		{name: "saving without mustCreate on an expired record fails with ErrNotFound", fn: s.updateExpired},
		{name: "delete removes the record and deleting a missing key is not an error", fn: s.delete},
		{name: "keys are independent of each other", fn: s.independent},
		{name: "a record expiring in 2s is there after 1s and gone after 2s", parallel: true, fn: s.precision},
		{name: "large values round-trip", fn: s.large},
		{name: "a record with a 60-day cookie age loads back and updates", fn: s.longAge},
		{name: "concurrent use from many goroutines is safe", fn: s.concurrent},
		{name: "a cancelled context makes every call fail and writes nothing", fn: s.cancelled},
	}
	if _, ok := probe.(session.Exister); ok {
		checks = append(checks, check{name: "exists reports live records only", fn: s.exists})
	}
	if _, ok := probe.(session.ExpiredClearer); ok {
		checks = append(checks, check{name: "clear expired removes expired records and keeps live ones", fn: s.clearExpired})
	}
	if _, ok := probe.(session.Counter); ok {
		checks = append(checks, check{name: "count reports live records only", fn: s.count})
	}
	return checks
}

func (s suite) valueChecks() []valueCheck {
	return []valueCheck{
		{name: "values saved with SaveValues load back exactly", fn: s.valuesRoundTrip},
		{name: "SaveValues follows the mustCreate and update rules", fn: s.valuesRules},
		{name: "Load returns the JSON of a record saved with SaveValues", fn: s.valuesAsBytes},
		{name: "LoadValues of a record whose bytes are not a JSON object fails with ErrCorrupt", fn: s.valuesCorrupt},
		{name: "LoadValues of an expired or missing record reports not found", fn: s.valuesExpired},
	}
}

var bg = context.Background()

func mustSave(t *testing.T, st session.Store, key string, data []byte, exp time.Time, mustCreate bool) {
	t.Helper()
	if err := st.Save(bg, key, data, exp, mustCreate); err != nil {
		t.Fatalf("Save(mustCreate=%v): %v", mustCreate, err)
	}
}

// load loads key and fails the test on a store error.
func load(t *testing.T, st session.Store, key string) ([]byte, time.Time, bool) {
	t.Helper()
	data, exp, found, err := st.Load(bg, key)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return data, exp, found
}

func (s suite) wantLoaded(t *testing.T, st session.Store, key string, want []byte, wantExp time.Time) {
	t.Helper()
	data, exp, found := load(t, st, key)
	if !found {
		t.Fatalf("Load: not found, want the record")
	}
	if !bytes.Equal(data, want) {
		t.Fatalf("Load: got %d bytes %q, want %d bytes %q", len(data), clip(data), len(want), clip(want))
	}
	s.checkExpiry(t, exp, wantExp)
}

func (s suite) checkExpiry(t *testing.T, got, want time.Time) {
	t.Helper()
	if s.opts.LoadHasNoExpiry {
		return
	}
	if got.IsZero() {
		t.Fatalf("Load returned a zero expiry (set Options.LoadHasNoExpiry if the store cannot report it)")
	}
	if d := got.Sub(want); d > s.opts.ExpiryGranularity || d < -s.opts.ExpiryGranularity {
		t.Fatalf("Load: expiry %v, want %v (±%v)", got, want, s.opts.ExpiryGranularity)
	}
}

func clip(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

func wantNotFound(t *testing.T, st session.Store, key string) {
	t.Helper()
	if _, _, found := load(t, st, key); found {
		t.Fatalf("Load: found, want not found")
	}
}

func (s suite) createAndLoad(t *testing.T, st session.Store) {
	key := session.NewKey()
	exp := s.now().Add(hour)
	mustSave(t, st, key, []byte(`{"a":1}`), exp, true)
	s.wantLoaded(t, st, key, []byte(`{"a":1}`), exp)
}

func (s suite) createCollision(t *testing.T, st session.Store) {
	key := session.NewKey()
	exp := s.now().Add(hour)
	mustSave(t, st, key, []byte("original"), exp, true)
	err := st.Save(bg, key, []byte("intruder"), exp.Add(hour), true)
	if !errors.Is(err, session.ErrKeyExists) {
		t.Fatalf("second Save(mustCreate) = %v, want an error matching session.ErrKeyExists", err)
	}
	s.wantLoaded(t, st, key, []byte("original"), exp)
}

func (s suite) loadMissing(t *testing.T, st session.Store) {
	wantNotFound(t, st, session.NewKey())
}

func (s suite) loadExpired(t *testing.T, st session.Store) {
	key := session.NewKey()
	mustSave(t, st, key, []byte("old"), s.now().Add(-hour), true)
	wantNotFound(t, st, key)
}

func (s suite) arbitraryBytes(t *testing.T, st session.Store) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", []byte{}},
		{"every byte value", all},
		{"not a session at all", []byte("garbage:!!:not-signed\x00\xff")},
		{"django's signed form", []byte("eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY")},
	} {
		key := session.NewKey()
		exp := s.now().Add(hour)
		mustSave(t, st, key, tc.data, exp, true)
		data, _, found := load(t, st, key)
		if !found || !bytes.Equal(data, tc.data) {
			t.Fatalf("%s: Load = %q, %v; want %q, true", tc.name, clip(data), found, clip(tc.data))
		}
	}
}

func (s suite) overwrite(t *testing.T, st session.Store) {
	key := session.NewKey()
	mustSave(t, st, key, []byte("one"), s.now().Add(hour), true)
	exp2 := s.now().Add(3 * hour)
	mustSave(t, st, key, []byte("two, longer than one"), exp2, false)
	s.wantLoaded(t, st, key, []byte("two, longer than one"), exp2)
	exp3 := s.now().Add(hour / 2)
	mustSave(t, st, key, []byte("3"), exp3, false)
	s.wantLoaded(t, st, key, []byte("3"), exp3)
}

func (s suite) updateMissing(t *testing.T, st session.Store) {
	key := session.NewKey()
	err := st.Save(bg, key, []byte("x"), s.now().Add(hour), false)
	if !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Save(mustCreate=false) of a missing key = %v, want an error matching session.ErrNotFound", err)
	}
	wantNotFound(t, st, key)
	if found, _ := exists(t, st, key); found {
		t.Fatal("Exists after the failed save = true, want false")
	}
}

func (s suite) updateExpired(t *testing.T, st session.Store) {
	key := session.NewKey()
	mustSave(t, st, key, []byte("x"), s.now().Add(-hour), true)
	err := st.Save(bg, key, []byte("y"), s.now().Add(hour), false)
	if !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Save(mustCreate=false) of an expired record = %v, want an error matching session.ErrNotFound", err)
	}
	wantNotFound(t, st, key)
}

func (s suite) delete(t *testing.T, st session.Store) {
	key := session.NewKey()
	mustSave(t, st, key, []byte("x"), s.now().Add(hour), true)
	if err := st.Delete(bg, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotFound(t, st, key)
	if err := st.Delete(bg, key); err != nil {
		t.Fatalf("Delete of a deleted key: %v", err)
	}
	if err := st.Delete(bg, session.NewKey()); err != nil {
		t.Fatalf("Delete of a key never saved: %v", err)
	}
	// A deleted key can be created again.
	exp := s.now().Add(hour)
	mustSave(t, st, key, []byte("again"), exp, true)
	s.wantLoaded(t, st, key, []byte("again"), exp)
}

func (s suite) exists(t *testing.T, st session.Store) {
	key := session.NewKey()
	for _, tc := range []struct {
		when string
		do   func()
		want bool
	}{
		{"before any save", func() {}, false},
		{"after a save", func() { mustSave(t, st, key, []byte("x"), s.now().Add(hour), true) }, true},
		{"after a delete", func() {
			if err := st.Delete(bg, key); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		tc.do()
		if got, _ := exists(t, st, key); got != tc.want {
			t.Fatalf("Exists %s = %v, want %v", tc.when, got, tc.want)
		}
	}
}

func (s suite) clearExpired(t *testing.T, st session.Store) {
	now := s.now()
	var expired []string
	for range 3 {
		k := session.NewKey()
		mustSave(t, st, k, []byte("old"), now.Add(-hour), true)
		expired = append(expired, k)
	}
	live := session.NewKey()
	mustSave(t, st, live, []byte("live"), now.Add(hour), true)
	if err := st.(session.ExpiredClearer).ClearExpired(bg); err != nil {
		t.Fatalf("ClearExpired: %v", err)
	}
	s.wantLoaded(t, st, live, []byte("live"), now.Add(hour))
	for _, k := range expired {
		wantNotFound(t, st, k)
		if s.opts.ClearExpiredIsNoop {
			continue
		}
		if found, _ := exists(t, st, k); found {
			t.Fatal("Exists of an expired record after ClearExpired = true, want false")
		}
		// The key is free again.
		mustSave(t, st, k, []byte("new"), now.Add(hour), true)
	}
}

func (s suite) independent(t *testing.T, st session.Store) {
	a, b := session.NewKey(), session.NewKey()
	exp := s.now().Add(hour)
	mustSave(t, st, a, []byte("a"), exp, true)
	mustSave(t, st, b, []byte("b"), exp, true)
	mustSave(t, st, a, []byte("a2"), exp, false)
	if err := st.Delete(bg, a); err != nil {
		t.Fatal(err)
	}
	s.wantLoaded(t, st, b, []byte("b"), exp)
}

func (s suite) precision(t *testing.T, st session.Store) {
	key := session.NewKey()
	start := s.now()
	exp := start.Add(2 * time.Second)
	mustSave(t, st, key, []byte("short-lived"), exp, true)
	s.wait(start.Add(time.Second).Sub(s.now()))
	s.wantLoaded(t, st, key, []byte("short-lived"), exp)
	if found, ok := exists(t, st, key); ok && !found {
		t.Fatal("Exists after 1s = false, want true")
	}
	s.wait(exp.Add(s.opts.ExpiryGranularity + 50*time.Millisecond).Sub(s.now()))
	wantNotFound(t, st, key)
	if err := st.Save(bg, key, []byte("late"), s.now().Add(hour), false); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Save(mustCreate=false) after expiry = %v, want an error matching session.ErrNotFound", err)
	}
}

// longAge saves a record that lives 60 days: memcached reads an exptime
// above 30 days as an absolute Unix time, so a store that passes the age in
// seconds would write a record that has already expired.
func (s suite) longAge(t *testing.T, st session.Store) {
	key := session.NewKey()
	exp := s.now().Add(60 * 24 * time.Hour).Truncate(time.Second)
	mustSave(t, st, key, []byte("sixty days"), exp, true)
	s.wantLoaded(t, st, key, []byte("sixty days"), exp)
	exp2 := exp.Add(24 * time.Hour)
	mustSave(t, st, key, []byte("sixty-one days"), exp2, false)
	s.wantLoaded(t, st, key, []byte("sixty-one days"), exp2)
}

func (s suite) large(t *testing.T, st session.Store) {
	data := make([]byte, s.opts.MaxValueSize)
	_, _ = rand.Read(data)
	key := session.NewKey()
	exp := s.now().Add(hour)
	mustSave(t, st, key, data, exp, true)
	s.wantLoaded(t, st, key, data, exp)
	data[0] ^= 0xff
	mustSave(t, st, key, data, exp, false)
	s.wantLoaded(t, st, key, data, exp)
}

func (s suite) concurrent(t *testing.T, st session.Store) {
	shared := session.NewKey()
	exp := s.now().Add(hour)
	mustSave(t, st, shared, []byte("0"), exp, true)
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	created := make(chan string, workers)
	for w := range workers {
		wg.Go(func() {
			own := session.NewKey()
			for i := range rounds {
				mustCreate := i == 0
				if err := st.Save(bg, own, fmt.Appendf(nil, "%d-%d", w, i), exp, mustCreate); err != nil {
					errs <- fmt.Errorf("Save own: %w", err)
					return
				}
				data, _, found, err := st.Load(bg, own)
				if err != nil || !found || string(data) != fmt.Sprintf("%d-%d", w, i) {
					errs <- fmt.Errorf("Load own = %q, %v, %v", data, found, err)
					return
				}
				if err := st.Save(bg, shared, fmt.Appendf(nil, "%d", w), exp, false); err != nil {
					errs <- fmt.Errorf("Save shared: %w", err)
					return
				}
				if _, _, _, err := st.Load(bg, shared); err != nil {
					errs <- fmt.Errorf("Load shared: %w", err)
					return
				}
				if ex, ok := st.(session.Exister); ok {
					if _, err := ex.Exists(bg, own); err != nil {
						errs <- fmt.Errorf("Exists: %w", err)
						return
					}
				}
				tmp := session.NewKey()
				if err := st.Save(bg, tmp, []byte("t"), exp, true); err != nil {
					errs <- fmt.Errorf("Save tmp: %w", err)
					return
				}
				if err := st.Delete(bg, tmp); err != nil {
					errs <- fmt.Errorf("Delete tmp: %w", err)
					return
				}
			}
			created <- own
		})
	}
	if c, ok := st.(session.ExpiredClearer); ok {
		wg.Go(func() {
			for range rounds {
				if err := c.ClearExpired(bg); err != nil {
					errs <- fmt.Errorf("ClearExpired: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	close(created)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	for own := range created {
		n++
		data, _, found := load(t, st, own)
		if !found || len(data) == 0 {
			t.Errorf("a worker's record is missing after the run")
		}
	}
	if n != workers && !t.Failed() {
		t.Errorf("%d workers finished, want %d", n, workers)
	}
	data, _, found := load(t, st, shared)
	if !found || len(data) != 1 {
		t.Errorf("shared record = %q, %v; want one worker's digit", data, found)
	}
}

func (s suite) cancelled(t *testing.T, st session.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	live := session.NewKey()
	exp := s.now().Add(hour)
	mustSave(t, st, live, []byte("x"), exp, true)
	fresh := session.NewKey()
	calls := []struct {
		name string
		call func() error
	}{
		{"Load", func() error { _, _, _, err := st.Load(ctx, live); return err }},
		{"Save with mustCreate", func() error { return st.Save(ctx, fresh, []byte("y"), exp, true) }},
		{"Save", func() error { return st.Save(ctx, live, []byte("y"), exp, false) }},
		{"Delete", func() error { return st.Delete(ctx, live) }},
	}
	type call = struct {
		name string
		call func() error
	}
	if ex, ok := st.(session.Exister); ok {
		calls = append(calls, call{"Exists", func() error { _, err := ex.Exists(ctx, live); return err }})
	}
	if c, ok := st.(session.ExpiredClearer); ok {
		calls = append(calls, call{"ClearExpired", func() error { return c.ClearExpired(ctx) }})
	}
	if c, ok := st.(session.Counter); ok {
		calls = append(calls, call{"Count", func() error { _, err := c.Count(ctx); return err }})
	}
	if vs, ok := st.(session.ValueStore); ok {
		calls = append(calls,
			struct {
				name string
				call func() error
			}{"LoadValues", func() error { _, _, _, err := vs.LoadValues(ctx, live); return err }},
			struct {
				name string
				call func() error
			}{"SaveValues", func() error { return vs.SaveValues(ctx, fresh, map[string]any{}, exp, true) }},
		)
	}
	for _, c := range calls {
		if err := c.call(); err == nil {
			t.Errorf("%s with a cancelled context succeeded, want an error", c.name)
		}
	}
	wantNotFound(t, st, fresh)
	s.wantLoaded(t, st, live, []byte("x"), exp)
}

// Values checks.

// jsonValues is a session in the JSON form a ValueStore must keep, whose
// _session_expiry is the date exp (as Django 5 stores set_expiry(datetime)).
func jsonValues(exp time.Time) map[string]any {
	return map[string]any{
		"big":             int64(1<<53 + 1),
		"huge":            json.Number("123456789012345678901234567890"),
		"float":           1.0,
		"neg":             int64(math.MinInt64),
		"text":            "héllo \u2603 \U0001F600",
		"yes":             true,
		"none":            nil,
		"list":            []any{int64(1), "two", 3.5, []any{}},
		"nested":          map[string]any{"a": map[string]any{"b": []any{false}}},
		"_session_expiry": exp.UTC().Format("2006-01-02T15:04:05.000000+00:00"),
	}
}

func (s suite) valuesRoundTrip(t *testing.T, st session.ValueStore) {
	key := session.NewKey()
	// The expiry passed is the one the values' _session_expiry gives, as the
	// Manager passes it: a store that derives the expiry from the data (the
	// file engine) passes too.
	exp := s.now().Add(hour).Truncate(time.Microsecond)
	if err := st.SaveValues(bg, key, jsonValues(exp), exp, true); err != nil {
		t.Fatalf("SaveValues: %v", err)
	}
	got, gotExp, found, err := st.LoadValues(bg, key)
	if err != nil || !found {
		t.Fatalf("LoadValues = found %v, err %v", found, err)
	}
	if !reflect.DeepEqual(got, jsonValues(exp)) {
		t.Fatalf("LoadValues = %#v, want %#v", got, jsonValues(exp))
	}
	s.checkExpiry(t, gotExp, exp)
}

func (s suite) valuesRules(t *testing.T, st session.ValueStore) {
	key := session.NewKey()
	exp := s.now().Add(hour)
	if err := st.SaveValues(bg, key, map[string]any{"v": int64(1)}, exp, false); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("SaveValues(mustCreate=false) of a missing key = %v, want ErrNotFound", err)
	}
	if err := st.SaveValues(bg, key, map[string]any{"v": int64(1)}, exp, true); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveValues(bg, key, map[string]any{"v": int64(2)}, exp, true); !errors.Is(err, session.ErrKeyExists) {
		t.Fatalf("SaveValues(mustCreate) of a taken key = %v, want ErrKeyExists", err)
	}
	if err := st.SaveValues(bg, key, map[string]any{"v": int64(3)}, exp, false); err != nil {
		t.Fatal(err)
	}
	got, _, _, err := st.LoadValues(bg, key)
	if err != nil || got["v"] != int64(3) {
		t.Fatalf("LoadValues after the update = %v, %v; want v=3", got, err)
	}
}

func (s suite) valuesAsBytes(t *testing.T, st session.ValueStore) {
	key := session.NewKey()
	if err := st.SaveValues(bg, key, map[string]any{"a": int64(1), "b": 1.0}, s.now().Add(hour), true); err != nil {
		t.Fatal(err)
	}
	data, _, found := load(t, st, key)
	if !found || string(data) != `{"a":1,"b":1.0}` {
		t.Fatalf("Load = %q, %v; want {\"a\":1,\"b\":1.0}", data, found)
	}
}

func (s suite) valuesCorrupt(t *testing.T, st session.ValueStore) {
	for _, data := range []string{"not json", `[1,2]`, `{"a":`, "eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY"} {
		key := session.NewKey()
		mustSave(t, st, key, []byte(data), s.now().Add(hour), true)
		_, _, _, err := st.LoadValues(bg, key)
		if !errors.Is(err, session.ErrCorrupt) {
			t.Errorf("LoadValues of %q = %v, want an error matching session.ErrCorrupt", data, err)
		}
	}
	key := session.NewKey()
	mustSave(t, st, key, []byte(`{"a":1}`), s.now().Add(hour), true)
	got, _, found, err := st.LoadValues(bg, key)
	if err != nil || !found || got["a"] != int64(1) {
		t.Errorf("LoadValues of a JSON record = %v, %v, %v; want a=1", got, found, err)
	}
}

func (s suite) valuesExpired(t *testing.T, st session.ValueStore) {
	key := session.NewKey()
	if err := st.SaveValues(bg, key, map[string]any{"a": int64(1)}, s.now().Add(-hour), true); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{key, session.NewKey()} {
		_, _, found, err := st.LoadValues(bg, k)
		if err != nil || found {
			t.Fatalf("LoadValues = found %v, err %v; want not found", found, err)
		}
	}
}

func (s suite) count(t *testing.T, st session.Store) {
	c := st.(session.Counter)
	before, err := c.Count(bg)
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	now := s.now()
	a, b, old := session.NewKey(), session.NewKey(), session.NewKey()
	mustSave(t, st, a, []byte("a"), now.Add(hour), true)
	mustSave(t, st, b, []byte("b"), now.Add(hour), true)
	mustSave(t, st, old, []byte("old"), now.Add(-hour), true)
	after, err := c.Count(bg)
	if err != nil || after-before != 2 {
		t.Fatalf("Count after two live saves and an expired one = %d (before %d), %v; want 2 more", after, before, err)
	}
	if err := st.Delete(bg, a); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Count(bg); err != nil || n != after-1 {
		t.Fatalf("Count after a delete = %d, %v; want %d", n, err, after-1)
	}
}
