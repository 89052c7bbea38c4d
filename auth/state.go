package auth

import (
	"context"
	"net/http"
)

// This file holds who the user of a request is: the lazily resolved
// per-request state, its middleware, and UserID, CurrentUser and
// IsAuthenticated.

// mustState returns r's user state, and panics with a message that says
// how to fix it when r did not pass through the Authenticator's middleware
// (a programming error, caught on the first request; see package session
// for the same rule of FromRequest).
func mustState(r *http.Request, caller string) *state {
	st := stateOf(r)
	if st == nil {
		panic("auth: " + caller + ": this request did not pass through the Authenticator's middleware; " +
			"wrap the handler with it, inside the session middleware: sessions.Middleware(authenticator.Middleware(mux)) " +
			"(pages behind authenticator.LoginRequired or CookieLoginRequired have it already)")
	}
	return st
}

func stateOf(r *http.Request) *state {
	st, _ := r.Context().Value(ctxKey{}).(*state)
	return st
}

func (st *state) get() (string, User, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.done {
		st.done = true
		st.id, st.user, st.err = st.a.resolve(st.r)
	}
	return st.id, st.user, st.err
}

// resolved returns the user id found so far and whether the request's user
// was resolved (or set) yet, without resolving it.
func (st *state) resolved() (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.id, st.done && st.err == nil
}

func (st *state) setUser(u User) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.done, st.id, st.user, st.err = true, u.ID(), u, nil
}

// set records the user id and the user (nil without LookupUser) together.
func (st *state) set(id string, u User) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.done, st.id, st.user, st.err = true, id, u, nil
}

func (st *state) setAnonymous() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.done, st.id, st.user, st.err = true, "", nil, nil
}

// withState returns r carrying a fresh lazy user record, or r itself when
// it already carries one of a.
func (a *Authenticator) withState(r *http.Request) (*http.Request, *state) {
	if st := stateOf(r); st != nil && st.a == a {
		return r, st
	}
	st := &state{a: a}
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, st))
	st.r = r
	return r, st
}

// Middleware makes the request's user available to UserID and CurrentUser
// in every handler below it, as Django's AuthenticationMiddleware does. It
// does nothing until one of them is called: a request that never asks costs
// nothing. It must sit inside the session middleware:
//
//	sessions.Middleware(a.Middleware(mux))
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, _ = a.withState(r)
		next.ServeHTTP(w, r)
	})
}

// UserID returns the id of the user logged in on r, or "" for an
// anonymous request. r must have gone through Authenticator.Middleware or
// LoginRequired: UserID panics on any other request, with a message that
// says how to add the middleware. With
// Config.LookupUser, the session's auth hash is checked first (a stale
// session is flushed and the request is anonymous). An error of the store
// or of LookupUser makes the request anonymous and is logged; LoginRequired
// turns such errors into a 500 instead.
func UserID(r *http.Request) string {
	st := mustState(r, "UserID")
	id, _, err := st.get()
	if err != nil {
		st.a.logger.ErrorContext(r.Context(), "auth: cannot tell who the user is", "error", err)
		return ""
	}
	return id
}

// CurrentUser returns the user logged in on r, found through
// Config.LookupUser, or nil for an anonymous request and when no
// LookupUser is configured. Like UserID, it panics on a request that did
// not go through Authenticator.Middleware or LoginRequired. Errors are
// handled as UserID handles them.
func CurrentUser(r *http.Request) User {
	st := mustState(r, "CurrentUser")
	_, u, err := st.get()
	if err != nil {
		st.a.logger.ErrorContext(r.Context(), "auth: cannot tell who the user is", "error", err)
		return nil
	}
	return u
}

// IsAuthenticated reports whether a user is logged in on r (UserID(r) != "").
func IsAuthenticated(r *http.Request) bool { return UserID(r) != "" }
