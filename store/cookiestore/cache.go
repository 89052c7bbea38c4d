package cookiestore

import (
	"time"

	"github.com/djsession/djsession/internal/decoded"
)

// The cache keeps the cookies that verified, decoded: a browser sends the
// same cookie on every request until the session changes, so a read-only
// request finds its session there without an HMAC, an inflate or a JSON
// decode, as the memory store keeps decoded sessions. The key is the whole
// cookie value, so only the exact bytes that verified hit; the expiry is
// checked again on every hit. The maps are the immutable snapshots
// session.ValueStore allows (the Session copies before writing). The
// bounded map itself is internal/decoded's, which the Manager uses for
// byte stores too.

// DefaultCacheEntries is Options.CacheEntries' default.
const DefaultCacheEntries = 1024

// cacheBytesPerEntry is the budget, in bytes of cookie value and JSON, of
// each entry the cache may hold: the cache holds at most CacheEntries
// times this much, 8 MiB by default.
const cacheBytesPerEntry = 8 << 10

// maxCachedJSON is the largest session kept decoded: larger ones (a
// highly compressed cookie of Django's) are decoded on every request.
const maxCachedJSON = 16 << 10

// entry is one verified cookie.
type entry struct {
	values map[string]any
	exp    time.Time // the expiry LoadValues reports
	// The cookie is valid while now is before until, or not after it when
	// inclusive (Django's rule for the cookie age: an age of exactly
	// SESSION_COOKIE_AGE is valid).
	until     time.Time
	inclusive bool
	size      int
}

func (e *entry) valid(now time.Time) bool {
	if e.inclusive {
		return !now.After(e.until)
	}
	return now.Before(e.until)
}

// newCache returns the cache of Options.CacheEntries entries (nil: off).
func newCache(entries int) *decoded.Cache[*entry] {
	if entries == 0 {
		entries = DefaultCacheEntries
	}
	return decoded.New[*entry](entries, entries*cacheBytesPerEntry)
}
