// Package cacheddb is Django's cached_db session engine: a cache in front
// of a database store, with the database as the source of truth. A Go
// service and a Django site that share the database, the cache and
// SECRET_KEY share their sessions.
//
// The database is a session.Store of records, the form Django's db engine
// keeps: store/sqlstore on django_session, as Django's cached_db, which is
// its db engine with a cache (a store that keeps decoded values, such as
// store/memory, is refused). The cache is anything
// that implements Cache, the small raw interface that store/redis
// (redisstore.NewRawCache) and store/memcache (memcachestore.NewRawCache)
// provide. With db a database store and cache one of those (the
// Example_cachedDB functions of store/memcache and store/redis are this
// code, compiled; here it is (not compiled):
//
//	store, err := cacheddb.New(db, cache, cacheddb.Options{
//		DBCodec: session.NewDjangoCodec(secretKey, nil, nil), // what Django's db engine writes
//	})
//	sessions, err := session.New(store, session.Config{SecretKey: secretKey})
//
// # What it does, as Django does
//
// The cache holds the raw session dict, pickled (Options.CacheCodec,
// recommended and the default: pickle.Codec), under Django's cache key:
// the cache framework's KEY_PREFIX ":" VERSION ":" then
// "django.contrib.sessions.cached_db" and the session key. The database
// holds the signed form (Options.DBCodec). A read asks the cache, then on a
// miss the database, and fills the cache with what it found (for the
// record's remaining age); a write goes to the database, then to the cache
// (create or update, with the database's rules: ErrKeyExists, ErrNotFound);
// a delete removes the row, then the cache entry.
//
// Store is a session.ValueStore: the session middleware hands it decoded
// values, so a cache hit costs one round trip and one unpickling, and no
// signature. Its byte methods, Load and Save, work with the database's own
// bytes (DBCodec's form): Load reads the database only, Save writes it and
// drops the cache entry.
//
// # A cache that is down, slow or empty
//
// The database decides: a cache miss (an eviction, a restart) is a database
// read. A cache that fails (an error, or no answer within
// Options.CacheTimeout) is skipped: the request goes on with the database,
// never an error page. A circuit breaker then stops asking the cache for
// Options.RetryAfter, so a dead cache costs one timeout, not one per
// request; after that, one request probes it, and the breaker closes when
// the cache answers. Each change of state is one log line (a warning when
// the cache is given up, an info line when it is back).
//
// While the cache is skipped, writes and deletes cannot reach it, and its
// copy of those sessions goes stale (a logout whose cache entry survives
// would log the user back in when the cache returns). The store remembers
// those keys (up to MaxStale of them) and deletes them from the cache
// before it trusts it again. Another process that shares the cache cannot
// know about them: with several processes, an outage of the cache should
// end with a restart or a flush of it. Django itself answers an error page
// when its cache fails.
//
// A database that fails is the store error it always is.
package cacheddb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
)

// EnginePrefix is the prefix Django's cached_db engine puts before the
// session key (django.contrib.sessions.backends.cached_db.KEY_PREFIX).
const EnginePrefix = "django.contrib.sessions.cached_db"

// MaxStale is the number of keys whose cache entry the store remembers to
// delete when the cache comes back.
const MaxStale = 10000

// Defaults of Options.
const (
	DefaultCacheTimeout = 100 * time.Millisecond
	DefaultRetryAfter   = 5 * time.Second
)

// Cache is a raw cache: bytes by key, with a time to live. Keys are
// final (the store applies Django's key function); a Cache adds nothing to
// them. Implementations must be safe for concurrent use and honour their
// context's deadline, or document the bound they use instead.
type Cache interface {
	// Get returns the value under key; found is false for a missing or
	// expired key, with a nil error.
	Get(ctx context.Context, key string) (value []byte, found bool, err error)

	// Set stores value under key for ttl (always positive), replacing any
	// value there.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error

	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Options configures a Store.
type Options struct {
	// DBCodec encodes the records of the database store. Required: use
	// session.NewDjangoCodec with the site's SECRET_KEY for the form
	// Django's db and cached_db engines keep.
	DBCodec session.Codec

	// CacheCodec encodes the cache's copies. Nil means pickle.Codec{},
	// what Django's cache framework keeps; session.JSONCodec{} is faster
	// for Go-only use.
	CacheCodec session.Codec

	// KeyPrefix and Version are the KEY_PREFIX and VERSION of the Django
	// cache (SESSION_CACHE_ALIAS). Empty and zero mean Django's defaults,
	// "" and 1.
	KeyPrefix string
	Version   int

	// CacheTimeout bounds each cache call (as the context's deadline; a
	// Cache that takes no context, such as memcached's, uses its client's
	// own timeout: set it to the same). Zero means DefaultCacheTimeout.
	CacheTimeout time.Duration

	// RetryAfter is how long the cache is skipped after it fails, before
	// one request tries it again. Zero means DefaultRetryAfter.
	RetryAfter time.Duration

	// Logger receives the breaker's changes of state. Nil means
	// slog.Default().
	Logger *slog.Logger

	// Now is the clock, for tests. Nil means time.Now.
	Now func() time.Time
}

// ErrConfig is matched by the errors of New.
var ErrConfig = errors.New("cacheddb: invalid configuration")

// Store is Django's cached_db engine. It implements session.ValueStore and
// session.Exister, and passes ClearExpired and Count to the database store
// (an error matching session.ErrNotSupported when it has neither). It is
// safe for concurrent use.
type Store struct {
	db         session.Store
	cache      Cache
	dbCodec    session.Codec
	cacheCodec session.Codec
	prefix     string
	timeout    time.Duration
	retryAfter time.Duration
	logger     *slog.Logger
	now        func() time.Time

	open    atomic.Bool // the breaker: the cache is being skipped
	mu      sync.Mutex  // guards what follows
	until   time.Time   // no probe before this
	probing bool
	stale   map[string]struct{} // cache keys to delete before the cache is trusted again
	lost    bool                // stale overflowed MaxStale
}

var (
	_ session.ValueStore     = (*Store)(nil)
	_ session.Exister        = (*Store)(nil)
	_ session.ExpiredClearer = (*Store)(nil)
	_ session.Counter        = (*Store)(nil)
)

// New returns a Store with the database store db and the cache cache. The
// error matches ErrConfig for a nil db, cache or DBCodec, a negative
// Version, CacheTimeout or RetryAfter.
func New(db session.Store, cache Cache, opts Options) (*Store, error) {
	switch {
	case db == nil:
		return nil, fmt.Errorf("%w: the database store is nil", ErrConfig)
	case cache == nil:
		return nil, fmt.Errorf("%w: the cache is nil", ErrConfig)
	case opts.DBCodec == nil:
		return nil, fmt.Errorf("%w: DBCodec is nil (session.NewDjangoCodec gives Django's form)", ErrConfig)
	case opts.Version < 0 || opts.CacheTimeout < 0 || opts.RetryAfter < 0:
		return nil, fmt.Errorf("%w: Version, CacheTimeout and RetryAfter cannot be negative", ErrConfig)
	}
	if _, ok := db.(session.ValueStore); ok {
		return nil, fmt.Errorf("%w: %T keeps decoded values, not a database's records", ErrConfig, db)
	}
	if opts.CacheCodec == nil {
		opts.CacheCodec = pickle.Codec{}
	}
	if opts.Version == 0 {
		opts.Version = 1
	}
	if opts.CacheTimeout == 0 {
		opts.CacheTimeout = DefaultCacheTimeout
	}
	if opts.RetryAfter == 0 {
		opts.RetryAfter = DefaultRetryAfter
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{
		db: db, cache: cache, dbCodec: opts.DBCodec, cacheCodec: opts.CacheCodec,
		prefix:  opts.KeyPrefix + ":" + strconv.Itoa(opts.Version) + ":" + EnginePrefix,
		timeout: opts.CacheTimeout, retryAfter: opts.RetryAfter, logger: opts.Logger, now: opts.Now,
		stale: map[string]struct{}{},
	}, nil
}

// CacheKey returns the cache key of a session key: Django's
// make_key("django.contrib.sessions.cached_db" + key).
func (s *Store) CacheKey(sessionKey string) string {
	return s.prefix + sessionKey
}

// LoadValues reads the cache, then on a miss (or a cache that fails or is
// skipped) the database, and fills the cache with what the database had.
// A cache hit reports the zero expiry (the cache does not say); a database
// read reports the row's.
func (s *Store) LoadValues(ctx context.Context, key string) (map[string]any, time.Time, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("cacheddb: load: %w", err)
	}
	ck := s.CacheKey(key)
	if s.useCache(ctx) {
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		data, found, err := s.cache.Get(cctx, ck)
		cancel()
		switch {
		case err != nil:
			s.failed(ctx, err)
		case found:
			s.answered(ctx)
			if s.open.Load() {
				// Still open: sessions changed while this probe ran, and
				// this entry may be one of them. The database decides.
				break
			}
			if vals, err := s.cacheCodec.Decode(data); err == nil {
				return vals, time.Time{}, true, nil
			}
			// An entry the codec cannot read: the database decides, and
			// the fill below replaces it.
		default:
			s.answered(ctx)
		}
	}
	data, exp, found, err := s.db.Load(ctx, key)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("cacheddb: load: %w", err)
	}
	if !found {
		return nil, time.Time{}, false, nil
	}
	vals, err := s.dbCodec.Decode(data)
	if err != nil {
		if !errors.Is(err, session.ErrCorrupt) {
			err = fmt.Errorf("%w: %w", session.ErrCorrupt, err)
		}
		return nil, exp, true, fmt.Errorf("cacheddb: load: %w", err)
	}
	if !exp.IsZero() {
		s.setCache(ctx, key, vals, exp)
	}
	return vals, exp, true, nil
}

// SaveValues writes the database (with its mustCreate rules), then the
// cache.
func (s *Store) SaveValues(ctx context.Context, key string, values map[string]any, expiry time.Time, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cacheddb: save: %w", err)
	}
	data, err := s.dbCodec.Encode(values)
	if err != nil {
		return fmt.Errorf("cacheddb: save: %w", err)
	}
	if err := s.db.Save(ctx, key, data, expiry, mustCreate); err != nil {
		return fmt.Errorf("cacheddb: save: %w", err)
	}
	s.setCache(ctx, key, values, expiry)
	return nil
}

// setCache puts the cache's copy of a session that lives until expiry, or
// remembers that the cache's copy is stale.
//
// The database has been written already: the cache's call runs even when
// the request's context is cancelled (within CacheTimeout), so that a
// client that goes away never leaves an old copy in the cache.
func (s *Store) setCache(ctx context.Context, key string, values map[string]any, expiry time.Time) {
	ctx = context.WithoutCancel(ctx)
	ck := s.CacheKey(key)
	ttl := expiry.Sub(s.now())
	if ttl <= 0 {
		s.dropCache(ctx, ck)
		return
	}
	data, err := s.cacheCodec.Encode(values)
	if err != nil {
		// Values the cache codec cannot hold: the database has them.
		s.dropCache(ctx, ck)
		return
	}
	if !s.useCache(ctx) {
		s.markStale(ctx, ck)
		return
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	err = s.cache.Set(cctx, ck, data, ttl)
	cancel()
	if err != nil {
		s.failed(ctx, err)
		s.markStale(ctx, ck)
		return
	}
	s.answered(ctx)
}

// dropCache deletes a cache entry, or remembers that it is stale. Like
// setCache, it runs even when the request's context is cancelled.
func (s *Store) dropCache(ctx context.Context, ck string) {
	ctx = context.WithoutCancel(ctx)
	if !s.useCache(ctx) {
		s.markStale(ctx, ck)
		return
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	err := s.cache.Delete(cctx, ck)
	cancel()
	if err != nil {
		s.failed(ctx, err)
		s.markStale(ctx, ck)
		return
	}
	s.answered(ctx)
}

// Load reads the database's record (DBCodec's bytes), without the cache.
func (s *Store) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	data, exp, found, err := s.db.Load(ctx, key)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("cacheddb: load: %w", err)
	}
	return data, exp, found, nil
}

// Save writes data (DBCodec's bytes) to the database, with its mustCreate
// rules, and drops the cache's copy.
func (s *Store) Save(ctx context.Context, key string, data []byte, expiry time.Time, mustCreate bool) error {
	if err := s.db.Save(ctx, key, data, expiry, mustCreate); err != nil {
		return fmt.Errorf("cacheddb: save: %w", err)
	}
	s.dropCache(ctx, s.CacheKey(key))
	return nil
}

// Delete removes the database's record, then the cache's copy.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.db.Delete(ctx, key); err != nil {
		return fmt.Errorf("cacheddb: delete: %w", err)
	}
	s.dropCache(ctx, s.CacheKey(key))
	return nil
}

// Exists reports whether the cache or the database has the key, as
// Django's exists().
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("cacheddb: exists: %w", err)
	}
	if s.useCache(ctx) {
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		_, found, err := s.cache.Get(cctx, s.CacheKey(key))
		cancel()
		if err != nil {
			s.failed(ctx, err)
		} else {
			s.answered(ctx)
			if found {
				return true, nil
			}
		}
	}
	if e, ok := s.db.(session.Exister); ok {
		found, err := e.Exists(ctx, key)
		if err != nil {
			return false, fmt.Errorf("cacheddb: exists: %w", err)
		}
		return found, nil
	}
	_, _, found, err := s.db.Load(ctx, key)
	if err != nil {
		return false, fmt.Errorf("cacheddb: exists: %w", err)
	}
	return found, nil
}

// ClearExpired removes the database's expired records (the cache expires
// its own), when the database store can.
func (s *Store) ClearExpired(ctx context.Context) error {
	c, ok := s.db.(session.ExpiredClearer)
	if !ok {
		return fmt.Errorf("cacheddb: clear expired: %w: %T has no ClearExpired", session.ErrNotSupported, s.db)
	}
	if err := c.ClearExpired(ctx); err != nil {
		return fmt.Errorf("cacheddb: clear expired: %w", err)
	}
	return nil
}

// Count returns the number of the database's live records, when the
// database store can count.
func (s *Store) Count(ctx context.Context) (int64, error) {
	c, ok := s.db.(session.Counter)
	if !ok {
		return 0, fmt.Errorf("cacheddb: count: %w: %T has no Count", session.ErrNotSupported, s.db)
	}
	n, err := c.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("cacheddb: count: %w", err)
	}
	return n, nil
}
