package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/storetest"
	"github.com/djsession/djsession/store/memory"
)

func TestConformance(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, now func() time.Time) session.Store {
		return memory.New(memory.Options{Now: now})
	}, storetest.Options{})
}

// TestConformanceOnTheRealClock runs the suite once on the real clock too,
// with its one short real expiry wait.
func TestConformanceOnTheRealClock(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store {
		return memory.New(memory.Options{})
	})
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var bg = context.Background()

func TestBound(t *testing.T) {
	tests := []struct {
		name              string
		max, cull, insert int
		wantLen           int
	}{
		{"a store under its maximum keeps every record", 10, 3, 10, 10},
		{"a full store drops a third of its records before inserting", 9, 3, 10, 7},
		{"a cull frequency of one empties a full store", 9, 1, 10, 1},
		{"a cull frequency of two halves a full store", 10, 2, 11, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := memory.New(memory.Options{MaxEntries: tc.max, CullFrequency: tc.cull})
			for i := range tc.insert {
				if err := s.Save(bg, fmt.Sprintf("key%05d", i), []byte("x"), time.Now().Add(time.Hour), true); err != nil {
					t.Fatal(err)
				}
			}
			if got := s.Len(); got != tc.wantLen {
				t.Fatalf("Len = %d, want %d", got, tc.wantLen)
			}
			// The last record written is always kept.
			if ok, _ := s.Exists(bg, fmt.Sprintf("key%05d", tc.insert-1)); !ok {
				t.Fatal("the newest record was culled")
			}
		})
	}
}

func TestCullDropsLeastRecentlyUsed(t *testing.T) {
	s := memory.New(memory.Options{MaxEntries: 3, CullFrequency: 3})
	exp := time.Now().Add(time.Hour)
	for _, k := range []string{"aaaaaaaa", "bbbbbbbb", "cccccccc"} {
		if err := s.Save(bg, k, []byte(k), exp, true); err != nil {
			t.Fatal(err)
		}
	}
	// Reading a makes b the least recently used.
	if _, _, found, _ := s.Load(bg, "aaaaaaaa"); !found {
		t.Fatal("a not found")
	}
	if err := s.Save(bg, "dddddddd", []byte("d"), exp, true); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]bool{"aaaaaaaa": true, "bbbbbbbb": false, "cccccccc": true, "dddddddd": true} {
		if got, _ := s.Exists(bg, k); got != want {
			t.Errorf("Exists(%s) = %v, want %v", k, got, want)
		}
	}
}

func TestCullDropsExpiredRecordsFirst(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	s := memory.New(memory.Options{MaxEntries: 4, Now: clk.Now})
	for i := range 4 {
		life := time.Hour
		if i%2 == 0 {
			life = time.Second
		}
		if err := s.Save(bg, fmt.Sprintf("key%05d", i), []byte("x"), clk.Now().Add(life), true); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(2 * time.Second)
	// Touch nothing; the writes below reclaim what expired instead of culling live records.
	for i := 4; i < 6; i++ {
		if err := s.Save(bg, fmt.Sprintf("key%05d", i), []byte("x"), clk.Now().Add(time.Hour), true); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"key00001", "key00003", "key00004", "key00005"} {
		if ok, _ := s.Exists(bg, k); !ok {
			t.Errorf("live record %s was dropped", k)
		}
	}
	if got := s.Len(); got != 4 {
		t.Errorf("Len = %d, want 4", got)
	}
}

func TestExpiredRecordsAreReclaimedByWrites(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	s := memory.New(memory.Options{Now: clk.Now})
	const n = 100
	for i := range n {
		if err := s.Save(bg, fmt.Sprintf("old%05d", i), []byte("x"), clk.Now().Add(time.Minute), true); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Hour)
	// Each write reclaims a few expired records: no write scans them all,
	// and enough writes reclaim everything.
	for i := range n {
		if err := s.Save(bg, fmt.Sprintf("new%05d", i), []byte("x"), clk.Now().Add(time.Minute), true); err != nil {
			t.Fatal(err)
		}
		if reclaimed := n + 1 - s.Len(); i == 0 && reclaimed > 8 {
			t.Fatalf("the first write reclaimed %d records, want only a few", reclaimed)
		}
	}
	if got := s.Len(); got != n {
		t.Fatalf("Len after %d writes = %d, want %d (every expired record reclaimed)", n, got, n)
	}
}

func TestClearExpired(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	s := memory.New(memory.Options{Now: clk.Now})
	for i := range 1000 {
		life := time.Duration(i%10+1) * time.Minute
		if err := s.Save(bg, fmt.Sprintf("key%05d", i), []byte("x"), clk.Now().Add(life), true); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(5*time.Minute + time.Second)
	if err := s.ClearExpired(bg); err != nil {
		t.Fatal(err)
	}
	if got := s.Len(); got != 500 {
		t.Fatalf("Len after ClearExpired = %d, want 500", got)
	}
	clk.Advance(time.Hour)
	if err := s.ClearExpired(bg); err != nil {
		t.Fatal(err)
	}
	if got := s.Len(); got != 0 {
		t.Fatalf("Len after everything expired = %d, want 0", got)
	}
}

func TestExpiryIsExclusive(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	s := memory.New(memory.Options{Now: clk.Now})
	exp := clk.Now().Add(time.Second)
	if err := s.Save(bg, "kkkkkkkk", []byte("x"), exp, true); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second - time.Nanosecond)
	if _, _, found, _ := s.Load(bg, "kkkkkkkk"); !found {
		t.Fatal("record gone a nanosecond before its expiry")
	}
	clk.Advance(time.Nanosecond)
	if _, _, found, _ := s.Load(bg, "kkkkkkkk"); found {
		t.Fatal("record still there at its expiry")
	}
	// An expired record does not block a create.
	if err := s.Save(bg, "kkkkkkkk", []byte("y"), clk.Now().Add(time.Hour), true); err != nil {
		t.Fatalf("create over an expired record: %v", err)
	}
}

func TestSavedBytesAreCopied(t *testing.T) {
	s := memory.New(memory.Options{})
	data := []byte("abc")
	if err := s.Save(bg, "kkkkkkkk", data, time.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	data[0] = 'X'
	got, _, _, _ := s.Load(bg, "kkkkkkkk")
	got[1] = 'Y'
	again, _, _, _ := s.Load(bg, "kkkkkkkk")
	if string(again) != "abc" {
		t.Fatalf("stored bytes changed to %q by the callers' slices", again)
	}
}

func TestCancelledContext(t *testing.T) {
	s := memory.New(memory.Options{})
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if err := s.Save(ctx, "kkkkkkkk", nil, time.Now().Add(time.Hour), true); !errors.Is(err, context.Canceled) {
		t.Fatalf("Save = %v, want context.Canceled", err)
	}
}

func TestExpiryOrderSurvivesCulls(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	s := memory.New(memory.Options{MaxEntries: 300, Now: clk.Now})
	// A model of what the store must hold: key -> expiry.
	model := map[string]time.Time{}
	for i := range 1000 {
		key := fmt.Sprintf("key%05d", i)
		exp := clk.Now().Add(time.Duration((i*7919)%600+1) * time.Second)
		if err := s.Save(bg, key, []byte("x"), exp, true); err != nil {
			t.Fatal(err)
		}
		model[key] = exp
	}
	// Culls dropped some records; the survivors are still ordered by expiry.
	for k := range model {
		if ok, _ := s.Exists(bg, k); !ok {
			delete(model, k)
		}
	}
	if len(model) != s.Len() || len(model) > 300 {
		t.Fatalf("store holds %d records, the model %d", s.Len(), len(model))
	}
	for step := range 12 {
		clk.Advance(50 * time.Second)
		if err := s.ClearExpired(bg); err != nil {
			t.Fatal(err)
		}
		for k, exp := range model {
			if !exp.After(clk.Now()) {
				delete(model, k)
			}
		}
		if s.Len() != len(model) {
			t.Fatalf("step %d: ClearExpired left %d records, want %d", step, s.Len(), len(model))
		}
	}
}

func TestConformanceWithFewDecodedRecords(t *testing.T) {
	for _, n := range []int{-1, 1} {
		t.Run(fmt.Sprint("MaxDecoded ", n), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) session.Store {
				return memory.New(memory.Options{MaxDecoded: n})
			})
		})
	}
}

func TestRecordsBeyondMaxDecodedKeepTheirValues(t *testing.T) {
	s := memory.New(memory.Options{MaxDecoded: 2})
	exp := time.Now().Add(time.Hour)
	saved := map[string]map[string]any{}
	for i := range 5 {
		key := fmt.Sprintf("key%d", i)
		saved[key] = map[string]any{"i": int64(i), "name": "user " + key, "cart": []any{"apple", 1.5, nil, true}, "prefs": map[string]any{"theme": "dark"}}
		if err := s.SaveValues(bg, key, saved[key], exp, true); err != nil {
			t.Fatal(err)
		}
	}
	// key3 and key4, used last, are the decoded ones: the very maps saved.
	for _, key := range []string{"key3", "key4"} {
		m, _, _, _ := s.LoadValues(bg, key)
		if reflect.ValueOf(m).UnsafePointer() != reflect.ValueOf(saved[key]).UnsafePointer() {
			t.Errorf("%s: LoadValues did not return the saved snapshot", key)
		}
	}
	// The others come back equal, decoded from their JSON, and each read
	// makes its record decoded again.
	for _, key := range []string{"key0", "key1", "key2", "key0"} {
		m, _, found, err := s.LoadValues(bg, key)
		if err != nil || !found || !reflect.DeepEqual(m, saved[key]) {
			t.Fatalf("LoadValues(%s) = %#v, %v, %v; want %#v", key, m, found, err, saved[key])
		}
		again, _, _, _ := s.LoadValues(bg, key)
		if reflect.ValueOf(again).UnsafePointer() != reflect.ValueOf(m).UnsafePointer() {
			t.Errorf("%s: a second read decoded again", key)
		}
		data, _, _, err := s.Load(bg, key)
		if want, _ := json.Marshal(saved[key]); err != nil || string(data) != string(want) {
			t.Fatalf("Load(%s) = %s, %v; want %s", key, data, err, want)
		}
	}
}

func TestBytesSavedWithSaveComeBackUnchangedAfterLoadValues(t *testing.T) {
	s := memory.New(memory.Options{MaxDecoded: 1})
	exp := time.Now().Add(time.Hour)
	raw := `{ "b" : 2, "a" : [1, 2.50] }` // not in Python's form
	if err := s.Save(bg, "raw", []byte(raw), exp, true); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		m, _, _, err := s.LoadValues(bg, "raw")
		if err != nil || m["b"] != int64(2) {
			t.Fatalf("LoadValues = %#v, %v", m, err)
		}
		if err := s.SaveValues(bg, "other", map[string]any{"x": "y"}, exp, false); err != nil && err != session.ErrNotFound {
			t.Fatal(err)
		}
		s.SaveValues(bg, "other", map[string]any{"x": "y"}, exp, true) // pushes "raw" out of the decoded ones
		if data, _, _, err := s.Load(bg, "raw"); err != nil || string(data) != raw {
			t.Fatalf("Load = %q, %v; want the bytes saved", data, err)
		}
	}
}

func TestValuesWithNoJSONFormStayDecoded(t *testing.T) {
	s := memory.New(memory.Options{MaxDecoded: 1})
	exp := time.Now().Add(time.Hour)
	ch := make(chan int)
	if err := s.SaveValues(bg, "odd", map[string]any{"ch": ch}, exp, true); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.SaveValues(bg, fmt.Sprint("key", i), map[string]any{"i": int64(i)}, exp, true); err != nil {
			t.Fatal(err)
		}
	}
	if m, _, found, err := s.LoadValues(bg, "odd"); err != nil || !found || m["ch"] != ch {
		t.Fatalf("LoadValues = %#v, %v, %v", m, found, err)
	}
	if _, _, _, err := s.Load(bg, "odd"); err == nil {
		t.Fatal("Load encoded a channel")
	}
	for i := range 3 {
		if m, _, _, err := s.LoadValues(bg, fmt.Sprint("key", i)); err != nil || m["i"] != int64(i) {
			t.Fatalf("LoadValues(key%d) = %#v, %v", i, m, err)
		}
	}
}
