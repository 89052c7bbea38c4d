package file_test

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/file"
)

// logBuffer collects a store's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, nil))
}

// listing returns the names under root, recursively, with their modes and
// sizes: what a test compares before and after to see that nothing changed.
func listing(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, rel+" "+fi.Mode().String()+" "+strconv.FormatInt(fi.Size(), 10))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// names returns the entry names of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// tempNames returns the temporary files in dir.
func tempNames(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, n := range names(t, dir) {
		if strings.Contains(n, file.TempInfix) {
			out = append(out, n)
		}
	}
	return out
}

// requireRoot skips the test unless it runs as root, and fails it under
// the full test command (which CI runs as root), so that the tests that
// need mounts never silently stop running there.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if testservers.Full() {
		t.Fatalf("this test needs root (mounts, chown), and the full test command runs as root")
	}
	t.Skipf("this test needs root (it mounts a tmpfs or gives a file to another user): run %q as root", testservers.FullCommand)
}

// mountTmpfs mounts a tmpfs with the given options (such as "size=64k") on
// a new directory and unmounts it when the test ends. It needs root; a
// system that refuses the mount skips the test, or fails it under the full
// test command.
func mountTmpfs(t *testing.T, options string) string {
	t.Helper()
	requireRoot(t)
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", options+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		if testservers.Full() {
			t.Fatalf("mount -t tmpfs -o %s: %v: %s", options, err, out)
		}
		t.Skipf("cannot mount a tmpfs (%v: %s): run %q as root on a system that allows mounts", err, bytes.TrimSpace(out), testservers.FullCommand)
	}
	t.Cleanup(func() {
		// Lazy: a store still holding the directory open must not keep
		// the mount (and the test's temporary directory) alive.
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// remount changes the options of the mount at dir ("ro" or "rw").
func remount(t *testing.T, dir, options string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+options, dir).CombinedOutput(); err != nil {
		t.Fatalf("mount -o remount,%s %s: %v: %s", options, dir, err, out)
	}
}

// hour is the expiry the tests give sessions that must stay live.
func inAnHour() time.Time { return time.Now().Add(time.Hour) }

// mustSaveValues saves values under key and fails the test on an error.
func mustSaveValues(t *testing.T, st *file.Store, key string, values map[string]any, mustCreate bool) {
	t.Helper()
	if err := st.SaveValues(bg, key, values, inAnHour(), mustCreate); err != nil {
		t.Fatalf("SaveValues(mustCreate=%v): %v", mustCreate, err)
	}
}

// wantValues loads key and fails the test unless it holds want.
func wantValues(t *testing.T, st *file.Store, key string, want map[string]any) {
	t.Helper()
	got, _, found, err := st.LoadValues(bg, key)
	if err != nil || !found {
		t.Fatalf("LoadValues = found %v, %v; want the session", found, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("LoadValues = %v, want %v", got, want)
	}
}

// fileName is the name of key's file in st's directory.
func fileName(t *testing.T, st *file.Store, key string) string {
	t.Helper()
	name, ok := st.FileName(key)
	if !ok {
		t.Fatalf("FileName(%q): not a key", key)
	}
	return filepath.Join(st.Dir(), name)
}

var newKey = session.NewKey
