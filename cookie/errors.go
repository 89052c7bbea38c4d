package cookie

import (
	"errors"
	"fmt"
	"net/http"
)

// Errors returned by Set, Delete, Format and the signed-cookie calls. They are
// wrapped with the offending name or attribute; test for them with errors.Is.
var (
	// ErrNoCookie is returned by Get and GetSigned when the request carries
	// no cookie of that name: Go's form of Django's KeyError from
	// request.COOKIES['name']. It is http.ErrNoCookie, so code that already
	// checks for net/http's sentinel keeps working.
	ErrNoCookie = http.ErrNoCookie

	// ErrInvalidName is returned for an empty cookie name or one with a
	// character outside Django's legal set
	// (A-Z a-z 0-9 and !#$%&'*+-.^_`|~:), Python's "Illegal key".
	ErrInvalidName = errors.New("cookie: invalid cookie name")

	// ErrReservedName is returned for a name that is also an attribute name
	// (expires, path, comment, domain, max-age, secure, httponly, version,
	// samesite, partitioned; any case), Python's "Attempt to set a reserved key".
	ErrReservedName = errors.New("cookie: cookie name is a reserved attribute name")

	// ErrInvalidValue is returned for a value that is not valid UTF-8: Django
	// values are text, and such bytes could not be written reversibly.
	ErrInvalidValue = errors.New("cookie: value is not valid UTF-8")

	// ErrInvalidAttribute is returned for a Path or Domain holding a control
	// character (CR and LF among them) or a semicolon.
	ErrInvalidAttribute = errors.New("cookie: invalid attribute value")

	// ErrAttributeTooLong is returned for a Path or Domain longer than
	// MaxAttributeSize bytes, which browsers would ignore.
	ErrAttributeTooLong = errors.New("cookie: attribute value too long")

	// ErrTooLarge matches every *TooLargeError.
	ErrTooLarge = errors.New("cookie: cookie too large")

	// ErrExpiresAndMaxAge is returned when Options sets both Expires and
	// MaxAge, as current Django raises "'expires' and 'max_age' can't be
	// used together".
	ErrExpiresAndMaxAge = errors.New("cookie: 'expires' and 'max_age' can't be used together")

	// ErrInvalidExpires is returned for an expiry date that cannot be written
	// as an HTTP date (after the year 9999).
	ErrInvalidExpires = errors.New("cookie: expiry date out of range")

	// ErrInvalidSameSite is returned for an http.SameSite value that is not
	// one of the constants net/http defines.
	ErrInvalidSameSite = errors.New("cookie: invalid SameSite mode")

	// ErrSameSiteNoneInsecure is returned for SameSite=None without Secure,
	// which browsers reject.
	ErrSameSiteNoneInsecure = errors.New("cookie: SameSite=None requires Secure")

	// ErrPartitionedInsecure is returned for Partitioned without Secure,
	// which browsers reject.
	ErrPartitionedInsecure = errors.New("cookie: Partitioned requires Secure")

	// ErrPrefix is returned when a name starting with __Secure- or __Host-
	// (in any case) is written without the attributes its prefix demands:
	// Secure for both; Path "/" and no Domain for __Host-.
	ErrPrefix = errors.New("cookie: cookie prefix requirements not met")

	// ErrNoSecret is returned by the signed-cookie calls when the secret key
	// is empty. Django refuses to start with an empty SECRET_KEY.
	ErrNoSecret = errors.New("cookie: empty secret key")
)

// TooLargeError reports a cookie whose name and encoded value together take
// more than MaxSize bytes: browsers drop such a cookie without a word, so
// Set refuses to write it. It matches ErrTooLarge with errors.Is.
type TooLargeError struct {
	// Name is the cookie's name.
	Name string
	// Size is len(name) plus the length of the value as written in the
	// header (after quoting, for a value that needs Django's quoted form).
	Size int
}

// Error describes the cookie and its size.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("cookie: %q is %d bytes of name and value, over the %d-byte limit", e.Name, e.Size, MaxSize)
}

// Is reports whether target is ErrTooLarge.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }
