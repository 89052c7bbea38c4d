package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/internal/decoded"
)

// Manager holds a validated Config and a Store and provides the middleware.
// It is safe for concurrent use; make one per application with New.
type Manager struct {
	store   Store
	vstore  ValueStore      // store, when it keeps decoded values
	svstore SizedValueStore // vstore, when it takes the size the Manager measured
	dkstore DataKeyedStore  // store, when its keys are made from the data
	codec   Codec
	decoded *decoded.Cache[map[string]any] // byte stores' decoded sessions (nil: off)
	cfg     Config
	now     func() time.Time
	logger  *slog.Logger
	onErr   func(http.ResponseWriter, *http.Request, error)
	newKey  func() string

	cookie *cookie.Template // the session cookie's Set-Cookie lines

	maxSize     int    // the smaller of Config.MaxSize and the store's limit
	maxSizeWhat string // which of the two it is, for SizeError
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
		m.svstore, _ = store.(SizedValueStore)
	}
	if dk, ok := store.(DataKeyedStore); ok {
		m.dkstore = dk
	}
	m.maxSize, m.maxSizeWhat = c.MaxSize, "Config.MaxSize"
	if sl, ok := store.(SizeLimiter); ok {
		if n := sl.MaxSessionSize(); n > 0 && n < m.maxSize {
			m.maxSize, m.maxSizeWhat = n, fmt.Sprintf("the largest session %T keeps", store)
		}
	}
	if m.codec == nil {
		m.codec = NewDjangoCodec(c.SecretKey, c.FallbackKeys, c.Now)
	}
	m.decoded = newDecodedCache(c.DecodedCacheEntries, m.vstore, m.dkstore, m.codec)
	if m.onErr == nil {
		m.onErr = DefaultErrorHandler(c.Logger)
	}
	if m.cookie, err = c.cookieTemplate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Config returns a copy of the Manager's configuration, with every default
// filled in. Its SecretKey and FallbackKeys are copies too: changing them
// does not change the keys the Manager signs with.
func (m *Manager) Config() Config {
	c := m.cfg
	c.SecretKey = bytes.Clone(c.SecretKey)
	if c.FallbackKeys != nil {
		c.FallbackKeys = make([][]byte, len(m.cfg.FallbackKeys))
		for i, k := range m.cfg.FallbackKeys {
			c.FallbackKeys[i] = bytes.Clone(k)
		}
	}
	return c
}

// Store returns the Manager's Store.
func (m *Manager) Store() Store { return m.store }

// cookieLine returns the Set-Cookie value that gives key to the browser
// with the lifetime e, as Django's SessionMiddleware writes it. Max-Age is
// written at most 400 days (RFC 6265bis), the longest browsers keep.
func (m *Manager) cookieLine(key string, e expiry, now time.Time) string {
	if e.browserClose {
		return m.cookie.SessionLine(key)
	}
	return m.cookie.Line(key, min(e.age, int64(maxCookieLifetime/time.Second)), now)
}

// loaded is what Manager.load found under a key.
type loaded struct {
	vals   map[string]any // the decoded values
	exp    time.Time      // the record's expiry, as the store reports it
	shared bool           // vals is a shared snapshot (a ValueStore's, or the decoded cache's)
	found  bool           // the store has a live record under the key
	record string         // the record's key in the decoded cache, when it is there
}

// load reads the record under key. Data that cannot be decoded is found,
// with an error matching ErrCorrupt, or ErrCodecMismatch for another
// codec's data.
func (m *Manager) load(ctx context.Context, key string) (loaded, error) {
	if m.vstore != nil {
		vals, exp, found, err := m.vstore.LoadValues(ctx, key)
		if err != nil {
			if unreadable(err) && !errors.Is(err, ErrUnreadable) {
				err = fmt.Errorf("%w: %w", ErrUnreadable, err)
			}
			corrupt := errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnreadable)
			return loaded{exp: exp, found: corrupt}, err
		}
		return loaded{vals: vals, exp: exp, shared: true, found: found}, nil
	}
	data, exp, found, err := m.store.Load(ctx, key)
	if err != nil || !found {
		return loaded{exp: exp, found: found}, err
	}
	if vals, record, ok := m.decoded.Lookup(data); ok {
		return loaded{vals: vals, exp: exp, shared: true, found: true, record: record}, nil
	}
	vals, err := m.codec.Decode(data)
	if err != nil {
		switch {
		case errors.Is(err, ErrCodecMismatch):
			// Another program's data, or another codec's: an error the
			// handler sees, never an empty session that a save overwrites.
		case unreadable(err):
			err = fmt.Errorf("%w: %w", ErrUnreadable, err)
		case !errors.Is(err, ErrCorrupt):
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return loaded{exp: exp, found: true}, err
	}
	shared, record := m.keepDecoded(data, vals)
	return loaded{vals: vals, exp: exp, shared: shared, found: true, record: record}, nil
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
		var enc *EncodingError
		var size *SizeError
		switch {
		case errors.As(err, &size):
			logger.ErrorContext(r.Context(), "session: the session is too large to save", "err", err, "size", size.Size, "limit", size.Limit, "method", r.Method, "path", r.URL.Path)
		case errors.As(err, &enc):
			logger.ErrorContext(r.Context(), "session: a session value cannot be stored", "err", err, "key", enc.Key, "type", enc.Type, "method", r.Method, "path", r.URL.Path)
		case errors.Is(err, ErrUnreadable):
			logger.ErrorContext(r.Context(), "session: the stored session cannot be read", "err", err, "method", r.Method, "path", r.URL.Path)
		default:
			logger.ErrorContext(r.Context(), "session: store error", "err", err, "method", r.Method, "path", r.URL.Path)
		}
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}
