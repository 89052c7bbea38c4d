package file_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/file"
)

// plant writes content as the file of key in st's directory with the
// modification time mtime, as another process (Django) would leave it.
func plant(t *testing.T, st *file.Store, key string, content []byte, mtime time.Time) string {
	t.Helper()
	path := fileName(t, st, key)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return path
}

func encode(t *testing.T, secret []byte, values map[string]any) []byte {
	t.Helper()
	b, err := session.NewDjangoCodec(secret, nil, nil).Encode(values)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExpiryFromTheFile plants files as Django writes them, with each form
// of _session_expiry and a chosen modification time, and checks the expiry
// that Load reports, whether the session is live, and that ClearExpired
// removes exactly the expired ones. Integers count from the modification
// time (Django 3.2's file engine never expires them).
func TestExpiryFromTheFile(t *testing.T) {
	now := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	const age = 1209600 * time.Second
	const sec = time.Second
	tests := []struct {
		name       string
		values     map[string]any
		mtime      time.Time
		wantExpiry time.Time
	}{
		{"no expiry, saved almost two weeks ago", map[string]any{"a": int64(1)}, now.Add(-age + sec), now.Add(sec)},
		{"no expiry, saved just over two weeks ago", map[string]any{"a": int64(1)}, now.Add(-age - sec), now.Add(-sec)},
		{"browser close (0) lives as the default", map[string]any{session.ExpiryKey: int64(0)}, now.Add(-age + sec), now.Add(sec)},
		{"browser close (0) expires as the default", map[string]any{session.ExpiryKey: int64(0)}, now.Add(-age - sec), now.Add(-sec)},
		{"300 seconds, saved 299 seconds ago", map[string]any{session.ExpiryKey: int64(300)}, now.Add(-299 * sec), now.Add(sec)},
		{"300 seconds, saved 301 seconds ago (3.2 would keep it for ever)", map[string]any{session.ExpiryKey: int64(300)}, now.Add(-301 * sec), now.Add(-sec)},
		{"a float of seconds is truncated", map[string]any{session.ExpiryKey: 300.9}, now.Add(-299 * sec), now.Add(sec)},
		{"negative seconds are expired", map[string]any{session.ExpiryKey: int64(-5)}, now, now.Add(-5 * sec)},
		{"an ISO date ahead, however old the file", map[string]any{session.ExpiryKey: "2031-03-04T06:06:07+00:00"}, now.Add(-100 * 24 * time.Hour), now.Add(time.Hour)},
		{"an ISO date passed, however new the file", map[string]any{session.ExpiryKey: "2031-03-04T05:06:06.500000+00:00"}, now, now.Add(-sec / 2)},
		{"an unreadable expiry is the default", map[string]any{session.ExpiryKey: "soon"}, now.Add(-age + sec), now.Add(sec)},
	}
	st := newStore(t, file.Options{Now: func() time.Time { return now }})
	keys := make([]string, len(tests))
	for i, tc := range tests {
		keys[i] = newKey()
		plant(t, st, keys[i], encode(t, testKey, tc.values), tc.mtime)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			live := tc.wantExpiry.After(now)
			vals, exp, found, err := st.LoadValues(bg, keys[i])
			if err != nil || found != live {
				t.Fatalf("LoadValues = found %v, %v; want found %v", found, err, live)
			}
			if live && (!exp.Equal(tc.wantExpiry) || !reflect.DeepEqual(vals, tc.values)) {
				t.Fatalf("LoadValues = %v, expiry %v; want %v, %v", vals, exp, tc.values, tc.wantExpiry)
			}
		})
	}
	before := listing(t, st.Dir())
	if _, _, _, err := st.LoadValues(bg, keys[1]); err != nil {
		t.Fatal(err)
	}
	if after := listing(t, st.Dir()); !reflect.DeepEqual(after, before) {
		t.Errorf("loading an expired session changed the directory (Django 3.2's load deletes it and creates a new file)")
	}
	n, err := st.ClearExpiredCount(bg)
	if err != nil {
		t.Fatal(err)
	}
	removed := 0
	for i, tc := range tests {
		ok, _ := st.Exists(bg, keys[i])
		if live := tc.wantExpiry.After(now); ok != live {
			t.Errorf("%s: after ClearExpired the file exists: %v, want %v", tc.name, ok, live)
		}
		if !ok {
			removed++
		}
	}
	if int(n) != removed {
		t.Errorf("ClearExpiredCount = %d, removed %d", n, removed)
	}
}

// TestUnreadableFiles covers files whose data cannot be read: signed with
// another key, garbage, Django's empty placeholder, and a file over the
// size limit.
func TestUnreadableFiles(t *testing.T) {
	now := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	const age = 1209600 * time.Second
	st := newStore(t, file.Options{Now: func() time.Time { return now }})
	huge := []byte(strings.Repeat("a", 2<<20))
	tests := []struct {
		name    string
		content []byte
		want    error // LoadValues' error for a live file; nil: an empty session
	}{
		{"signed with another key", encode(t, []byte("another-secret-key-entirely-000000"), map[string]any{"user": "mallory", session.ExpiryKey: int64(999999999)}), session.ErrCorrupt},
		{"garbage", []byte("not a session at all"), session.ErrCorrupt},
		{"Django's empty placeholder", []byte{}, nil},
		{"over the size limit", huge, session.ErrUnreadable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			live, old := newKey(), newKey()
			plant(t, st, live, tc.content, now.Add(-time.Hour))
			plant(t, st, old, tc.content, now.Add(-age-time.Second))
			vals, exp, found, err := st.LoadValues(bg, live)
			switch {
			case !found:
				t.Fatalf("LoadValues: not found, want found")
			case tc.want == nil && (err != nil || len(vals) != 0):
				t.Fatalf("LoadValues = %v, %v; want an empty session", vals, err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("LoadValues error %v, want %v", err, tc.want)
			}
			// Whatever the data says, it expires by the modification time.
			if !exp.Equal(now.Add(-time.Hour + age)) {
				t.Errorf("expiry %v, want the modification time plus the cookie age", exp)
			}
			if _, _, found, err := st.LoadValues(bg, old); found || err != nil {
				t.Errorf("the old one: found %v, %v; want expired", found, err)
			}
			err = st.SaveValues(bg, live, map[string]any{"a": int64(1)}, now.Add(time.Hour), false)
			if errors.Is(tc.want, session.ErrUnreadable) {
				if !errors.Is(err, session.ErrUnreadable) {
					t.Errorf("updating an unreadable file = %v, want ErrUnreadable (never overwritten)", err)
				}
			} else if err != nil {
				t.Errorf("updating it = %v, want it replaced (as Django does)", err)
			}
			if err := st.ClearExpired(bg); err != nil {
				t.Fatal(err)
			}
			if ok, _ := st.Exists(bg, old); ok {
				t.Errorf("ClearExpired kept the expired file")
			}
			if ok, _ := st.Exists(bg, live); !ok {
				t.Errorf("ClearExpired removed the live file")
			}
			if err := st.Delete(bg, live); err != nil {
				t.Fatal(err)
			}
			if ok, _ := st.Exists(bg, live); ok {
				t.Errorf("Delete kept it")
			}
		})
	}
}

// TestClearExpiredTemporaryFiles checks which temporary files ClearExpired
// removes: its own and Django's, once they are StaleTempAge old; never one
// in use, another user's, a symbolic link, or a name that is not one.
func TestClearExpiredTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	fresh := newStore(t, file.Options{Dir: dir}) // the default: an hour
	sweeper := newStore(t, file.Options{Dir: dir, StaleTempAge: time.Nanosecond})
	key := newKey()
	base, _ := fresh.FileName(key)
	mk := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ours := mk(base + file.TempInfix + "abcdefghijkl")
	django := mk(base + file.TempInfix + "a_b9c2xz") // mkstemp's alphabet has '_'
	notTemp := mk("sessionidNOTAKEY" + file.TempInfix + "x")
	otherPrefix := mk("csrftoken" + key + file.TempInfix + "x")
	link := filepath.Join(dir, base+file.TempInfix+"link")
	if err := os.Symlink(ours, link); err != nil {
		t.Fatal(err)
	}

	// A temporary file that was just written is in use: kept.
	if err := fresh.ClearExpired(bg); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{ours, django} {
		if _, err := os.Lstat(p); err != nil {
			t.Fatalf("a fresh temporary file was removed: %v", err)
		}
	}
	time.Sleep(10 * time.Millisecond) // ctimes in the past
	if err := sweeper.ClearExpired(bg); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{ours, django} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a stale temporary file %s was kept: %v", filepath.Base(p), err)
		}
	}
	for _, p := range []string{notTemp, otherPrefix, link} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	t.Run("another user's temporary file is kept", func(t *testing.T) {
		requireRoot(t)
		p := mk(base + file.TempInfix + "theirs")
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		if err := sweeper.ClearExpired(bg); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("removed: %v", err)
		}
	})
}

// TestClearExpiredRacesARename replaces an expired session file with a
// fresh one (as another process's save does, by a rename) at the worst
// moment: after ClearExpired read it as expired and before it removes it.
// The fresh session survives under its name, and nothing is left aside.
func TestClearExpiredRacesARename(t *testing.T) {
	dir := t.TempDir()
	st := newStore(t, file.Options{Dir: dir})
	other := newStore(t, file.Options{Dir: t.TempDir()}) // makes the fresh file elsewhere
	tests := []struct {
		name    string
		meddle  func(t *testing.T, path string, fresh []byte)
		wantNew bool
	}{
		{"a save renames a fresh file over it", func(t *testing.T, path string, fresh []byte) {
			tmp := path + file.TempInfix + "otherprocess"
			if err := os.WriteFile(tmp, fresh, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"another process deletes it", func(t *testing.T, path string, _ []byte) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := newKey()
			if err := st.SaveValues(bg, key, map[string]any{"v": "old"}, time.Now().Add(-time.Hour), true); err != nil {
				t.Fatal(err)
			}
			okey := newKey()
			mustSaveValues(t, other, okey, map[string]any{"v": "fresh"}, true)
			fresh, err := os.ReadFile(fileName(t, other, okey))
			if err != nil {
				t.Fatal(err)
			}
			path := fileName(t, st, key)
			file.SetTrace(st, func(step string) {
				if step == "clear: expired" {
					tc.meddle(t, path, fresh)
				}
			})
			defer file.SetTrace(st, nil)
			n, err := st.ClearExpiredCount(bg)
			if err != nil || n != 0 {
				t.Fatalf("ClearExpiredCount = %d, %v; want 0 removed", n, err)
			}
			got, err := os.ReadFile(path)
			switch {
			case tc.wantNew && (err != nil || string(got) != string(fresh)):
				t.Fatalf("the fresh session is lost: %v", err)
			case !tc.wantNew && !errors.Is(err, os.ErrNotExist):
				t.Fatalf("the deleted file came back: %v", err)
			}
			if tc.wantNew {
				wantValues(t, st, key, map[string]any{"v": "fresh"})
			}
			if tmp := tempNames(t, dir); len(tmp) != 0 {
				t.Fatalf("files left aside: %v", tmp)
			}
		})
	}
}
