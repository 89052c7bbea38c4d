package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

func TestParseMaxAge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "", want: 0},
		{in: "0", want: 0},
		{in: "0.0", want: 0},
		{in: "0s", want: 0},
		{in: "1", want: time.Second},
		{in: "1.5", want: 1500 * time.Millisecond},
		{in: "3600", want: time.Hour},
		{in: "90s", want: 90 * time.Second},
		{in: "24h", want: 24 * time.Hour},
		{in: "1e3", want: 1000 * time.Second},
		{in: "1e-10", bad: true}, // would round to 0: no limit
		{in: "0.5", bad: true},
		{in: "1ns", bad: true},
		{in: "0.1ns", bad: true},
		{in: "999ms", bad: true},
		{in: "NaN", bad: true},
		{in: "nan", bad: true},
		{in: "Inf", bad: true},
		{in: "+Inf", bad: true},
		{in: "-Inf", bad: true},
		{in: "infinity", bad: true},
		{in: "1e10", bad: true}, // past time.Duration's range
		{in: "1e300", bad: true},
		{in: "-1", bad: true},
		{in: "-1s", bad: true},
		{in: "1000000h", bad: true},
		{in: "soon", bad: true},
	} {
		got, err := parseMaxAge(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parseMaxAge(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseMaxAge(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestMaxAgeThatWouldFailOpenIsAUsageError(t *testing.T) {
	env := map[string]string{"SECRET_KEY": testSecret}
	r := sessionctl(t, env, "sign", "--name", "theme", "--value", "dark")
	signed := strings.TrimSpace(r.stdout)
	for _, v := range []string{"1e-10", "NaN", "Inf", "-Inf", "1e10", "0.1ns"} {
		r := sessionctl(t, env, "unsign", "--name", "theme", "--value", signed, "--max-age", v)
		check(t, r, exitUsage, "", "--max-age")
		if r.stdout != "" {
			t.Errorf("--max-age %s printed %q", v, r.stdout)
		}
	}
}

func TestSecretKeyFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(dir, "empty")
	os.WriteFile(emptyFile, []byte("\n"), 0o600)

	r := sessionctl(t, nil, "sign", "--secret-key-file", keyFile, "--name", "theme", "--value", "dark")
	check(t, r, 0, "dark:", "")
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("--secret-key-file warned: %q", r.stderr)
	}
	signed := strings.TrimSpace(r.stdout)
	// The file's key (without its newline) is the key: SECRET_KEY verifies it.
	check(t, sessionctl(t, map[string]string{"SECRET_KEY": testSecret}, "unsign", "--name", "theme", "--value", signed), 0, "dark", "")

	for _, tc := range []struct {
		name      string
		env       map[string]string
		args      []string
		code      int
		stderrHas string
	}{
		{"the file wins over SECRET_KEY", map[string]string{"SECRET_KEY": "other"},
			[]string{"unsign", "--secret-key-file", keyFile, "--name", "theme", "--value", signed}, 0, ""},
		{"an empty file is a usage error", nil,
			[]string{"sign", "--secret-key-file", emptyFile, "--name", "theme", "--value", "dark"}, exitUsage, "is empty"},
		{"a missing file is a usage error", nil,
			[]string{"sign", "--secret-key-file", filepath.Join(dir, "nope"), "--name", "theme", "--value", "dark"}, exitUsage, "--secret-key-file"},
		{"both flags are a usage error", nil,
			[]string{"sign", "--secret-key-file", keyFile, "--secret-key", testSecret, "--name", "theme", "--value", "dark"}, exitUsage, "not both"},
		{"a key on the command line works, with a warning", nil,
			[]string{"unsign", "--secret-key", testSecret, "--name", "theme", "--value", signed}, 0, "shows in ps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, sessionctl(t, tc.env, tc.args...), tc.code, "", tc.stderrHas)
		})
	}
	t.Run("the help recommends the file or the environment", func(t *testing.T) {
		r := sessionctl(t, nil, "--help")
		check(t, r, 0, "--secret-key-file", "")
		if !strings.Contains(r.stdout, "shows in ps") {
			t.Errorf("--help does not warn about --secret-key:\n%s", r.stdout)
		}
	})
}

func TestInspectFindsTheDemosGeneratedKey(t *testing.T) {
	t.Chdir(t.TempDir())
	check(t, sessionctl(t, nil, "migrate"), 0, "is ready", "")
	if err := os.WriteFile(demoSecretKeyFile, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(defaultSQLitePath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := func(now func() time.Time) *sqlstore.Store {
		s, err := sqlite.New(db, sqlstore.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	key := "demo0000000000000000000000000001"
	seed(t, st, key, map[string]any{"visits": 2}, time.Now().Add(time.Hour))
	check(t, sessionctl(t, nil, "inspect", key), 0, `"visits": 2`, "")
	// Not for another database: there the key must be given.
	check(t, sessionctl(t, nil, "inspect", "--dsn", defaultSQLitePath, key), exitUsage, "", "no secret key")
}

func TestMigrateCreatesAPrivateDatabase(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	path := filepath.Join(dir, "sessions.sqlite3")
	check(t, sessionctl(t, nil, "migrate", "--dsn", path), 0, "is ready", "")
	// A session written through the store makes the -wal and -shm files.
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := sqlite.New(db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(context.Background(), "perm0000000000000000000000000001", []byte("x"), time.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %#o, want 0600", filepath.Base(name), m)
		}
	}
}

// FuzzParseMaxAge checks that --max-age never fails open: whatever the
// input, the result is an error, zero from a spelling of zero, or a
// duration between one second and a hundred years.
func FuzzParseMaxAge(f *testing.F) {
	for _, s := range []string{"0", "1", "1e-10", "NaN", "Inf", "1e10", "90s", "0.1ns", "-0", "0x10", "1_0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseMaxAge(s)
		if err != nil {
			return
		}
		if d == 0 {
			if n, perr := strconv.ParseFloat(s, 64); s != "" && perr == nil && n != 0 {
				t.Fatalf("parseMaxAge(%q) = 0 (no limit) for a non-zero number", s)
			}
			return
		}
		if d < time.Second || d > maxMaxAge {
			t.Fatalf("parseMaxAge(%q) = %v, outside [1s, 100y]", s, d)
		}
	})
}
