package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/postgres"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

const testSecret = "test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"

// result is what one run of the command produced.
type result struct {
	code           int
	stdout, stderr string
}

// sessionctl runs the command with args and the environment env.
func sessionctl(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb, func(k string) string { return env[k] })
	return result{code, out.String(), errb.String()}
}

// check fails the test unless r has the wanted code and its outputs contain
// the wanted text.
func check(t *testing.T, r result, code int, stdoutHas, stderrHas string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.stdout, stdoutHas) || !strings.Contains(r.stderr, stderrHas) {
		t.Fatalf("exit %d, want %d (stdout should contain %q, stderr %q)\nstdout: %s\nstderr: %s",
			r.code, code, stdoutHas, stderrHas, r.stdout, r.stderr)
	}
}

// seed saves a session through sqlstore with Django's codec; expiry may be
// in the past (the store then writes it with a clock from before it).
func seed(t *testing.T, st func(now func() time.Time) *sqlstore.Store, key string, values map[string]any, expiry time.Time) {
	t.Helper()
	data, err := session.NewDjangoCodec([]byte(testSecret), nil, nil).Encode(values)
	if err != nil {
		t.Fatal(err)
	}
	store := st(func() time.Time { return expiry.Add(-time.Hour) })
	if err := store.Save(context.Background(), key, data, expiry, true); err != nil {
		t.Fatal(err)
	}
}

// inspected is the JSON that inspect prints.
type inspected struct {
	SessionKey string         `json:"session_key"`
	ExpireDate string         `json:"expire_date"`
	Data       map[string]any `json:"data"`
}

// runStoreCommands runs migrate, inspect and clearsessions against one
// database; flags select it and st opens a store on the same table.
func runStoreCommands(t *testing.T, flags []string, st func(now func() time.Time) *sqlstore.Store) {
	env := map[string]string{"SECRET_KEY": testSecret}
	check(t, sessionctl(t, env, append([]string{"migrate"}, flags...)...), 0, "is ready", "")

	live := "live0000000000000000000000000001"
	dead := "dead0000000000000000000000000001"
	expiry := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	seed(t, st, live, map[string]any{"user": "élodie", "visits": 3, "ratio": 1.0, "big": int64(1) << 60}, expiry)
	seed(t, st, dead, map[string]any{"user": "old"}, time.Now().Add(-time.Hour))

	t.Run("inspect prints the key, the expiry in UTC and the decoded data", func(t *testing.T) {
		r := sessionctl(t, env, append(append([]string{"inspect"}, flags...), live)...)
		check(t, r, 0, "", "")
		var got inspected
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("inspect output is not JSON: %v\n%s", err, r.stdout)
		}
		if got.SessionKey != live || got.ExpireDate != expiry.Format(time.RFC3339) {
			t.Errorf("got key %q expiry %q, want %q %q", got.SessionKey, got.ExpireDate, live, expiry.Format(time.RFC3339))
		}
		if got.Data["user"] != "élodie" || got.Data["visits"] != 3.0 {
			t.Errorf("data = %v", got.Data)
		}
		for _, exact := range []string{`"ratio": 1.0`, `"big": 1152921504606846976`, `"visits": 3`} {
			if !strings.Contains(r.stdout, exact) {
				t.Errorf("output lacks %s:\n%s", exact, r.stdout)
			}
		}
	})
	t.Run("inspect of an unknown key exits 1", func(t *testing.T) {
		check(t, sessionctl(t, env, append(append([]string{"inspect"}, flags...), "nosuchkey0000000000000000000000x")...), 1, "", "no live session")
	})
	t.Run("inspect of an expired session exits 1", func(t *testing.T) {
		check(t, sessionctl(t, env, append(append([]string{"inspect"}, flags...), dead)...), 1, "", "no live session")
	})
	t.Run("inspect with the wrong secret key exits 1 and says so", func(t *testing.T) {
		other := map[string]string{"SECRET_KEY": "another-secret-key-0123456789abcdefghijklmnop"}
		check(t, sessionctl(t, other, append(append([]string{"inspect"}, flags...), live)...), 1, "", "does not verify")
	})
	t.Run("inspect with the old key among the fallbacks succeeds", func(t *testing.T) {
		rotated := map[string]string{"SECRET_KEY": "new-secret-key-0123456789abcdefghijklmnopqrs", "SECRET_KEY_FALLBACKS": "x, " + testSecret}
		check(t, sessionctl(t, rotated, append(append([]string{"inspect"}, flags...), live)...), 0, live, "")
	})
	t.Run("clearsessions removes the expired session and keeps the live one", func(t *testing.T) {
		check(t, sessionctl(t, env, append([]string{"clearsessions"}, flags...)...), 0, "removed 1 expired", "")
		ok, err := st(nil).Exists(context.Background(), dead)
		if err != nil || ok {
			t.Errorf("expired row still there (%v, %v)", ok, err)
		}
		check(t, sessionctl(t, env, append(append([]string{"inspect"}, flags...), live)...), 0, live, "")
		check(t, sessionctl(t, env, append([]string{"clearsessions"}, flags...)...), 0, "removed 0 expired", "")
	})
}

func TestSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.sqlite3")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := func(now func() time.Time) *sqlstore.Store {
		s, err := sqlite.New(db, sqlstore.Options{TableName: "app_sessions", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	runStoreCommands(t, []string{"--dsn", path, "--table", "app_sessions"}, st)

	t.Run("the database flags may come before the command and from the environment", func(t *testing.T) {
		env := map[string]string{"SECRET_KEY": testSecret, "SESSIONCTL_DSN": path, "SESSIONCTL_ENGINE": "sqlite"}
		check(t, sessionctl(t, env, "--table", "app_sessions", "inspect", "live0000000000000000000000000001"), 0, `"ratio": 1.0`, "")
	})
}

func TestPostgres(t *testing.T) {
	dsn := testservers.Require(t, testservers.EnvPostgresDSN)
	db, err := postgres.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	table := "sessionctl_" + strings.ToLower(time.Now().Format("150405_000000"))
	t.Cleanup(func() { db.Exec(`DROP TABLE IF EXISTS "` + table + `"`) })
	st := func(now func() time.Time) *sqlstore.Store {
		s, err := postgres.New(db, sqlstore.Options{TableName: table, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	runStoreCommands(t, []string{"--engine", "postgres", "--dsn", dsn, "--table", table}, st)
}

func TestSignUnsign(t *testing.T) {
	env := map[string]string{"SECRET_KEY": testSecret}
	r := sessionctl(t, env, "sign", "--name", "theme", "--value", "dark:blue é", "--salt", "prefs")
	check(t, r, 0, "dark:blue é:", "")
	signed := strings.TrimSpace(r.stdout)

	// A value Django signed two hours ago for the same cookie.
	old := signing.CookieSigner([]byte(testSecret), nil, "theme"+"prefs")
	old.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	stale := old.Sign("dark")

	tests := []struct {
		name      string
		env       map[string]string
		args      []string
		code      int
		stdout    string
		stderrHas string
	}{
		{"unsign returns the value that sign signed", env,
			[]string{"unsign", "--name", "theme", "--value", signed, "--salt", "prefs"}, 0, "dark:blue é\n", ""},
		{"unsign accepts a value within --max-age", env,
			[]string{"unsign", "--name", "theme", "--value", signed, "--salt", "prefs", "--max-age", "1m"}, 0, "dark:blue é\n", ""},
		{"unsign of a changed value says bad signature", env,
			[]string{"unsign", "--name", "theme", "--value", strings.Replace(signed, "dark", "dork", 1), "--salt", "prefs"}, 1, "", "bad signature"},
		{"unsign under another cookie name says bad signature", env,
			[]string{"unsign", "--name", "font", "--value", signed, "--salt", "prefs"}, 1, "", "bad signature"},
		{"unsign without the salt says bad signature", env,
			[]string{"unsign", "--name", "theme", "--value", signed}, 1, "", "bad signature"},
		{"unsign with another secret says bad signature", map[string]string{"SECRET_KEY": "other"},
			[]string{"unsign", "--name", "theme", "--value", signed, "--salt", "prefs"}, 1, "", "bad signature"},
		{"unsign with the old secret among the fallbacks succeeds", map[string]string{"SECRET_KEY": "new", "SECRET_KEY_FALLBACKS": testSecret},
			[]string{"unsign", "--name", "theme", "--value", signed, "--salt", "prefs"}, 0, "dark:blue é\n", ""},
		{"unsign of a value older than --max-age says expired", env,
			[]string{"unsign", "--name", "theme", "--value", stale, "--salt", "prefs", "--max-age", "3600"}, 1, "", "expired"},
		{"unsign of an old value without --max-age succeeds", env,
			[]string{"unsign", "--name", "theme", "--value", stale, "--salt", "prefs"}, 0, "dark\n", ""},
		{"the --secret-key flag overrides SECRET_KEY", map[string]string{"SECRET_KEY": "other"},
			[]string{"unsign", "--secret-key", testSecret, "--name", "theme", "--value", signed, "--salt", "prefs"}, 0, "dark:blue é\n", ""},
		{"sign without a secret key is a usage error", nil,
			[]string{"sign", "--name", "theme", "--value", "dark"}, 2, "", "no secret key"},
		{"sign without a name is a usage error", env,
			[]string{"sign", "--value", "dark"}, 2, "", "--name is required"},
		{"a bad --max-age is a usage error", env,
			[]string{"unsign", "--name", "theme", "--value", signed, "--max-age", "soon"}, 2, "", "--max-age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sessionctl(t, tt.env, tt.args...)
			check(t, r, tt.code, "", tt.stderrHas)
			if r.stdout != tt.stdout {
				t.Errorf("stdout = %q, want %q", r.stdout, tt.stdout)
			}
		})
	}
}

func TestUsageAndErrors(t *testing.T) {
	dir := t.TempDir()
	empty, err := sqlite.Open(filepath.Join(dir, "a.db")) // a database without the table
	if err != nil {
		t.Fatal(err)
	}
	empty.Close()
	tests := []struct {
		name                 string
		args                 []string
		code                 int
		stdoutHas, stderrHas string
	}{
		{"--help prints the commands, examples and exit codes", []string{"--help"}, 0, "Exit codes:", ""},
		{"help of a command prints its flags and examples", []string{"help", "unsign"}, 0, "-max-age", ""},
		{"a command's -h prints its usage", []string{"inspect", "-h"}, 0, "Usage: sessionctl inspect [flags] KEY", ""},
		{"no command is a usage error", nil, 2, "", "Commands:"},
		{"an unknown command is a usage error", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"an unknown flag is a usage error", []string{"clearsessions", "--verbose"}, 2, "", "flag provided but not defined: -verbose"},
		{"inspect without a key is a usage error", []string{"inspect", "--secret-key", "k"}, 2, "", "expected one session KEY"},
		{"an unknown engine is a usage error", []string{"clearsessions", "--engine", "oracle"}, 2, "", `unknown engine "oracle"`},
		{"the memory engine is refused with a reason", []string{"clearsessions", "--engine", "memory"}, 2, "", "inside one running process"},
		{"postgres without a DSN is a usage error", []string{"migrate", "--engine", "postgres"}, 2, "", "needs --dsn"},
		{"an invalid table name is a usage error", []string{"migrate", "--dsn", filepath.Join(dir, "a.db"), "--table", "x; drop"}, 2, "", "--table"},
		{"a missing SQLite file is a store error", []string{"clearsessions", "--dsn", filepath.Join(dir, "missing.db")}, 3, "", "does not exist"},
		{"a malformed PostgreSQL DSN is a store error", []string{"clearsessions", "--engine", "postgres", "--dsn", "postgres://%zz"}, 3, "", "cannot parse"},
		{"an unreachable PostgreSQL server is a store error", []string{"clearsessions", "--engine", "postgres", "--dsn", "postgres://u@127.0.0.1:1/db?connect_timeout=2"}, 3, "", "connecting"},
		{"a SQLite file without the table is a store error", []string{"clearsessions", "--dsn", filepath.Join(dir, "a.db")}, 3, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, sessionctl(t, nil, tt.args...), tt.code, tt.stdoutHas, tt.stderrHas)
		})
	}
}
