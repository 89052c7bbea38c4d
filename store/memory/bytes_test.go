package memory_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

func TestAFloodOfLargeAnonymousSessionsStaysInsideTheByteBudget(t *testing.T) {
	const budget = 4 << 20
	st := memory.New(memory.Options{MaxBytes: budget})
	m, err := session.New(st, session.Config{SecretKey: []byte("flood-test-secret-key-of-32-bytes!!")})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 400<<10) // under the session's 512 KiB
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.FromRequest(r).Set("upload", big)
	}))
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 200 { // 80 MiB sent, without cookies
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
		if rec.Code != 200 {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
		if n := st.Bytes(); n > budget {
			t.Fatalf("after %d requests the store counts %d bytes, over its budget of %d", i+1, n, budget)
		}
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 3*budget {
		t.Errorf("the heap grew by %d bytes for a budget of %d", grown, budget)
	}
	if st.Len() == 0 || st.Len() > budget/(400<<10) {
		t.Errorf("%d records kept", st.Len())
	}
}

func TestByteBudgetCullsLeastRecentlyUsedAndRefusesARecordLargerThanIt(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{MaxBytes: 10_000, MaxDecoded: -1})
	exp := time.Now().Add(time.Hour)
	keys := []string{session.NewKey(), session.NewKey(), session.NewKey()}
	for _, k := range keys {
		if err := st.Save(ctx, k, []byte(strings.Repeat("a", 3000)), exp, true); err != nil {
			t.Fatal(err)
		}
	}
	// Read the first: the second is now the least recently used.
	if _, _, ok, _ := st.Load(ctx, keys[0]); !ok {
		t.Fatal("the first record is missing")
	}
	if err := st.Save(ctx, session.NewKey(), []byte(strings.Repeat("b", 3000)), exp, true); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := st.Load(ctx, keys[1]); ok {
		t.Error("the least recently used record survived the cull")
	}
	if _, _, ok, _ := st.Load(ctx, keys[0]); !ok {
		t.Error("a recently read record was culled")
	}
	if st.Bytes() > 10_000 {
		t.Errorf("%d bytes counted, budget 10000", st.Bytes())
	}
	var size *session.SizeError
	if err := st.Save(ctx, session.NewKey(), make([]byte, 20_000), exp, true); !errors.As(err, &size) {
		t.Errorf("a record larger than the budget: %v, want a SizeError", err)
	}
	// Deletes give the bytes back.
	for _, k := range keys {
		st.Delete(ctx, k)
	}
	if st.Bytes() < 0 || st.Bytes() > 4000 {
		t.Errorf("%d bytes counted after the deletes", st.Bytes())
	}
}

// TestTheManagersMeasuredSizeIsTheStoresAccount checks that a save through
// the Manager (SaveSizedValues, with the size the Manager measured) counts
// the bytes that SaveValues, measuring for itself, counts.
func TestTheManagersMeasuredSizeIsTheStoresAccount(t *testing.T) {
	values := map[string]any{"user": "émile", "cart": []any{"a", "b"}, "n": int64(7), "f": 1.5, "ok": true, "none": nil}
	direct := memory.New(memory.Options{})
	if err := direct.SaveValues(context.Background(), "k", values, time.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	viaManager := memory.New(memory.Options{})
	m, err := session.New(viaManager, session.Config{SecretKey: []byte("measured-size-test-secret-key-32b!!")})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.Open(context.Background(), "")
	for k, v := range values {
		s.Set(k, v)
	}
	if err := s.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The keys differ in length: compare what each store counts beyond its key.
	want := direct.Bytes() - len("k")
	if got := viaManager.Bytes() - len(s.Key()); got != want {
		t.Errorf("a Manager save counts %d bytes, SaveValues %d", got, want)
	}
}
