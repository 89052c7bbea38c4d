package session

// The states of a Session, each a small set of named values instead of
// independent flags.

// loadStage is how far a Session has been read.
type loadStage uint8

const (
	stageNew     loadStage = iota // nothing read yet
	stageScanned                  // the request's cookies were read: cands and hadCookie are known
	stageLoaded                   // data holds the loaded, cleared or flushed values
)

// changeState is what the request did to the session's data.
type changeState uint8

const (
	unmodified changeState = iota
	modified               // values were set or removed, or the key cycled (Django's modified)
	flushed                // Flush emptied it, deleted its record and dropped its key
)

// persistState is whether the session was written to the store during the
// request, and what happened since.
type persistState uint8

const (
	unsaved persistState = iota // not written during this request
	saved                       // written, and unchanged since
	stale                       // written, then changed again
	deleted                     // its record was deleted (DeleteRecord) after it was read or written
)

// respState is whether the response's headers went out.
type respState uint8

const (
	respOpen      respState = iota // changes can still reach the client
	respCommitted                  // the middleware committed the session with the headers
	respWarned                     // committed, and a later change was logged
)

// loadFailure is a store error met while loading, and whether an explicit
// call (Load, Save, CycleKey) returned it to the handler.
type loadFailure struct {
	err  error
	seen bool
}

// isModified is Django's modified.
func (s *Session) isModified() bool { return s.change != unmodified }

// needsSave reports whether the session has changes the store does not
// have: never written during the request, written and changed since, or
// written and then deleted from the store (a save then fails as an
// interrupted session, as in Django).
func (s *Session) needsSave() bool { return s.persist != saved }
