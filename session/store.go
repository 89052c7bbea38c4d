package session

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store is where session records live. A record is an opaque byte slice
// (the encoded session data, see Codec) under a session key, with an absolute
// expiry time. Implementations must be safe for concurrent use.
//
// Every method takes the request's context and must honour its cancellation.
// Keys that reach a Store have already been validated by this package
// (32 characters of [a-z0-9] for generated keys; see ValidKey), but a Store
// must still treat them as untrusted input (parameterised queries, no path
// building from unchecked input).
//
// Load, Save and Delete are what every store must do. What only some stores
// can do is an optional interface, checked with a type assertion: Exister,
// ExpiredClearer, Counter, and ValueStore, the values-level form for stores
// that keep decoded sessions or own their encoding. Where a store lacks a
// capability, the Manager's call (Manager.Exists, Manager.ClearExpired,
// Manager.Count) returns an error matching ErrNotSupported.
//
// A store whose client library takes no context (gomemcache) cannot honour
// a deadline by itself: it must bound every call with a timeout of its own,
// no longer than Config.SaveTimeout, so that a hung server never holds a
// request longer than that.
//
// The conformance suite in package storetest checks every rule below, and
// the rules of each optional interface the store implements.
//
// Two capabilities are planned and not declared yet: an atomic
// read-modify-write (a Store method that loads, applies a function and saves
// under one lock or a compare-and-set, for counters that concurrent requests
// update) will be one more optional interface beside ValueStore, used by a
// Session method; a per-user index (all the sessions of one user, to end
// them on a password change) will be an optional interface that Save feeds
// with the user id found under the auth package's session key.
type Store interface {
	// Load returns the record stored under key. A record whose expiry is not
	// after the current time is reported as not found (found == false, err == nil),
	// like a key that was never stored. err is non-nil only when the store
	// could not answer (network, disk, closed database…).
	Load(ctx context.Context, key string) (data []byte, expiry time.Time, found bool, err error)

	// Save writes data under key with the given absolute expiry.
	//
	// With mustCreate, Save must fail with an error matching ErrKeyExists when
	// a live record already has that key, and must never overwrite it. A
	// record that has expired but was not reclaimed yet may either block the
	// key (Django's db engine: the row is still there) or be replaced by the
	// new one (Django's cache engine: cache.add succeeds over an expired
	// entry); keys are random, so the difference never shows in practice.
	//
	// Without mustCreate, Save updates an existing record and must fail with
	// an error matching ErrNotFound when no live record has that key: a
	// session deleted by a concurrent request is not resurrected.
	Save(ctx context.Context, key string, data []byte, expiry time.Time, mustCreate bool) error

	// Delete removes the record under key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Exister is a Store that can tell whether a key is taken without reading
// the record (Django's exists()).
type Exister interface {
	// Exists reports whether a record with that key is stored (expired
	// records that were not reclaimed yet may count, as in Django: they
	// still block the key from being reused).
	Exists(ctx context.Context, key string) (bool, error)
}

// ExpiredClearer is a Store that can remove its expired records (Django's
// clear_expired(), run by clearsessions). Stores that expire records on
// their own (caches) need not implement it.
type ExpiredClearer interface {
	// ClearExpired removes every record whose expiry is in the past.
	ClearExpired(ctx context.Context) error
}

// Counter is a Store that can count its live records (for sessionctl and
// monitoring).
type Counter interface {
	// Count returns the number of records whose expiry is in the future.
	Count(ctx context.Context) (int64, error)
}

// ErrNotSupported is matched by the error of a Manager or Session call that
// needs a capability the Store does not have (Exister, ExpiredClearer,
// Counter). The error names the capability.
var ErrNotSupported = errors.New("session: not supported by this store")

// notSupported returns ErrNotSupported naming what the store lacks.
func notSupported(store Store, what string) error {
	return fmt.Errorf("%w: %T has no %s", ErrNotSupported, store, what)
}

// ErrKeyExists is returned (possibly wrapped) by Store.Save with mustCreate
// when the key is already taken. It is Django's CreateError.
var ErrKeyExists = errors.New("session: key already exists")

// ErrNotFound is returned (possibly wrapped) by Store.Save without mustCreate
// when there is no record to update: the session was deleted or expired
// while the request was running. It is Django's UpdateError.
var ErrNotFound = errors.New("session: no such session")

// ValueStore is an optional interface for a Store that lives in the
// process (store/memory): instead of encoded bytes it keeps the decoded
// session values, so that a request that reads its session does no decoding
// at all. Manager uses it whenever the Store implements it; Config.Codec is
// then not used, as Django's cache engine keeps the raw dictionary rather
// than the signed form.
//
// The maps are immutable snapshots. SaveValues receives a map that nobody
// will modify afterwards (Manager hands over a fresh copy of the session in
// its JSON form: strings, int64, float64, json.Number, bool, nil, []any and
// map[string]any), and the map LoadValues returns must not be modified by
// the caller (Session copies it before the first write, and copies nested
// lists and maps before handing them to user code).
type ValueStore interface {
	Store

	// LoadValues is Load for values: the same rules for expiry, not-found
	// and errors. A record written with Save whose bytes are not a JSON
	// object is reported as found with an error matching ErrCorrupt.
	LoadValues(ctx context.Context, key string) (values map[string]any, expiry time.Time, found bool, err error)

	// SaveValues is Save for values: the same rules for mustCreate,
	// ErrKeyExists and ErrNotFound.
	SaveValues(ctx context.Context, key string, values map[string]any, expiry time.Time, mustCreate bool) error
}

// SizedValueStore is a ValueStore that accounts for the size of what it
// keeps (the memory store's byte budget). The Manager measures every
// session it saves, for Config.MaxSize, and hands the figure to
// SaveSizedValues, so that the store need not walk the values again.
type SizedValueStore interface {
	ValueStore

	// SaveSizedValues is SaveValues with the values' size, as SizeOf
	// measures it.
	SaveSizedValues(ctx context.Context, key string, values map[string]any, size int, expiry time.Time, mustCreate bool) error
}

// DataKeyedStore is a ValueStore whose keys are made from the data itself:
// Django's signed_cookies engine, where the cookie carries the whole signed
// session and there is no record elsewhere. The Manager then takes its keys
// from SaveKey instead of making random ones, and checks cookie values with
// the store's ValidKey instead of the package's. Its Delete has nothing to
// remove (a copy of the cookie stays valid until it expires); Exists,
// ClearExpired and Count are not supported.
type DataKeyedStore interface {
	ValueStore

	// SaveKey encodes values with the expiry and returns the key that now
	// carries them (the cookie value). It never fails with ErrKeyExists or
	// ErrNotFound.
	SaveKey(ctx context.Context, values map[string]any, expiry time.Time) (key string, err error)

	// ValidKey reports whether a cookie value can be one of the store's
	// keys (a well-formed value, before any signature check).
	ValidKey(key string) bool
}

// validKey checks a key from a cookie or a caller: the package's rule, or
// a DataKeyedStore's own.
func (m *Manager) validKey(key string) bool {
	if m.dkstore != nil {
		return m.dkstore.ValidKey(key)
	}
	return ValidKey(key)
}

// ErrCorrupt is matched by the error of a Codec's Decode, or of
// ValueStore.LoadValues, when stored session data cannot be read (a bad
// signature, another secret key, garbage). Manager never shows it to the
// handler: as Django does, it logs a warning ("session data corrupted") and
// starts from an empty session.
var ErrCorrupt = errors.New("session: session data corrupted")
