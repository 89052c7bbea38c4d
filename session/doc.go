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
//	store := memory.New(memory.Options{}) // or a database: store/sqlstore
//	sessions, err := session.New(store, session.Config{SecretKey: key})
//	if err != nil {
//		log.Fatal(err) // an empty key, a bad cookie name…
//	}
//	log.Fatal(http.ListenAndServe(":8000", sessions.Middleware(mux)))
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
//	s.Set("cart", []string{"apple"})   // session["cart"] = ["apple"]
//	n, _, err := s.GetInt("visits")    // session.get("visits") as an int
//	s.Set("visits", n+1)               // session["visits"] = n + 1
//	name, ok := s.Get("name")          // "name" in session, session["name"]
//	s.Delete("name")                   // del session["name"]
//	for k, v := range s.All() {        // session.items()
//		fmt.Println(k, v, name, ok)
//	}
//	err = s.CycleKey(r.Context())      // cycle_key(), at login
//	err = s.Flush(r.Context())         // flush(), at logout
//	s.SetExpiry(300)                   // set_expiry(300)
//
// Values are JSON: after a save and a load they come back as strings,
// bool, nil, int64 (json.Number beyond int64), float64, []any and
// map[string]any; 1 stays an integer and 1.0 stays a float. The typed
// getters and the generic Get turn them back into Go types and report a
// mismatch as an error instead of a silent zero value:
//
//	prefs, ok, err := session.Get[Prefs](s, "prefs")
//
// # The save rules
//
// This is the one description of when a session is saved; the rest of the
// documentation links here. The session is lazy: the store is read the
// first time the handler reads or writes the session, never for a request
// that does not touch it. Before the first byte of the response (the first
// WriteHeader, Write, Flush or Hijack, or the handler's return), the
// middleware applies Django's SessionMiddleware rules, with this library's
// decisions where they differ (rules.go's decideResponse is the code):
//
//   - A session that was modified (or any session, with SaveEveryRequest)
//     is saved and its cookie sent with the session's expiry, unless it is
//     empty or the status is 5xx (any 5xx: Django 3.2 skips only 500). A
//     session saved explicitly during the request is not saved again unless
//     it changed since; its cookie is still sent.
//   - A response that sends or deletes the cookie gets Cache-Control
//     "private, no-store" unless it already has no-store or private.
//   - A session that was read or written adds Vary: Cookie.
//   - A request that had a session cookie and ends with an empty session (a
//     Flush, or a cookie that named no live session) deletes the cookie,
//     whatever the status; so does an untouched request whose cookie holds
//     no well-formed key.
//   - A cookie that names no live session is never adopted (no session
//     fixation): a write starts a new session with a new random key.
//   - A session deleted during the request, by a concurrent request (a
//     logout) or by DeleteRecord after it was saved, is not brought back:
//     the request fails with ErrSessionInterrupted, a 400, as in Django.
//   - The middleware's own save runs with the request's context detached
//     from its cancellation (a client that hangs up does not lose it),
//     bounded by Config.SaveTimeout.
//   - A change made after the response's headers went out cannot reach the
//     client: it is logged once, and Save and CycleKey return
//     ErrResponseCommitted.
//
// Errors are values. Session.Save returns the store's error; when the
// automatic save fails, Config.ErrorHandler answers instead of the handler
// (500 with the cause logged through log/slog by default). Data that cannot
// be read (another secret key, tampering) is an empty session and a warning;
// data in another codec's format, or holding a value the codec refuses
// (ErrCodecMismatch), is an error like a store's, so that it is never
// overwritten.
//
// # Outside a request
//
// Manager.Open opens a session by key (Django's SessionStore(session_key=…))
// with the same API, encoding and expiry rules, for websockets, background
// jobs and admin tools; call its Save after changing it. Manager.Exists,
// Manager.ClearExpired and Manager.Count reach the store directly.
//
// # Stores
//
// A Store keeps encoded records under session keys with an expiry: Load,
// Save and Delete are all it must do, and a new store is one small type
// plus the conformance suite in package storetest. What only some stores
// can do is an optional interface: Exister, ExpiredClearer, Counter, and
// the values-level forms ValueStore (the store receives the decoded session
// and its expiry and owns the encoding) and DataKeyedStore (the key is the
// data, as in Django's signed_cookies engine). The Manager's call returns an
// error matching ErrNotSupported where a store lacks a capability.
//
// store/memory keeps sessions in the process; store/sqlstore keeps them in
// Django's django_session table (SQLite, PostgreSQL, MySQL); store/file
// keeps them in files as Django's file engine does; store/redis and
// store/memcache in Redis and memcached, as Django's cache engine does;
// store/cacheddb puts a cache in front of any database store, as Django's
// cached_db engine does; store/cookiestore keeps each session in its
// cookie (Django's signed_cookies engine, or sealed with AES-256-GCM). The
// data of a byte store is encoded by a Codec, Django's signed format by
// default (DjangoCodec); JSONCodec is unsigned JSON, and package
// session/pickle is the pickle of Django's cache engine. Planned, not built
// yet: an atomic read-modify-write and a per-user index (see Store).
//
// For a byte store, the Manager keeps the sessions it decoded or saved in a
// bounded cache keyed by the exact bytes of their record
// (Config.DecodedCacheEntries): a request whose record has not changed
// since then skips the signature check and the decoding, and a record that
// another writer changed is decoded afresh, since its bytes differ. Only a
// PureCodec's sessions are cached, and the creation of a session never
// fills the cache.
package session
