package cookie

import (
	"net/http"
	"time"
)

// Limits that Set, Delete and the readers enforce.
const (
	// MaxSize is the largest number of bytes that a cookie's name and
	// encoded value may take together (RFC 6265bis: a browser ignores a
	// larger cookie).
	MaxSize = 4096

	// MaxAttributeSize is the largest Path or Domain, in bytes (RFC 6265bis:
	// a browser ignores a longer attribute value).
	MaxAttributeSize = 1024

	// MaxCookies is the number of ';'-separated chunks (name=value pairs,
	// empty ones included) that the readers look at in one request, counted
	// across every Cookie header field; later ones are ignored. It is
	// net/http's default limit (httpcookiemaxnum), which, unlike this
	// package, then drops every cookie of the request.
	MaxCookies = 3000

	// MaxValues is the most values GetAll returns for one name.
	MaxValues = 16
)

// Age is an optional Max-Age. The zero Age means "not set": Set then writes
// neither Max-Age nor expires (a cookie that lasts until the browser closes),
// unless Options.Expires is set. Make one with MaxAge; MaxAge(0) is a set age
// of zero, which tells the browser to drop the cookie at once.
type Age struct {
	d   time.Duration
	set bool
}

// MaxAge returns an Age of d, Django's max_age. Set writes it as whole
// seconds, truncated toward zero as Django's int(max_age) does (a negative
// d is written as it is, e.g. Max-Age=-1), and derives expires from the
// untruncated d.
func MaxAge(d time.Duration) Age { return Age{d: d, set: true} }

// Duration returns the age and whether it was set.
func (a Age) Duration() (d time.Duration, ok bool) { return a.d, a.set }

// IsSet reports whether a was made with MaxAge.
func (a Age) IsSet() bool { return a.set }

// Options are the attributes of a cookie written by Set, SetSigned and
// Signer.Set. The zero value is Django's set_cookie defaults: no Max-Age or
// expires, Path "/", no Domain, no Secure, no HttpOnly, no SameSite.
type Options struct {
	// MaxAge is the cookie's lifetime (Django's max_age). When set, Set also
	// writes expires = now + MaxAge. It cannot be combined with Expires.
	MaxAge Age

	// Expires, when not the zero time, is the moment the cookie expires
	// (Django's expires given as a datetime). As Django does, Set derives
	// Max-Age = max(0, floor(Expires - now + 1s)) and then writes
	// expires = now + Max-Age, so both attributes agree. It cannot be
	// combined with MaxAge.
	Expires time.Time

	// Path is the Path attribute. Empty means "/".
	Path string

	// Domain is the Domain attribute. Empty means none (a host-only cookie).
	Domain string

	// Secure adds the Secure attribute.
	Secure bool

	// HttpOnly adds the HttpOnly attribute.
	HttpOnly bool

	// SameSite is the SameSite attribute: http.SameSiteLaxMode,
	// http.SameSiteStrictMode or http.SameSiteNoneMode (which requires
	// Secure). The zero value and http.SameSiteDefaultMode write no
	// attribute, as Django's samesite=None does.
	SameSite http.SameSite

	// Partitioned adds the Partitioned attribute (CHIPS). It requires Secure.
	Partitioned bool

	// Now is the clock used to compute expires and, for signed cookies, the
	// signature's timestamp. Nil means time.Now.
	Now func() time.Time
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// DeleteOptions say which cookie Delete removes: a browser replaces a cookie
// only when name, Path and Domain match the ones it was set with, and keeps a
// partitioned cookie apart from an unpartitioned one. The zero value is
// Django's delete_cookie defaults: Path "/", no Domain, no SameSite.
type DeleteOptions struct {
	// Path is the Path the cookie was set with. Empty means "/".
	Path string

	// Domain is the Domain the cookie was set with. Empty means none.
	Domain string

	// SameSite is written as Set writes it. http.SameSiteNoneMode also adds
	// Secure, as Django does.
	SameSite http.SameSite

	// Secure adds Secure. Delete adds it anyway, as Django does, for a name
	// with a __Secure- or __Host- prefix and for SameSite=None; Django has
	// no such argument.
	Secure bool

	// Partitioned adds Partitioned, needed to delete a partitioned cookie. It
	// requires Secure (given here or added by the rules above). Django has no
	// such argument.
	Partitioned bool
}
