package auth

import (
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// This file holds login and logout: Login, Logout, UpdateSessionAuthHash,
// the session auth hash, the session and login-cookie checks of who the
// user is (resolve, cookieLogin).

// SessionAuthHash returns Django's get_session_auth_hash for a user whose
// password field is passwordHash: the hex HMAC-SHA256 of passwordHash with
// the key SHA-256("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
// + secret). An empty passwordHash (a user with no password) has a hash
// like any other string.
func SessionAuthHash(secret []byte, passwordHash string) string {
	return hex.EncodeToString(signing.SaltedHMAC(sessionAuthHashSalt, []byte(passwordHash), secret, "sha256"))
}

// Login logs user in on this request, as Django's login does:
//
//   - If the session already holds a different user, or the same user with
//     a session auth hash that no longer matches, the session is flushed
//     (its data is dropped). Otherwise the session keeps its data and gets
//     a new key (CycleKey), so that a key planted before the login is
//     worthless afterwards (no session fixation).
//   - The session then holds SessionKeyUserID (user.ID()), SessionKeyBackend
//     and SessionKeyHash (SessionAuthHash of user.PasswordHash()).
//   - With Config.LoginCookie, the signed login cookie is set too.
//
// Later calls of UserID and CurrentUser in the same request see the new
// user. Login returns ErrBadUser for a nil user or an empty id,
// ErrNoSession when the request has neither a session nor a login cookie to
// set, and the store's error when flushing or cycling the key fails (the
// user is then not logged in).
func (a *Authenticator) Login(w http.ResponseWriter, r *http.Request, user User) error {
	if user == nil || user.ID() == "" {
		return ErrBadUser
	}
	mustState(r, "Login")
	s, _ := session.FromContext(r.Context())
	if s == nil && a.signer == nil {
		return ErrNoSession
	}
	ctx := r.Context()
	if s != nil {
		if err := s.Load(ctx); err != nil {
			return fmt.Errorf("auth: login: %w", err)
		}
		hash := SessionAuthHash(a.cfg.SecretKey, user.PasswordHash())
		cur, hasUser := idString(s.GetDefault(SessionKeyUserID, nil))
		storedHash, _ := s.GetDefault(SessionKeyHash, "").(string)
		// As Django: a different user, or the same user whose session was
		// made with another password (or carries no hash), starts afresh.
		if hasUser && (cur != user.ID() || !hmac.Equal([]byte(storedHash), []byte(hash))) {
			if err := s.Flush(ctx); err != nil {
				return fmt.Errorf("auth: login: flushing the previous user's session: %w", err)
			}
		} else if err := s.CycleKey(ctx); err != nil {
			return fmt.Errorf("auth: login: cycling the session key: %w", err)
		}
		backend := user.Backend()
		if backend == "" {
			backend = DefaultBackend
		}
		s.Set(SessionKeyUserID, user.ID())
		s.Set(SessionKeyBackend, backend)
		s.Set(SessionKeyHash, hash)
	}
	if a.signer != nil {
		value := loginCookieHash(a.cfg.SecretKey, user.PasswordHash()) + ":" + user.ID()
		if err := a.signer.Set(w, a.cfg.LoginCookie, value, a.loginCookieOptions()); err != nil {
			return fmt.Errorf("auth: login: setting the login cookie: %w", err)
		}
	}
	if st := stateOf(r); st != nil {
		st.setUser(user)
	}
	return nil
}

func (a *Authenticator) loginCookieOptions() cookie.Options {
	return cookie.Options{
		MaxAge:   cookie.MaxAge(a.cfg.LoginCookieMaxAge),
		HttpOnly: true,
		Secure:   a.cfg.LoginCookieSecure,
		SameSite: http.SameSiteLaxMode,
	}
}

// Logout logs the user out, as Django's logout does: the session is
// flushed (its record deleted from the store and its cookie deleted, so the
// old session key is worthless even if a copy of the cookie is replayed),
// and the login cookie, if configured, is deleted. It is safe to call for
// an anonymous request. It returns the store's error from the flush, after
// doing everything else.
func (a *Authenticator) Logout(w http.ResponseWriter, r *http.Request) error {
	var err error
	s, _ := session.FromContext(r.Context())
	if s != nil {
		if e := s.Flush(r.Context()); e != nil {
			err = fmt.Errorf("auth: logout: %w", e)
		}
	}
	if a.signer != nil {
		if e := cookie.Delete(w, a.cfg.LoginCookie, cookie.DeleteOptions{SameSite: http.SameSiteLaxMode, Secure: a.cfg.LoginCookieSecure}); e != nil && err == nil {
			err = fmt.Errorf("auth: logout: deleting the login cookie: %w", e)
		}
	}
	if s == nil && a.signer == nil {
		return ErrNoSession
	}
	if st := stateOf(r); st != nil {
		st.setAnonymous()
	}
	return err
}

// UpdateSessionAuthHash keeps this request's login alive after user's
// password changed, as Django's update_session_auth_hash does, while every
// other session of the user ends. Call it in the view that changes the
// password, after the new password field is stored, with the user as it is
// now (user.PasswordHash() the new field):
//
//   - The session gets a new key (CycleKey), its data kept: a copy of the
//     old session cookie is worthless.
//   - When the session is user's login (its SessionKeyUserID is user.ID(),
//     and the request's user, if UserID already resolved it, is user),
//     SessionKeyHash becomes SessionAuthHash of the new password field.
//     This session carries on; the user's other sessions still hold the hash
//     of the old password, so LookupUser's check ends each of them at its
//     next request (Django's get_user).
//   - With Config.LoginCookie, a validly signed login cookie of user on the
//     request is set again, carrying the new password's hash (login cookies
//     made before the change no longer pass CookieLoginRequired).
//
// Like Django's PasswordChangeView, the view should require a login
// (LoginRequired) and check the old password before changing it. Later
// calls of UserID and CurrentUser in the same request see user. It returns
// ErrBadUser for a nil user or an empty id, ErrNoSession when the request
// has neither a session nor a login cookie configured, and the store's
// error when cycling the key fails.
func (a *Authenticator) UpdateSessionAuthHash(w http.ResponseWriter, r *http.Request, user User) error {
	if user == nil || user.ID() == "" {
		return ErrBadUser
	}
	s, _ := session.FromContext(r.Context())
	if s == nil && a.signer == nil {
		return ErrNoSession
	}
	st := stateOf(r)
	resolvedID, resolved := "", false
	if st != nil {
		resolvedID, resolved = st.resolved()
	}
	isUser := !resolved || resolvedID == user.ID()
	ctx := r.Context()
	sessionIsUser := false
	if s != nil {
		if err := s.Load(ctx); err != nil {
			return fmt.Errorf("auth: update session auth hash: %w", err)
		}
		id, ok := idString(s.GetDefault(SessionKeyUserID, nil))
		sessionIsUser = ok && id == user.ID() && isUser
		if err := s.CycleKey(ctx); err != nil {
			return fmt.Errorf("auth: update session auth hash: cycling the session key: %w", err)
		}
		if sessionIsUser {
			s.Set(SessionKeyHash, SessionAuthHash(a.cfg.SecretKey, user.PasswordHash()))
		}
	}
	cookieIsUser := false
	if a.signer != nil && (resolved || sessionIsUser) && isUser {
		if v, err := a.signer.Get(r, a.cfg.LoginCookie); err == nil {
			if _, id, ok := strings.Cut(v, ":"); ok && id == user.ID() {
				cookieIsUser = true
				value := loginCookieHash(a.cfg.SecretKey, user.PasswordHash()) + ":" + user.ID()
				if err := a.signer.Set(w, a.cfg.LoginCookie, value, a.loginCookieOptions()); err != nil {
					return fmt.Errorf("auth: update session auth hash: setting the login cookie: %w", err)
				}
			}
		}
	}
	if st != nil && (sessionIsUser || cookieIsUser) {
		st.setUser(user)
	}
	return nil
}

// resolve finds the request's user from the session, as Django's get_user
// does. It returns "" and a nil user for an anonymous request.
func (a *Authenticator) resolve(r *http.Request) (id string, user User, err error) {
	s, _ := session.FromContext(r.Context())
	if s == nil {
		return "", nil, nil
	}
	ctx := r.Context()
	if err := s.Load(ctx); err != nil {
		return "", nil, fmt.Errorf("auth: loading the session: %w", err)
	}
	id, ok := idString(s.GetDefault(SessionKeyUserID, nil))
	if !ok || id == "" {
		return "", nil, nil
	}
	backend, _ := s.GetDefault(SessionKeyBackend, "").(string)
	if len(a.cfg.Backends) > 0 && !containsExact(a.cfg.Backends, backend) {
		return "", nil, nil
	}
	if a.cfg.LookupUser == nil {
		return id, nil, nil
	}
	user, err = a.cfg.LookupUser(ctx, id)
	if errors.Is(err, ErrUserNotFound) || (err == nil && user == nil) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("auth: looking up user %q: %w", id, err)
	}
	stored, _ := s.GetDefault(SessionKeyHash, "").(string)
	pw := user.PasswordHash()
	if stored != "" && hmac.Equal([]byte(stored), []byte(SessionAuthHash(a.cfg.SecretKey, pw))) {
		return id, user, nil
	}
	for _, k := range a.cfg.FallbackKeys {
		if stored != "" && hmac.Equal([]byte(stored), []byte(SessionAuthHash(k, pw))) {
			// Made with an old key: move the session to the current key and a
			// new session key, as Django 4.1+ does.
			if err := s.CycleKey(ctx); err != nil {
				return "", nil, fmt.Errorf("auth: renewing the session auth hash: %w", err)
			}
			s.Set(SessionKeyHash, SessionAuthHash(a.cfg.SecretKey, pw))
			return id, user, nil
		}
	}
	// The password changed since this session logged in (or the hash is
	// missing or forged): end the session.
	if err := s.Flush(ctx); err != nil {
		return "", nil, fmt.Errorf("auth: flushing a session with a stale auth hash: %w", err)
	}
	return "", nil, nil
}

// idString turns the stored user id into a string: Django stores a string,
// but accept a JSON number written by other code.
func idString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10), true
		}
	case json.Number:
		return v.String(), true
	}
	return "", false
}

// loginCookieHash is the password hash the login cookie carries: the hex
// HMAC-SHA256 of the user's password field under a key derived for the
// login cookie alone (as Django's session auth hash, with its own salt), so
// that a password change ends every login cookie made before it.
func loginCookieHash(secret []byte, passwordHash string) string {
	return hex.EncodeToString(signing.SaltedHMAC(loginCookieHashSalt, []byte(passwordHash), secret, "sha256"))
}

// cookieLogin checks the login cookie of r. It returns the user id, and the
// user when Config.LookupUser is set; "" for a request without a valid
// cookie, for a user that no longer exists or whose password changed since
// the cookie was made. Only LookupUser's own failures are errors.
func (a *Authenticator) cookieLogin(r *http.Request) (id string, user User, err error) {
	if a.signer == nil {
		return "", nil, nil
	}
	v, err := a.signer.Get(r, a.cfg.LoginCookie)
	if err != nil {
		return "", nil, nil
	}
	hash, id, ok := strings.Cut(v, ":")
	if !ok || id == "" {
		return "", nil, nil
	}
	if a.cfg.LookupUser == nil {
		return id, nil, nil
	}
	user, err = a.cfg.LookupUser(r.Context(), id)
	if errors.Is(err, ErrUserNotFound) || (err == nil && user == nil) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("auth: looking up user %q: %w", id, err)
	}
	pw := user.PasswordHash()
	for _, k := range append([][]byte{a.cfg.SecretKey}, a.cfg.FallbackKeys...) {
		if len(k) > 0 && hmac.Equal([]byte(hash), []byte(loginCookieHash(k, pw))) {
			return id, user, nil
		}
	}
	return "", nil, nil // made before a password change
}
