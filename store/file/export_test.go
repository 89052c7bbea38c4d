package file

// Hooks for the tests of package file_test.

// SetTrace makes s report each system call of its writes to fn, as it
// succeeds (and the moment ClearExpired has found a file expired).
func SetTrace(s *Store, fn func(step string)) { s.d.trace = fn }

// HeldLocks returns how many keys s holds a lock for.
func HeldLocks(s *Store) int { return s.locks.held() }

// TempInfix is the separator of temporary file names.
const TempInfix = tempInfix
