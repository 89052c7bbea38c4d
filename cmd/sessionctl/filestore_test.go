package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/store/file"
)

// TestFileEngine runs migrate, inspect and clearsessions on a session
// directory of the file engine.
func TestFileEngine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions")
	env := map[string]string{"SECRET_KEY": testSecret}
	flags := []string{"--engine", "file", "--dsn", dir}

	t.Run("clearsessions on a missing directory is a store error", func(t *testing.T) {
		check(t, sessionctl(t, env, append([]string{"clearsessions"}, flags...)...), 3, "", "does not exist")
	})
	t.Run("migrate creates the directory with mode 0700", func(t *testing.T) {
		check(t, sessionctl(t, env, append([]string{"migrate"}, flags...)...), 0, "is ready", "")
		if fi, err := os.Stat(dir); err != nil || fi.Mode() != os.ModeDir|0o700 {
			t.Fatalf("the directory: %v, %v", fi.Mode(), err)
		}
	})

	st, err := file.New(file.Options{Dir: dir, SecretKey: []byte(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	live, dead := "live0000000000000000000000000001", "dead0000000000000000000000000001"
	expiry := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	if err := st.SaveValues(ctx, live, map[string]any{"user": "élodie", "ratio": 1.0}, expiry, true); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveValues(ctx, dead, map[string]any{"user": "old"}, time.Now().Add(-time.Hour), true); err != nil {
		t.Fatal(err)
	}

	t.Run("inspect prints the session", func(t *testing.T) {
		r := sessionctl(t, env, append(append([]string{"inspect"}, flags...), live)...)
		check(t, r, 0, `"ratio": 1.0`, "")
		var got inspected
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		if got.SessionKey != live || got.ExpireDate != expiry.Format(time.RFC3339) || got.Data["user"] != "élodie" {
			t.Errorf("inspect: %+v", got)
		}
	})
	t.Run("inspect of an expired session exits 1", func(t *testing.T) {
		check(t, sessionctl(t, env, append(append([]string{"inspect"}, flags...), dead)...), 1, "", "no live session")
	})
	t.Run("inspect with the wrong key exits 1", func(t *testing.T) {
		other := map[string]string{"SECRET_KEY": "another-secret-key-0123456789abcdefghijklmnop"}
		check(t, sessionctl(t, other, append(append([]string{"inspect"}, flags...), live)...), 1, "", "does not verify")
	})
	t.Run("clearsessions needs the secret key", func(t *testing.T) {
		check(t, sessionctl(t, nil, append([]string{"clearsessions"}, flags...)...), 2, "", "no secret key")
	})
	t.Run("clearsessions removes the expired session and keeps the live one", func(t *testing.T) {
		check(t, sessionctl(t, env, append([]string{"clearsessions"}, flags...)...), 0, "removed 1 expired", "")
		if ok, _ := st.Exists(ctx, dead); ok {
			t.Error("the expired file is still there")
		}
		if ok, _ := st.Exists(ctx, live); !ok {
			t.Error("the live file is gone")
		}
		check(t, sessionctl(t, env, append([]string{"clearsessions"}, flags...)...), 0, "removed 0 expired", "")
	})
	t.Run("the engine and directory may come from the environment", func(t *testing.T) {
		env := map[string]string{"SECRET_KEY": testSecret, "SESSIONCTL_ENGINE": "file", "SESSIONCTL_DSN": dir}
		check(t, sessionctl(t, env, "inspect", live), 0, live, "")
	})
}
