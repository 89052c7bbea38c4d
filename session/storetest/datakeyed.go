package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
)

// DataKeyedOptions declare what a session.DataKeyedStore cannot do
// exactly; the zero value asks for everything.
type DataKeyedOptions struct {
	// ExpiryGranularity is the precision of the expiry LoadValues returns.
	// Zero means a millisecond.
	ExpiryGranularity time.Duration

	// MaxKeySize, when positive, is the size over which SaveKey must fail
	// with a *session.SizeError (a cookie store: 4096 bytes of Set-Cookie
	// line). The suite then saves a session of random text that cannot fit
	// and checks the error. Zero means the store has no limit of its own.
	MaxKeySize int
}

// RunDataKeyed runs the conformance suite of a session.DataKeyedStore, a
// store whose key is its data (the signed_cookies engine): the byte-level
// checks of Run do not apply to it, since it cannot keep data under a key
// chosen by the caller. newStore must make a store that reads the time
// from now; the suite moves that clock instead of sleeping.
//
// The checks: what SaveKey returns passes ValidKey and loads back with
// LoadValues, values and expiry; ValidKey refuses the package's random keys
// and garbage; an expired key, and a key with any byte altered, truncated
// or extended, loads as not found (never as other values, never as an
// error); the map given to SaveKey is not changed; Delete succeeds and has
// nothing to remove; concurrent use is safe; a cancelled context makes
// SaveKey and LoadValues fail; and, with MaxKeySize, a session too large
// for the store is a *session.SizeError naming its largest value.
func RunDataKeyed(t *testing.T, newStore func(t *testing.T, now func() time.Time) session.DataKeyedStore, opts DataKeyedOptions) {
	t.Helper()
	if opts.ExpiryGranularity <= 0 {
		opts.ExpiryGranularity = time.Millisecond
	}
	c := &fakeClock{t: time.Now()}
	d := dkSuite{opts: opts, clock: c, newStore: func(t *testing.T) session.DataKeyedStore { return newStore(t, c.Now) }}
	checks := []struct {
		name string
		fn   func(t *testing.T, st session.DataKeyedStore)
	}{
		{"a key from SaveKey is valid and loads back with its values and expiry", d.roundTrip},
		{"ValidKey refuses random session keys, the empty string and garbage", d.validKey},
		{"a key whose expiry has passed loads as not found", d.expired},
		{"a key with any byte altered, cut or extended loads as not found", d.tampered},
		{"SaveKey does not change the map it is given and keys are independent", d.independent},
		{"Delete succeeds and the key still loads: there is no record to remove", d.delete},
		{"concurrent use from many goroutines is safe", d.concurrent},
		{"a cancelled context makes SaveKey and LoadValues fail", d.cancelled},
	}
	if opts.MaxKeySize > 0 {
		checks = append(checks, struct {
			name string
			fn   func(t *testing.T, st session.DataKeyedStore)
		}{"a session too large for the store is a SizeError naming its largest value", d.tooLarge})
	}
	// The checks share one clock, so they run one after the other.
	for _, ch := range checks {
		t.Run(ch.name, func(t *testing.T) { ch.fn(t, d.newStore(t)) })
	}
}

type dkSuite struct {
	opts     DataKeyedOptions
	clock    *fakeClock
	newStore func(t *testing.T) session.DataKeyedStore
}

// dkValues is a session in its JSON form whose ExpiryKey is the date exp,
// so that every kind of store, whether it keeps the expiry it is given or
// derives it from the data, has the same expiry.
func dkValues(exp time.Time) map[string]any {
	return map[string]any{
		"big":             int64(1<<53 + 1),
		"huge":            json.Number("123456789012345678901234567890"),
		"float":           1.0,
		"text":            "héllo \u2603 \U0001F600",
		"yes":             true,
		"none":            nil,
		"list":            []any{int64(1), "two", 3.5, []any{}},
		"nested":          map[string]any{"a": map[string]any{"b": []any{false}}},
		"_session_expiry": exp.UTC().Format("2006-01-02T15:04:05.000000+00:00"),
	}
}

func (d dkSuite) saveKey(t *testing.T, st session.DataKeyedStore, values map[string]any, exp time.Time) string {
	t.Helper()
	k, err := st.SaveKey(bg, values, exp)
	if err != nil {
		t.Fatalf("SaveKey: %v", err)
	}
	if !st.ValidKey(k) {
		t.Fatalf("ValidKey(%.40q...) = false for a key SaveKey made", k)
	}
	return k
}

// exp returns an expiry d from the clock's now, to the microsecond.
func (d dkSuite) exp(in time.Duration) time.Time {
	return d.clock.Now().Add(in).Truncate(time.Microsecond)
}

func (d dkSuite) wantNotFound(t *testing.T, st session.DataKeyedStore, key, what string) {
	t.Helper()
	v, _, found, err := st.LoadValues(bg, key)
	if err != nil || found {
		t.Fatalf("LoadValues of %s = %v, found %v, err %v; want not found and no error", what, v, found, err)
	}
}

func (d dkSuite) roundTrip(t *testing.T, st session.DataKeyedStore) {
	for _, tc := range []struct {
		name   string
		values func(exp time.Time) map[string]any
	}{
		{"every JSON type", dkValues},
		{"only the expiry", func(exp time.Time) map[string]any {
			return map[string]any{session.ExpiryKey: dkValues(exp)[session.ExpiryKey]}
		}},
	} {
		exp := d.exp(hour)
		k := d.saveKey(t, st, tc.values(exp), exp)
		got, gotExp, found, err := st.LoadValues(bg, k)
		if err != nil || !found {
			t.Fatalf("%s: LoadValues = found %v, err %v", tc.name, found, err)
		}
		if !reflect.DeepEqual(got, tc.values(exp)) {
			t.Fatalf("%s: LoadValues = %#v, want %#v", tc.name, got, tc.values(exp))
		}
		if diff := gotExp.Sub(exp); diff > d.opts.ExpiryGranularity || diff < -d.opts.ExpiryGranularity {
			t.Fatalf("%s: LoadValues expiry %v, want %v (±%v)", tc.name, gotExp, exp, d.opts.ExpiryGranularity)
		}
	}
}

func (d dkSuite) validKey(t *testing.T, st session.DataKeyedStore) {
	for _, k := range []string{"", session.NewKey(), "x", "not a key at all!", "::", string(make([]byte, 5000))} {
		if st.ValidKey(k) {
			t.Errorf("ValidKey(%.40q) = true", k)
		}
		d.wantNotFound(t, st, k, fmt.Sprintf("%.40q", k))
	}
}

func (d dkSuite) expired(t *testing.T, st session.DataKeyedStore) {
	exp := d.exp(hour)
	k := d.saveKey(t, st, dkValues(exp), exp)
	d.clock.Advance(hour - time.Second)
	if _, _, found, err := st.LoadValues(bg, k); err != nil || !found {
		t.Fatalf("LoadValues a second before the expiry = found %v, err %v; want found", found, err)
	}
	d.clock.Advance(time.Second + d.opts.ExpiryGranularity + time.Millisecond)
	d.wantNotFound(t, st, k, "a key after its expiry")

	past := d.exp(-hour)
	d.wantNotFound(t, st, d.saveKey(t, st, dkValues(past), past), "a key saved with an expiry in the past")
}

// alter returns c replaced by another byte of the same kind, so that the
// altered key keeps its form as far as possible.
func alter(c byte) byte {
	switch {
	case c == 'A':
		return 'B'
	case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return 'A'
	case c == '-':
		return '_'
	case c == '_':
		return '-'
	}
	return c ^ 1
}

func (d dkSuite) tampered(t *testing.T, st session.DataKeyedStore) {
	exp := d.exp(hour)
	values := map[string]any{"user": "alice", "n": int64(7), session.ExpiryKey: dkValues(exp)[session.ExpiryKey]}
	k := d.saveKey(t, st, values, exp)
	check := func(bad, what string) {
		t.Helper()
		if bad == k {
			return
		}
		got, _, found, err := st.LoadValues(bg, bad)
		if err != nil || found {
			t.Fatalf("LoadValues of the key with %s = %v, found %v, err %v; want not found and no error", what, got, found, err)
		}
	}
	for i := range len(k) {
		b := []byte(k)
		b[i] = alter(b[i])
		check(string(b), fmt.Sprintf("byte %d altered", i))
	}
	for n := range len(k) {
		check(k[:n], fmt.Sprintf("only its first %d bytes", n))
	}
	check(k+"A", "a byte appended")
	check("A"+k, "a byte prepended")
}

func (d dkSuite) independent(t *testing.T, st session.DataKeyedStore) {
	exp := d.exp(hour)
	a := dkValues(exp)
	ka := d.saveKey(t, st, a, exp)
	if !reflect.DeepEqual(a, dkValues(exp)) {
		t.Fatalf("SaveKey changed its map: %#v", a)
	}
	b := dkValues(exp)
	b["text"] = "another"
	kb := d.saveKey(t, st, b, exp)
	if ka == kb {
		t.Fatal("two different sessions got the same key")
	}
	for _, tc := range []struct {
		key  string
		want string
	}{{ka, "héllo \u2603 \U0001F600"}, {kb, "another"}} {
		got, _, found, err := st.LoadValues(bg, tc.key)
		if err != nil || !found || got["text"] != tc.want {
			t.Fatalf("LoadValues = %v, %v, %v; want text %q", got["text"], found, err, tc.want)
		}
	}
}

func (d dkSuite) delete(t *testing.T, st session.DataKeyedStore) {
	exp := d.exp(hour)
	k := d.saveKey(t, st, dkValues(exp), exp)
	if err := st.Delete(bg, k); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := st.Delete(bg, session.NewKey()); err != nil {
		t.Fatalf("Delete of a key never made: %v", err)
	}
	if _, _, found, err := st.LoadValues(bg, k); err != nil || !found {
		t.Fatalf("LoadValues after Delete = found %v, err %v; a data-keyed store has nothing to delete", found, err)
	}
}

func (d dkSuite) concurrent(t *testing.T, st session.DataKeyedStore) {
	exp := d.exp(hour)
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				v := map[string]any{"w": int64(w), "i": int64(i), session.ExpiryKey: dkValues(exp)[session.ExpiryKey]}
				k, err := st.SaveKey(bg, v, exp)
				if err != nil {
					errs <- fmt.Errorf("SaveKey: %w", err)
					return
				}
				got, _, found, err := st.LoadValues(bg, k)
				if err != nil || !found || got["w"] != int64(w) || got["i"] != int64(i) {
					errs <- fmt.Errorf("LoadValues = %v, %v, %v; want w=%d i=%d", got, found, err, w, i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func (d dkSuite) cancelled(t *testing.T, st session.DataKeyedStore) {
	exp := d.exp(hour)
	k := d.saveKey(t, st, dkValues(exp), exp)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.SaveKey(ctx, dkValues(exp), exp); err == nil {
		t.Error("SaveKey with a cancelled context succeeded")
	}
	if _, _, _, err := st.LoadValues(ctx, k); err == nil {
		t.Error("LoadValues with a cancelled context succeeded")
	}
}

func (d dkSuite) tooLarge(t *testing.T, st session.DataKeyedStore) {
	exp := d.exp(hour)
	// Random hex does not compress below half its size: twice the limit
	// cannot fit in any encoding.
	noise := make([]byte, d.opts.MaxKeySize)
	_, _ = rand.Read(noise)
	values := map[string]any{"small": "x", "big": hex.EncodeToString(noise), session.ExpiryKey: dkValues(exp)[session.ExpiryKey]}
	k, err := st.SaveKey(bg, values, exp)
	var se *session.SizeError
	if !errors.As(err, &se) {
		t.Fatalf("SaveKey of a session of %d random bytes = %.40q, %v; want a *session.SizeError", 2*d.opts.MaxKeySize, k, err)
	}
	if k != "" {
		t.Errorf("SaveKey returned a key %.40q with its error", k)
	}
	if len(se.Largest) == 0 || se.Largest[0].Key != "big" || se.Limit != d.opts.MaxKeySize || se.Size <= se.Limit {
		t.Errorf("SizeError = %+v; want the limit %d, a larger size, and \"big\" first", se, d.opts.MaxKeySize)
	}
	// Just under the limit fits: the check is not a blanket refusal.
	small := map[string]any{"a": hex.EncodeToString(noise[:d.opts.MaxKeySize/8]), session.ExpiryKey: values[session.ExpiryKey]}
	d.saveKey(t, st, small, exp)
}
