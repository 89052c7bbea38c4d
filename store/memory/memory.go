// Package memory is an in-process session store: Django's "cache" session
// engine on its default cache, LocMemCache.
//
// Records live in a map in the process, each with its expiry; they are lost
// when the process ends and are not shared between processes. The number of
// records is bounded: when the store is full, expired records are dropped
// first, then the least recently used third (Django's MAX_ENTRIES and
// CULL_FREQUENCY). Expired records are also reclaimed a few at a time on
// every write, from a heap ordered by expiry, so no request ever scans the
// whole store, and no goroutine is started: call ClearExpired on a ticker
// you own if you want memory back sooner.
//
// The store implements session.ValueStore: it keeps the decoded session
// values (immutable snapshots) of the records used last, so that a request
// reading its session decodes nothing. The others, beyond
// Options.MaxDecoded, are kept as their JSON text, about a third of the
// memory, and decoded again by the next read: a store of a million
// sessions holds each in about 250 bytes, key and index included, while the
// ten thousand used last read as fast as ever. Like Django's cache engine
// it keeps the data unsigned; the data never leaves the process. It needs no codec:
// session.Config.Codec is not used with it.
package memory

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
)

// DefaultMaxEntries is the number of records a Store keeps when
// Options.MaxEntries is zero. (Django's LocMemCache defaults to 300, which
// is too small to hold the sessions of a real site.)
const DefaultMaxEntries = 10000

// DefaultCullFrequency is Options.CullFrequency's default, Django's
// CULL_FREQUENCY: a full store drops a third of its records.
const DefaultCullFrequency = 3

// DefaultMaxDecoded is Options.MaxDecoded's default: as many records as a
// store holds by default.
const DefaultMaxDecoded = DefaultMaxEntries

// DefaultMaxBytes is Options.MaxBytes's default: 128 MiB.
const DefaultMaxBytes = 128 << 20

// entryOverhead is what a record costs beyond its key and data: the entry,
// its map slot, its heap slot.
const entryOverhead = 160

// reclaimPerWrite is how many expired records a write reclaims at most.
const reclaimPerWrite = 4

// Options configure a Store. The zero value is usable.
type Options struct {
	// MaxEntries is the most records the store holds (Django's
	// MAX_ENTRIES). Zero means DefaultMaxEntries.
	MaxEntries int

	// CullFrequency says how much a full store drops: 1/CullFrequency of its
	// records, the least recently used first, after the expired ones
	// (Django's CULL_FREQUENCY; 1 empties the store). Zero means
	// DefaultCullFrequency.
	CullFrequency int

	// MaxDecoded is the most records whose values the store keeps decoded,
	// ready to be returned by LoadValues: the ones used last (saved or read).
	// The others are kept as their JSON text, which takes about a third of
	// the memory of the decoded map (a session of four values: 80 bytes
	// instead of about 450), and are decoded again when next read, which
	// makes them decoded once more. A record becoming one of the others is
	// encoded then, under the store's lock (about as long as a read takes).
	// Zero means DefaultMaxDecoded; a negative value keeps none decoded,
	// and every LoadValues decodes.
	MaxDecoded int

	// MaxBytes bounds the memory the records take, as the store counts it:
	// each record its key, its JSON, twice its JSON more while it is kept
	// decoded, and a fixed overhead. A write that would pass it first drops
	// the expired records, then the least recently used ones until the
	// store is 1/CullFrequency under it; a single record larger than
	// MaxBytes is refused with a *session.SizeError. Zero means
	// DefaultMaxBytes; a negative value means no bound in bytes (MaxEntries
	// still applies).
	MaxBytes int

	// Now is the clock, for tests. Nil means time.Now.
	Now func() time.Time
}

// Store is an in-process session.Store and session.ValueStore. It is safe
// for concurrent use. Make one with New.
type Store struct {
	mu      sync.Mutex
	entries map[string]*entry
	heap    []*entry // min-heap by expiry
	lru     entry    // sentinel of the recency list: lru.next is the least recently used
	// cold is a position in the recency list: no entry before it has
	// decoded values, so that the least recently used decoded entry is
	// found from there, at a cost that is constant on average. It is &lru
	// when every entry is before it.
	cold       *entry
	decoded    int // entries with values, pinned ones excepted
	maxDecoded int
	bytes      int // the sizes of all entries
	maxBytes   int // 0: no bound
	max        int
	cull       int
	now        func() time.Time
}

// An entry is a record. Its data is what Load returns: the bytes given to
// Save, or the JSON of the values given to SaveValues. values, when not
// nil, is the decoded form that LoadValues returns (an immutable
// snapshot); a record saved with SaveValues has no data until it is
// encoded, when it falls out of the decoded ones. An entry whose values
// cannot be encoded stays decoded for good (pinned), uncounted.
type entry struct {
	key     string
	data    string
	values  map[string]any
	exp     int64 // expiry, Unix nanoseconds
	hidx    int32 // index in the heap
	jlen    int32 // the length of the record's JSON
	size    int32 // what the entry counts towards MaxBytes
	hasData bool  // data is set (a record can be saved with empty bytes)
	pinned  bool
	prev    *entry
	next    *entry
}

var _ session.SizedValueStore = (*Store)(nil)

// New returns an empty Store.
func New(opts Options) *Store {
	s := &Store{
		entries:    make(map[string]*entry),
		max:        opts.MaxEntries,
		cull:       opts.CullFrequency,
		maxDecoded: opts.MaxDecoded,
		maxBytes:   opts.MaxBytes,
		now:        opts.Now,
	}
	switch {
	case s.maxBytes == 0:
		s.maxBytes = DefaultMaxBytes
	case s.maxBytes < 0:
		s.maxBytes = 0
	}
	if s.max <= 0 {
		s.max = DefaultMaxEntries
	}
	s.max = min(s.max, math.MaxInt32) // heap indexes are int32
	switch {
	case s.maxDecoded == 0:
		s.maxDecoded = DefaultMaxDecoded
	case s.maxDecoded < 0:
		s.maxDecoded = 0
	}
	if s.cull <= 0 {
		s.cull = DefaultCullFrequency
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.lru.next, s.lru.prev = &s.lru, &s.lru
	s.cold = &s.lru
	return s
}

func expNanos(t time.Time) int64 {
	// Times outside the int64 nanosecond range clamp to its ends.
	if t.Before(time.Unix(0, -1<<63)) {
		return -1 << 63
	}
	if t.After(time.Unix(0, 1<<63-1)) {
		return 1<<63 - 1
	}
	return t.UnixNano()
}

// live returns the entry for key if it has not expired, removing it if it has.
func (s *Store) live(key string, now int64) *entry {
	e := s.entries[key]
	if e == nil {
		return nil
	}
	if e.exp <= now {
		s.remove(e)
		return nil
	}
	return e
}

// Load returns the bytes stored under key. A record saved with SaveValues
// is returned as its JSON (Python's json.dumps form). The returned slice is
// the caller's.
func (s *Store) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, err
	}
	s.mu.Lock()
	e := s.live(key, s.now().UnixNano())
	if e == nil {
		s.mu.Unlock()
		return nil, time.Time{}, false, nil
	}
	s.touch(e)
	data, hasData, values, exp := e.data, e.hasData, e.values, e.exp
	s.mu.Unlock()
	if !hasData {
		js, err := pyjson.Marshal(values)
		if err != nil {
			return nil, time.Time{}, false, fmt.Errorf("memory: encoding a record: %w", err)
		}
		return js, time.Unix(0, exp), true, nil
	}
	return []byte(data), time.Unix(0, exp), true, nil
}

// LoadValues returns the values stored under key. The map is shared with the
// store and must not be modified. A record saved with Save is decoded as
// JSON; when its bytes are not a JSON object the error matches
// session.ErrCorrupt.
func (s *Store) LoadValues(ctx context.Context, key string) (map[string]any, time.Time, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, err
	}
	s.mu.Lock()
	e := s.live(key, s.now().UnixNano())
	if e == nil {
		s.mu.Unlock()
		return nil, time.Time{}, false, nil
	}
	s.touch(e)
	data, values, exp := e.data, e.values, e.exp
	s.mu.Unlock()
	if values != nil {
		return values, time.Unix(0, exp), true, nil
	}
	// Decoded outside the lock; the strings of the map share data.
	m, err := pyjson.UnmarshalObjectString(data)
	if err != nil {
		return nil, time.Time{}, true, fmt.Errorf("%w: %w", session.ErrCorrupt, err)
	}
	s.mu.Lock()
	// Keep the decoded form, unless the record changed or went meanwhile.
	if e.values == nil && e.hasData && e.data == data && s.entries[key] == e {
		s.touch(e) // a record with values must be after s.cold
		e.values = m
		s.decoded++
		s.account(e)
		s.encodeColdest()
		s.cullBytes(s.now().UnixNano(), 0, e)
	}
	s.mu.Unlock()
	return m, time.Unix(0, exp), true, nil
}

// Save stores a copy of data under key, following session.Store's rules:
// with mustCreate it fails with session.ErrKeyExists if a live record has
// the key (an expired one is replaced); without, it fails with
// session.ErrNotFound if no live record has it.
func (s *Store) Save(ctx context.Context, key string, data []byte, expiry time.Time, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.put(key, string(data), true, nil, len(data), expiry, mustCreate)
}

// SaveValues stores values under key with Save's rules. The store keeps the
// map itself: the caller must not modify it afterwards.
func (s *Store) SaveValues(ctx context.Context, key string, values map[string]any, expiry time.Time, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if values == nil {
		values = map[string]any{}
	}
	n, _ := session.SizeOf(values) // values the session package saves always measure
	return s.put(key, "", false, values, n, expiry, mustCreate)
}

// SaveSizedValues is SaveValues for values whose size (session.SizeOf) the
// caller has measured: the Manager's saves, which measure every session for
// Config.MaxSize, so that the store does not walk it a second time.
func (s *Store) SaveSizedValues(ctx context.Context, key string, values map[string]any, size int, expiry time.Time, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if values == nil {
		values, size = map[string]any{}, 2
	}
	return s.put(key, "", false, values, size, expiry, mustCreate)
}

func (s *Store) put(key, data string, hasData bool, values map[string]any, jlen int, expiry time.Time, mustCreate bool) error {
	size := entrySize(key, jlen, values != nil)
	if s.maxBytes > 0 && size > s.maxBytes {
		return session.NewSizeError(values, jlen, max(s.maxBytes-(size-jlen), 0), "the memory store's MaxBytes")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UnixNano()
	s.reclaim(now, reclaimPerWrite)
	e := s.live(key, now)
	switch {
	case e != nil && mustCreate:
		return session.ErrKeyExists
	case e == nil && !mustCreate:
		return session.ErrNotFound
	case e != nil:
		s.forget(e)
		s.touch(e)
		e.data, e.hasData, e.values, e.pinned = data, hasData, values, false
		e.jlen = int32(min(jlen, math.MaxInt32))
		if values != nil {
			s.decoded++
		}
		e.exp = expNanos(expiry)
		s.fix(int(e.hidx))
		s.account(e)
		s.encodeColdest()
		s.cullBytes(now, 0, e)
		return nil
	}
	if len(s.entries) >= s.max {
		s.cullEntries(now)
	}
	s.cullBytes(now, size, nil)
	e = &entry{key: key, data: data, hasData: hasData, values: values, exp: expNanos(expiry), jlen: int32(min(jlen, math.MaxInt32))}
	s.entries[key] = e
	s.push(e)
	s.linkBack(e)
	s.account(e)
	if values != nil {
		s.decoded++
	}
	s.encodeColdest()
	return nil
}

// entrySize is what a record counts towards MaxBytes: its key, its JSON,
// twice its JSON more while decoded, and the fixed overhead.
func entrySize(key string, jlen int, decoded bool) int {
	n := entryOverhead + len(key) + jlen
	if decoded {
		n += 2 * jlen
	}
	return n
}

// account brings s.bytes up to date with e's present form.
func (s *Store) account(e *entry) {
	n := min(entrySize(e.key, int(e.jlen), e.values != nil), math.MaxInt32)
	s.bytes += n - int(e.size)
	e.size = int32(n)
}

// cullBytes makes room for need more bytes when the store would pass
// MaxBytes: the expired records go first, then the least recently used
// ones (never keep, the record being written) until the store is
// 1/CullFrequency under MaxBytes.
func (s *Store) cullBytes(now int64, need int, keep *entry) {
	if s.maxBytes <= 0 || s.bytes+need <= s.maxBytes {
		return
	}
	s.reclaim(now, -1)
	target := max(s.maxBytes-s.maxBytes/s.cull, need)
	for s.bytes+need > target {
		e := s.lru.next
		if e == keep {
			e = e.next
		}
		if e == &s.lru {
			return
		}
		s.remove(e)
	}
}

// Bytes returns the memory the records take, as MaxBytes counts it.
func (s *Store) Bytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// forget stops counting e's values among the decoded ones.
func (s *Store) forget(e *entry) {
	if e.values != nil && !e.pinned {
		s.decoded--
	}
}

// encodeColdest turns the least recently used decoded records into their
// JSON form until no more than maxDecoded are left decoded.
func (s *Store) encodeColdest() {
	for s.decoded > s.maxDecoded {
		e := s.cold // never &s.lru here: there are decoded entries after it
		s.cold = e.next
		if e.values == nil || e.pinned {
			continue
		}
		if !e.hasData {
			js, err := pyjson.Marshal(e.values)
			if err != nil {
				// Values that Load could not return either (the session
				// package never saves such values): keep them decoded.
				e.pinned = true
				s.decoded--
				continue
			}
			// The one copy of the text: the map decoded from it again
			// will share it.
			e.data, e.hasData = string(js), true
		}
		e.values = nil
		s.decoded--
		s.account(e)
	}
}

// Delete removes the record under key; a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if e := s.entries[key]; e != nil {
		s.remove(e)
	}
	s.mu.Unlock()
	return nil
}

// Exists reports whether a live record has the key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	e := s.live(key, s.now().UnixNano())
	s.mu.Unlock()
	return e != nil, nil
}

// ClearExpired removes every expired record. Its cost is proportional to
// the number of expired records, not to the size of the store.
func (s *Store) ClearExpired(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.reclaim(s.now().UnixNano(), -1)
	s.mu.Unlock()
	return nil
}

// Len returns the number of records held, expired ones not yet reclaimed
// included.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// reclaim removes up to max expired records (all of them when max < 0).
func (s *Store) reclaim(now int64, max int) {
	for n := 0; len(s.heap) > 0 && s.heap[0].exp <= now && n != max; n++ {
		s.remove(s.heap[0])
	}
}

// cullEntries makes room in a full store: expired records go first, then
// the least recently used 1/cull of the rest.
func (s *Store) cullEntries(now int64) {
	s.reclaim(now, -1)
	if len(s.entries) < s.max {
		return
	}
	// Drop the least recently used entries from the map and the list, then
	// rebuild the heap once (linear) instead of removing each (n log n).
	n := max(len(s.entries)/s.cull, 1)
	for ; n > 0 && s.lru.next != &s.lru; n-- {
		e := s.lru.next
		s.bytes -= int(e.size)
		delete(s.entries, e.key)
		s.forget(e)
		s.unlink(e)
		e.hidx = -1
	}
	kept := s.heap[:0]
	for _, e := range s.heap {
		if e.hidx >= 0 {
			e.hidx = int32(len(kept))
			kept = append(kept, e)
		}
	}
	clear(s.heap[len(kept):])
	s.heap = kept
	for i := len(s.heap)/2 - 1; i >= 0; i-- {
		s.down(i)
	}
}

func (s *Store) remove(e *entry) {
	s.bytes -= int(e.size)
	delete(s.entries, e.key)
	s.heapRemove(int(e.hidx))
	s.forget(e)
	s.unlink(e)
}

// Recency list.

func (s *Store) linkBack(e *entry) {
	last := s.lru.prev
	e.prev, e.next = last, &s.lru
	last.next = e
	s.lru.prev = e
	if s.cold == &s.lru {
		s.cold = e
	}
}

func (s *Store) unlink(e *entry) {
	if s.cold == e {
		s.cold = e.next
	}
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// touch makes e the most recently used entry, at or after s.cold.
func (s *Store) touch(e *entry) {
	if s.lru.prev == e {
		if s.cold == &s.lru {
			s.cold = e
		}
		return
	}
	s.unlink(e)
	s.linkBack(e)
}

// Min-heap by expiry (container/heap would box every call in an interface).

func (s *Store) push(e *entry) {
	e.hidx = int32(len(s.heap))
	s.heap = append(s.heap, e)
	s.up(int(e.hidx))
}

func (s *Store) heapRemove(i int) {
	last := len(s.heap) - 1
	if i != last {
		s.swap(i, last)
	}
	s.heap[last] = nil
	s.heap = s.heap[:last]
	if i != last {
		s.fix(i)
	}
}

func (s *Store) fix(i int) {
	if !s.down(i) {
		s.up(i)
	}
}

func (s *Store) swap(i, j int) {
	s.heap[i], s.heap[j] = s.heap[j], s.heap[i]
	s.heap[i].hidx = int32(i)
	s.heap[j].hidx = int32(j)
}

func (s *Store) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if s.heap[i].exp <= s.heap[j].exp {
			break
		}
		s.swap(i, j)
		j = i
	}
}

func (s *Store) down(i0 int) bool {
	i, n := i0, len(s.heap)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && s.heap[r].exp < s.heap[l].exp {
			j = r
		}
		if s.heap[j].exp >= s.heap[i].exp {
			break
		}
		s.swap(i, j)
		i = j
	}
	return i > i0
}
