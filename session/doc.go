// Package session is Django's session framework for net/http: a
// request.session with Django's API, a middleware with Django's defaults and
// saving rules, and session data stored in Django's format, so that a Go
// service and a Django site with the same SECRET_KEY can share sessions.
//
// # Setting up
//
// Make a Manager from a Store and a Config, and wrap your handler with its
// middleware:
//
//	store := memory.New(memory.Options{})  // or a database, Redis, files…
//	sessions, err := session.New(store, session.Config{SecretKey: key})
//	if err != nil { … }
//	http.ListenAndServe(addr, sessions.Middleware(mux))
//
// Config's fields carry Django's setting names (CookieName is
// SESSION_COOKIE_NAME, CookieAge is SESSION_COOKIE_AGE…) and its zero value
// is Django's defaults: a cookie named "sessionid" that lasts two weeks,
// HttpOnly, SameSite=Lax, Path "/", and a save only when the session was
// modified.
//
// # Using the session
//
// In a handler, FromRequest returns the request's *Session, Django's
// request.session:
//
//	s := session.FromRequest(r)
//	s.Set("cart", []string{"apple"})       // session["cart"] = [...]
//	n, _, err := s.GetInt("visits")       // session.get("visits") as an int
//	s.Set("visits", n+1)
//	user, ok := s.Get("user")             // "user" in session, session["user"]
//	s.Delete("user")                      // del session["user"]
//	for k, v := range s.All() { … }       // session.items()
//	err = s.CycleKey(r.Context())         // at login
//	err = s.Flush(r.Context())            // at logout
//	s.SetExpiry(300)                      // set_expiry(300)
//
// Values are JSON: after a save and a load they come back as strings,
// bool, nil, int64 (json.Number beyond int64), float64, []any and
// map[string]any; 1 stays an integer and 1.0 stays a float. The typed
// getters and the generic Get turn them back into Go types and report a
// mismatch as an error instead of a silent zero value:
//
//	prefs, ok, err := session.Get[Prefs](s, "prefs")
//
// # What the middleware does
//
// The session is lazy: the store is read the first time the handler reads
// or writes the session, never for a request that does not touch it. Before
// the first byte of the response, the middleware applies Django's rules:
// it saves a modified session (or every session, with SaveEveryRequest),
// never on a 5xx response; it sends the cookie with the session's expiry
// and Cache-Control "private, no-store"; it adds Vary: Cookie when the
// session was accessed; it deletes the cookie of a flushed session. A cookie
// that names no live session is never adopted (no session fixation): a
// write starts a new session with a new random key. A session deleted by a
// concurrent request (a logout) is not brought back: the request fails with
// ErrSessionInterrupted, a 400, as in Django.
//
// Errors are values. Session.Save returns the store's error; when the
// automatic save fails, Config.ErrorHandler answers instead of the handler
// (500 with the cause logged through log/slog by default). Data that cannot
// be read (another secret key, tampering) is an empty session and a warning.
//
// # Stores
//
// A Store keeps encoded records under session keys with an expiry; a new
// store is one small type plus the conformance suite in package storetest.
// Store/memory keeps sessions in the process. The data is encoded by a Codec,
// Django's signed format by default (DjangoCodec).
package session
