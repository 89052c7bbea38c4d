package cookie

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/djsession/djsession/signing"
)

// Signer writes and reads signed cookies exactly as Django's
// response.set_signed_cookie and request.get_signed_cookie do, so that a Go
// service and a Django site with the same SECRET_KEY read each other's
// signed cookies.
//
// The cookie value is "value:timestamp:signature": Django's TimestampSigner
// with the key "django.http.cookies" + SecretKey and the salt name + Salt, so a
// value signed for one cookie name does not verify under another. The value
// itself is not encoded; Set writes the whole signed string in Django's
// quoted form when it needs it. For cookies that only Go reads, GoOnly binds
// the name unambiguously and uses a key of its own.
//
// Configure a Signer once and use it, through a pointer, from any number of
// goroutines. Its zero value has no secret, and every call returns
// ErrNoSecret.
type Signer struct {
	// SecretKey is Django's SECRET_KEY. It must not be empty.
	SecretKey []byte

	// FallbackKeys are older secrets that still verify (Django's
	// SECRET_KEY_FALLBACKS), tried in order after SecretKey. New values
	// are always signed with SecretKey.
	FallbackKeys [][]byte

	// Salt is Django's salt argument; Django's default is "".
	Salt string

	// MaxAge, when positive, rejects a value signed longer ago than that
	// (Django's max_age: an age equal to MaxAge still passes) with an error
	// matching signing.ErrExpired. Zero means no limit, Django's max_age=None.
	MaxAge time.Duration

	// Now is the clock of the signature's timestamp, of the MaxAge check and
	// of the expires attribute that Set writes. Nil means the Options' clock
	// in Set, and time.Now otherwise.
	Now func() time.Time

	// GoOnly signs for Go readers alone, with the cookie name bound
	// unambiguously. Django's rule concatenates name and Salt, so
	// ("is_logi", "nsalt") and ("is_login", "salt") sign alike, and its key
	// is shared by every signed cookie of a Django site with the same
	// secret. With GoOnly the salt is the length-prefixed name followed by
	// Salt, and the key is signing.PurposeKey(SecretKey, "djsession.cookie
	// go-only") (likewise for each fallback): a value signed for one
	// (name, Salt) pair verifies for no other pair, and no Django call, nor
	// a Signer without GoOnly, can produce it. Django cannot read such
	// cookies; leave it false for cookies that Django shares.
	GoOnly bool
}

// goOnlyPurpose is the signing.PurposeKey purpose of GoOnly signers.
const goOnlyPurpose = "djsession.cookie go-only"

func (s *Signer) timestampSigner(name string) (*signing.TimestampSigner, error) {
	if len(s.SecretKey) == 0 {
		return nil, ErrNoSecret
	}
	var ts *signing.TimestampSigner
	if s.GoOnly {
		ts = &signing.TimestampSigner{}
		ts.SecretKey = signing.PurposeKey(s.SecretKey, goOnlyPurpose)
		ts.FallbackKeys = signing.PurposeKeys(s.FallbackKeys, goOnlyPurpose)
		ts.Salt = strconv.Itoa(len(name)) + ":" + name + ":" + s.Salt
	} else {
		ts = signing.CookieSigner(s.SecretKey, s.FallbackKeys, name+s.Salt)
	}
	ts.Now = s.Now
	return ts, nil
}

// Sign returns the signed value that Set writes for the cookie name: Django's
// get_cookie_signer(salt=name+salt).sign(value), before any quoting.
func (s *Signer) Sign(name, value string) (string, error) {
	ts, err := s.timestampSigner(name)
	if err != nil {
		return "", err
	}
	return ts.Sign(value), nil
}

// Unsign checks a signed value read from the cookie name and returns the
// original value. A bad signature (a wrong secret, salt or name, or any
// change to the value) gives an error matching signing.ErrBadSignature; an
// expired one, past MaxAge, matches signing.ErrExpired as well. A value that
// carries a valid signature but a malformed timestamp matches
// signing.ErrMalformed. A name and value over MaxSize bytes, which no browser
// sends, are refused before any HMAC work, with an error matching both
// signing.ErrBadSignature and ErrTooLarge.
func (s *Signer) Unsign(name, signed string) (string, error) {
	ts, err := s.timestampSigner(name)
	if err != nil {
		return "", err
	}
	return s.unsign(ts, name, signed)
}

func (s *Signer) unsign(ts *signing.TimestampSigner, name, signed string) (string, error) {
	if size := len(name) + len(signed); size > MaxSize {
		return "", fmt.Errorf("%w: %w", signing.ErrBadSignature, &TooLargeError{Name: name, Size: size})
	}
	v, err := ts.Unsign(signed, s.MaxAge)
	if err != nil {
		return "", fmt.Errorf("cookie %q: %w", name, err)
	}
	return v, nil
}

// Set signs value for the cookie name and writes it as Set does, with the
// same options and errors (the size limit applies to the signed value). One
// clock serves both the signature's timestamp and expires: the Signer's Now,
// or else opts.Now, or else time.Now.
func (s *Signer) Set(w http.ResponseWriter, name, value string, opts Options) error {
	if err := validName(name); err != nil {
		return fmt.Errorf("%w: %q", err, name)
	}
	c := *s
	if c.Now == nil {
		c.Now = opts.Now
	}
	opts.Now = c.Now
	signed, err := c.Sign(name, value)
	if err != nil {
		return err
	}
	return Set(w, name, signed, opts)
}

// Get returns the verified value of the signed cookie name in r, as Django's
// request.get_signed_cookie(name, salt=Salt, max_age=MaxAge) does. A missing
// cookie gives ErrNoCookie; otherwise the errors are those of Unsign.
//
// When the client sent the name more than once, the values are tried from
// the last to the first (GetAll's order reversed) and the first that
// verifies is returned, so the result is Django's whenever Django's (the
// last value) verifies. When none verifies, the error is the last value's.
func (s *Signer) Get(r *http.Request, name string) (string, error) {
	ts, err := s.timestampSigner(name)
	if err != nil {
		return "", err
	}
	// The common case, one value, needs no list.
	p := pairs{fields: r.Header["Cookie"]}
	var last string
	n := 0
	for {
		k, v, ok := p.next()
		if !ok {
			break
		}
		if k == name {
			last, n = v, n+1
		}
	}
	if n == 0 {
		return "", ErrNoCookie
	}
	v, lastErr := s.unsign(ts, name, unquote(last))
	if lastErr == nil || n == 1 {
		return v, lastErr
	}
	values := GetAll(r, name)
	if len(values) == n {
		values = values[:n-1] // the last one was tried
	}
	for i := len(values) - 1; i >= 0; i-- {
		if v, err := s.unsign(ts, name, values[i]); err == nil {
			return v, nil
		}
	}
	return "", lastErr
}

// GetDefault returns the verified value of the signed cookie name in r, or
// def when the cookie is missing or does not verify, as Django's
// get_signed_cookie(name, default=def, ...) does. Django raises even with a
// default for a validly signed value whose timestamp is malformed; only the
// holder of the secret can make one, and GetDefault returns def for it too.
func (s *Signer) GetDefault(r *http.Request, name, def string) string {
	v, err := s.Get(r, name)
	if err != nil {
		return def
	}
	return v
}

// SetSigned is Django's response.set_signed_cookie(name, value, salt=salt,
// ...): it signs value with secret and salt and writes it as Set does, using
// opts.Now as the signature's clock. It is shorthand for Signer{SecretKey:
// secret, Salt: salt}.Set(w, name, value, opts).
func SetSigned(w http.ResponseWriter, name, value string, secret []byte, salt string, opts Options) error {
	s := Signer{SecretKey: secret, Salt: salt}
	return s.Set(w, name, value, opts)
}

// GetSigned is Django's request.get_signed_cookie(name, salt=salt,
// max_age=maxAge) with SECRET_KEY_FALLBACKS = fallbacks: it returns the
// verified value, ErrNoCookie when the cookie is missing, or an error matching
// signing.ErrBadSignature (and signing.ErrExpired when older than a positive
// maxAge; zero maxAge means no limit). It is shorthand for Signer{SecretKey:
// secret, FallbackKeys: fallbacks, Salt: salt, MaxAge: maxAge}.Get(r, name).
func GetSigned(r *http.Request, name string, secret []byte, fallbacks [][]byte, salt string, maxAge time.Duration) (string, error) {
	s := Signer{SecretKey: secret, FallbackKeys: fallbacks, Salt: salt, MaxAge: maxAge}
	return s.Get(r, name)
}

// GetSignedDefault is GetSigned with Django's default= argument: it returns
// def when the cookie is missing or does not verify.
func GetSignedDefault(r *http.Request, name string, secret []byte, fallbacks [][]byte, salt string, maxAge time.Duration, def string) string {
	v, err := GetSigned(r, name, secret, fallbacks, salt, maxAge)
	if err != nil {
		return def
	}
	return v
}
