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

// DefaultCacheEntries is Options.CacheEntries' default. Each entry counts
// at most 8 KiB of cookie value and JSON (8 MiB by default), and no
// session of over 16 KiB of JSON is kept (a highly compressed cookie of
// Django's is decoded on every request): internal/decoded's bounds.
const DefaultCacheEntries = decoded.DefaultEntries

// cacheBytesPerEntry and maxCachedJSON are those bounds.
const (
	cacheBytesPerEntry = decoded.BytesPerEntry
	maxCachedJSON      = decoded.MaxJSON
)

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
func newCache(entries int) *decoded.Cache[*entry] { return decoded.NewSized[*entry](entries) }
