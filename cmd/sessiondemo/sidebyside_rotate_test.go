package main

import (
	"net/http/httptest"
	"testing"
)

// TestRotatingTheKeyOnDjango32: Django 3.2 has no SECRET_KEY_FALLBACKS, so
// both sides move to the new key at once and only the Go side keeps the
// old one as a fallback. A login made under the old key is then logged out
// on the Django pages and still logged in on the Go pages, which re-sign
// the session (its auth hash rewritten with the new key); after that, the
// Django pages see the login again (docs/django-users.md, "Rotating the
// key on Django 3.2").
func TestRotatingTheKeyOnDjango32(t *testing.T) {
	requireSideBySide(t)
	const newKey = "the-new-secret-key-after-rotation-0123456789"
	path := sqliteFile(t)
	settings := map[string]string{"DJSITE_ENGINE": "db", "DJSITE_DATABASE": path}
	b := newBrowser(t)

	before := startDjangoSite(t, djangoEnv(settings), "alice", "wonderland")
	(&pair{django: before.base}).djangoLogin(b, "alice", "wonderland")
	before.stop()

	settings["DJSITE_SECRET_KEY"] = newKey
	after := startDjangoSite(t, djangoEnv(settings)) // no users: their hashes stay
	srv, err := newServer(t.Context(), config{
		Engine: "sqlite", DSN: path, DjangoUsers: path, DjangoIterations: testIterations,
		SecretKey: []byte(newKey), FallbackKeys: [][]byte{[]byte(testKey)}, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	p := &pair{django: after.base, goURL: ts.URL}

	if got := p.djangoUser(b); got != "" {
		t.Errorf("Django 3.2 reads a session signed with the old key as %q; want logged out", got)
	}
	if got := p.goUser(b); got != "alice" {
		t.Fatalf("the Go side, with the old key as a fallback, serves %q; want alice", got)
	}
	if got := p.djangoUser(b); got != "alice" {
		t.Errorf("after the Go side re-signed the session, Django serves %q; want alice", got)
	}
}
