package file_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/file"
)

// TestHostileEntries plants, under a session's file name, each kind of
// entry that is not a session file of this user, and checks that no method
// reads or writes through it: a load finds no session (although the entry
// would decode as a live one if followed), a create fails with
// ErrKeyExists, an update with ErrNotFound, Delete and ClearExpired leave
// it (and what it points to) as it was, and a warning is logged.
func TestHostileEntries(t *testing.T) {
	// A valid, live session file, signed with the store's key: what a
	// symbolic link points to, and what another user's file holds.
	outside := t.TempDir()
	source := newStore(t, file.Options{Dir: outside})
	sourceKey := newKey()
	mustSaveValues(t, source, sourceKey, map[string]any{"user": "victim"}, true)
	canary := fileName(t, source, sourceKey)
	content, err := os.ReadFile(canary)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		root   bool // needs root (chown)
		plant  func(t *testing.T, path string)
		inside bool // the entry is a directory whose content must survive
	}{
		{name: "a symbolic link to a live session file elsewhere", plant: func(t *testing.T, path string) {
			if err := os.Symlink(canary, path); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a symbolic link to nothing", plant: func(t *testing.T, path string) {
			if err := os.Symlink(filepath.Join(outside, "missing"), path); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a FIFO (a read would block)", plant: func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a directory", inside: true, plant: func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(path, "inside"), content, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "another user's file holding a live session", root: true, plant: func(t *testing.T, path string) {
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(path, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.root {
				requireRoot(t)
			}
			var logs logBuffer
			st := newStore(t, file.Options{Logger: logs.logger()})
			key := newKey()
			path := fileName(t, st, key)
			tc.plant(t, path)
			before := listing(t, st.Dir())
			canaryBefore, _ := os.Lstat(canary)

			done := make(chan struct{})
			go func() {
				defer close(done)
				checkHostile(t, st, key)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("a store call blocked on the entry (a FIFO opened for reading without O_NONBLOCK?)")
			}

			if after := listing(t, st.Dir()); !reflect.DeepEqual(after, before) {
				t.Errorf("the directory changed:\nbefore %v\nafter  %v", before, after)
			}
			if got, err := os.ReadFile(canary); err != nil || string(got) != string(content) {
				t.Errorf("the file the link points to changed: %q, %v", got, err)
			}
			if canaryAfter, _ := os.Lstat(canary); !canaryAfter.ModTime().Equal(canaryBefore.ModTime()) {
				t.Errorf("the file the link points to was touched")
			}
			if !strings.Contains(logs.String(), "not a session file of this user") {
				t.Errorf("no warning was logged; logs:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), key) {
				t.Errorf("the log shows the session key:\n%s", logs.String())
			}
		})
	}
}

// checkHostile runs every method of st on key, whose file name holds an
// entry that is not a session file, and checks that each treats it as no
// session that it may touch.
func checkHostile(t *testing.T, st *file.Store, key string) {
	if _, _, found, err := st.LoadValues(bg, key); found || err != nil {
		t.Errorf("LoadValues = found %v, %v; want not found", found, err)
	}
	if _, _, found, err := st.Load(bg, key); found || err != nil {
		t.Errorf("Load = found %v, %v; want not found", found, err)
	}
	if ok, err := st.Exists(bg, key); !ok || err != nil {
		t.Errorf("Exists = %v, %v; want true (the name is taken)", ok, err)
	}
	if err := st.SaveValues(bg, key, map[string]any{"a": int64(1)}, inAnHour(), true); !errors.Is(err, session.ErrKeyExists) {
		t.Errorf("SaveValues(mustCreate) = %v, want ErrKeyExists", err)
	}
	if err := st.SaveValues(bg, key, map[string]any{"a": int64(1)}, inAnHour(), false); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("SaveValues(update) = %v, want ErrNotFound", err)
	}
	if err := st.Save(bg, key, []byte(`{"a":1}`), inAnHour(), false); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Save(update) = %v, want ErrNotFound", err)
	}
	if err := st.Delete(bg, key); err != nil {
		t.Errorf("Delete = %v", err)
	}
	if err := st.ClearExpired(bg); err != nil {
		t.Errorf("ClearExpired = %v", err)
	}
	if n, err := st.Count(bg); n != 0 || err != nil {
		t.Errorf("Count = %d, %v; want 0", n, err)
	}
}

// TestHostileKeys gives every method keys that are not session keys (path
// traversal, separators, NUL, wrong lengths, upper case): none reaches the
// file system. Save and SaveValues fail with ErrInvalidKey, the others
// report no session, and nothing appears in the directory or beside it.
func TestHostileKeys(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "sessions")
	st := newStore(t, file.Options{Dir: dir})
	// A session whose name a traversal might reach, and a canary beside
	// the directory.
	if err := os.WriteFile(filepath.Join(root, "sessionidcanary"), []byte("canary"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := listing(t, root)
	keys := []string{
		"../../../../tmp/pwn", "..", ".", "a/b", `a\b`, `C:\x`, "%2e%2e%2f", "../canary",
		"abc\x00defgh", "", "1234567", strings.Repeat("a", 65), strings.Repeat("k", 10<<10),
		"UPPERCASE1", "abcdefgh_out_x", " abcdefgh", "abcdefgh\n", "ünïcødé12",
	}
	for _, key := range keys {
		if _, _, found, err := st.LoadValues(bg, key); found || err != nil {
			t.Errorf("LoadValues(%q) = found %v, %v", key, found, err)
		}
		if _, _, found, err := st.Load(bg, key); found || err != nil {
			t.Errorf("Load(%q) = found %v, %v", key, found, err)
		}
		if ok, err := st.Exists(bg, key); ok || err != nil {
			t.Errorf("Exists(%q) = %v, %v", key, ok, err)
		}
		if err := st.Delete(bg, key); err != nil {
			t.Errorf("Delete(%q) = %v", key, err)
		}
		for _, mustCreate := range []bool{true, false} {
			if err := st.SaveValues(bg, key, map[string]any{"a": int64(1)}, inAnHour(), mustCreate); !errors.Is(err, file.ErrInvalidKey) {
				t.Errorf("SaveValues(%q, mustCreate=%v) = %v, want ErrInvalidKey", key, mustCreate, err)
			}
			if err := st.Save(bg, key, []byte("{}"), inAnHour(), mustCreate); !errors.Is(err, file.ErrInvalidKey) {
				t.Errorf("Save(%q, mustCreate=%v) = %v, want ErrInvalidKey", key, mustCreate, err)
			}
		}
		if _, ok := st.FileName(key); ok {
			t.Errorf("FileName(%q) gives a name", key)
		}
	}
	if after := listing(t, root); !reflect.DeepEqual(after, before) {
		t.Errorf("the file system changed:\nbefore %v\nafter  %v", before, after)
	}
}

// TestModes checks the modes of what the store creates, whatever the umask
// (one that opens everything, one that would leave the owner read-only):
// files 0600 (the temporary file too, from its creation), the directory
// 0700.
func TestModes(t *testing.T) {
	for _, umask := range []int{0, 0o277} {
		t.Run(fmt.Sprintf("umask %#o", umask), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)
			dir := filepath.Join(t.TempDir(), "sessions")
			st := newStore(t, file.Options{Dir: dir})
			var tempModes []os.FileMode
			file.SetTrace(st, func(step string) {
				if step != "write" {
					return
				}
				for _, n := range tempNames(t, dir) {
					fi, err := os.Lstat(filepath.Join(dir, n))
					if err == nil {
						tempModes = append(tempModes, fi.Mode())
					}
				}
			})
			key := newKey()
			mustSaveValues(t, st, key, map[string]any{"a": int64(1)}, true)
			mustSaveValues(t, st, key, map[string]any{"a": int64(2)}, false)
			if fi, err := os.Stat(dir); err != nil || fi.Mode() != os.ModeDir|0o700 {
				t.Errorf("%s: mode %v, %v; want drwx------", dir, fi.Mode(), err)
			}
			if fi, err := os.Stat(fileName(t, st, key)); err != nil || fi.Mode() != 0o600 {
				t.Errorf("session file: mode %v, %v; want -rw-------", fi.Mode(), err)
			}
			if len(tempModes) != 2 {
				t.Fatalf("saw %d temporary files, want 2", len(tempModes))
			}
			for _, m := range tempModes {
				if m != 0o600 {
					t.Errorf("temporary file: mode %v, want -rw-------", m)
				}
			}
		})
	}
}

// TestDirectoryWarnings checks New's warnings about an existing directory:
// writable by others without the sticky bit (they could replace files), and
// readable by others (they could list the keys). A directory of 0700, or
// one that New creates, gets none.
func TestDirectoryWarnings(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	const writable, readable = "writable by other users", "readable by other users"
	tests := []struct {
		name string
		mode os.FileMode
		want []string
		not  []string
	}{
		{"0700 is private", 0o700, nil, []string{writable, readable}},
		{"0711 lets others in but not list", 0o711, nil, []string{writable, readable}},
		{"0750 lets the group list the keys", 0o750, []string{readable}, []string{writable}},
		{"0770 lets the group replace files", 0o770, []string{writable, readable}, nil},
		{"0733 lets everybody replace files", 0o733, []string{writable}, []string{readable}},
		{"1777 (a temporary directory) is writable but sticky", 0o777 | os.ModeSticky, []string{readable}, []string{writable}},
		{"1733 is sticky and not listable", 0o733 | os.ModeSticky, nil, []string{writable, readable}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tc.mode); err != nil {
				t.Fatal(err)
			}
			var logs logBuffer
			newStore(t, file.Options{Dir: dir, Logger: logs.logger()})
			for _, w := range tc.want {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("no warning %q; logs:\n%s", w, logs.String())
				}
			}
			for _, w := range tc.not {
				if strings.Contains(logs.String(), w) {
					t.Errorf("unexpected warning %q; logs:\n%s", w, logs.String())
				}
			}
		})
	}
	t.Run("a directory New creates is 0700 and gets no warning", func(t *testing.T) {
		var logs logBuffer
		newStore(t, file.Options{Dir: filepath.Join(t.TempDir(), "new"), Logger: logs.logger()})
		if logs.String() != "" {
			t.Errorf("warnings: %s", logs.String())
		}
	})
}

// TestDirectoryReplaced renames the session directory away and puts a
// symbolic link to another directory in its place: the store keeps working
// in the directory it opened, and writes nothing through the link.
func TestDirectoryReplaced(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "sessions")
	st := newStore(t, file.Options{Dir: dir})
	key := newKey()
	mustSaveValues(t, st, key, map[string]any{"a": int64(1)}, true)
	elsewhere := filepath.Join(root, "elsewhere")
	if err := os.Mkdir(elsewhere, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir, filepath.Join(root, "moved")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, dir); err != nil {
		t.Fatal(err)
	}
	mustSaveValues(t, st, key, map[string]any{"a": int64(2)}, false)
	wantValues(t, st, key, map[string]any{"a": int64(2)})
	if n := names(t, elsewhere); len(n) != 0 {
		t.Errorf("files appeared through the link: %v", n)
	}
	if _, err := os.Stat(filepath.Join(root, "moved", filepath.Base(fileName(t, st, key)))); err != nil {
		t.Errorf("the session is not in the directory the store opened: %v", err)
	}
}
