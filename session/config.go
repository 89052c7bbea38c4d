package session

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/djsession/djsession/cookie"
)

// Defaults of Config, Django's global settings.
const (
	// DefaultCookieName is SESSION_COOKIE_NAME's default.
	DefaultCookieName = "sessionid"
	// DefaultCookieAge is SESSION_COOKIE_AGE's default: two weeks.
	DefaultCookieAge = 1209600 * time.Second
	// DefaultCookiePath is SESSION_COOKIE_PATH's default.
	DefaultCookiePath = "/"
)

// maxCookieLifetime is the longest lifetime a browser keeps a cookie for
// (RFC 6265bis: 400 days). Longer Max-Age values are written clamped to it.
const maxCookieLifetime = 400 * 24 * time.Hour

// MinSecretKeyLength is the length under which New logs a warning about
// Config.SecretKey (Django's check security.W009 asks for 50 characters;
// 32 bytes are 256 bits).
const MinSecretKeyLength = 32

// Config is the session configuration, with Django's setting names. The
// zero value of every field except SecretKey is Django's default, so
//
//	session.New(store, session.Config{SecretKey: key})
//
// behaves as a Django project with only SECRET_KEY set.
type Config struct {
	// SecretKey is Django's SECRET_KEY: it signs the session data at rest.
	// It is required; New returns an error when it is empty and logs a
	// warning when it is shorter than MinSecretKeyLength bytes. Share it with
	// a Django site to read each other's sessions.
	SecretKey []byte

	// FallbackKeys is Django's SECRET_KEY_FALLBACKS: older keys that are
	// still accepted when reading session data (never used to write), in
	// order. Use them to rotate SecretKey without logging everybody out.
	FallbackKeys [][]byte

	// CookieName is SESSION_COOKIE_NAME. Empty means "sessionid". It must be
	// a valid cookie name (RFC 6265 token, not an attribute name). Names
	// starting with "__Host-" require CookieSecure, CookiePath "/" and no
	// CookieDomain; names starting with "__Secure-" require CookieSecure (the
	// prefixes are checked without regard to case, as browsers do).
	CookieName string

	// CookieAge is SESSION_COOKIE_AGE: how long a session lives after its
	// last save, unless Session.SetExpiry says otherwise. Zero means two
	// weeks. It is used in whole seconds (fractions are dropped); it must
	// not be negative. The cookie's Max-Age is never written above 400 days,
	// the longest lifetime browsers honour; the store keeps the full age.
	CookieAge time.Duration

	// CookieDomain is SESSION_COOKIE_DOMAIN. Empty means no Domain attribute
	// (a host-only cookie, the safe choice).
	CookieDomain string

	// CookiePath is SESSION_COOKIE_PATH. Empty means "/".
	CookiePath string

	// CookieSecure is SESSION_COOKIE_SECURE: the cookie is only sent over
	// HTTPS. Set it in production. It is false by default, as in Django.
	CookieSecure bool

	// DisableHTTPOnly turns the HttpOnly attribute off
	// (SESSION_COOKIE_HTTPONLY = False), letting JavaScript read the session
	// key. HttpOnly is on by default, as in Django; there is rarely a reason
	// to turn it off.
	DisableHTTPOnly bool

	// CookieSameSite is SESSION_COOKIE_SAMESITE. The zero value means
	// http.SameSiteLaxMode (Django's default). http.SameSiteStrictMode and
	// http.SameSiteNoneMode (which requires CookieSecure) are the other
	// choices; http.SameSiteDefaultMode writes no SameSite attribute at all
	// (Django's SESSION_COOKIE_SAMESITE = None).
	CookieSameSite http.SameSite

	// CookiePartitioned adds the Partitioned attribute (CHIPS), for a
	// session used inside a third-party iframe. It requires CookieSecure.
	// Django has no such setting.
	CookiePartitioned bool

	// ExpireAtBrowserClose is SESSION_EXPIRE_AT_BROWSER_CLOSE: the session
	// cookie has no Max-Age or expires, so the browser drops it when it
	// closes. The stored record still expires after CookieAge.
	// Session.SetExpiry overrides it per session.
	ExpireAtBrowserClose bool

	// SaveEveryRequest is SESSION_SAVE_EVERY_REQUEST: the session is saved,
	// and its cookie re-sent, on every request that has a session, modified
	// or not (sliding expiry). By default a session is saved only when it
	// was modified.
	SaveEveryRequest bool

	// Codec turns session data into the bytes kept by a Store. Nil means
	// Django's format, signed with SecretKey (see DjangoCodec). It is not
	// used with a Store that implements ValueStore (an in-process store
	// that keeps decoded values).
	Codec Codec

	// DecodedCacheEntries is how many sessions of a byte store (one that is
	// not a ValueStore) the Manager keeps decoded, under the exact bytes of
	// their record, so that a request whose record has not changed since it
	// was last read or saved skips the signature check and the decoding.
	// Only with a PureCodec (DjangoCodec, JSONCodec, the pickle codec). The
	// reads that decode and the saves of existing sessions fill it, never
	// the creation of a session. It holds at most 8 KiB of record and JSON
	// per entry (8 MiB by default), evicts at random when full, and keeps
	// no session of over 16 KiB of JSON. Zero means
	// DefaultDecodedCacheEntries; a negative value turns it off.
	DecodedCacheEntries int

	// Logger receives warnings (corrupted session data, a short SecretKey)
	// and the errors of the default ErrorHandler. Nil means slog.Default().
	// Session keys and session data are never logged.
	Logger *slog.Logger

	// ErrorHandler writes the response when the middleware cannot load or
	// save a session: it is called before the first byte of the handler's
	// response goes out, and what it writes replaces that response. err
	// matches ErrSessionInterrupted when the session was deleted by a
	// concurrent request (Django's SessionInterrupted, a 400), and wraps the
	// store's error otherwise. An ErrorHandler that writes nothing lets the
	// handler's own response through, without the session cookie: that is
	// the "carry on anonymously" choice.
	//
	// Nil means DefaultErrorHandler with Logger: 400 for an interrupted
	// session, 500 with the cause logged for everything else.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// MaxSize is the largest session that is saved, measured as the length
	// of its JSON before any compression (what the reading side must decode,
	// so that whatever is written can be read back). A save over it fails
	// with a *SizeError naming the largest values, and writes nothing. Zero
	// means DefaultMaxSize (512 KiB); it must not exceed MaxSizeLimit (1
	// MiB). A store that declares a smaller limit (SizeLimiter) lowers it.
	MaxSize int

	// SaveTimeout bounds the middleware's own save, which runs with the
	// request's context detached from its cancellation (a client that hangs
	// up does not lose the save) and so needs a limit of its own: a store
	// that does not answer within SaveTimeout fails the save, and the
	// ErrorHandler answers. Zero means DefaultSaveTimeout; a negative value
	// means no limit. Explicit calls (Session.Save, CycleKey...) use the
	// context they are given.
	SaveTimeout time.Duration

	// Now is the clock, for tests. Nil means time.Now.
	Now func() time.Time
}

// DefaultSaveTimeout is Config.SaveTimeout's default.
const DefaultSaveTimeout = 5 * time.Second

// ErrConfig is matched (errors.Is) by every error New returns for an
// invalid Config.
var ErrConfig = errors.New("session: invalid config")

func configError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
}

// withDefaults returns a copy of c with every zero field replaced by its
// default, checked for consistency.
func (c Config) withDefaults() (Config, error) {
	if len(c.SecretKey) == 0 {
		return c, configError("SecretKey is empty: set it to a long random secret (Django's SECRET_KEY)")
	}
	for i, k := range c.FallbackKeys {
		if len(k) == 0 {
			return c, configError("FallbackKeys[%d] is empty", i)
		}
	}
	// The Manager keeps keys of its own: the caller's slices may change.
	c.SecretKey = bytes.Clone(c.SecretKey)
	if c.FallbackKeys != nil {
		fb := make([][]byte, len(c.FallbackKeys))
		for i, k := range c.FallbackKeys {
			fb[i] = bytes.Clone(k)
		}
		c.FallbackKeys = fb
	}
	if err := c.cookieDefaults(); err != nil {
		return c, err
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.SaveTimeout == 0 {
		c.SaveTimeout = DefaultSaveTimeout
	}
	switch {
	case c.MaxSize == 0:
		c.MaxSize = DefaultMaxSize
	case c.MaxSize < 0:
		return c, configError("MaxSize %d is negative", c.MaxSize)
	case c.MaxSize > MaxSizeLimit:
		return c, configError("MaxSize %d is over MaxSizeLimit (%d), the most the reading side decodes", c.MaxSize, MaxSizeLimit)
	}
	return c, nil
}

// cookieDefaults fills in and checks the cookie settings.
func (c *Config) cookieDefaults() error {
	if c.CookieName == "" {
		c.CookieName = DefaultCookieName
	}
	if err := cookie.ValidName(c.CookieName); err != nil {
		if errors.Is(err, cookie.ErrReservedName) {
			return configError("CookieName %q is a reserved cookie attribute name", c.CookieName)
		}
		return configError("CookieName %q has a byte that is not allowed in a cookie name (only letters, digits and !#$%%&'*+-.^_`|~)", c.CookieName)
	}
	if c.CookieAge < 0 {
		return configError("CookieAge %v is negative", c.CookieAge)
	}
	c.CookieAge = c.CookieAge.Truncate(time.Second)
	if c.CookieAge == 0 {
		c.CookieAge = DefaultCookieAge
	}
	if c.CookiePath == "" {
		c.CookiePath = DefaultCookiePath
	}
	for _, a := range []struct{ name, v string }{{"CookiePath", c.CookiePath}, {"CookieDomain", c.CookieDomain}} {
		if strings.ContainsAny(a.v, " \t") {
			// Browsers cut an attribute at white space; package cookie
			// only refuses control characters and ';'.
			return configError("%s %q: white space is not allowed", a.name, a.v)
		}
	}
	switch c.CookieSameSite {
	case 0:
		c.CookieSameSite = http.SameSiteLaxMode
	case http.SameSiteDefaultMode, http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if !c.CookieSecure {
			return configError("CookieSameSite None requires CookieSecure (browsers reject SameSite=None cookies without Secure)")
		}
	default:
		return configError("CookieSameSite %d is not one of the http.SameSite constants", c.CookieSameSite)
	}
	if c.CookiePartitioned && !c.CookieSecure {
		return configError("CookiePartitioned requires CookieSecure")
	}
	lower := strings.ToLower(c.CookieName)
	switch {
	case strings.HasPrefix(lower, "__host-"):
		if !c.CookieSecure {
			return configError("CookieName %q has the __Host- prefix: CookieSecure must be true", c.CookieName)
		}
		if c.CookiePath != "/" {
			return configError("CookieName %q has the __Host- prefix: CookiePath must be \"/\"", c.CookieName)
		}
		if c.CookieDomain != "" {
			return configError("CookieName %q has the __Host- prefix: CookieDomain must be empty", c.CookieName)
		}
	case strings.HasPrefix(lower, "__secure-"):
		if !c.CookieSecure {
			return configError("CookieName %q has the __Secure- prefix: CookieSecure must be true", c.CookieName)
		}
	}
	return nil
}

// cookieTemplate returns the session cookie's template: package cookie
// checks the name and the attributes as it checks every cookie it writes.
func (c *Config) cookieTemplate() (*cookie.Template, error) {
	t, err := cookie.NewTemplate(c.CookieName, cookie.Options{
		Path:        c.CookiePath,
		Domain:      c.CookieDomain,
		Secure:      c.CookieSecure,
		HttpOnly:    !c.DisableHTTPOnly,
		SameSite:    c.CookieSameSite,
		Partitioned: c.CookiePartitioned,
	})
	if err != nil {
		field := "the session cookie"
		switch {
		case errors.Is(err, cookie.ErrInvalidAttribute), errors.Is(err, cookie.ErrAttributeTooLong):
			field = "CookiePath or CookieDomain"
		}
		return nil, configError("%s: %v", field, err)
	}
	return t, nil
}
