// Package redis keeps sessions in Redis, as Django's cache session engine
// does on a Redis cache (django-redis, or Django 4.0+'s RedisCache): same
// keys, expiry as the server's TTL, so that a Go service and a Django site
// that share a Redis share their sessions.
//
// The store takes a go-redis client that you build, any
// redis.UniversalClient: one node (*redis.Client), Sentinel
// (redis.NewFailoverClient, also a *redis.Client) or Cluster
// (*redis.ClusterClient). Each session is one key, so every command lands on
// one node (hash slot) of a cluster. With go-redis imported as redis and
// this package as redisstore (Example is this code, compiled and run; here,
// where redis names this package, it is (not compiled):
//
//	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
//	store, err := redisstore.New(client, redisstore.Options{})
//	sessions, err := session.New(store, session.Config{
//		SecretKey: key,
//		Codec:     session.JSONCodec{}, // Go only; pickle.Codec{} to share with Django
//	})
//
// # Codecs
//
// The store keeps the bytes that session.Config.Codec makes. Pick one:
//
//   - session.JSONCodec, recommended for Go-only use: the fastest, and
//     unsigned, as Django's cache engine keeps its sessions unsigned (keep
//     the Redis server to yourself).
//   - pickle.Codec (package session/pickle), to share sessions with a
//     Django site's cache engine: Django's cache framework pickles the
//     session dict, and this codec reads and writes exactly that (data
//     only, never code).
//   - Config's default, session.DjangoCodec, works too (signed JSON, as
//     Django's database engine), at the cost of two HMACs per request, and
//     no Django cache engine reads it.
//
// A record in another codec's format (a Django session read with JSONCodec)
// is an error matching session.ErrCodecMismatch, never an empty session
// that the next save writes over.
//
// # Keys and expiry
//
// The key of a session is what Django's cache framework makes of the cache
// engine's key: the default KEY_FUNCTION's "KEY_PREFIX:VERSION:" and then
// "django.contrib.sessions.cache" and the session key, so
// ":1:django.contrib.sessions.cache" + key with Django's defaults.
// Options.KeyPrefix and Options.Version are Django's KEY_PREFIX and VERSION.
//
// Each record expires at the expiry the session package computes, as the
// key's TTL (to the millisecond): Redis removes expired sessions on its own,
// so ClearExpired (clearsessions) has nothing to do, as for Django's cache
// engine.
//
// A new session is written with SET NX (create only if absent) and its
// expiry in one command; an update with SET XX (only if present): a
// session deleted by a concurrent request (a logout) is never brought back
// by a slow request that saves after it, and the save fails with
// session.ErrNotFound (the middleware's ErrSessionInterrupted).
//
// Round trips per request: none for a request that does not touch its
// session, one for a read (GET), one for a new session (SET NX), two for a
// modification (the read, then SET XX). Load reports no expiry by default,
// as Django's cache engine, which never asks for the TTL either: the
// session package computes a session's expiry from its data, and needs the
// stored one only for Session.LoadedExpiry. Options.LoadExpiry adds a PTTL
// to the GET (pipelined: still one round trip) for tools that show it, such
// as sessionctl inspect.
//
// # Deadlines
//
// go-redis honours a context's deadline only when the client is built with
// ContextTimeoutEnabled: true; without it a command that has been sent
// waits for the client's ReadTimeout and WriteTimeout (5 seconds each by
// default), whatever the request's context or session.Config.SaveTimeout
// say. So New refuses a client (a *redis.Client, *redis.ClusterClient or
// *redis.Ring, whose options it can read) that lacks ContextTimeoutEnabled,
// unless Options.AllowContextTimeoutOff accepts the client's own timeouts as
// the bound. Whatever the client, every call checks its context first: a
// cancelled or expired context sends nothing.
//
// The middleware's save runs under session.Config.SaveTimeout, but its read
// runs under the request's context, which usually has no deadline. So every
// call also runs under Options.Timeout (DefaultTimeout, 5 s, the same as
// session.DefaultSaveTimeout) when its context has no sooner deadline.
// Without it, a read from a server that accepts connections and never
// answers (a frozen process, a dead link) waits for ReadTimeout once per
// attempt of go-redis: 10 s measured with go-redis's defaults, and 15 s
// for 60 requests at once. With it, every
// request ends at the soonest of its own deadline, SaveTimeout for the
// save and Options.Timeout for the read, however many wait (TestFrozenServer
// runs this on a redis-server under SIGSTOP). Without ContextTimeoutEnabled
// neither deadline reaches the socket: a call ends at the first ReadTimeout
// that runs out after its deadline (go-redis starts no new attempt past
// it), so keep ReadTimeout short there.
//
// # Sentinel, Cluster and failures
//
// A redis.NewFailoverClient follows Sentinel's failovers: when the master
// stops, calls fail (the middleware's ErrorHandler answers: 500 by
// default) until the sentinels promote the replica and the client
// reconnects, about 4 s with down-after-milliseconds at 2 s
// (TestSentinel). A redis.ClusterClient sends each session to the master of
// its key's slot; when a master stops, the calls for its slots fail until
// its replica takes over (about 5 s with cluster-node-timeout at 2 s,
// TestCluster), and the other slots are served throughout, provided the
// nodes run with cluster-require-full-coverage no (with the default, yes,
// the whole cluster refuses every slot while one is uncovered). go-redis's
// ClusterClient reloads its slot map only on MOVED and ASK replies and
// every ClusterStateReloadInterval (60 s by default; redis/go-redis#3979),
// so after an error of the connection the store asks it to reload
// (ClusterClient.ReloadState): without that the failed-over slots kept
// going to the dead address for the whole interval.
//
// When the one server (or a Sentinel master) is down for longer, go-redis's
// pool, after PoolSize failed dials, fails every call at once and probes
// the server once a second: requests fail fast during the outage, and
// succeed again within about a second of the server's return
// (TestOutage).
//
// What a failure can lose is Redis's to decide, and the store adds no
// WAIT: a save is acknowledged when the master has it in memory.
//   - A master stopped cleanly (SIGTERM, SHUTDOWN) loses nothing: Redis 7
//     waits for its replicas to catch up (shutdown-timeout, 10 s) and
//     writes its append-only file before it exits, and a failover then
//     promotes a replica that has every acknowledged write. The tests
//     check exactly that.
//   - A master that dies (SIGKILL, a crash, a power cut) with replicas
//     loses what its replica had not received yet, since replication is
//     asynchronous: the replica promoted then lacks those sessions (their
//     users are logged out, or a logout is undone).
//   - One server restarted from its append-only file: Redis writes each
//     command to the file before it answers, so a killed process (SIGKILL,
//     the OOM killer) loses nothing it acknowledged; TestCrash kills one in
//     the middle of a load and finds every session. The exception, with
//     appendfsync everysec (the default), is a disk so slow that an fsync
//     is still running: Redis then holds writes back (and answers) for up
//     to 2 s, and a kill loses those. A power cut or a kernel crash loses
//     what was not fsynced: up to about a second of writes with everysec
//     (two when the fsync lags), none with appendfsync always, at the cost
//     of an fsync per write.
//
// A lost session is a logged-out user (or a logout undone), which is
// why the window is acceptable for most sites. The store does not close
// it: a WAIT pipelined after each save (WAIT counts the writes of its own
// connection) would, at a round trip to the replica per save; that option
// is not built.
package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/session"
)

// EnginePrefix is the prefix Django's cache session engine puts before the
// session key (django.contrib.sessions.backends.cache.KEY_PREFIX).
const EnginePrefix = "django.contrib.sessions.cache"

// Options configures a Store. The zero value is Django's defaults.
type Options struct {
	// KeyPrefix is the KEY_PREFIX of the Django cache the sessions live in
	// (its CACHES entry). Empty means Django's default, "".
	KeyPrefix string

	// Version is the VERSION of that Django cache. Zero means Django's
	// default, 1.
	Version int

	// LoadExpiry makes Load report the record's expiry, from the key's TTL
	// (PTTL, pipelined with the GET). Without it Load returns the zero
	// time, as storetest's LoadHasNoExpiry allows, and one command less.
	LoadExpiry bool

	// Timeout bounds each call of the store (Load, Save, Delete, Exists)
	// whose context has no sooner deadline. A request's context usually
	// has none, and the session middleware loads with it: without a bound
	// of the store's own, a read from a server that accepts and never
	// answers (frozen, or stuck behind a dead link) would wait for the
	// client's ReadTimeout on every attempt go-redis makes. The middleware's
	// save has session.Config.SaveTimeout as its deadline already. Zero
	// means DefaultTimeout; a negative value means no bound but the
	// context's. It reaches the socket only with ContextTimeoutEnabled.
	Timeout time.Duration

	// AllowContextTimeoutOff accepts a client built without
	// ContextTimeoutEnabled: a command then waits for the client's
	// ReadTimeout and WriteTimeout rather than the context's deadline. Keep
	// those below session.Config.SaveTimeout.
	AllowContextTimeoutOff bool
}

// DefaultTimeout is Options.Timeout's default: session.DefaultSaveTimeout,
// so that with the defaults a request's read is bounded as its save is.
const DefaultTimeout = session.DefaultSaveTimeout

// ErrConfig is matched by the errors of New.
var ErrConfig = errors.New("redis store: invalid configuration")

// Store is a session.Store on Redis. It also implements session.Exister
// and session.ExpiredClearer (a no-op: keys expire at their TTL). It is
// safe for concurrent use.
type Store struct {
	client     goredis.UniversalClient
	cluster    *goredis.ClusterClient // client, when it is one
	prefix     string                 // "KEY_PREFIX:VERSION:django.contrib.sessions.cache"
	loadExpiry bool
	timeout    time.Duration // <= 0: none
}

var (
	_ session.Store          = (*Store)(nil)
	_ session.Exister        = (*Store)(nil)
	_ session.ExpiredClearer = (*Store)(nil)
)

// New returns a Store on client, which the caller builds and closes. The
// error matches ErrConfig for a nil client, a negative Version, or a
// client without ContextTimeoutEnabled (see Options.AllowContextTimeoutOff).
func New(client goredis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: the client is nil", ErrConfig)
	}
	if opts.Version < 0 {
		return nil, fmt.Errorf("%w: Version %d is negative", ErrConfig, opts.Version)
	}
	if opts.Version == 0 {
		opts.Version = 1
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if enabled, known := contextTimeoutEnabled(client); known && !enabled && !opts.AllowContextTimeoutOff {
		return nil, fmt.Errorf("%w: the client was built without ContextTimeoutEnabled, so go-redis would ignore "+
			"the deadlines of the request and of session.Config.SaveTimeout: set ContextTimeoutEnabled: true in its "+
			"options, or Options.AllowContextTimeoutOff to rely on its ReadTimeout and WriteTimeout", ErrConfig)
	}
	cluster, _ := client.(*goredis.ClusterClient)
	return &Store{
		client:     client,
		cluster:    cluster,
		prefix:     opts.KeyPrefix + ":" + strconv.Itoa(opts.Version) + ":" + EnginePrefix,
		loadExpiry: opts.LoadExpiry,
		timeout:    opts.Timeout,
	}, nil
}

// contextTimeoutEnabled reads ContextTimeoutEnabled from the clients whose
// options go-redis exposes.
func contextTimeoutEnabled(c goredis.UniversalClient) (enabled, known bool) {
	switch c := c.(type) {
	case *goredis.Client:
		return c.Options().ContextTimeoutEnabled, true
	case *goredis.ClusterClient:
		return c.Options().ContextTimeoutEnabled, true
	case *goredis.Ring:
		return c.Options().ContextTimeoutEnabled, true
	}
	return false, false
}

// noCancel is the cancel function of a context that bound did not wrap.
var noCancel context.CancelFunc = func() {}

// bound returns ctx with the deadline of Options.Timeout when ctx has no
// sooner one.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout <= 0 {
		return ctx, noCancel
	}
	d := time.Now().Add(s.timeout)
	if dl, ok := ctx.Deadline(); ok && !dl.After(d) {
		return ctx, noCancel
	}
	return context.WithDeadline(ctx, d)
}

// fail wraps the error of a command. After an error of the connection (a
// refused dial, a timeout), not a reply of the server, it also asks a
// cluster client to reload its slot map: go-redis's ClusterClient reloads
// it on MOVED and ASK replies and every ClusterStateReloadInterval (60 s),
// not when a master stops answering (redis/go-redis#3979), so the slots of
// a master that failed over to its replica would go to the dead address
// for up to a minute. ReloadState is asynchronous and coalesces calls.
func (s *Store) fail(op string, err error) error {
	var reply goredis.Error
	if s.cluster != nil && !errors.Is(err, context.Canceled) && !errors.As(err, &reply) {
		s.cluster.ReloadState(context.Background())
	}
	return fmt.Errorf("redis store: %s: %w", op, err)
}

// Key returns the Redis key of a session key: Django's cache key for it.
func (s *Store) Key(sessionKey string) string {
	return s.prefix + sessionKey
}

// Load reads the record (GET). With Options.LoadExpiry it also reads its
// TTL in the same round trip (GET and PTTL, pipelined) and reports the
// expiry; a key without a TTL (not written by a session store) is then
// found with a zero expiry. Without it the expiry is the zero time.
func (s *Store) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("redis store: load: %w", err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	k := s.Key(key)
	if !s.loadExpiry {
		data, err := s.client.Get(ctx, k).Bytes()
		switch {
		case errors.Is(err, goredis.Nil):
			return nil, time.Time{}, false, nil
		case err != nil:
			return nil, time.Time{}, false, s.fail("load", err)
		}
		return data, time.Time{}, true, nil
	}
	pipe := s.client.Pipeline()
	get := pipe.Get(ctx, k)
	ttl := pipe.PTTL(ctx, k)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, time.Time{}, false, s.fail("load", err)
	}
	data, err := get.Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, s.fail("load", err)
	}
	d, err := ttl.Result()
	if err != nil {
		return nil, time.Time{}, false, s.fail("load", err)
	}
	switch {
	case d == -2: // gone between GET and PTTL: expired or deleted just now
		return nil, time.Time{}, false, nil
	case d < 0: // no TTL
		return data, time.Time{}, true, nil
	}
	return data, time.Now().Add(d), true, nil
}

// Save writes the record with its expiry as the key's TTL: SET NX for
// mustCreate (session.ErrKeyExists when the key is taken), SET XX otherwise
// (session.ErrNotFound when there is no live record). An expiry in the past
// writes nothing that can be loaded (Redis drops the key at once).
func (s *Store) Save(ctx context.Context, key string, data []byte, expiry time.Time, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redis store: save: %w", err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	mode := "xx"
	if mustCreate {
		mode = "nx"
	}
	// PXAT takes a positive Unix time in milliseconds.
	at := max(expiry.UnixMilli(), 1)
	cmd := goredis.NewStatusCmd(ctx, "set", s.Key(key), data, "pxat", at, mode)
	err := s.client.Process(ctx, cmd)
	switch {
	case errors.Is(err, goredis.Nil) && mustCreate:
		return fmt.Errorf("redis store: save: %w", session.ErrKeyExists)
	case errors.Is(err, goredis.Nil):
		return fmt.Errorf("redis store: save: %w", session.ErrNotFound)
	case err != nil:
		return s.fail("save", err)
	}
	return nil
}

// Delete removes the record (DEL). Deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redis store: delete: %w", err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.client.Del(ctx, s.Key(key)).Err(); err != nil {
		return s.fail("delete", err)
	}
	return nil
}

// Exists reports whether a live record has that key (EXISTS).
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("redis store: exists: %w", err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := s.client.Exists(ctx, s.Key(key)).Result()
	if err != nil {
		return false, s.fail("exists", err)
	}
	return n > 0, nil
}

// ClearExpired does nothing, as Django's cache engine's clear_expired():
// Redis removes each session when its TTL runs out. It returns only the
// context's error.
func (s *Store) ClearExpired(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redis store: clear expired: %w", err)
	}
	return nil
}
