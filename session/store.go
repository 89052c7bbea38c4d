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
	// a record (even an expired one that was not yet reclaimed) already has
	// that key, and must never overwrite it.
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
