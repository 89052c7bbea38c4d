// Package memcache keeps sessions in memcached, as Django's cache session
// engine does on Django's PyMemcacheCache (pymemcache's HashClient): same
// keys, same value flags, expiry as the item's exptime, and with several
// servers the server pymemcache picks for each key (Rendezvous), so that a
// Go service and a Django site that share a memcached pool share their
// sessions.
//
// The store takes a gomemcache client that you build. With gomemcache
// imported as memcache and this package as memcachestore (Example is this
// code, compiled; here, where memcache names this package, it is (not compiled):
//
//	selector, err := memcachestore.NewRendezvous("127.0.0.1:11211", "127.0.0.1:11212")
//	client := memcache.NewFromSelector(selector)
//	client.Timeout = 200 * time.Millisecond
//	store, err := memcachestore.New(client, memcachestore.Options{})
//	sessions, err := session.New(store, session.Config{
//		SecretKey: key,
//		Codec:     pickle.Codec{}, // to share with Django; session.JSONCodec{} for Go only
//	})
//
// # Codecs
//
// The store keeps the bytes that session.Config.Codec makes:
//
//   - pickle.Codec (package session/pickle), recommended, and the one to
//     share sessions with a Django site: Django's cache framework pickles
//     the session dict, and pymemcache marks a pickled value with its
//     FLAG_PICKLE (1). The store writes that flag for a pickle, so Django
//     reads what Go writes.
//   - session.JSONCodec, for Go-only use: stored with flags 0 (bytes),
//     which a Django site would read as bytes, not as a session.
//
// An item with another pymemcache flag (a str, an int, python-memcached's
// compression) is not a session: Load reports it as found with an error
// matching session.ErrCorrupt (see DecodeValue).
//
// # Keys and expiry
//
// The key of a session is Django's cache key: KEY_PREFIX ":" VERSION ":"
// "django.contrib.sessions.cache" and the session key, so
// ":1:django.contrib.sessions.cache" + key with Django's defaults
// (Options.KeyPrefix, Options.Version). memcached refuses keys over 250
// bytes and keys with spaces or control characters: New checks the prefix,
// and every call checks the whole key (an error matching ErrBadKey). It
// keeps items up to 1 MiB by default (-I): Save refuses a larger record
// with ErrTooLarge before sending it (Options.MaxItemSize).
//
// The item's exptime is what Django's get_backend_timeout makes of the
// session's age: whole seconds (rounded up here, so a record never expires
// before its session), and, since memcached reads an exptime above 30 days
// (2,592,000 s) as an absolute Unix time, the expiry's Unix time for a
// longer age. memcached removes expired items itself: ClearExpired has
// nothing to do. It cannot report an item's expiry: Load returns the zero
// time, as Django's cache engine, which never asks for it either.
//
// A new session is written with add (only if absent), an update with
// replace (only if present): a session deleted by a concurrent request (a
// logout) is never brought back by a slow request that saves after it; the
// save fails with session.ErrNotFound. Round trips per request: none for a
// request that does not touch its session, one for a read (get), one for a
// new session (add), two for a modification (get, then replace).
//
// # No persistence, and a server that is down
//
// memcached keeps nothing across a restart: the sessions it held are gone,
// and requests that carry their cookies are anonymous. Load reports a
// server that does not answer (refused, timed out) as a miss, as Django's
// cache engine does (its load catches every exception): the request is
// anonymous, not an error page; a warning is logged when the store starts
// failing and an info line when it answers again (one line per change, not
// one per request). Options.ReportLoadErrors returns the errors instead.
// Save and Delete always return the error: a login while the server is
// down fails, as it does on Django.
//
// # Deadlines
//
// gomemcache takes no context. Every call checks its context first (a
// cancelled or expired context sends nothing), and is then bounded by the
// client's Timeout (gomemcache's DefaultTimeout, 500 ms, when zero), which
// applies to the connection and to each read and write. New refuses a
// client whose Timeout is above session.DefaultSaveTimeout; keep it below
// session.Config.SaveTimeout, and well below a request's own deadline,
// since a call that has started is not cut short by its context.
package memcache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/session"
)

// EnginePrefix is the prefix Django's cache session engine puts before the
// session key (django.contrib.sessions.backends.cache.KEY_PREFIX).
const EnginePrefix = "django.contrib.sessions.cache"

// MaxKeyLen is the longest key memcached accepts, in bytes.
const MaxKeyLen = 250

// Options configures a Store. The zero value is Django's defaults.
type Options struct {
	// KeyPrefix is the KEY_PREFIX of the Django cache the sessions live in
	// (its CACHES entry). Empty means Django's default, "".
	KeyPrefix string

	// Version is the VERSION of that Django cache. Zero means Django's
	// default, 1.
	Version int

	// ReportLoadErrors makes Load return the error of a server that does
	// not answer, instead of reporting a miss (Django's behaviour). The
	// session middleware then answers with its ErrorHandler (a 500 by
	// default).
	ReportLoadErrors bool

	// Logger receives one line each time the servers stop answering Load
	// and one when they answer again. Nil means slog.Default().
	Logger *slog.Logger

	// MaxItemSize is the largest item the servers keep (memcached's -I).
	// Zero means memcached's default, 1 MiB. A record that would not fit
	// (with its key and memcached's per-item overhead) is refused by Save
	// with an error matching ErrTooLarge, and nothing is written.
	MaxItemSize int
}

// DefaultMaxItemSize is memcached's default item size limit (-I 1m).
const DefaultMaxItemSize = 1 << 20

// itemOverhead is what memcached keeps beside each item's key and value
// (its header, CAS and suffix), rounded up.
const itemOverhead = 64

// ErrTooLarge is matched by the error of a Save whose record is over
// Options.MaxItemSize.
var ErrTooLarge = errors.New("memcache store: the record is too large for a memcached item")

// ErrConfig is matched by the errors of New.
var ErrConfig = errors.New("memcache store: invalid configuration")

// ErrBadKey is matched by the error of a call whose key memcached would
// refuse: longer than MaxKeyLen bytes, or with a space or a control
// character.
var ErrBadKey = errors.New("memcache store: invalid key")

// Store is a session.Store on memcached. It also implements session.Exister
// and session.ExpiredClearer (a no-op: items expire on their own). It is
// safe for concurrent use.
type Store struct {
	client  *gomemcache.Client
	prefix  string // "KEY_PREFIX:VERSION:django.contrib.sessions.cache"
	report  bool
	logger  *slog.Logger
	maxItem int
	failing atomic.Bool // the last Load could not reach its server
	now     func() time.Time
}

var (
	_ session.Store          = (*Store)(nil)
	_ session.Exister        = (*Store)(nil)
	_ session.ExpiredClearer = (*Store)(nil)
)

// New returns a Store on client, which the caller builds (gomemcache.New,
// or gomemcache.NewFromSelector with NewRendezvous to share several servers
// with Django) and closes. The error matches ErrConfig for a nil client, a
// negative Version, a client Timeout above session.DefaultSaveTimeout, or
// a KeyPrefix that memcached would refuse in a key.
func New(client *gomemcache.Client, opts Options) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: the client is nil", ErrConfig)
	}
	if opts.Version < 0 {
		return nil, fmt.Errorf("%w: Version %d is negative", ErrConfig, opts.Version)
	}
	if opts.Version == 0 {
		opts.Version = 1
	}
	if opts.MaxItemSize < 0 {
		return nil, fmt.Errorf("%w: MaxItemSize %d is negative", ErrConfig, opts.MaxItemSize)
	}
	if opts.MaxItemSize == 0 {
		opts.MaxItemSize = DefaultMaxItemSize
	}
	if client.Timeout < 0 || client.Timeout > session.DefaultSaveTimeout {
		return nil, fmt.Errorf("%w: the client's Timeout %v bounds every call (gomemcache takes no context): "+
			"keep it between 0 (gomemcache's 500ms) and %v", ErrConfig, client.Timeout, session.DefaultSaveTimeout)
	}
	prefix := CacheKey(opts.KeyPrefix, opts.Version, EnginePrefix)
	// Django's session keys are 32 characters.
	if err := CheckKey(prefix + "00000000000000000000000000000000"); err != nil {
		return nil, fmt.Errorf("%w: KeyPrefix %q: %w", ErrConfig, opts.KeyPrefix, err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &Store{client: client, prefix: prefix, report: opts.ReportLoadErrors, logger: logger,
		maxItem: opts.MaxItemSize, now: time.Now}, nil
}

// CacheKey is Django's default KEY_FUNCTION: "prefix:version:key".
func CacheKey(prefix string, version int, key string) string {
	return prefix + ":" + strconv.Itoa(version) + ":" + key
}

// CheckKey returns an error matching ErrBadKey when memcached would refuse
// key: longer than MaxKeyLen bytes, empty, or with a byte that is a space,
// a control character or DEL (Django's memcache_key_warnings).
func CheckKey(key string) error {
	if len(key) == 0 || len(key) > MaxKeyLen {
		return fmt.Errorf("%w: %d bytes, memcached takes 1 to %d", ErrBadKey, len(key), MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("%w: byte %#x at %d", ErrBadKey, c, i)
		}
	}
	return nil
}

// Key returns the memcached key of a session key: Django's cache key for it.
func (s *Store) Key(sessionKey string) string {
	return s.prefix + sessionKey
}

// key returns the checked memcached key of a session key.
func (s *Store) key(sessionKey string) (string, error) {
	k := s.Key(sessionKey)
	return k, CheckKey(k)
}

// Load reads the item (get). A miss, an expired item, and (unless
// Options.ReportLoadErrors) a server that does not answer are all "not
// found"; an item whose flags are not a session's is found with an error
// matching session.ErrCorrupt. The expiry is the zero time: memcached does
// not report it.
func (s *Store) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("memcache store: load: %w", err)
	}
	k, err := s.key(key)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("memcache store: load: %w", err)
	}
	it, err := s.client.Get(k)
	switch {
	case errors.Is(err, gomemcache.ErrCacheMiss):
		s.answered(ctx)
		return nil, time.Time{}, false, nil
	case err != nil:
		if s.report {
			return nil, time.Time{}, false, fmt.Errorf("memcache store: load: %w", err)
		}
		if !s.failing.Swap(true) {
			s.logger.WarnContext(ctx, "memcache store: the server does not answer; its sessions load as anonymous", "err", err)
		}
		return nil, time.Time{}, false, nil
	}
	s.answered(ctx)
	data, err := DecodeValue(it.Value, it.Flags)
	if err != nil {
		return nil, time.Time{}, true, fmt.Errorf("memcache store: load: %w", err)
	}
	return data, time.Time{}, true, nil
}

// answered records that a Load reached its server, logging the recovery.
func (s *Store) answered(ctx context.Context) {
	if s.failing.Load() && s.failing.Swap(false) {
		s.logger.InfoContext(ctx, "memcache store: the server answers again")
	}
}

// Save writes the item with its expiry as exptime (Django's
// get_backend_timeout): add for mustCreate (session.ErrKeyExists when the
// key is taken), replace otherwise (session.ErrNotFound when there is no
// live item). An expiry that has passed writes an item that expires at once.
func (s *Store) Save(ctx context.Context, key string, data []byte, expiry time.Time, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcache store: save: %w", err)
	}
	k, err := s.key(key)
	if err != nil {
		return fmt.Errorf("memcache store: save: %w", err)
	}
	if n := len(k) + len(data) + itemOverhead; n > s.maxItem {
		return fmt.Errorf("%w: %d bytes with its key, over the limit of %d (Options.MaxItemSize, memcached's -I)",
			ErrTooLarge, n, s.maxItem)
	}
	it := &gomemcache.Item{Key: k, Value: data, Flags: EncodeFlags(data), Expiration: Exptime(expiry, s.now())}
	if mustCreate {
		err = s.client.Add(it)
	} else {
		err = s.client.Replace(it)
	}
	switch {
	case errors.Is(err, gomemcache.ErrNotStored) && mustCreate:
		return fmt.Errorf("memcache store: save: %w", session.ErrKeyExists)
	case errors.Is(err, gomemcache.ErrNotStored):
		return fmt.Errorf("memcache store: save: %w", session.ErrNotFound)
	case err != nil:
		return fmt.Errorf("memcache store: save: %w", err)
	}
	return nil
}

// Delete removes the item (delete). Deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcache store: delete: %w", err)
	}
	k, err := s.key(key)
	if err != nil {
		return fmt.Errorf("memcache store: delete: %w", err)
	}
	if err := s.client.Delete(k); err != nil && !errors.Is(err, gomemcache.ErrCacheMiss) {
		return fmt.Errorf("memcache store: delete: %w", err)
	}
	return nil
}

// Exists reports whether a live item has that key (a get, as Django's
// cache engine's exists(): memcached has no cheaper test).
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("memcache store: exists: %w", err)
	}
	k, err := s.key(key)
	if err != nil {
		return false, fmt.Errorf("memcache store: exists: %w", err)
	}
	_, err = s.client.Get(k)
	switch {
	case errors.Is(err, gomemcache.ErrCacheMiss):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("memcache store: exists: %w", err)
	}
	return true, nil
}

// ClearExpired does nothing, as Django's cache engine's clear_expired():
// memcached drops each item at its exptime. It returns only the context's
// error.
func (s *Store) ClearExpired(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcache store: clear expired: %w", err)
	}
	return nil
}
