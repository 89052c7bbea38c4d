package file_test

import (
	"reflect"
	"testing"

	"github.com/djsession/djsession/store/file"
)

// TestWriteOrder checks the system calls of a durable save, in order, as
// the system-call layer reports them: the data is written to the temporary
// file, which gets its modification time and is fsynced before it takes the
// session's name (by a link for a new session, whose temporary name is then
// removed, or a rename for an update), and the directory is fsynced after,
// so that the name survives a power cut. A crash test cannot see a missing fsync (the
// kernel survives a killed process); this test can.
func TestWriteOrder(t *testing.T) {
	tests := []struct {
		name       string
		mustCreate bool
		want       []string
	}{
		{"a new session", true, []string{"write", "set mtime", "fsync file", "link", "remove", "fsync dir"}},
		{"an update", false, []string{"write", "set mtime", "fsync file", "rename", "fsync dir"}},
	}
	st := newStore(t, file.Options{})
	key := newKey()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var steps []string
			file.SetTrace(st, func(step string) { steps = append(steps, step) })
			defer file.SetTrace(st, nil)
			mustSaveValues(t, st, key, map[string]any{"a": int64(1)}, tc.mustCreate)
			if !reflect.DeepEqual(steps, tc.want) {
				t.Fatalf("steps %v, want %v", steps, tc.want)
			}
		})
	}
	if n := file.HeldLocks(st); n != 0 {
		t.Errorf("%d key locks are still held after the saves", n)
	}
}
