package file_test

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/file"
)

// incompressible returns n bytes of random text: a session value that zlib
// cannot shrink.
func incompressible(n int) string {
	b := make([]byte, n*3/4)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// fill writes a file into dir until the file system has no space left.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "filler"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
}

// TestWriteErrors makes each write fail on a real file system (a tmpfs:
// as root, permission bits are ignored and ext4 lends its reserved blocks,
// so neither a chmod nor a full ext4 would fail anything) and checks that
// the error reaches the caller and the handler, the old file is intact and
// no temporary file is left.
func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name    string
		options string                         // the tmpfs's mount options
		fail    func(t *testing.T, dir string) // makes writes fail
		errno   syscall.Errno                  // what the error wraps
		undo    func(t *testing.T, dir string) // makes writes work again
	}{
		{
			name:    "a read-only file system",
			options: "size=1m",
			fail:    func(t *testing.T, dir string) { remount(t, dir, "ro") },
			errno:   syscall.EROFS,
			undo:    func(t *testing.T, dir string) { remount(t, dir, "rw") },
		},
		{
			name:    "a full disk",
			options: "size=256k",
			fail:    fill,
			errno:   syscall.ENOSPC,
			undo: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name:    "no inode left",
			options: "size=1m,nr_inodes=3", // the root, the session, one more
			fail: func(t *testing.T, dir string) {
				if err := os.WriteFile(filepath.Join(dir, "filler"), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			},
			errno: syscall.ENOSPC,
			undo: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := mountTmpfs(t, tc.options)
			st := newStore(t, file.Options{Dir: dir})
			key := newKey()
			old := map[string]any{"user": "alice", "n": int64(1)}
			mustSaveValues(t, st, key, old, true)
			oldBytes, err := os.ReadFile(fileName(t, st, key))
			if err != nil {
				t.Fatal(err)
			}
			tc.fail(t, dir)

			// Too big to fit in what is left, too random to compress.
			newer := map[string]any{"user": "alice", "n": int64(2), "blob": incompressible(128 << 10)}
			for _, c := range []struct {
				name string
				err  error
			}{
				{"SaveValues (update)", st.SaveValues(bg, key, newer, inAnHour(), false)},
				{"SaveValues (create)", st.SaveValues(bg, newKey(), newer, inAnHour(), true)},
				{"Save (update)", st.Save(bg, key, []byte(`{"blob":"`+incompressible(128<<10)+`"}`), inAnHour(), false)},
			} {
				if !errors.Is(c.err, tc.errno) {
					t.Errorf("%s = %v, want an error matching %v", c.name, c.err, tc.errno)
				}
				if errors.Is(c.err, session.ErrNotFound) || errors.Is(c.err, session.ErrKeyExists) {
					t.Errorf("%s = %v: a store failure must not read as a missing or taken key", c.name, c.err)
				}
			}
			if tc.errno == syscall.EROFS {
				if err := st.Delete(bg, key); !errors.Is(err, syscall.EROFS) {
					t.Errorf("Delete = %v, want EROFS", err)
				}
			}
			wantValues(t, st, key, old)
			if got, _ := os.ReadFile(fileName(t, st, key)); string(got) != string(oldBytes) {
				t.Errorf("the old file changed")
			}
			if tmp := tempNames(t, dir); len(tmp) != 0 {
				t.Errorf("temporary files left: %v", tmp)
			}

			// Through the middleware: the handler's explicit Save sees the
			// error, the automatic save answers 500, and the session
			// still holds the old data.
			m, err := session.New(st, session.Config{SecretKey: testKey, Logger: (&logBuffer{}).logger()})
			if err != nil {
				t.Fatal(err)
			}
			var saveErr error
			srv := httptest.NewServer(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.FromRequest(r)
				s.Set("blob", incompressible(128<<10))
				if r.URL.Path == "/explicit" {
					saveErr = s.Save(r.Context())
				}
				io.WriteString(w, "ok")
			})))
			defer srv.Close()
			for _, path := range []string{"/explicit", "/automatic"} {
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				req.AddCookie(&http.Cookie{Name: "sessionid", Value: key})
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if path == "/automatic" && res.StatusCode != 500 {
					t.Errorf("GET %s: status %d, want 500 (the save failed)", path, res.StatusCode)
				}
			}
			if !errors.Is(saveErr, tc.errno) {
				t.Errorf("the handler's Save = %v, want an error matching %v", saveErr, tc.errno)
			}
			wantValues(t, st, key, old)
			if tmp := tempNames(t, dir); len(tmp) != 0 {
				t.Errorf("temporary files left: %v", tmp)
			}

			tc.undo(t, dir)
			mustSaveValues(t, st, key, map[string]any{"n": int64(3)}, false)
			wantValues(t, st, key, map[string]any{"n": int64(3)})
		})
	}
}

// TestClearExpiredReadOnly: ClearExpired on a read-only file system
// reports the failure and removes nothing.
func TestClearExpiredReadOnly(t *testing.T) {
	dir := mountTmpfs(t, "size=1m")
	st := newStore(t, file.Options{Dir: dir})
	key := newKey()
	if err := st.SaveValues(bg, key, map[string]any{"a": int64(1)}, time.Now().Add(-time.Hour), true); err != nil {
		t.Fatal(err)
	}
	remount(t, dir, "ro")
	defer remount(t, dir, "rw")
	n, err := st.ClearExpiredCount(bg)
	if !errors.Is(err, syscall.EROFS) || n != 0 {
		t.Errorf("ClearExpiredCount = %d, %v; want 0 and EROFS", n, err)
	}
	if ok, _ := st.Exists(bg, key); !ok {
		t.Error("the expired file is gone")
	}
}

// TestDirectoryRemoved: the session directory deleted while the store runs
// makes every write, Count and ClearExpired an error (never a session
// reported as taken by mistake), and a load finds no session.
func TestDirectoryRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions")
	st := newStore(t, file.Options{Dir: dir})
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	key := newKey()
	err := st.SaveValues(bg, key, map[string]any{"a": int64(1)}, inAnHour(), true)
	if err == nil || errors.Is(err, session.ErrKeyExists) {
		t.Errorf("SaveValues(mustCreate) = %v, want a store error", err)
	}
	if _, _, found, err := st.LoadValues(bg, key); found || err != nil {
		t.Errorf("LoadValues = found %v, %v", found, err)
	}
	if _, err := st.Count(bg); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Count = %v, want ENOENT", err)
	}
	if err := st.ClearExpired(bg); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("ClearExpired = %v, want ENOENT", err)
	}
}
