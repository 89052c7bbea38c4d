package sqlite_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

// withUmask runs f with the process umask set to mask (022 is what most
// shells give): the files must be 0600 whatever the umask.
func withUmask(t *testing.T, mask int, f func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	f()
}

func TestOpenCreatesTheDatabaseAndItsWALFilesPrivate(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // a folder others may list
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sessions.sqlite3")
	withUmask(t, 0o022, func() {
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		st, err := sqlite.New(db, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ctx := context.Background()
		if err := st.CreateTable(ctx); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx, "abcdefghijklmnopqrstuvwxyz012345", []byte("data"), time.Now().Add(time.Hour), true); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"sessions.sqlite3", "sessions.sqlite3-wal", "sessions.sqlite3-shm"} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if m := fi.Mode().Perm(); m != 0o600 {
				t.Errorf("%s has mode %#o, want 0600", name, m)
			}
		}
	})
}

func TestOpenWarnsAboutReadableFiles(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	for _, tc := range []struct {
		name            string
		dirMode, dbMode os.FileMode
		warn            []string
	}{
		{"private", 0o700, 0o600, nil},
		{"a readable folder", 0o755, 0o600, []string{"the directory"}},
		{"a readable file", 0o700, 0o644, []string{"sessions.sqlite3 is readable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			dir := filepath.Join(t.TempDir(), "d")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "sessions.sqlite3")
			if err := os.WriteFile(path, nil, tc.dbMode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, tc.dbMode)
			os.Chmod(dir, tc.dirMode)
			db, err := sqlite.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			got := sqlite.PermissionWarnings(path)
			if len(got) != len(tc.warn) {
				t.Fatalf("warnings %q, want %d", got, len(tc.warn))
			}
			for i, w := range tc.warn {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %q lacks %q", got[i], w)
				}
				if !strings.Contains(logs.String(), "level=WARN") {
					t.Errorf("Open logged no warning: %q", logs.String())
				}
			}
			if tc.warn == nil && logs.Len() != 0 {
				t.Errorf("a private database logged %q", logs.String())
			}
		})
	}
}
