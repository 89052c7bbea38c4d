package cookiestore

import (
	"sync"
	"time"
)

// The cache keeps the cookies that verified, decoded: a browser sends the
// same cookie on every request until the session changes, so a read-only
// request finds its session there without an HMAC, an inflate or a JSON
// decode, as the memory store keeps decoded sessions. The key is the whole
// cookie value, so only the exact bytes that verified hit; the expiry is
// checked again on every hit. The maps are the immutable snapshots
// session.ValueStore allows (the Session copies before writing).

// DefaultCacheEntries is Options.CacheEntries' default.
const DefaultCacheEntries = 1024

// cacheBytesPerEntry is the budget, in bytes of cookie value and JSON, of
// each entry the cache may hold: the cache holds at most CacheEntries
// times this much, 8 MiB by default.
const cacheBytesPerEntry = 8 << 10

// maxCachedJSON is the largest session kept decoded: larger ones (a
// highly compressed cookie of Django's) are decoded on every request.
const maxCachedJSON = 16 << 10

type cache struct {
	mu         sync.RWMutex
	m          map[string]*entry
	bytes      int
	maxEntries int
	maxBytes   int
}

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

func newCache(entries int) *cache {
	if entries == 0 {
		entries = DefaultCacheEntries
	}
	if entries < 0 {
		return nil
	}
	return &cache{m: make(map[string]*entry), maxEntries: entries, maxBytes: entries * cacheBytesPerEntry}
}

func (c *cache) get(key string) *entry {
	c.mu.RLock()
	e := c.m[key]
	c.mu.RUnlock()
	return e
}

// put adds e under key, evicting entries at random (Go's map order) until
// it fits.
func (c *cache) put(key string, e *entry) {
	e.size = len(key) + e.size
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[key]; ok {
		c.bytes -= old.size
		delete(c.m, key)
	}
	for k, old := range c.m {
		if len(c.m) < c.maxEntries && c.bytes+e.size <= c.maxBytes {
			break
		}
		c.bytes -= old.size
		delete(c.m, k)
	}
	c.m[key] = e
	c.bytes += e.size
}

// drop removes key (an entry that expired).
func (c *cache) drop(key string) {
	c.mu.Lock()
	if old, ok := c.m[key]; ok {
		c.bytes -= old.size
		delete(c.m, key)
	}
	c.mu.Unlock()
}
