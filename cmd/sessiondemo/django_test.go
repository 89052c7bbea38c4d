package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/internal/djangotest"
)

// TestDjangoSeesTheSameLogin shares one SQLite django_session table and one
// SECRET_KEY between the demo and the real Django: a login made by the demo
// is a login Django's get_user accepts (same id, backend, and the auth hash
// Django computes for that password), and a login saved by Django opens the
// demo's private page.
func TestDjangoSeesTheSameLogin(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "shared.sqlite3")
	alice := demoUsers[0]
	// Django creates the table (its own migration) and saves a login of alice.
	made := djangotest.OK(t, djangotest.Run(t, "make-db", "--secret", testKey, "--path", dbPath,
		"--json", djangotest.JSON(t, map[string]any{
			auth.SessionKeyUserID:  alice.PK,
			auth.SessionKeyBackend: auth.DefaultBackend,
			auth.SessionKeyHash:    djangoAuthHash(t, alice.Password),
		})))
	djangoKey, _ := made["session_key"].(string)

	d := newDemo(t, config{Engine: "sqlite", DSN: dbPath})
	t.Run("a login saved by Django opens the demo's private page", func(t *testing.T) {
		c := d.client()
		c.Jar.SetCookies(mustURL(t, d.ts.URL), []*http.Cookie{{Name: "sessionid", Value: djangoKey}})
		if r := d.do(c, "GET", "/private/", nil); r.status != 200 || !strings.Contains(r.body, "Welcome, alice") {
			t.Errorf("Django's session gave %d on /private/", r.status)
		}
	})
	t.Run("a login made by the demo is one Django accepts", func(t *testing.T) {
		c := d.client()
		if r := d.login(c, "alice", "wonderland", ""); r.status != 302 {
			t.Fatalf("login: %d", r.status)
		}
		key := sessionCookie(t, c, d.ts.URL)
		res := djangotest.OK(t, djangotest.Run(t, "read-db", "--secret", testKey, "--path", dbPath, "--session-key", key))
		if found, _ := res["found"].(bool); !found {
			t.Fatalf("Django does not find the demo's session %s: %v", key, res)
		}
		got, _ := res["decoded"].(map[string]any)
		want := map[string]any{
			auth.SessionKeyUserID:  alice.PK,
			auth.SessionKeyBackend: auth.DefaultBackend,
			auth.SessionKeyHash:    djangoAuthHash(t, alice.Password),
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("Django reads %s = %#v, want %#v", k, got[k], v)
			}
		}
	})
}

// djangoAuthHash is Django's get_session_auth_hash for a password field,
// with the demo tests' SECRET_KEY.
func djangoAuthHash(t *testing.T, password string) string {
	t.Helper()
	res := djangotest.OK(t, djangotest.Run(t, "session-auth-hash", "--secret", testKey, "--password-hash", password))
	h, _ := res["hash"].(string)
	if h == "" {
		t.Fatalf("no hash from Django: %v", res)
	}
	return h
}
