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
