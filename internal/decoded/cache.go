// Package decoded is the bounded cache of decoded sessions that the session
// Manager (for byte stores) and the cookie store share: decoded values kept
// under the exact bytes they were decoded from, so that a request that
// brings the same bytes again skips the signature check and the decoding.
//
// The key is the whole encoded form, never a hash of it: only the very
// bytes that decoded hit. The values are immutable snapshots (the session
// copies before writing). The cache holds at most a number of entries and a
// number of bytes, and evicts at random (Go's map order) when full, which
// costs nothing to track and cannot be steered into keeping chosen entries.
package decoded

import "sync"

// The bounds both caches use.
const (
	// DefaultEntries is how many entries a cache holds by default.
	DefaultEntries = 1024
	// BytesPerEntry is the byte budget of an entry: a cache of n entries
	// holds at most n times this much (8 MiB for DefaultEntries).
	BytesPerEntry = 8 << 10
	// MaxJSON is the largest session, in bytes of JSON, that is kept
	// decoded: larger ones are decoded each time.
	MaxJSON = 16 << 10
)

// NewSized returns a cache of entries entries, DefaultEntries when entries
// is zero, off (nil) when it is negative, with BytesPerEntry bytes each.
func NewSized[V any](entries int) *Cache[V] {
	if entries == 0 {
		entries = DefaultEntries
	}
	return New[V](entries, entries*BytesPerEntry)
}

// Cache is a bounded map from encoded bytes to V. It is safe for concurrent
// use. The zero value is not usable; a nil *Cache is a cache that is off:
// Get finds nothing and Put keeps nothing.
type Cache[V any] struct {
	mu         sync.RWMutex
	m          map[string]entry[V]
	bytes      int
	maxEntries int
	maxBytes   int
}

type entry[V any] struct {
	v    V
	key  string // the map's own copy of the key, which Lookup hands out
	size int
}

// New returns a cache of at most entries entries and maxBytes bytes (as the
// callers of Put count them), or nil (off) when entries is not positive.
func New[V any](entries, maxBytes int) *Cache[V] {
	if entries <= 0 {
		return nil
	}
	return &Cache[V]{m: make(map[string]entry[V]), maxEntries: entries, maxBytes: maxBytes}
}

// Get returns the value kept under key.
func (c *Cache[V]) Get(key string) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	return e.v, ok
}

// Lookup is Get for a key held in bytes, which also returns the cache's
// copy of the key as a string (to pass to Replace later without
// converting the bytes again). It does not allocate.
func (c *Cache[V]) Lookup(key []byte) (V, string, bool) {
	if c == nil {
		var zero V
		return zero, "", false
	}
	c.mu.RLock()
	e, ok := c.m[string(key)]
	c.mu.RUnlock()
	return e.v, e.key, ok
}

// Put keeps v under key, counting size bytes for it (the key's length is
// added), and evicts entries at random until the cache is within its
// bounds. A value larger than the whole byte budget is not kept.
func (c *Cache[V]) Put(key string, v V, size int) {
	c.Replace("", key, v, size)
}

// Replace is Put that first removes the entry under old, the encoded form
// that key supersedes (a session saved again), so that stale versions do
// not take the room of live ones. old may be "".
func (c *Cache[V]) Replace(old, key string, v V, size int) {
	if c == nil {
		return
	}
	size += len(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old != "" {
		c.dropLocked(old)
	}
	if size > c.maxBytes {
		return
	}
	c.dropLocked(key)
	if len(c.m) >= c.maxEntries || c.bytes+size > c.maxBytes {
		for k, e := range c.m {
			c.bytes -= e.size
			delete(c.m, k)
			if len(c.m) < c.maxEntries && c.bytes+size <= c.maxBytes {
				break
			}
		}
	}
	c.m[key] = entry[V]{v: v, key: key, size: size}
	c.bytes += size
}

// Drop removes the entry under key, if any.
func (c *Cache[V]) Drop(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.dropLocked(key)
	c.mu.Unlock()
}

func (c *Cache[V]) dropLocked(key string) {
	if e, ok := c.m[key]; ok {
		c.bytes -= e.size
		delete(c.m, key)
	}
}

// Len returns the number of entries.
func (c *Cache[V]) Len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// Bytes returns the bytes the entries count, keys included.
func (c *Cache[V]) Bytes() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bytes
}
