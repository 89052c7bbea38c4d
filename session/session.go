package session

import (
	"context"
	"errors"
	"iter"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/djsession/djsession/cookie"
)

// ErrSessionInterrupted is matched by the error of a save when the session
// was deleted from the store while the request was running, for example by
// a logout in a concurrent request. It is Django's SessionInterrupted: the
// default ErrorHandler answers 400 Bad Request with Django's message, and
// the session is not brought back to life.
var ErrSessionInterrupted = errors.New("session: the request's session was deleted before the request completed; the user may have logged out in a concurrent request")

// maxCandidates is how many distinct valid session keys the middleware
// looks at when a request carries several cookies with the session's name.
const maxCandidates = 4

// maxCreateAttempts bounds the number of random keys tried by a create
// before giving up (a collision of two 165-bit keys never happens; a store
// that keeps answering ErrKeyExists is broken).
const maxCreateAttempts = 10

// Item is one key and its value, as returned by Session.Items.
type Item struct {
	Key   string
	Value any
}

// Session is one request's session: Django's request.session. Get it with
// FromRequest inside a handler wrapped by Manager.Middleware.
//
// A Session is lazy: it reads the store the first time the handler reads or
// writes it, and the middleware saves it only when it was modified (or on
// every request with Config.SaveEveryRequest). Values are what JSON can
// hold. After a save and a load they come back in their JSON form: strings,
// bool, nil, int64 for integers (json.Number for integers beyond int64),
// float64 for numbers with a fraction or exponent (1.0 stays a float),
// []any and map[string]any. The typed getters (GetString, GetInt…) and the
// generic Get convert them back.
//
// Its methods are safe for concurrent use by the goroutines of one request.
// A Session must not be used after its request has finished.
type Session struct {
	mu sync.Mutex
	m  *Manager
	st *requestState // the request: its context (for lazy loads) and its Cookie header

	slots    headerSlots     // values of the headers the middleware adds
	detached detachedContext // the request's context without its cancellation, for the middleware's save
	saveCtx  saveContext     // detached, with Config.SaveTimeout's deadline

	key   string    // current key; "" means none (Django's None)
	cands []string  // valid keys from the request's cookies (at most maxCandidates)
	cand0 [1]string // cands' array for the usual single cookie
	data  values    // the session's values, copy-on-write over a store's snapshot

	stage     loadStage    // how far the session was read
	change    changeState  // what the request did to it (Django's modified, refined)
	persist   persistState // whether it was saved during the request, and what happened since
	resp      respState    // whether the response's headers went out
	hadCookie bool         // the request had a cookie with the session's name (known from stageScanned)
	verified  bool         // key names a record this request found in, or wrote to, the store
	accessed  bool         // Django's accessed: read or written during the request
	failure   loadFailure  // the store could not load the session
	corrupt   error        // the record was found but could not be decoded (read as empty)

	loadedExpiry time.Time // the record's expiry as the store reported it
	record       string    // the record's key in the Manager's decoded cache: what a save supersedes there
}

// ErrResponseCommitted is matched by the error of Save and CycleKey called
// after the middleware committed the session with the response's headers
// (the first Write, WriteHeader, Flush or Hijack, or the handler's return):
// a new cookie could no longer reach the client. Other changes made then
// are lost and logged once per request. Save before writing the response;
// for a session that lives on after the response (a websocket), use
// Manager.Open.
var ErrResponseCommitted = errors.New("session: the response's headers were already written; save the session before writing the response, or use Manager.Open after it")

// scanLocked finds the request's session cookies, once.
func (s *Session) scanLocked() {
	if s.stage >= stageScanned {
		return
	}
	s.stage = stageScanned
	s.cands = s.cand0[:0]
	sc := cookie.NewScanner(s.st.req.Header["Cookie"])
	for {
		value, ok := sc.Next(s.m.cfg.CookieName)
		if !ok {
			break
		}
		s.hadCookie = true
		if !s.m.validKey(value) || len(s.cands) == maxCandidates || slices.Contains(s.cands, value) {
			continue
		}
		s.cands = append(s.cands, value)
	}
	if len(s.cands) > 0 {
		s.key = s.cands[0]
	}
}

// loadLocked loads the session data once: the first cookie value that names
// a live record wins. A key that names no record is dropped (no session
// fixation) and no record is created.
func (s *Session) loadLocked(ctx context.Context) {
	if s.stage == stageLoaded {
		return
	}
	s.scanLocked()
	s.stage = stageLoaded
	for i := range s.cands {
		l, err := s.m.load(ctx, s.cands[i])
		if err != nil && l.found && errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnreadable) {
			// As Django: unreadable data is an empty session under the key.
			s.m.corrupt(ctx, err)
			s.corrupt = err
			l.vals, l.shared, err = nil, false, nil
		}
		if err != nil {
			s.failure.err = err
			s.key = ""
			s.data.adopt(nil, false)
			return
		}
		if l.found {
			s.key, s.verified = s.cands[i], true
			s.data.adopt(l.vals, l.shared)
			s.record = l.record
			s.loadedExpiry = l.exp
			return
		}
	}
	s.key = ""
	s.data.adopt(nil, false)
}

// writableLocked loads the session and makes its map private to it.
func (s *Session) writableLocked() {
	s.loadLocked(s.st)
	s.data.writable()
}

func (s *Session) readLocked() {
	s.accessed = true
	s.loadLocked(s.st)
}

func (s *Session) markModified() {
	if s.change == unmodified {
		s.change = modified
	}
	if s.persist == saved {
		s.persist = stale
	}
	if s.resp == respCommitted {
		s.resp = respWarned
		s.m.logger.WarnContext(s.st, "session: changed after the response's headers were written; the change is lost (save before writing the response)",
			"error", ErrResponseCommitted)
	}
}

// Get returns the value stored under key and whether it is there (Django's
// session[key] and key in session). It loads the session if needed and
// marks it accessed. A store error reads as an empty session; Load returns
// the error.
func (s *Session) Get(key string) (value any, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readLocked()
	return s.data.get(key)
}

// GetDefault returns the value stored under key, or def when there is none
// (Django's session.get(key, default)).
func (s *Session) GetDefault(key string, def any) any {
	if v, ok := s.Get(key); ok {
		return v
	}
	return def
}

// Has reports whether key is in the session (Django's key in session).
func (s *Session) Has(key string) bool {
	_, ok := s.Get(key)
	return ok
}

// Set stores value under key (Django's session[key] = value) and marks the
// session modified. value must be something JSON can encode; the error
// otherwise comes from the save.
func (s *Session) Set(key string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessed = true
	s.writableLocked()
	s.data.put(key, value)
	s.markModified()
}

// SetDefault returns the value under key if there is one; otherwise it
// stores value under key and returns it (Django's setdefault). Only an
// insertion marks the session modified.
func (s *Session) SetDefault(key string, value any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readLocked()
	if v, ok := s.data.get(key); ok {
		return v
	}
	s.writableLocked()
	s.data.put(key, value)
	s.markModified()
	return value
}

// Update stores every entry of values (Django's session.update). It marks
// the session modified, even when values is empty, as Django does.
func (s *Session) Update(values map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessed = true
	s.writableLocked()
	for k, v := range values {
		s.data.put(k, v)
	}
	s.markModified()
}

// Delete removes key (Django's del session[key]). Removing a key that is
// not there does nothing and does not mark the session modified (where
// Django raises KeyError).
func (s *Session) Delete(key string) {
	s.Pop(key)
}

// Pop removes key and returns its value (Django's session.pop). ok is false
// when key was not there; only a removal marks the session modified.
func (s *Session) Pop(key string) (value any, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readLocked()
	value, ok = s.data.remove(key)
	if ok {
		s.markModified()
	}
	return value, ok
}

// Len returns the number of keys in the session.
func (s *Session) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readLocked()
	return len(s.data.m)
}

// Keys returns the session's keys, sorted (Django's keys()).
func (s *Session) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readLocked()
	return slices.Sorted(maps.Keys(s.data.m))
}

// Values returns the session's values, in the order of Keys (Django's values()).
func (s *Session) Values() []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readLocked()
	keys := slices.Sorted(maps.Keys(s.data.m))
	vals := make([]any, len(keys))
	for i, k := range keys {
		vals[i], _ = s.data.get(k)
	}
	return vals
}

// Items returns the session's keys and values, sorted by key (Django's items()).
func (s *Session) Items() []Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readLocked()
	keys := slices.Sorted(maps.Keys(s.data.m))
	items := make([]Item, len(keys))
	for i, k := range keys {
		v, _ := s.data.get(k)
		items[i] = Item{Key: k, Value: v}
	}
	return items
}

// All returns an iterator over the session's keys and values, sorted by key
// (Django's iteritems). The keys are those present when iteration starts;
// each value is read when it is reached, so the loop body may modify the
// session (a key deleted meanwhile is skipped).
func (s *Session) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for _, k := range s.Keys() {
			s.mu.Lock()
			v, ok := s.data.get(k)
			s.mu.Unlock()
			if ok && !yield(k, v) {
				return
			}
		}
	}
}

// AllKeys returns an iterator over the session's keys, sorted, with the
// rules of All: Django's keys() (iterkeys() in Python 2), lazily. Keys
// returns them as a slice.
func (s *Session) AllKeys() iter.Seq[string] {
	return func(yield func(string) bool) {
		for k := range s.All() {
			if !yield(k) {
				return
			}
		}
	}
}

// AllValues returns an iterator over the session's values, in key order,
// with the rules of All: Django's values() (itervalues() in Python 2),
// lazily. Values returns them as a slice.
func (s *Session) AllValues() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, v := range s.All() {
			if !yield(v) {
				return
			}
		}
	}
}

// Clear removes every key (Django's clear()) without reading the store. The
// session keeps its key, so the middleware saves an empty session and
// re-sends the cookie; use Flush to end a session.
func (s *Session) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scanLocked()
	s.data.empty()
	s.stage = stageLoaded
	s.accessed = true
	s.markModified()
}

// IsEmpty reports whether the session has neither a key nor data (Django's
// is_empty()). It does not read the store. A session that could not be
// loaded because of a store error is not empty.
func (s *Session) IsEmpty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emptyLocked()
}

func (s *Session) emptyLocked() bool {
	s.scanLocked()
	return s.failure.err == nil && s.key == "" && len(s.data.m) == 0
}

// Key returns the session key (Django's session_key): the key of the live
// record the request's cookie named, or of the record this request created;
// "" when there is none yet (a new session gets its key when it is saved).
//
// Unlike Django's session_key, Key loads the session first (and marks it
// accessed), so it never returns a key that the store does not know.
func (s *Session) Key() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readLocked()
	return s.key
}

// Accessed reports whether the session was read or written during this
// request (Django's accessed): the middleware then adds Vary: Cookie.
func (s *Session) Accessed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accessed
}

// Modified reports whether the session was changed during this request
// (Django's modified): the middleware then saves it.
func (s *Session) Modified() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.isModified()
}

// Load reads the session from the store now, if it was not read yet, and
// returns the store's error. Other calls load lazily and read a store error
// as an empty session; Load lets a handler see the error (the middleware
// then leaves the response to the handler, unless the session was modified).
func (s *Session) Load(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessed = true
	s.loadLocked(ctxOr(ctx, s.st))
	if s.failure.err != nil {
		s.failure.seen = true
		return s.failure.err
	}
	return nil
}

func ctxOr(ctx, def context.Context) context.Context {
	if ctx != nil {
		return ctx
	}
	return def
}

// Exists reports whether the store has a session with that key (Django's
// exists()); it is Manager.Exists.
func (s *Session) Exists(ctx context.Context, key string) (bool, error) {
	return s.m.Exists(ctx, key)
}

// ClearExpired removes every expired session from the store (Django's
// clear_expired(), run by the clearsessions command); it is
// Manager.ClearExpired.
func (s *Session) ClearExpired(ctx context.Context) error {
	return s.m.ClearExpired(ctx)
}

// testCookieKey and testCookieValue are Django's test cookie entry.
const (
	testCookieKey   = "testcookie"
	testCookieValue = "worked"
)

// SetTestCookie stores Django's test value, to check on the next request
// that the browser keeps cookies (Django's set_test_cookie()).
func (s *Session) SetTestCookie() { s.Set(testCookieKey, testCookieValue) }

// TestCookieWorked reports whether the value of SetTestCookie came back
// (Django's test_cookie_worked()).
func (s *Session) TestCookieWorked() bool {
	v, _ := s.Get(testCookieKey)
	return v == testCookieValue
}

// DeleteTestCookie removes the value of SetTestCookie (Django's
// delete_test_cookie()).
func (s *Session) DeleteTestCookie() { s.Delete(testCookieKey) }
