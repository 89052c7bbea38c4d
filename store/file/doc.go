// Package file keeps sessions in files, one per session, as Django's file
// session engine (django.contrib.sessions.backends.file) does: the same
// directory layout, the same file names and the same content, so that a
// Django site and a Go service can share one directory.
//
//	store, err := file.New(file.Options{Dir: "/var/lib/myapp/sessions", SecretKey: key})
//	sessions, err := session.New(store, session.Config{SecretKey: key})
//
// # Files
//
// The file of a session is named by the session cookie's name then the key
// ("sessionid" + "3xk…", Options.CookieName), in Options.Dir (Django's
// SESSION_FILE_PATH; by default os.TempDir(), Django's
// tempfile.gettempdir()). It holds Django's encoded session data (the
// signed form of session.DjangoCodec), so the store needs the SECRET_KEY.
// A key outside the session-key alphabet (session.ValidKey) never becomes a
// file name: no path is built from it.
//
// # Expiry
//
// A file keeps no expiry of its own: as in Django, it comes from the data
// and the file's modification time (session.StoredExpiry). An integer
// _session_expiry (set_expiry(300)) is the modification time plus that many
// seconds; none or 0 (set_expiry(0), until the browser closes) is the
// modification time plus CookieAge; an ISO-8601 date (Go's SetExpiryTime,
// Django 5's set_expiry(datetime)) is that date. Saves set the modification
// time explicitly, so that the file expires when the Manager asked.
//
// Two behaviours of Django 3.2's file engine are not copied (see
// docs/compatibility.md): 3.2 returns a positive integer _session_expiry
// as the expiry age itself, so such a file never expires on its server
// (here it expires N seconds after the save); and 3.2's load of an expired
// file deletes it and creates a new empty session file (here a load never
// writes: the expired file is reported as not found and left for
// ClearExpired). Django 3.2 cannot load a file whose _session_expiry is an
// ISO date, which this package writes for SetExpiryTime: keep to seconds, 0
// and the default on a directory shared with a 3.2 site.
//
// ClearExpired (sessionctl clearsessions) removes expired files, reading
// each one as Django's clearsessions does, streaming the directory; it also
// removes the temporary files of writers that crashed, once they are
// Options.StaleTempAge old.
//
// # Writes
//
// Every save is atomic and durable. The data goes to a temporary file in
// the same directory, named as Django names its own (the session's name,
// "_out_", a random suffix: '_' is not in the key alphabet, so no
// temporary file is ever taken for a session), created with O_EXCL and mode
// 0600 whatever the umask, then written, given its modification time and
// fsynced. An update renames it over the old file; a new session is linked
// to its name (link fails if the name exists, which makes mustCreate atomic
// between processes too) and the temporary name removed. Then the directory
// is fsynced, so that the new name survives a power cut. A reader always
// sees the old file or the new one, never a part of either. A failure at
// any step (a read-only file system, a full disk) is the error the handler
// sees, and the old file is left as it was.
//
// Django does not lock session files (its source explains that locking was
// explored and rejected), and neither does this store between processes.
// Inside one process, the writers of one session (Save, SaveValues,
// Delete, ClearExpired) take a lock per key. What two processes writing one
// session (two Go services, or a Go service and Django) can expect: each
// save is whole, and the last rename wins (no update is merged with
// another); a save checks that the session exists before it writes, so a
// save racing a concurrent delete may bring the session back, as in
// Django; two creations of one key cannot both succeed.
//
// # A hostile directory
//
// Nothing is exposed or followed. Files are created 0600 and a directory
// the store creates is 0700. New warns when an existing directory is
// writable by other users without the sticky bit (they could replace the
// files; os.TempDir()'s 1777 is safe from that), and when other users can
// list it: the file names are the session keys, so on a shared /tmp any
// local user can read the keys and take over the sessions. Use a directory
// of mode 0700 of the site's own.
//
// The directory is opened once, and every call is made relative to it
// (openat and friends) without following a symbolic link. An entry under a
// session's name that is a symbolic link, a FIFO (opened without blocking),
// a directory, a device or another user's file (its owner is not the
// process's effective user) is never read or written through: a load
// reports no session, a create with that key fails with ErrKeyExists (the
// Manager picks another key), an update fails with session.ErrNotFound,
// Delete and ClearExpired leave it alone, and a warning is logged.
//
// The store works on Unix systems; elsewhere New returns an error matching
// errors.ErrUnsupported.
package file
