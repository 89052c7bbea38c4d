package session

import (
	"context"
	"errors"
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
// The conformance suite in package storetest checks every rule below.
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

	// Exists reports whether a record with that key is stored (expired records
	// that were not reclaimed yet may count, as in Django: they still block
	// the key from being reused).
	Exists(ctx context.Context, key string) (bool, error)

	// ClearExpired removes every record whose expiry is in the past. Stores
	// that expire records on their own (caches) may do nothing.
	ClearExpired(ctx context.Context) error
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

// ErrCorrupt is matched by the error of a Codec's Decode, or of
// ValueStore.LoadValues, when stored session data cannot be read (a bad
// signature, another secret key, garbage). Manager never shows it to the
// handler: as Django does, it logs a warning ("session data corrupted") and
// starts from an empty session.
var ErrCorrupt = errors.New("session: session data corrupted")
