package main

import (
	"net/http"
	"time"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
)

// apiSession answers GET /api/session with the user and the session as
// JSON, in the form of the Django site's /session.json (examples/django-site),
// so that a test or a curl compares the two sides. It reads the session
// and saves nothing. It says whether the session has a key, never the key
// itself: the session cookie is HttpOnly, and a page that copied it into
// its body would hand it to any script running on the site.
func (s *server) apiSession(w http.ResponseWriter, r *http.Request) {
	sess := session.FromRequest(r)
	items := map[string]any{}
	for k, v := range sess.All() {
		items[k] = v
	}
	var user, userID any
	if name := s.username(r); name != "" {
		user, userID = name, auth.UserID(r)
	}
	body, err := pyjson.Marshal(map[string]any{
		"user":                    user,
		"user_id":                 userID,
		"has_session_key":         sess.Key() != "", // never the key: the cookie is HttpOnly
		"items":                   items,
		"expiry_age":              int64(sess.ExpiryAge() / time.Second),
		"expiry_date":             sess.ExpiryDate().UTC().Format(time.RFC3339Nano),
		"expire_at_browser_close": sess.ExpireAtBrowserClose(),
	})
	if err != nil {
		s.log.ErrorContext(r.Context(), "encoding the session", "error", err)
		http.Error(w, "the session could not be encoded", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}
