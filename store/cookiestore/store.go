package cookiestore

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/internal/decoded"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// Options choose the form of the cookie. The zero value is Django's
// signed_cookies engine.
type Options struct {
	// Encrypted seals the session with AES-256-GCM instead of signing it
	// in Django's format: the client cannot read it, and Django cannot
	// either. A cookie of the other form is an empty session.
	Encrypted bool

	// CacheEntries is how many verified cookies the store keeps decoded,
	// so that the requests that bring the same cookie again (every
	// request until the session changes) skip the signature or the
	// decryption and the JSON: the whole cookie value is the cache key,
	// and the expiry is checked on every hit. The cache holds at most 8 KiB
	// of cookie and JSON per entry (8 MiB by default), evicts at random
	// when full, and never keeps a session of over 16 KiB of JSON. Zero
	// means DefaultCacheEntries; a negative value turns the cache off.
	CacheEntries int
}

// Errors of Decode. LoadValues reports all of them as a session that is
// not found.
var (
	// ErrInvalid is matched by the error of a cookie value that is not one
	// of this store's: malformed, tampered with, signed or sealed with
	// another key, sealed for another cookie name, or of the other form.
	ErrInvalid = errors.New("cookiestore: not a valid session cookie")

	// ErrExpired is matched by the error of a genuine cookie whose session
	// has expired: signed longer ago than the cookie age, or past the
	// session's own expiry.
	ErrExpired = errors.New("cookiestore: the session cookie has expired")
)

// errByteLevel is what the byte-level methods of session.Store return: the
// session is its cookie, there is no record under a key chosen by the
// caller.
var errByteLevel = fmt.Errorf("%w: cookiestore keeps the session in the cookie: there is no record under a key chosen by the caller (the Manager uses SaveKey and LoadValues)", session.ErrNotSupported)

// Store keeps the session in its cookie. It implements
// session.DataKeyedStore. Make it with New; it is safe for concurrent use.
type Store struct {
	encrypted bool
	name      string        // the session cookie's name
	cookieAge time.Duration // Config.CookieAge, whole seconds
	now       func() time.Time

	// The signed form.
	signer signing.TimestampSigner

	// The encrypted form: the AEAD of the current key first, then one per
	// fallback key; the additional data is the version and the name.
	aeads []cipher.AEAD
	aad   []byte

	// lineOverhead is the length of the longest Set-Cookie line the
	// Manager can write, minus the length of the value.
	lineOverhead int

	cache *decoded.Cache[*entry] // nil when off
}

// SignedCookiesSalt is the salt of Django's signed_cookies engine.
const SignedCookiesSalt = "django.contrib.sessions.backends.signed_cookies"

// sealPurpose names the key derived from the secret key for the encrypted
// form (signing.PurposeKey): it serves nothing else.
const sealPurpose = "djsession cookiestore AES-256-GCM v1"

// New returns a Store for cfg, which must be the Config given to
// session.New with the Store: the store signs or seals with its SecretKey
// and FallbackKeys, checks the signing time against its CookieAge, binds
// its CookieName (encrypted form) and measures the Set-Cookie line with its
// cookie attributes. New checks cfg as session.New does and returns the
// same errors (matching session.ErrConfig).
func New(cfg session.Config, opts Options) (*Store, error) {
	// session.New is the one place that fills and checks a Config: use it,
	// quietly, and read the result back.
	cfg.Logger = slog.New(slog.DiscardHandler)
	m, err := session.New(nopStore{}, cfg)
	if err != nil {
		return nil, err
	}
	c := m.Config()
	s := &Store{
		encrypted: opts.Encrypted,
		name:      c.CookieName,
		cookieAge: c.CookieAge,
		now:       c.Now,
		cache:     newCache(opts.CacheEntries),
	}
	tmpl, err := cookie.NewTemplate(c.CookieName, cookie.Options{
		Path:        c.CookiePath,
		Domain:      c.CookieDomain,
		Secure:      c.CookieSecure,
		HttpOnly:    !c.DisableHTTPOnly,
		SameSite:    c.CookieSameSite,
		Partitioned: c.CookiePartitioned,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", session.ErrConfig, err)
	}
	// The longest line: expires (always 29 bytes: "Thu, 01 Jan 1970
	// 00:00:00 GMT" for any four-digit year) and a Max-Age of as many
	// characters as an int64 can take ("-9223372036854775808"), for a
	// value written as it is (both forms write only cookie-token bytes).
	const probe = "x"
	s.lineOverhead = len(tmpl.Line(probe, 0, time.Unix(0, 0))) - len(probe) - len("0") + len("-9223372036854775808")

	if opts.Encrypted {
		keys := append([][]byte{signing.PurposeKey(c.SecretKey, sealPurpose)}, signing.PurposeKeys(c.FallbackKeys, sealPurpose)...)
		for _, k := range keys {
			a, err := newAEAD(k)
			if err != nil {
				return nil, err
			}
			s.aeads = append(s.aeads, a)
		}
		s.aad = append([]byte{sealVersion}, c.CookieName...)
		return s, nil
	}
	s.signer = signing.TimestampSigner{
		Signer: signing.Signer{SecretKey: c.SecretKey, FallbackKeys: c.FallbackKeys, Salt: SignedCookiesSalt},
		Now:    c.Now,
	}
	return s, nil
}

// Encrypted reports whether the store seals its cookies (Options.Encrypted).
func (s *Store) Encrypted() bool { return s.encrypted }

// CookieName returns the name of the session cookie the store was made
// for (the Config's CookieName): the encrypted form binds it.
func (s *Store) CookieName() string { return s.name }

// ValidKey reports whether value has the form of one of the store's
// cookies, without any cryptography: the Manager calls it for every session
// cookie a request carries.
func (s *Store) ValidKey(value string) bool {
	if len(value) > cookie.MaxSize {
		return false
	}
	if s.encrypted {
		return validSealed(value)
	}
	return validSigned(value)
}

// SaveKey encodes values, with the expiry exp for the encrypted form, and
// returns the cookie value that carries them. The signed form carries no
// expiry of its own: it is derived again on load from the signing time and
// the session's ExpiryKey, by the rules the Manager used to compute exp.
// A session whose Set-Cookie line could exceed 4096 bytes is a
// *session.SizeError, and nothing is returned.
func (s *Store) SaveKey(ctx context.Context, values map[string]any, exp time.Time) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var (
		v   string
		err error
	)
	if s.encrypted {
		v, err = s.seal(values, exp)
	} else {
		v, err = s.sign(values)
	}
	if err != nil {
		return "", err
	}
	if n := s.lineOverhead + len(v); n > cookie.MaxSize {
		return "", session.NewSizeError(values, n, cookie.MaxSize, "the 4096-byte cookie")
	}
	return v, nil
}

// LoadValues verifies and decodes the cookie value key. A cookie that is
// not valid or has expired is reported as not found (found == false, err ==
// nil): an empty session, as Django's engine makes it. err is only the
// context's.
func (s *Store) LoadValues(ctx context.Context, key string) (map[string]any, time.Time, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, err
	}
	if s.cache != nil {
		if e, ok := s.cache.Get(key); ok {
			if e.valid(s.now()) {
				return e.values, e.exp, true, nil
			}
			s.cache.Drop(key)
			return nil, time.Time{}, false, nil
		}
	}
	e, err := s.decode(key)
	if err != nil {
		return nil, time.Time{}, false, nil
	}
	if s.cache != nil && e.size <= maxCachedJSON {
		s.cache.Put(key, e, e.size)
	}
	return e.values, e.exp, true, nil
}

// Decode is LoadValues that says why a cookie value is refused: an error
// matching ErrInvalid or ErrExpired. It returns the session's values and
// when it expires on the server.
// It reads no cache: the map is the caller's.
func (s *Store) Decode(value string) (map[string]any, time.Time, error) {
	e, err := s.decode(value)
	if err != nil {
		return nil, time.Time{}, err
	}
	return e.values, e.exp, nil
}

func (s *Store) decode(value string) (*entry, error) {
	if !s.ValidKey(value) {
		return nil, fmt.Errorf("%w: not the form of this store's cookies", ErrInvalid)
	}
	if s.encrypted {
		return s.open(value)
	}
	return s.unsign(value)
}

// Delete does nothing: there is no record to remove. The middleware
// deletes the cookie in the browser (Flush); a copy of it stays valid
// until it expires.
func (s *Store) Delete(ctx context.Context, key string) error { return nil }

// Load is not supported: the session is its cookie (the Manager calls
// LoadValues). The error matches session.ErrNotSupported.
func (s *Store) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	return nil, time.Time{}, false, errByteLevel
}

// Save is not supported: a cookie store cannot keep data under a key the
// caller chooses (the Manager calls SaveKey). The error matches
// session.ErrNotSupported.
func (s *Store) Save(ctx context.Context, key string, data []byte, exp time.Time, mustCreate bool) error {
	return errByteLevel
}

// SaveValues is not supported, for the same reason as Save. The error
// matches session.ErrNotSupported.
func (s *Store) SaveValues(ctx context.Context, key string, values map[string]any, exp time.Time, mustCreate bool) error {
	return errByteLevel
}

var _ session.DataKeyedStore = (*Store)(nil)

// nopStore is the Store given to session.New to check a Config.
type nopStore struct{}

func (nopStore) Load(context.Context, string) ([]byte, time.Time, bool, error) {
	return nil, time.Time{}, false, nil
}
func (nopStore) Save(context.Context, string, []byte, time.Time, bool) error { return nil }
func (nopStore) Delete(context.Context, string) error                        { return nil }
