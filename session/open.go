package session

import (
	"context"
	"fmt"
	"time"
)

// Open returns the session stored under key, outside any request, as
// Django's SessionStore(session_key=key) does: for websockets, background
// jobs and admin tools. The Session has the whole API of one that
// FromRequest returns, with the same encoding and expiry rules; nothing
// saves it on its own, so call its Save after changing it. Its methods load
// nothing lazily: the record is read now, with ctx.
//
// An empty key opens a new, empty session, which gets a random key when it
// is saved. Open returns an error matching ErrNotFound for a key that is not
// a session key or names no live record, an error matching ErrCorrupt for a
// record whose data cannot be read (a bad signature, another secret key),
// and the store's error when it cannot answer.
func (m *Manager) Open(ctx context.Context, key string) (*Session, error) {
	st := &requestState{Context: ctx, m: m}
	s := &Session{m: m, st: st}
	s.detached.st = st
	st.sess.Store(s)
	s.stage = stageScanned
	if key == "" {
		s.stage = stageLoaded
		return s, nil
	}
	if !m.validKey(key) {
		return nil, fmt.Errorf("%w: %q is not a session key", ErrNotFound, key)
	}
	s.cand0[0] = key
	s.cands = s.cand0[:1]
	s.key = key
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadLocked(ctx)
	switch {
	case s.failure.err != nil:
		return nil, s.failure.err
	case s.corrupt != nil:
		return nil, s.corrupt
	case !s.verified:
		return nil, fmt.Errorf("%w: no live session has this key", ErrNotFound)
	}
	return s, nil
}

// LoadedExpiry returns the expiry of the session's record as the store
// reported it when the session was loaded: the zero time for a session that
// was not loaded from a record (a new one, or one whose store does not
// report expiries, such as memcached).
func (s *Session) LoadedExpiry() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadedExpiry
}

// Exists reports whether the store has a record under key (Django's
// exists()). A key that is not a valid session key is never looked up. The
// error matches ErrNotSupported when the store is no Exister.
func (m *Manager) Exists(ctx context.Context, key string) (bool, error) {
	ex, ok := m.store.(Exister)
	if !ok {
		return false, notSupported(m.store, "Exists (session.Exister)")
	}
	if !ValidKey(key) {
		return false, nil
	}
	return ex.Exists(ctx, key)
}

// ClearExpired removes every expired record from the store (Django's
// clear_expired(), run by the clearsessions command). The error matches
// ErrNotSupported when the store is no ExpiredClearer: caches expire their
// records on their own, and there is nothing to do.
func (m *Manager) ClearExpired(ctx context.Context) error {
	c, ok := m.store.(ExpiredClearer)
	if !ok {
		return notSupported(m.store, "ClearExpired (session.ExpiredClearer)")
	}
	return c.ClearExpired(ctx)
}

// Count returns the number of live records in the store. The error matches
// ErrNotSupported when the store is no Counter.
func (m *Manager) Count(ctx context.Context) (int64, error) {
	c, ok := m.store.(Counter)
	if !ok {
		return 0, notSupported(m.store, "Count (session.Counter)")
	}
	return c.Count(ctx)
}
