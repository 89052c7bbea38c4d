package session

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// ErrResponseReplaced is matched by the error that the middleware's
// ResponseWriter returns from Write after the ErrorHandler has replaced the
// handler's response (the session could not be saved).
var ErrResponseReplaced = errors.New("session: the response was replaced by the session error handler")

// ctxKey is the context key of the request's *Session.
type ctxKey struct{}

// requestState is everything the middleware allocates for one request, in
// one allocation: the Session, the ResponseWriter wrapper, and the context
// that carries the Session (it answers Value(ctxKey{}) itself instead of
// wrapping its parent with context.WithValue).
type requestState struct {
	context.Context
	m    *Manager
	sess atomic.Pointer[Session] // made on the first FromRequest
	rw   responseWriter
	req  http.Request // the request given to the handler: a copy of the incoming one with this context
}

// Value returns the request's Session for this package's key and asks the
// parent context for any other key.
func (st *requestState) Value(key any) any {
	if key == (ctxKey{}) {
		return st.session()
	}
	return st.Context.Value(key)
}

// detachedContext is context.WithoutCancel for the request's context,
// kept inside the request state: the middleware's own save runs even when
// the client has gone away.
type detachedContext struct{ st *requestState }

// (It lives in the Session, with the header slots: a request whose handler
// never asks for its session does not pay for them.)

func (detachedContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (detachedContext) Done() <-chan struct{}       { return nil }
func (detachedContext) Err() error                  { return nil }
func (c *detachedContext) Value(key any) any        { return c.st.Value(key) }
func (c *detachedContext) String() string           { return "session.detachedContext" }

// session returns the request's Session, making it on first use: a
// request whose handler never asks for its session allocates none.
func (st *requestState) session() *Session {
	if s := st.sess.Load(); s != nil {
		return s
	}
	s := &Session{m: st.m, st: st}
	s.detached.st = st
	// Made after the response went out: every change is too late.
	if st.rw.committed {
		s.resp = respCommitted
	}
	if st.sess.CompareAndSwap(nil, s) {
		return s
	}
	return st.sess.Load()
}

// FromRequest returns the Session of r, a request handled inside
// Manager.Middleware. It panics when r did not go through the middleware:
// that is a programming error, caught on the first request, with a message
// that says how to fix it (the one panic of this package, as net/http
// panics on a misused ServeMux). Code that may run without the middleware
// uses FromContext, which reports whether there is a session.
func FromRequest(r *http.Request) *Session {
	s, ok := FromContext(r.Context())
	if !ok {
		panic(errNoMiddleware)
	}
	return s
}

// errNoMiddleware is FromRequest's panic value.
var errNoMiddleware = errors.New("session: FromRequest: this request did not pass through the session middleware; " +
	"wrap the handler with it (http.ListenAndServe(addr, manager.Middleware(mux))), outside any middleware or handler that calls FromRequest " +
	"(auth's Middleware and LoginRequired go inside it: manager.Middleware(authenticator.Middleware(mux)))")

// FromContext returns the Session carried by ctx (a request's context
// inside Manager.Middleware) and whether there is one.
func FromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(ctxKey{}).(*Session)
	return s, ok
}

// Middleware returns next wrapped with Django's SessionMiddleware rules:
//
//   - The handler gets its session with FromRequest(r). Nothing is read from
//     the store until the handler reads or writes the session; a request
//     that never touches it costs no store I/O and sets no cookie.
//   - Before the first byte of the response (the first WriteHeader, Write,
//     Flush or Hijack, or the handler's return), the session is saved if it
//     was modified (or on every request with Config.SaveEveryRequest), unless
//     the status is 5xx; the session cookie is then sent with its expiry.
//     A response that sends the cookie gets Cache-Control "private,
//     no-store" unless it already has no-store or private.
//   - A session that was read or written adds Vary: Cookie.
//   - A request that had a session cookie and ends with an empty session
//     (Flush, or a cookie that is not a valid key) deletes the cookie.
//   - A cookie naming a session the store does not know is never adopted:
//     a write starts a new session under a new random key. With several
//     cookies of the session's name, the first that names a live session
//     wins.
//   - When the store fails, or the session was deleted by a concurrent
//     request, Config.ErrorHandler writes the response instead of the
//     handler (default: 500 with the cause logged; 400 for an interrupted
//     session), and the handler's later writes fail with an error matching
//     ErrResponseReplaced.
//
// The ResponseWriter given to next implements http.Flusher, http.Hijacker
// and io.ReaderFrom, and Unwrap for http.ResponseController. The body is
// never buffered. If next panics, nothing is saved.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return &middleware{m: m, next: next}
}

// middleware is the handler Middleware returns. (A method rather than a
// closure: it is compiled once, in this package, where the request copy
// below is known not to escape.)
type middleware struct {
	m    *Manager
	next http.Handler
}

// ServeHTTP runs the handler with the request's session and commits it.
func (h *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := &requestState{Context: r.Context(), m: h.m}
	st.rw.w = w
	st.rw.st = st
	// WithContext is inlined and its copy does not escape: the request
	// handed to next lives in st, and the whole middleware costs one
	// allocation per request.
	st.req = *r.WithContext(st)
	h.next.ServeHTTP(&st.rw, &st.req)
	if !st.rw.committed {
		st.rw.commit(http.StatusOK)
	}
}

// responseWriter commits the session before the response's headers go out.
type responseWriter struct {
	w         http.ResponseWriter
	st        *requestState
	committed bool
	replaced  error // the ErrorHandler wrote the response: the handler's writes are dropped
}

// Header returns the header map of the underlying ResponseWriter.
func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

// WriteHeader commits the session, then writes the status. Informational
// statuses (1xx other than 101) pass through without committing.
func (rw *responseWriter) WriteHeader(code int) {
	if rw.replaced != nil {
		return
	}
	if !rw.committed {
		if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
			rw.w.WriteHeader(code)
			return
		}
		if !rw.commit(code) {
			return
		}
	}
	rw.w.WriteHeader(code)
}

// Write commits the session (with status 200 if WriteHeader was not
// called), then writes p.
func (rw *responseWriter) Write(p []byte) (int, error) {
	if !rw.committed {
		rw.commit(http.StatusOK)
	}
	if rw.replaced != nil {
		return 0, rw.replaced
	}
	return rw.w.Write(p)
}

// WriteString is Write for a string, without a copy when the underlying
// ResponseWriter is an io.StringWriter (as net/http's is).
func (rw *responseWriter) WriteString(s string) (int, error) {
	if !rw.committed {
		rw.commit(http.StatusOK)
	}
	if rw.replaced != nil {
		return 0, rw.replaced
	}
	return io.WriteString(rw.w, s)
}

// ReadFrom commits the session, then copies src to the underlying
// ResponseWriter (which can use sendfile).
func (rw *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !rw.committed {
		rw.commit(http.StatusOK)
	}
	if rw.replaced != nil {
		return 0, rw.replaced
	}
	return io.Copy(rw.w, src)
}

// Unwrap returns the underlying ResponseWriter, for http.ResponseController.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }

// Flush commits the session and flushes the underlying ResponseWriter.
func (rw *responseWriter) Flush() { _ = rw.FlushError() }

// FlushError is Flush returning the underlying error, for
// http.ResponseController.
func (rw *responseWriter) FlushError() error {
	if !rw.committed {
		rw.commit(http.StatusOK)
	}
	err := http.NewResponseController(rw.w).Flush()
	if rw.replaced != nil {
		return rw.replaced
	}
	return err
}

// Hijack saves the session if it needs saving, then hijacks the
// connection. The session cookie cannot be sent on a hijacked connection.
// An error saving the session is returned and the connection is not
// hijacked.
func (rw *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !rw.committed {
		rw.committed = true
		if err := rw.st.m.commit(rw.st, rw.w.Header(), http.StatusSwitchingProtocols); err != nil {
			return nil, nil, fmt.Errorf("session: saving the session before hijacking the connection: %w", err)
		}
	}
	return http.NewResponseController(rw.w).Hijack()
}

// commit runs the middleware's response rules with the handler's status and
// reports whether the handler's response goes out (false when the
// ErrorHandler replaced it).
func (rw *responseWriter) commit(status int) bool {
	rw.committed = true
	err := rw.st.m.commit(rw.st, rw.w.Header(), status)
	if err == nil {
		return true
	}
	return rw.fail(err)
}

// replacedHeaders are removed from the handler's headers before the
// ErrorHandler writes its own response: they describe the handler's body.
var replacedHeaders = []string{
	"Set-Cookie", "Content-Length", "Content-Type", "Content-Encoding", "Content-Disposition",
	"Content-Range", "Content-Language", "Location", "Etag", "Last-Modified", "Cache-Control", "Expires",
}

// fail hands err to the ErrorHandler and reports whether the handler's own
// response still goes out (the ErrorHandler wrote nothing).
func (rw *responseWriter) fail(err error) bool {
	h := rw.w.Header()
	saved := h.Clone()
	for _, k := range replacedHeaders {
		delete(h, k)
	}
	tw := &trackingWriter{w: rw.w}
	rw.st.m.onErr(tw, &rw.st.req, err)
	if tw.wrote {
		rw.replaced = fmt.Errorf("%w: %w", ErrResponseReplaced, err)
		return false
	}
	clear(h)
	for k, v := range saved {
		h[k] = v
	}
	return true
}

// trackingWriter records whether the ErrorHandler wrote anything.
type trackingWriter struct {
	w     http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) Header() http.Header { return t.w.Header() }

func (t *trackingWriter) WriteHeader(code int) {
	t.wrote = true
	t.w.WriteHeader(code)
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	t.wrote = true
	return t.w.Write(p)
}

func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.w }
