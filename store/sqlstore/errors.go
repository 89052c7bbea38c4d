package sqlstore

import "sync"

// DriverErrors says what a database driver's errors mean. The Store asks
// it, never the text of an error: a duplicate key on create is
// session.ErrKeyExists, and a statement the database rolled back as the
// victim of a deadlock or a serialization failure is run again (up to
// five times, with a short pause, within the context's deadline).
//
// The driver subpackages (sqlite, postgres, mysql) implement it from their
// driver's typed errors and register it for their dialect when they are
// imported, so a Store of that dialect uses it without being told. Without
// one, a failed statement is an error as it is: nothing is retried, and a
// key collision on create (which random keys make practically impossible)
// is reported as a plain error.
type DriverErrors interface {
	// Duplicate reports whether err is a unique-key violation.
	Duplicate(err error) bool
	// Retryable reports whether the database rolled the statement back as
	// a deadlock victim or a serialization failure, so that running it
	// again is safe.
	Retryable(err error) bool
}

var driverErrors struct {
	mu sync.RWMutex
	by map[Dialect]DriverErrors
}

// RegisterDriverErrors makes e the DriverErrors of every Store of dialect d
// whose Options do not name one. The driver subpackages call it from init.
func RegisterDriverErrors(d Dialect, e DriverErrors) {
	driverErrors.mu.Lock()
	defer driverErrors.mu.Unlock()
	if driverErrors.by == nil {
		driverErrors.by = make(map[Dialect]DriverErrors)
	}
	driverErrors.by[d] = e
}

func registeredDriverErrors(d Dialect) DriverErrors {
	driverErrors.mu.RLock()
	defer driverErrors.mu.RUnlock()
	return driverErrors.by[d]
}

// noDriverErrors knows no error.
type noDriverErrors struct{}

func (noDriverErrors) Duplicate(error) bool { return false }
func (noDriverErrors) Retryable(error) bool { return false }
