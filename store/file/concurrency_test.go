package file_test

import (
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/file"
)

// TestReadersSeeWholeFiles reads a session from a second Store on the same
// directory (as another process would, with no lock in common) while the
// first saves it again and again: every read is a whole generation, never
// a missing, empty or partial file.
func TestReadersSeeWholeFiles(t *testing.T) {
	dir := t.TempDir()
	writer := newStore(t, file.Options{Dir: dir})
	reader := newStore(t, file.Options{Dir: dir})
	key := newKey()
	const saves = 60
	gens := make([]map[string]any, saves+1)
	for g := range gens {
		gens[g] = crashValues(key, int64(g))
	}
	mustSaveValues(t, writer, key, gens[0], true)
	var done atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for !done.Load() {
			vals, _, found, err := reader.LoadValues(bg, key)
			if err != nil || !found {
				t.Errorf("a read during a save: found %v, %v", found, err)
				return
			}
			g, _ := vals["gen"].(int64)
			if g < 0 || g > saves || !reflect.DeepEqual(vals, gens[g]) {
				t.Errorf("a read during a save is not a whole generation")
				return
			}
			reads.Add(1)
		}
	})
	for g := 1; g <= saves && !t.Failed(); g++ {
		mustSaveValues(t, writer, key, gens[g], false)
	}
	done.Store(true)
	wg.Wait()
	t.Logf("%d reads during %d saves", reads.Load(), saves)
}

// TestNoResurrectionInProcess races an update of a session with its
// deletion, in one Store, many times: the update either happens before the
// delete or fails with ErrNotFound, so the session never outlives the
// delete (the lock per key orders them; between processes, as in Django,
// it can).
func TestNoResurrectionInProcess(t *testing.T) {
	st := newStore(t, file.Options{})
	for round := range 100 {
		key := newKey()
		mustSaveValues(t, st, key, map[string]any{"n": int64(0)}, true)
		var wg sync.WaitGroup
		var saveErr, delErr error
		wg.Go(func() { saveErr = st.SaveValues(bg, key, map[string]any{"n": int64(1)}, inAnHour(), false) })
		wg.Go(func() { delErr = st.Delete(bg, key) })
		wg.Wait()
		if delErr != nil || (saveErr != nil && !errors.Is(saveErr, session.ErrNotFound)) {
			t.Fatalf("round %d: save %v, delete %v", round, saveErr, delErr)
		}
		if ok, _ := st.Exists(bg, key); ok {
			t.Fatalf("round %d: the session outlived its deletion (save %v)", round, saveErr)
		}
	}
	if n := file.HeldLocks(st); n != 0 {
		t.Errorf("%d key locks still held", n)
	}
}
