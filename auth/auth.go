// Package auth is the login part of Django's django.contrib.auth for
// net/http, on top of the session package: the login_required middleware,
// login and logout that write the same session keys as Django (so a Go
// service and a Django site sharing the session store and SECRET_KEY see
// the same login), the session auth hash that ends other sessions when a
// password changes, and safe ?next= redirects (IsSafeRedirect, SafeNext).
//
// A typical setup, with sessions a session.Manager, lookupUser the
// application's func(ctx, id) (auth.User, error) and accountPage an
// http.Handler:
//
//	a, err := auth.New(auth.Config{SecretKey: key, LoginURL: "/login/", LookupUser: lookupUser})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux.Handle("/account/", a.LoginRequired(accountPage))
//	log.Fatal(http.ListenAndServe(":8000", sessions.Middleware(a.Middleware(mux))))
//
// In the login view, after checking the password (package auth/hashers
// checks Django's password hashes):
//
//	if err := a.Login(w, r, user); err != nil {
//		http.Error(w, "the session could not be saved", http.StatusInternalServerError)
//		return
//	}
//	a.RedirectAfterLogin(w, r, "/") // to ?next= when it is safe, else to "/"
//
// In the password change view, after storing the new password, so that
// this session carries on and the user's other sessions end (Django's
// update_session_auth_hash):
//
//	if err := a.UpdateSessionAuthHash(w, r, user); err != nil {
//		http.Error(w, "the session could not be saved", http.StatusInternalServerError)
//		return
//	}
//
// A login cookie form is also there (CookieLoginRequired, a common
// "login_auth" decorator of Django tutorials, done safely): a signed
// cookie, so that a cookie typed into the browser by hand logs nobody in.
package auth

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// Session keys, as django.contrib.auth names them.
const (
	// SessionKeyUserID holds the logged-in user's primary key, as a string
	// (Django's SESSION_KEY).
	SessionKeyUserID = "_auth_user_id"
	// SessionKeyBackend holds the dotted path of the authentication
	// backend that logged the user in (Django's BACKEND_SESSION_KEY).
	SessionKeyBackend = "_auth_user_backend"
	// SessionKeyHash holds the session auth hash (Django's HASH_SESSION_KEY).
	SessionKeyHash = "_auth_user_hash"
)

// Defaults of Config.
const (
	// DefaultBackend is Django's ModelBackend, the backend a Django site
	// expects in SessionKeyBackend.
	DefaultBackend = "django.contrib.auth.backends.ModelBackend"
	// DefaultLoginURL is Django's LOGIN_URL.
	DefaultLoginURL = "/accounts/login/"
	// DefaultRedirectField is Django's REDIRECT_FIELD_NAME.
	DefaultRedirectField = "next"
	// DefaultLoginCookieSalt is the signing salt of the login cookie.
	DefaultLoginCookieSalt = "djsession.auth.login"
	// DefaultLoginCookieMaxAge is the login cookie's lifetime: two weeks,
	// Django's SESSION_COOKIE_AGE.
	DefaultLoginCookieMaxAge = 14 * 24 * time.Hour
)

// sessionAuthHashSalt is the key salt of Django's get_session_auth_hash.
const sessionAuthHashSalt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

// Purposes of the keys derived for the login cookie: one for its signature
// (signing.PurposeKey), one for the password hash it carries (a salted HMAC
// key salt). Neither is used for anything else.
const (
	loginCookieKeyPurpose = "djsession.auth login cookie"
	loginCookieHashSalt   = "djsession.auth login cookie password hash"
)

// Errors returned by New, Login and the user lookups.
var (
	// ErrConfig is matched by every error New returns for a bad Config.
	ErrConfig = errors.New("auth: invalid config")
	// ErrNoSession is returned by Login and Logout for a request that did
	// not go through session.Manager.Middleware, when no login cookie is
	// configured either.
	ErrNoSession = errors.New("auth: the request has no session (wrap the handler with the session middleware)")
	// ErrUserNotFound is what Config.LookupUser returns for an id that
	// names no user; the request is then anonymous.
	ErrUserNotFound = errors.New("auth: user not found")
	// ErrBadUser is returned by Login for a nil user or one whose ID is empty.
	ErrBadUser = errors.New("auth: the user has no id")
)

// User is what Login needs to know about a user.
type User interface {
	// ID returns the user's primary key as a string, as Django stores it
	// in the session. It must not be empty.
	ID() string
	// Backend returns the dotted path of the authentication backend, as
	// Django stores it; "" means DefaultBackend.
	Backend() string
	// PasswordHash returns the user's stored password (Django's password
	// field, e.g. "pbkdf2_sha256$..."); the session auth hash is derived
	// from it, so changing it ends the user's other sessions.
	PasswordHash() string
}

// Config configures an Authenticator. Only SecretKey is required.
type Config struct {
	// SecretKey is Django's SECRET_KEY, used for the session auth hash and,
	// through keys derived for that purpose alone, the login cookie. It must
	// not be empty.
	SecretKey []byte

	// FallbackKeys are Django's SECRET_KEY_FALLBACKS: a session auth hash
	// or a login cookie made with one of them is still accepted (the
	// session's hash is then rewritten with SecretKey, as Django 4.1+ does).
	FallbackKeys [][]byte

	// LoginURL is where LoginRequired sends anonymous users (Django's
	// LOGIN_URL). Empty means DefaultLoginURL. It may carry a query, or be
	// absolute (then the next value is the request's absolute URL when the
	// scheme or host differ, as Django's login_required does).
	LoginURL string

	// RedirectField is the query parameter that carries the page to return
	// to. Empty means "next".
	RedirectField string

	// AllowedHosts are hosts, besides the request's own, that a next URL may
	// point to (Django's LoginView.success_url_allowed_hosts). Each must
	// match the URL's host exactly, port included.
	AllowedHosts []string

	// LookupUser finds a user by the id stored in the session. With it,
	// every request checks the session's auth hash against the user's
	// current password hash, as Django's get_user does: a session made
	// before a password change is flushed and the request is anonymous. It
	// returns ErrUserNotFound (possibly wrapped) when there is no such user;
	// the request is then anonymous. Any other error is a server error.
	// Without LookupUser the id in the session is trusted as it is.
	LookupUser func(ctx context.Context, id string) (User, error)

	// Backends lists the authentication backends whose logins are accepted
	// (Django's AUTHENTICATION_BACKENDS): a session naming another backend
	// is anonymous. Empty means any backend.
	Backends []string

	// LoginCookie is the name of the signed login cookie of the cookie form
	// (CookieLoginRequired). Empty means no login cookie: Login and Logout
	// then use only the session. The cookie is for Go alone: Django cannot
	// read it, and no signed cookie Django or cookie.SetSigned makes with
	// the same secret passes for it.
	LoginCookie string

	// LoginCookieSalt salts the login cookie's signature (besides its own
	// key and the cookie name). Empty means DefaultLoginCookieSalt.
	LoginCookieSalt string

	// LoginCookieMaxAge is how long a login cookie is valid, both as its
	// Max-Age and as the limit on its signature's age. Zero means
	// DefaultLoginCookieMaxAge. A signed cookie cannot be revoked: a copy
	// taken before Logout stays valid until then. Prefer the session form.
	LoginCookieMaxAge time.Duration

	// LoginCookieSecure adds Secure to the login cookie. Set it in production.
	LoginCookieSecure bool

	// Logger receives the errors that UserID and CurrentUser cannot return.
	// Nil means slog.Default().
	Logger *slog.Logger

	// ErrorHandler writes the response when LoginRequired cannot tell who the
	// user is (the store or LookupUser failed). Nil means a 500 with the
	// cause logged.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// Authenticator provides the login middleware and the login and logout
// calls for one Config. It is safe for concurrent use.
type Authenticator struct {
	cfg      Config
	loginURL *url.URL
	signer   *cookie.Signer
	logger   *slog.Logger
	onErr    func(http.ResponseWriter, *http.Request, error)
}

// New checks cfg, fills its defaults and returns an Authenticator. The
// error matches ErrConfig for an empty SecretKey or a LoginURL that does
// not parse.
func New(cfg Config) (*Authenticator, error) {
	if len(cfg.SecretKey) == 0 {
		return nil, fmt.Errorf("%w: SecretKey is empty", ErrConfig)
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = DefaultLoginURL
	}
	u, err := url.Parse(cfg.LoginURL)
	if err != nil {
		return nil, fmt.Errorf("%w: LoginURL: %w", ErrConfig, err)
	}
	if cfg.RedirectField == "" {
		cfg.RedirectField = DefaultRedirectField
	}
	if cfg.LoginCookieSalt == "" {
		cfg.LoginCookieSalt = DefaultLoginCookieSalt
	}
	if cfg.LoginCookieMaxAge == 0 {
		cfg.LoginCookieMaxAge = DefaultLoginCookieMaxAge
	}
	if cfg.LoginCookieMaxAge < 0 {
		return nil, fmt.Errorf("%w: LoginCookieMaxAge is negative", ErrConfig)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a := &Authenticator{cfg: cfg, loginURL: u, logger: cfg.Logger, onErr: cfg.ErrorHandler}
	if a.onErr == nil {
		a.onErr = a.defaultError
	}
	if cfg.LoginCookie != "" {
		// The login cookie's key is derived for it alone, and its name is
		// bound unambiguously (GoOnly): no signed-cookie call of this
		// library or of Django given the site's secret can make one.
		a.signer = &cookie.Signer{
			Secret:    signing.PurposeKey(cfg.SecretKey, loginCookieKeyPurpose),
			Fallbacks: signing.PurposeKeys(cfg.FallbackKeys, loginCookieKeyPurpose),
			Salt:      cfg.LoginCookieSalt,
			MaxAge:    cfg.LoginCookieMaxAge,
			GoOnly:    true,
		}
		// Check the name once, now, rather than on every login.
		if _, err := cookie.Format(cfg.LoginCookie, "x", cookie.Options{}); err != nil {
			return nil, fmt.Errorf("%w: LoginCookie: %w", ErrConfig, err)
		}
	}
	return a, nil
}

// Config returns the configuration with its defaults filled in.
func (a *Authenticator) Config() Config { return a.cfg }

func (a *Authenticator) defaultError(w http.ResponseWriter, r *http.Request, err error) {
	a.logger.ErrorContext(r.Context(), "auth: cannot tell who the user is", "error", err, "path", r.URL.Path)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

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

// state is the per-request record of who the user is, resolved lazily.
type state struct {
	a    *Authenticator
	r    *http.Request
	mu   sync.Mutex
	done bool
	id   string
	user User
	err  error
}

type ctxKey struct{}

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
// LoginRequired: for any other request UserID returns "". With
// Config.LookupUser, the session's auth hash is checked first (a stale
// session is flushed and the request is anonymous). An error of the store
// or of LookupUser makes the request anonymous and is logged; LoginRequired
// turns such errors into a 500 instead.
func UserID(r *http.Request) string {
	st := stateOf(r)
	if st == nil {
		return ""
	}
	id, _, err := st.get()
	if err != nil {
		st.a.logger.ErrorContext(r.Context(), "auth: cannot tell who the user is", "error", err)
		return ""
	}
	return id
}

// CurrentUser returns the user logged in on r, found through
// Config.LookupUser, or nil for an anonymous request, for a request that
// did not go through Authenticator.Middleware or LoginRequired, and when no
// LookupUser is configured. Errors are handled as UserID handles them.
func CurrentUser(r *http.Request) User {
	st := stateOf(r)
	if st == nil {
		return nil
	}
	_, u, err := st.get()
	if err != nil {
		st.a.logger.ErrorContext(r.Context(), "auth: cannot tell who the user is", "error", err)
		return nil
	}
	return u
}

// IsAuthenticated reports whether a user is logged in on r (UserID(r) != "").
func IsAuthenticated(r *http.Request) bool { return UserID(r) != "" }

// LoginRequired returns next wrapped with Django's login_required, in its
// session form: a request whose session holds a logged-in user (checked as
// UserID checks it) reaches next; any other gets the response of
// RedirectToLogin (a 302 to the login URL with ?next=, or a 401 for a
// request that wants JSON). A store or LookupUser error gives
// Config.ErrorHandler's response (default 500).
func (a *Authenticator) LoginRequired(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, st := a.withState(r)
		id, _, err := st.get()
		if err != nil {
			a.onErr(w, r, err)
			return
		}
		if id == "" {
			a.RedirectToLogin(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CookieLoginRequired returns next wrapped with a login_auth decorator of
// the cookie form, done safely: a request carrying a valid signed
// login cookie (Config.LoginCookie, younger than LoginCookieMaxAge) reaches
// next; any other gets RedirectToLogin's response. A cookie typed by hand
// (is_login=1) or altered in any byte is not valid.
//
// The cookie is signed with a key derived from SecretKey for the login
// cookie alone (signing.PurposeKey), with the cookie name bound into the
// signature, so no other signed cookie of this library or of a Django site
// with the same secret can pass for it. It carries the user id and a hash of
// the user's password field: with Config.LookupUser, the user is looked up
// on every request, and a cookie whose user is gone or whose password
// changed since the login is refused. Without LookupUser the id in a validly
// signed cookie is trusted as it is.
//
// Inside it, UserID returns the cookie's user id and CurrentUser the user
// LookupUser found (both set together, replacing whatever an earlier
// resolution of the request found). Every response says Vary: Cookie, the
// redirect to the login page included. New must have been given a
// LoginCookie; otherwise every request is redirected. A LookupUser error
// gives Config.ErrorHandler's response.
func (a *Authenticator) CookieLoginRequired(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Cookie")
		id, user, err := a.cookieLogin(r)
		if err != nil {
			a.onErr(w, r, err)
			return
		}
		if id == "" {
			a.RedirectToLogin(w, r)
			return
		}
		r, st := a.withState(r)
		st.set(id, user)
		next.ServeHTTP(w, r)
	})
}

// RedirectToLogin sends an anonymous user to the login page, as Django's
// redirect_to_login: a 302 to Config.LoginURL with the redirect field set
// to this request's full path and query (Django's get_full_path, escaped as
// Django escapes it), or to its absolute URL when LoginURL names another
// scheme or host. A request that wants JSON (WantsJSON) gets a 401 with a
// small JSON body naming the login URL instead, since a script cannot
// follow a login form. Both responses say Vary: Accept, X-Requested-With.
func (a *Authenticator) RedirectToLogin(w http.ResponseWriter, r *http.Request) {
	loc := a.LoginRedirectURL(r)
	h := w.Header()
	h.Add("Vary", "Accept")
	h.Add("Vary", "X-Requested-With")
	if WantsJSON(r) {
		h.Set("Content-Type", "application/json")
		h.Set("WWW-Authenticate", `Cookie form-action="`+strings.ReplaceAll(a.loginURL.String(), `"`, "%22")+`"`)
		w.WriteHeader(http.StatusUnauthorized)
		body, _ := json.Marshal(map[string]string{"error": "authentication required", "login_url": loc})
		w.Write(append(body, '\n'))
		return
	}
	h.Set("Location", loc)
	w.WriteHeader(http.StatusFound)
}

// LoginRedirectURL returns the URL RedirectToLogin sends r to: Django's
// redirect_to_login(next, login_url), with next the request's full path
// (FullPath) when LoginURL is relative or on the request's scheme and host,
// and the request's absolute URL otherwise.
func (a *Authenticator) LoginRedirectURL(r *http.Request) string {
	next := FullPath(r)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	lu := a.loginURL
	if (lu.Scheme != "" && !strings.EqualFold(lu.Scheme, scheme)) || (lu.Host != "" && lu.Host != r.Host) {
		next = scheme + "://" + r.Host + next
	}
	u := *lu
	u.RawQuery = setQueryParam(lu.RawQuery, a.cfg.RedirectField, next)
	u.ForceQuery = false
	return u.String()
}

// FullPath returns the request's path and query as Django's
// request.get_full_path does: the path percent-encoded except for
// A-Z a-z 0-9 and /:@&+$,-_.!~*'(), then "?" and the raw query (with any
// byte outside Django's iri_to_uri safe set percent-encoded) when the
// query is not empty.
func FullPath(r *http.Request) string {
	var b strings.Builder
	p := r.URL.Path
	if p == "" {
		p = "/"
	}
	const hexd = "0123456789ABCDEF"
	for i := 0; i < len(p); i++ {
		c := p[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || strings.IndexByte("/:@&+$,-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	if r.URL.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(iriToURI(r.URL.RawQuery))
	}
	return b.String()
}

// setQueryParam is Django's QueryDict(query, mutable=True)[name] = value
// followed by urlencode(safe='/'): the pairs of query keep their order,
// name's earlier values are replaced by value in name's place, and every
// key and value is percent-encoded except A-Z a-z 0-9 _.-~ and /.
func setQueryParam(query, name, value string) string {
	type pair struct{ k, v string }
	var pairs []pair
	replaced := false
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, errK := url.QueryUnescape(k)
		v, errV := url.QueryUnescape(v)
		if errK != nil || errV != nil {
			continue
		}
		if k == name {
			if replaced {
				continue
			}
			replaced = true
			v = value
		}
		pairs = append(pairs, pair{k, v})
	}
	if !replaced {
		pairs = append(pairs, pair{name, value})
	}
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(quoteSlash(p.k))
		b.WriteByte('=')
		b.WriteString(quoteSlash(p.v))
	}
	return b.String()
}

// quoteSlash is Python's urllib.parse.quote(s, safe='/').
func quoteSlash(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || strings.IndexByte("_.-~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

// RedirectAfterLogin sends the browser on after a successful login or
// logout: a 302 to the request's redirect field (from the form or the
// query) when SafeNext accepts it with Config.AllowedHosts, and to fallback
// otherwise. A next that points at the login page itself falls back too,
// so that a login cannot loop.
func (a *Authenticator) RedirectAfterLogin(w http.ResponseWriter, r *http.Request, fallback string) {
	w.Header().Set("Location", a.NextURL(r, fallback))
	w.WriteHeader(http.StatusFound)
}

// NextURL returns where RedirectAfterLogin would send r: the redirect
// field's value (r.FormValue) made safe by SafeNext with
// Config.AllowedHosts, or fallback when it is unsafe, empty, or the login
// page itself.
func (a *Authenticator) NextURL(r *http.Request, fallback string) string {
	next := SafeNext(r, r.FormValue(a.cfg.RedirectField), "", a.cfg.AllowedHosts...)
	if next == "" || a.isLoginPage(r, next) {
		return fallback
	}
	return next
}

// isLoginPage reports whether next (already safe) is the login page.
func (a *Authenticator) isLoginPage(r *http.Request, next string) bool {
	u, err := url.Parse(next)
	if err != nil {
		return true
	}
	if u.Host != "" && u.Host != r.Host && u.Host != a.loginURL.Host {
		return false
	}
	path := u.Path
	if path == "" && u.Host == "" {
		path = r.URL.Path // a query or fragment only: the current page
	} else if !strings.HasPrefix(path, "/") && u.Host == "" {
		path = r.URL.Path[:strings.LastIndexByte(r.URL.Path, '/')+1] + path
	}
	return strings.TrimSuffix(path, "/") == strings.TrimSuffix(a.loginURL.Path, "/")
}

// WantsJSON reports whether r asks for JSON rather than a page: it has
// X-Requested-With: XMLHttpRequest, or its Accept header prefers
// application/json to text/html (a higher q-value, or the same q-value
// through a more specific media range; "*/*" alone prefers neither, and
// then the answer is false).
func WantsJSON(r *http.Request) bool {
	if r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
		return true
	}
	accept := strings.Join(r.Header.Values("Accept"), ",")
	if accept == "" {
		return false
	}
	jq, js := acceptQuality(accept, "application", "json")
	hq, hs := acceptQuality(accept, "text", "html")
	if jq <= 0 {
		return false
	}
	return jq > hq || (jq == hq && js > hs)
}

// acceptQuality returns the q-value that accept gives to type/subtype and
// the specificity of the range that gave it (3 exact, 2 type/*, 1 */*, 0
// none), following RFC 9110's rule that the most specific range wins.
func acceptQuality(accept, typ, sub string) (q float64, spec int) {
	for _, item := range strings.Split(accept, ",") {
		media, params, _ := strings.Cut(item, ";")
		media = strings.ToLower(strings.TrimSpace(media))
		t, s, ok := strings.Cut(media, "/")
		if !ok {
			continue
		}
		var sp int
		switch {
		case t == typ && s == sub:
			sp = 3
		case t == typ && s == "*":
			sp = 2
		case t == "*" && s == "*":
			sp = 1
		default:
			continue
		}
		if sp < spec {
			continue
		}
		qv := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				qv = f
			}
		}
		if sp > spec || qv > q {
			q, spec = qv, sp
		}
	}
	return q, spec
}
