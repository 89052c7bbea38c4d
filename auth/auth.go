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
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/djsession/djsession/cookie"
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
			SecretKey:    signing.PurposeKey(cfg.SecretKey, loginCookieKeyPurpose),
			FallbackKeys: signing.PurposeKeys(cfg.FallbackKeys, loginCookieKeyPurpose),
			Salt:         cfg.LoginCookieSalt,
			MaxAge:       cfg.LoginCookieMaxAge,
			GoOnly:       true,
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
