package interoptest

import (
	"testing"

	"github.com/djsession/djsession/internal/djangotest"
)

// LoginAndLogout runs the two cross-login subtests on one pair of sides: a
// login on Django is seen by g, whose logout deletes the cookie and ends
// the session for Django; a login in g is seen by Django, whose logout
// ends it for g. After each logout gone checks that the store keeps
// nothing under the session key.
func LoginAndLogout(t *testing.T, d Django, g GoSide, gone func(t *testing.T, key string)) {
	t.Run("a login on Django is seen in Go; a logout in Go ends it for Django", func(t *testing.T) {
		d := Django{T: t, Args: d.Args}
		res := d.Request("", []any{"login", "alice", Alice.Hash})
		key := djangotest.String(t, res, "session_key")
		if body, _ := g.OK(t, "/whoami", key); body != "user="+Alice.UserID {
			t.Fatalf("Go sees %q after Django's login", body)
		}
		if _, cookie := g.OK(t, "/logout", key); cookie != "-" {
			t.Errorf("Go's logout did not delete the cookie: %q", cookie)
		}
		gone(t, key)
		res = d.Request(key, []any{"user"})
		if u := OpResult(t, res, 0); u != nil {
			t.Errorf("Django still sees %v after Go's logout", u)
		}
	})
	t.Run("a login in Go is seen by Django; a logout on Django ends it for Go", func(t *testing.T) {
		d := Django{T: t, Args: d.Args}
		_, key := g.OK(t, "/login", "")
		if key == "" || key == "-" {
			t.Fatalf("Go's login set no cookie: %q", key)
		}
		res := d.Request(key, []any{"user"})
		if u := OpResult(t, res, 0); u != "alice" {
			t.Fatalf("Django sees %v after Go's login, want alice", u)
		}
		d.Request(key, []any{"logout"})
		gone(t, key)
		if body, _ := g.OK(t, "/whoami", key); body != "user=" {
			t.Errorf("Go sees %q after Django's logout", body)
		}
	})
}
