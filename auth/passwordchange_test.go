package auth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// newPW is the password field a password change stores in these tests.
const newPW = "pbkdf2_sha256$1000$newsaltnewsaltnewsalt0$changedhashchangedhashchangedhashchangedh="

func TestUpdateSessionAuthHashKeepsThisSessionAndEndsTheOthers(t *testing.T) {
	s := newSite(t, Config{})
	here, elsewhere := s.browser(), s.browser()
	s.login(here, "1")
	s.login(elsewhere, "1")
	hereKey, _ := s.sessionOf(here)
	elsewhereKey, _ := s.sessionOf(elsewhere)

	r := s.do(here, "POST", "/password/", url.Values{"pw": {newPW}})
	if r.status != 200 || !strings.Contains(r.body, `the request's user is now "1"`) {
		t.Fatalf("password change: %d %s", r.status, r.body)
	}
	newKey, items := s.sessionOf(here)
	if newKey == hereKey || newKey == "" {
		t.Errorf("the session key was not cycled: %q then %q", hereKey, newKey)
	}
	if s.exists(hereKey) {
		t.Error("the session's old key is still in the store")
	}
	if items[SessionKeyHash] != SessionAuthHash([]byte(testSecret), newPW) {
		t.Errorf("the session's auth hash is %v, not the new password's", items[SessionKeyHash])
	}
	if items[SessionKeyUserID] != "1" {
		t.Errorf("the session lost its user: %v", items)
	}
	if r := s.do(here, "GET", "/private/", nil); r.status != 200 {
		t.Errorf("the browser that changed the password was logged out (%d)", r.status)
	}
	if r := s.do(elsewhere, "GET", "/private/", nil); r.status != 302 {
		t.Errorf("the user's other session still reaches the private page (%d)", r.status)
	}
	if s.exists(elsewhereKey) {
		t.Error("the user's other session was not flushed at its next request")
	}

	// The hash is the one Django's update_session_auth_hash stores:
	// get_session_auth_hash of the new password field.
	res := djangotest.OK(t, djangotest.Run(t, "session-auth-hash", "--secret", testSecret, "--password-hash", newPW))
	if want, _ := res["hash"].(string); items[SessionKeyHash] != want {
		t.Errorf("the session holds %v; Django's get_session_auth_hash of the new password is %s", items[SessionKeyHash], want)
	}
}

func TestUpdateSessionAuthHashForAnotherUserOnlyCyclesTheKey(t *testing.T) {
	s := newSite(t, Config{})
	admin, alice := s.browser(), s.browser()
	s.login(admin, "2")
	s.login(alice, "1")
	adminKey, before := s.sessionOf(admin)
	// As Django (request.user != user): the key is cycled, and the
	// administrator's own login is left as it was.
	if r := s.do(admin, "POST", "/password-of/", url.Values{"id": {"1"}, "pw": {newPW}}); r.status != 200 {
		t.Fatalf("password change: %d %s", r.status, r.body)
	}
	newKey, after := s.sessionOf(admin)
	if newKey == adminKey {
		t.Error("the session key was not cycled")
	}
	if after[SessionKeyHash] != before[SessionKeyHash] || after[SessionKeyUserID] != "2" {
		t.Errorf("the administrator's login changed: %v, was %v", after, before)
	}
	if r := s.do(admin, "GET", "/private/", nil); r.status != 200 {
		t.Errorf("the administrator was logged out (%d)", r.status)
	}
	if r := s.do(alice, "GET", "/private/", nil); r.status != 302 {
		t.Errorf("alice's session survived the change of her password (%d)", r.status)
	}
	// An anonymous request gets no auth hash either.
	anon := s.browser()
	s.do(anon, "POST", "/session/", url.Values{"k": {"cart"}, "v": {"x"}})
	s.do(anon, "POST", "/password-of/", url.Values{"id": {"1"}, "pw": {newPW}})
	if _, items := s.sessionOf(anon); items[SessionKeyHash] != nil || items["cart"] != "x" {
		t.Errorf("an anonymous session after UpdateSessionAuthHash: %v", items)
	}
}

func TestUpdateSessionAuthHashRenewsTheLoginCookie(t *testing.T) {
	s := newSite(t, Config{LoginCookie: "is_login"})
	here, elsewhere := s.browser(), s.browser()
	s.login(here, "1")
	s.login(elsewhere, "1")
	for _, c := range []*http.Client{here, elsewhere} {
		if r := s.do(c, "GET", "/cookie-private/", nil); r.status != 200 {
			t.Fatalf("the login cookie does not open the page before the change (%d)", r.status)
		}
	}
	r := s.do(here, "POST", "/password/", url.Values{"pw": {newPW}})
	if r.status != 200 {
		t.Fatalf("password change: %d %s", r.status, r.body)
	}
	if !strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "\n"), "is_login=") {
		t.Error("the login cookie was not set again")
	}
	if r := s.do(here, "GET", "/cookie-private/", nil); r.status != 200 {
		t.Errorf("the login cookie of the browser that changed the password no longer works (%d)", r.status)
	}
	if r := s.do(elsewhere, "GET", "/cookie-private/", nil); r.status != 302 {
		t.Errorf("a login cookie made before the password change still works (%d)", r.status)
	}
}

func TestUpdateSessionAuthHashErrors(t *testing.T) {
	a, err := New(Config{SecretKey: []byte(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	w, r := httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil)
	if err := a.UpdateSessionAuthHash(w, r, nil); err != ErrBadUser {
		t.Errorf("a nil user: %v, want ErrBadUser", err)
	}
	if err := a.UpdateSessionAuthHash(w, r, testUser{id: "1"}); err != ErrNoSession {
		t.Errorf("no session: %v, want ErrNoSession", err)
	}
	// A request with a new, empty session: nothing to update, no error.
	m, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: []byte(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	var got error
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = a.UpdateSessionAuthHash(w, r, testUser{id: "1"})
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
	if got != nil {
		t.Errorf("a new session: %v", got)
	}
}
