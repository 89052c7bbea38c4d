package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/djangotest"
)

// TestDjangoSeesTheSameLoginOnFiles shares one session directory (Django's
// SESSION_FILE_PATH) and one SECRET_KEY between the demo on the file engine
// and the real Django: django.contrib.auth.login's session opens the demo's
// private page, and the demo's login is a user Django's get_user accepts.
func TestDjangoSeesTheSameLoginOnFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions")
	d := newDemo(t, config{Engine: "file", DSN: dir})
	alice := demoUsers[0]
	user := []string{"--file-dir", dir, "--user-pk", alice.PK, "--username", alice.Username,
		"--password-hash", alice.Password, "--secret", testKey}

	t.Run("a login made by Django opens the demo's private page", func(t *testing.T) {
		res := djangotest.OK(t, djangotest.Run(t, append([]string{"file-auth", "--action", "login"}, user...)...))
		c := d.client()
		c.Jar.SetCookies(mustURL(t, d.ts.URL), []*http.Cookie{{Name: "sessionid", Value: djangotest.String(t, res, "session_key")}})
		if r := d.do(c, "GET", "/private/", nil); r.status != 200 || !strings.Contains(r.body, `id="username">alice<`) {
			t.Errorf("Django's login gave %d on /private/", r.status)
		}
	})
	t.Run("a login made by the demo is one Django's get_user accepts", func(t *testing.T) {
		c := d.client()
		if r := d.login(c, "alice", "wonderland", ""); r.status != 302 {
			t.Fatalf("login: %d", r.status)
		}
		key := sessionCookie(t, c, d.ts.URL)
		res := djangotest.OK(t, djangotest.Run(t, append([]string{"file-auth", "--action", "get-user", "--session-key", key}, user...)...))
		if res["authenticated"] != true || res["username"] != "alice" {
			t.Errorf("Django's get_user on the demo's login: %v", res)
		}
	})
}
