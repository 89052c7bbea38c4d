package session

import (
	"context"
	"net/http"
	"time"

	"github.com/djsession/djsession/cookie"
)

// This file holds the middleware's response rules, Django's
// SessionMiddleware.process_response: what to do with the session and the
// response's headers once the handler's response is about to go out. They
// are one pure function, decideResponse, of the session's state, the
// response's status and the configuration; commit gathers the state, asks
// it, and applies the answer.

// responseState is what the response rules look at, taken when the
// response's headers go out.
type responseState struct {
	touched      bool  // the handler asked for its session (or SaveEveryRequest made it)
	hadCookie    bool  // the request carried a cookie with the session's name
	validCookie  bool  // one of those cookies holds a well-formed key (untouched sessions only)
	accessed     bool  // Django's accessed: read or written during the request
	modified     bool  // Django's modified
	empty        bool  // Django's is_empty(): no key and no data
	loadErr      error // the store could not load the session
	errSeen      bool  // loadErr was returned to the handler by an explicit call
	saved        bool  // saved during the request (Save, CycleKey)
	needsSave    bool  // the store lacks the session's changes (not saved, or changed or deleted since)
	everyRequest bool  // Config.SaveEveryRequest
}

// cookieAction is what happens to the session cookie.
type cookieAction uint8

const (
	cookieUntouched cookieAction = iota
	cookieSet                    // Set-Cookie with the session's key and expiry
	cookieDelete                 // Set-Cookie that deletes it
)

// responseDecision is what the rules decide.
type responseDecision struct {
	cookie  cookieAction
	save    bool  // write the session to the store first (loading it if needed)
	vary    bool  // add Cookie to Vary
	private bool  // make sure no shared cache stores the response
	fail    error // the ErrorHandler answers instead of the handler
	logOnly error // logged; the response goes out as it is
}

// decideResponse is Django's process_response, with this library's
// decisions where they differ (no save on any 5xx; Cache-Control on every
// response that sets or deletes the cookie):
//
//   - A request whose handler never asked for its session (and no
//     SaveEveryRequest) changes nothing, except that a session cookie that
//     holds no well-formed key is deleted.
//   - A request that had a session cookie and ends with an empty session
//     (flushed, or its cookie named no live session) deletes the cookie,
//     whatever the status.
//   - A session that was read or written adds Vary: Cookie.
//   - A store error while loading: on a 5xx it is only logged; otherwise
//     the ErrorHandler answers, unless the handler saw the error (Load or
//     Save returned it) and did not modify the session, in which case the
//     handler's response goes out as it is.
//   - A session that was modified, saved during the request, or any
//     session under SaveEveryRequest, and is not empty, is saved (unless it
//     was saved already and not changed since) and its cookie set, unless
//     the status is 5xx.
func decideResponse(st responseState, status int) responseDecision {
	if !st.touched {
		if st.hadCookie && !st.validCookie {
			return responseDecision{cookie: cookieDelete, vary: true, private: true}
		}
		return responseDecision{}
	}
	if st.hadCookie && st.empty {
		return responseDecision{cookie: cookieDelete, vary: true, private: true}
	}
	d := responseDecision{vary: st.accessed}
	if st.loadErr != nil {
		switch {
		case status >= 500:
			d.logOnly = st.loadErr
		case st.modified || !st.errSeen:
			d.fail = st.loadErr
		}
		return d
	}
	if st.empty || !(st.modified || st.saved || st.everyRequest) || status >= 500 {
		return d
	}
	d.save = st.needsSave
	d.cookie = cookieSet
	d.private = true
	return d
}

// commit applies the response rules to the response headers h of a
// response with the given status, saving the session when they say so. It
// runs once, before the first byte of the response. A non-nil error goes to
// the ErrorHandler.
func (m *Manager) commit(st *requestState, h http.Header, status int) error {
	s := st.sess.Load()
	if s == nil && !m.cfg.SaveEveryRequest {
		state := responseState{}
		sc := cookie.NewScanner(st.req.Header["Cookie"])
		for {
			v, ok := sc.Next(m.cfg.CookieName)
			if !ok {
				break
			}
			state.hadCookie = true
			if m.validKey(v) {
				state.validCookie = true
				break
			}
		}
		return m.apply(nil, decideResponse(state, status), h, nil)
	}
	if s == nil {
		s = st.session() // SaveEveryRequest: Django's save() loads it
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resp = respCommitted
	s.scanLocked()
	state := responseState{
		touched:      true,
		hadCookie:    s.hadCookie,
		accessed:     s.accessed,
		modified:     s.isModified(),
		empty:        s.emptyLocked(),
		loadErr:      s.failure.err,
		errSeen:      s.failure.seen,
		saved:        s.persist != unsaved,
		needsSave:    s.needsSave(),
		everyRequest: m.cfg.SaveEveryRequest,
	}
	return m.apply(s, decideResponse(state, status), h, &s.slots)
}

// apply carries out d on the response headers h (and the store), for the
// session s (nil when the handler never asked for it).
func (m *Manager) apply(s *Session, d responseDecision, h http.Header, hs *headerSlots) error {
	if d.cookie == cookieDelete {
		replaceSetCookie(h, hs, m.cfg.CookieName, m.cookie.DeleteLine())
	}
	if d.vary {
		patchVary(h, hs)
	}
	if d.cookie == cookieDelete {
		preventSharedCaching(h, hs)
		return nil
	}
	if d.logOnly != nil {
		m.logger.Error("session: store error", "err", d.logOnly)
	}
	if d.fail != nil {
		return d.fail
	}
	if d.save {
		// A session the handler never read (SaveEveryRequest) is loaded
		// first, as Django's save() does.
		s.loadLocked(s.st)
		if s.failure.err != nil {
			return s.failure.err
		}
		// The handler's work is done: its session is saved even if the
		// client has gone away meanwhile, within SaveTimeout.
		var ctx context.Context = &s.detached
		if t := m.cfg.SaveTimeout; t > 0 {
			s.saveCtx.start(&s.detached, time.Now().Add(t))
			defer s.saveCtx.stop()
			ctx = &s.saveCtx
		}
		if err := s.saveLocked(ctx); err != nil {
			return err
		}
	}
	if d.cookie == cookieSet {
		now := m.now()
		replaceSetCookie(h, hs, m.cfg.CookieName, m.cookieLine(s.key, s.expiryLocked(now), now))
		if d.private {
			preventSharedCaching(h, hs)
		}
	}
	return nil
}
