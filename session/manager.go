package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Manager holds a validated Config and a Store and provides the middleware.
// It is safe for concurrent use; make one per application with New.
type Manager struct {
	store  Store
	vstore ValueStore // store, when it keeps decoded values
	codec  Codec
	cfg    Config
	now    func() time.Time
	logger *slog.Logger
	onErr  func(http.ResponseWriter, *http.Request, error)
	newKey func() string

	// Pieces of the Set-Cookie header, in Python's attribute order:
	// name=value; Domain; expires; HttpOnly; Max-Age; Partitioned; Path;
	// SameSite; Secure.
	cookiePrefix string // "sessionid="
	domainAttr   string // "; Domain=example.com" or ""
	httpOnly     bool
	tailAttrs    string // "; Partitioned; Path=/; SameSite=Lax; Secure" (the parts present)
	deleteLine   string // the whole header that deletes the cookie
}

// New returns a Manager for store with cfg, after filling cfg's defaults and
// checking it. The error matches ErrConfig when cfg is invalid (an empty
// SecretKey, a bad cookie name, SameSite None without Secure, a __Host-
// name with a Domain…). New logs a warning through cfg.Logger when the
// SecretKey is shorter than MinSecretKeyLength.
func New(store Store, cfg Config) (*Manager, error) {
	if store == nil {
		return nil, configError("the Store is nil")
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(c.SecretKey) < MinSecretKeyLength {
		c.Logger.Warn("session: SecretKey is short; use at least 32 random bytes",
			"length", len(c.SecretKey), "minimum", MinSecretKeyLength)
	}
	m := &Manager{
		store:  store,
		cfg:    c,
		now:    c.Now,
		logger: c.Logger,
		onErr:  c.ErrorHandler,
		newKey: NewKey,
		codec:  c.Codec,
	}
	if vs, ok := store.(ValueStore); ok {
		m.vstore = vs
	}
	if m.codec == nil {
		m.codec = NewDjangoCodec(c.SecretKey, c.FallbackKeys, c.Now)
	}
	if m.onErr == nil {
		m.onErr = DefaultErrorHandler(c.Logger)
	}
	m.buildCookieParts()
	return m, nil
}

// Config returns the Manager's configuration, with every default filled in.
func (m *Manager) Config() Config { return m.cfg }

// Store returns the Manager's Store.
func (m *Manager) Store() Store { return m.store }

func sameSiteName(s http.SameSite) string {
	switch s {
	case http.SameSiteLaxMode:
		return "Lax"
	case http.SameSiteStrictMode:
		return "Strict"
	case http.SameSiteNoneMode:
		return "None"
	}
	return ""
}

func (m *Manager) buildCookieParts() {
	c := &m.cfg
	m.cookiePrefix = c.CookieName + "="
	if c.CookieDomain != "" {
		m.domainAttr = "; Domain=" + c.CookieDomain
	}
	m.httpOnly = !c.CookieHTTPOnlyOff
	var tail, delTail strings.Builder
	if c.CookiePartitioned {
		tail.WriteString("; Partitioned")
		delTail.WriteString("; Partitioned")
	}
	tail.WriteString("; Path=" + c.CookiePath)
	delTail.WriteString("; Path=" + c.CookiePath)
	if ss := sameSiteName(c.CookieSameSite); ss != "" {
		tail.WriteString("; SameSite=" + ss)
		delTail.WriteString("; SameSite=" + ss)
	}
	if c.CookieSecure {
		tail.WriteString("; Secure")
	}
	// Django's delete_cookie adds Secure for a __Secure- or __Host- name and
	// for SameSite=None; this package also adds it when CookieSecure is set
	// (it is then needed to replace the cookie over HTTPS-only rules).
	lower := strings.ToLower(c.CookieName)
	if c.CookieSecure || strings.HasPrefix(lower, "__secure-") || strings.HasPrefix(lower, "__host-") || c.CookieSameSite == http.SameSiteNoneMode {
		delTail.WriteString("; Secure")
	}
	m.tailAttrs = tail.String()
	m.deleteLine = c.CookieName + `=""` + m.domainAttr + "; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0" + delTail.String()
}

// cookieLine returns the Set-Cookie value that gives key to the browser
// with the lifetime e, as Django's SessionMiddleware writes it.
func (m *Manager) cookieLine(key string, e expiry, now time.Time) string {
	var b strings.Builder
	b.Grow(len(m.cookiePrefix) + len(key) + len(m.domainAttr) + len(m.tailAttrs) + 80)
	b.WriteString(m.cookiePrefix)
	b.WriteString(key)
	b.WriteString(m.domainAttr)
	var maxAge int64
	if !e.browserClose {
		maxAge = e.age
		if limit := int64(maxCookieLifetime / time.Second); maxAge > limit {
			maxAge = limit
		}
		var date [40]byte
		b.WriteString("; expires=")
		b.Write(time.Unix(now.Unix()+maxAge, 0).UTC().AppendFormat(date[:0], http.TimeFormat))
	}
	if m.httpOnly {
		b.WriteString("; HttpOnly")
	}
	if !e.browserClose {
		var num [20]byte
		b.WriteString("; Max-Age=")
		b.Write(strconv.AppendInt(num[:0], maxAge, 10))
	}
	b.WriteString(m.tailAttrs)
	return b.String()
}

// load reads the record under key: decoded values, the record's expiry,
// whether the values are a store's shared snapshot, and whether the record
// was found. Data that cannot be decoded is found, with an error matching
// ErrCorrupt.
func (m *Manager) load(ctx context.Context, key string) (map[string]any, time.Time, bool, bool, error) {
	if m.vstore != nil {
		vals, exp, found, err := m.vstore.LoadValues(ctx, key)
		if err != nil {
			if errors.Is(err, ErrCorrupt) {
				return nil, exp, false, true, err
			}
			return nil, exp, false, false, err
		}
		return vals, exp, true, found, nil
	}
	data, exp, found, err := m.store.Load(ctx, key)
	if err != nil || !found {
		return nil, exp, false, found, err
	}
	vals, err := m.codec.Decode(data)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return nil, exp, false, true, err
	}
	return vals, exp, false, true, nil
}

func (m *Manager) corrupt(ctx context.Context, err error) {
	m.logger.WarnContext(ctx, "session: session data corrupted", "err", err)
}

// DefaultErrorHandler returns the ErrorHandler used when Config.ErrorHandler
// is nil: for an error matching ErrSessionInterrupted it answers 400 Bad
// Request with Django's message; for anything else it logs the error
// through logger (slog.Default() when nil) and answers 500 Internal Server
// Error, without details in the body.
func DefaultErrorHandler(logger *slog.Logger) func(w http.ResponseWriter, r *http.Request, err error) {
	if logger == nil {
		logger = slog.Default()
	}
	return func(w http.ResponseWriter, r *http.Request, err error) {
		if errors.Is(err, ErrSessionInterrupted) {
			logger.WarnContext(r.Context(), "session: session interrupted", "err", err, "method", r.Method, "path", r.URL.Path)
			http.Error(w, "The request's session was deleted before the request completed. "+
				"The user may have logged out in a concurrent request, for example.", http.StatusBadRequest)
			return
		}
		logger.ErrorContext(r.Context(), "session: store error", "err", err, "method", r.Method, "path", r.URL.Path)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}

