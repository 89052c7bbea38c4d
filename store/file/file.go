package file

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// DefaultStaleTempAge is Options.StaleTempAge's default.
const DefaultStaleTempAge = time.Hour

// maxPrefix bounds the cookie name, which starts every file name: with a
// key of 64 characters and a temporary suffix it stays far below the 255
// bytes a file name may have.
const maxPrefix = 128

// tempInfix separates a session's file name from the random suffix of its
// temporary files, as Django's mkstemp(prefix=name + "_out_") does: '_' is
// outside the session-key alphabet, so no temporary file has a session's
// name, and Django's clearsessions skips them too.
const tempInfix = "_out_"

// maxFileSize is the largest session file the store reads: the base64 form
// of the most that the signer decodes (signing.DefaultMaxPayload), plus the
// timestamp and the signature. A larger file is an error matching
// session.ErrUnreadable, never an empty session.
var maxFileSize = int64(base64.RawURLEncoding.EncodedLen(signing.DefaultMaxPayload) + 256)

// ErrInvalidKey is returned by Save and SaveValues for a key that is not a
// session key (session.ValidKey: 8 to 64 characters of [a-z0-9]): no file
// name is ever built from it. Load, LoadValues and Exists report such a key
// as not found and Delete does nothing, without touching the disk.
var ErrInvalidKey = errors.New("file: not a session key (8 to 64 characters of [a-z0-9])")

// Options configure a Store. SecretKey is required; every other zero value
// is Django's default.
type Options struct {
	// Dir is the directory of the session files (Django's
	// SESSION_FILE_PATH). Empty means os.TempDir(), as Django's
	// tempfile.gettempdir(); prefer a directory of the site's own (see the
	// package documentation). A missing directory is created with mode 0700.
	Dir string

	// CookieName is the session cookie's name (SESSION_COOKIE_NAME), which
	// starts every file name, as in Django. Empty means "sessionid". It must
	// be a valid cookie name of at most 128 bytes.
	CookieName string

	// CookieAge is SESSION_COOKIE_AGE: a file whose data has no expiry of
	// its own (none, or 0 for browser close) expires this long after its
	// modification time. Zero means two weeks. It must be the Manager's
	// Config.CookieAge, and the SESSION_COOKIE_AGE of a Django site that
	// shares the directory.
	CookieAge time.Duration

	// SecretKey is Django's SECRET_KEY: the files hold the session signed
	// with it, as Django's file engine writes them. It is required.
	SecretKey []byte

	// FallbackKeys are SECRET_KEY_FALLBACKS: older keys still accepted
	// when reading a file (never used to write one).
	FallbackKeys [][]byte

	// StaleTempAge is how long a temporary file must have been left
	// unchanged (by its ctime, on the system's clock) before ClearExpired
	// takes it for the leftover of a writer that crashed and removes it.
	// Zero means DefaultStaleTempAge (an hour); a save takes milliseconds.
	StaleTempAge time.Duration

	// Now is the clock that decides which sessions have expired. Nil means
	// time.Now.
	Now func() time.Time

	// Logger receives the warnings about the directory's permissions and
	// about entries under a session's name that are not session files of
	// this user. Nil means slog.Default(). Session keys are never logged.
	Logger *slog.Logger
}

// Store keeps each session in a file of its own, as Django's file engine
// does. It is a session.ValueStore, session.Exister,
// session.ExpiredClearer and session.Counter, safe for concurrent use.
// Make one with New.
type Store struct {
	d      *dir
	path   string
	prefix string
	age    time.Duration
	stale  time.Duration
	now    func() time.Time
	codec  *session.DjangoCodec
	signer signing.TimestampSigner
	logger *slog.Logger
	locks  keyLocks
}

var (
	_ session.ValueStore     = (*Store)(nil)
	_ session.Exister        = (*Store)(nil)
	_ session.ExpiredClearer = (*Store)(nil)
	_ session.Counter        = (*Store)(nil)
)

// New opens the session directory opts.Dir, creating it with mode 0700 when
// it is missing, and returns a Store on it. It logs a warning when an
// existing directory is writable by its group or by everybody without the
// sticky bit (other users could replace session files; os.TempDir()'s 1777
// is safe there) and when it is readable by other users (they can list the
// file names, which are the session keys). The directory stays open until
// Close: a path renamed or replaced later does not affect the Store.
func New(opts Options) (*Store, error) {
	if len(opts.SecretKey) == 0 {
		return nil, errors.New("file: SecretKey is empty (the session files are signed with Django's SECRET_KEY)")
	}
	for i, k := range opts.FallbackKeys {
		if len(k) == 0 {
			return nil, fmt.Errorf("file: FallbackKeys[%d] is empty", i)
		}
	}
	prefix := opts.CookieName
	if prefix == "" {
		prefix = session.DefaultCookieName
	}
	if err := cookie.ValidName(prefix); err != nil {
		return nil, fmt.Errorf("file: CookieName %q: %w", prefix, err)
	}
	if len(prefix) > maxPrefix {
		return nil, fmt.Errorf("file: CookieName is %d bytes, more than the %d a file name prefix may have", len(prefix), maxPrefix)
	}
	age := opts.CookieAge.Truncate(time.Second)
	switch {
	case opts.CookieAge < 0:
		return nil, fmt.Errorf("file: CookieAge %v is negative", opts.CookieAge)
	case age == 0:
		age = session.DefaultCookieAge
	}
	stale := opts.StaleTempAge
	switch {
	case stale < 0:
		return nil, fmt.Errorf("file: StaleTempAge %v is negative", stale)
	case stale == 0:
		stale = DefaultStaleTempAge
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	path := opts.Dir
	if path == "" {
		path = os.TempDir()
	}
	d, created, mode, _, err := openDir(path)
	if err != nil {
		return nil, fmt.Errorf("file: the session directory: %w", err)
	}
	if !created {
		if mode&0o022 != 0 && mode&os.ModeSticky == 0 {
			logger.Warn("file: the session directory is writable by other users and has no sticky bit: they can replace or remove session files; use a directory of mode 0700",
				"dir", path, "mode", fmt.Sprintf("%#o", mode.Perm()))
		}
		if mode&0o044 != 0 {
			logger.Warn("file: the session directory is readable by other users: they can list the session keys (the file names); use a directory of mode 0700",
				"dir", path, "mode", fmt.Sprintf("%#o", mode.Perm()))
		}
	}
	s := &Store{
		d:      d,
		path:   path,
		prefix: prefix,
		age:    age,
		stale:  stale,
		now:    now,
		codec:  session.NewDjangoCodec(opts.SecretKey, opts.FallbackKeys, now),
		logger: logger,
	}
	s.signer.SecretKey = opts.SecretKey
	s.signer.FallbackKeys = opts.FallbackKeys
	s.signer.Salt = session.DjangoSalt
	s.signer.Now = now
	return s, nil
}

// Dir returns the session directory, as given to New (or os.TempDir()).
func (s *Store) Dir() string { return s.path }

// FileName returns the name, inside Dir, of the file of the session key
// (the cookie name then the key, as Django names it), and false for a key
// that is not a session key.
func (s *Store) FileName(key string) (string, bool) {
	if !session.ValidKey(key) {
		return "", false
	}
	return s.prefix + key, true
}

// Close closes the directory. The methods of a closed Store return errors.
func (s *Store) Close() error { return s.d.close() }

// record is one session file as read from the disk.
type record struct {
	payload []byte         // what the signature covers: the session's JSON
	values  map[string]any // the decoded session; nil when it cannot be read
	bad     error          // why the data cannot be read (ErrCorrupt or ErrUnreadable)
	expiry  time.Time
	fi      info
}

// read reads the session file name. found is false for a missing file and
// for an entry that is not a session file of this user (which is logged and
// never read). Data that cannot be decoded is found, with rec.bad set and
// the expiry Django gives it (the modification time plus the cookie age).
func (s *Store) read(name string) (rec record, found bool, err error) {
	content, fi, err := s.d.read(name, maxFileSize)
	var ns *errNotSession
	switch {
	case errors.Is(err, os.ErrNotExist):
		return rec, false, nil
	case errors.As(err, &ns):
		s.logger.Warn("file: an entry under a session's name is not a session file of this user; it is neither read nor written",
			"dir", s.path, "entry", ns.kind)
		return rec, false, nil
	case errors.Is(err, errFileTooLarge):
		rec.fi = fi
		rec.bad = fmt.Errorf("%w: file: a session file of %d bytes, more than the %d the store reads", session.ErrUnreadable, fi.size, maxFileSize)
		rec.expiry = session.StoredExpiry(nil, fi.mtime, s.age)
		return rec, true, nil
	case err != nil:
		return rec, false, fmt.Errorf("file: reading a session: %w", err)
	}
	return s.decode(content, fi), true, nil
}

// decode reads the content of a session file whose metadata is fi: the
// session (or why it cannot be read) and its expiry.
func (s *Store) decode(content []byte, fi info) record {
	rec := record{fi: fi}
	var err error
	if len(content) == 0 {
		// Django's placeholder, created before its data is renamed over
		// it: an empty session, as Django reads it.
		rec.payload, rec.values = []byte("{}"), map[string]any{}
	} else if rec.payload, err = s.signer.UnsignPayload(string(content), 0); err != nil {
		rec.bad = badData(err)
	} else if rec.values, err = pyjson.UnmarshalObject(rec.payload); err != nil {
		rec.bad = badData(err)
	}
	rec.expiry = session.StoredExpiry(rec.values, fi.mtime, s.age)
	return rec
}

// badData classifies a decoding failure as the session package does: over
// a limit is ErrUnreadable (the handler sees it), anything else ErrCorrupt
// (an empty session and a warning, as in Django).
func badData(err error) error {
	if errors.Is(err, signing.ErrTooLarge) || errors.Is(err, pyjson.ErrTooLarge) || errors.Is(err, pyjson.ErrTooDeep) {
		return fmt.Errorf("%w: file: %w", session.ErrUnreadable, err)
	}
	return fmt.Errorf("%w: file: %w", session.ErrCorrupt, err)
}

// load is Load and LoadValues: the live record under key.
func (s *Store) load(ctx context.Context, key string) (record, bool, error) {
	if err := ctx.Err(); err != nil {
		return record{}, false, err
	}
	name, ok := s.FileName(key)
	if !ok {
		return record{}, false, nil
	}
	rec, found, err := s.read(name)
	if err != nil || !found {
		return record{}, false, err
	}
	if !rec.expiry.After(s.now()) {
		// Expired: not found, and left for ClearExpired. Unlike Django
		// 3.2's load, nothing is deleted or created.
		return record{}, false, nil
	}
	return rec, true, nil
}

// Load returns the JSON of the session stored under key (the payload of
// Django's signed form) and its expiry, following session.Store's rules.
// Data that does not verify with the secret key or its fallbacks is found,
// with an error matching session.ErrCorrupt; a file over the size limit is
// found, with an error matching session.ErrUnreadable.
func (s *Store) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	rec, found, err := s.load(ctx, key)
	if err != nil || !found {
		return nil, time.Time{}, false, err
	}
	if rec.payload == nil {
		return nil, rec.expiry, true, rec.bad
	}
	return rec.payload, rec.expiry, true, nil
}

// LoadValues returns the session stored under key, decoded, and its
// expiry: the file's modification time plus the seconds of an integer
// _session_expiry, or plus CookieAge when there is none (or 0), or the date
// of an ISO-8601 _session_expiry. Each call decodes the file afresh: the map
// is the caller's. Data that cannot be read is found, with an error matching
// session.ErrCorrupt (a bad signature, not a JSON object) or
// session.ErrUnreadable (over a limit).
func (s *Store) LoadValues(ctx context.Context, key string) (map[string]any, time.Time, bool, error) {
	rec, found, err := s.load(ctx, key)
	if err != nil || !found {
		return nil, time.Time{}, false, err
	}
	if rec.values == nil {
		return nil, rec.expiry, true, rec.bad
	}
	return rec.values, rec.expiry, true, nil
}

// Save writes data (the session's JSON, or any bytes) under key, signed as
// Django's file engine writes it, with the given expiry: see SaveValues.
func (s *Store) Save(ctx context.Context, key string, data []byte, expiry time.Time, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	values, _ := pyjson.UnmarshalObject(data) // for its _session_expiry, if it is a session
	return s.save(ctx, key, []byte(s.signer.SignPayload(data, true)), values, expiry, mustCreate)
}

// SaveValues writes values under key in Django's signed format
// (session.DjangoCodec), durably, following session.Store's rules: with
// mustCreate it fails with session.ErrKeyExists when anything has the
// file's name (an expired file not yet cleared included); without, it fails
// with session.ErrNotFound when no live session file is there.
//
// The file's modification time is set so that the file expires at expiry
// by Django's rules (the modification time is when the session was saved,
// unless CookieAge differs from the Manager's). The write is atomic and
// durable: a temporary file in the directory is written, fsynced and
// renamed over the old file (linked to its name for a new session), then
// the directory is fsynced. A failure at any step leaves the old file as it
// was and removes the temporary file.
func (s *Store) SaveValues(ctx context.Context, key string, values map[string]any, expiry time.Time, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if values == nil {
		values = map[string]any{}
	}
	content, err := s.codec.Encode(values)
	if err != nil {
		return err
	}
	return s.save(ctx, key, content, values, expiry, mustCreate)
}

// mtimeFor returns the modification time that gives a file holding values
// the expiry: expiry minus the age its _session_expiry gives (so the time
// of the save, when the Manager and the store agree on the cookie age), or
// now when the values hold a date, which does not depend on it.
func (s *Store) mtimeFor(values map[string]any, expiry, now time.Time) time.Time {
	e0 := session.StoredExpiry(values, now, s.age)
	if e0.Equal(session.StoredExpiry(values, now.Add(time.Second), s.age)) {
		return now
	}
	return expiry.Add(-e0.Sub(now))
}

func (s *Store) save(ctx context.Context, key string, content []byte, values map[string]any, expiry time.Time, mustCreate bool) error {
	name, ok := s.FileName(key)
	if !ok {
		return fmt.Errorf("%w: a key of %d bytes", ErrInvalidKey, len(key))
	}
	unlock, err := s.locks.lock(ctx, key)
	if err != nil {
		return err
	}
	defer unlock()
	now := s.now()
	if !mustCreate {
		rec, found, err := s.read(name)
		if err != nil {
			return err
		}
		if found && errors.Is(rec.bad, session.ErrUnreadable) {
			// Never overwrite what could not be read.
			return rec.bad
		}
		if !found || !rec.expiry.After(now) {
			return session.ErrNotFound
		}
	}
	mtime := s.mtimeFor(values, expiry, now)
	if err := ctx.Err(); err != nil {
		return err
	}
	tmp := name + tempInfix + session.NewKey()[:12]
	if err := s.d.writeTemp(tmp, content, mtime); err != nil {
		return fmt.Errorf("file: writing a session: %w", err)
	}
	if err := ctx.Err(); err != nil {
		s.d.remove(tmp)
		return err
	}
	if mustCreate {
		err := s.d.link(tmp, name)
		// The temporary name goes either way; if that fails, the file
		// is left for ClearExpired, harmless.
		s.d.remove(tmp)
		if errors.Is(err, os.ErrExist) {
			return session.ErrKeyExists
		}
		if err != nil {
			return fmt.Errorf("file: creating a session: %w", err)
		}
	} else {
		if err := s.d.rename(tmp, name); err != nil {
			s.d.remove(tmp)
			return fmt.Errorf("file: replacing a session: %w", err)
		}
	}
	if err := s.d.sync(); err != nil {
		return fmt.Errorf("file: the session is written, but fsyncing the directory failed, so it may not survive a crash: %w", err)
	}
	return nil
}

// Delete removes the session file of key, durably (the directory is
// fsynced). A missing file is not an error; an entry under the name that is
// not a session file of this user is left alone (and logged).
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, ok := s.FileName(key)
	if !ok {
		return nil
	}
	unlock, err := s.locks.lock(ctx, key)
	if err != nil {
		return err
	}
	defer unlock()
	fi, err := s.d.lstat(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("file: deleting a session: %w", err)
	}
	if err := s.d.ours(fi); err != nil {
		s.logger.Warn("file: an entry under a session's name is not a session file of this user; it is not removed",
			"dir", s.path, "entry", err.(*errNotSession).kind)
		return nil
	}
	if err := s.d.remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("file: deleting a session: %w", err)
	}
	if err := s.d.sync(); err != nil {
		return fmt.Errorf("file: the session is deleted, but fsyncing the directory failed: %w", err)
	}
	return nil
}

// Exists reports whether anything has the file name of key (Django's
// exists(): an expired file not yet cleared counts, and so does an entry
// that is not a session file, since it keeps the key from being created).
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	name, ok := s.FileName(key)
	if !ok {
		return false, nil
	}
	_, err := s.d.lstat(name)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("file: %w", err)
	}
	return true, nil
}

// classify reads a directory entry's name: the key of a session file, or a
// temporary file (of this store, or of Django's file engine), or neither.
func (s *Store) classify(name string) (key string, temp, ok bool) {
	rest, ok := strings.CutPrefix(name, s.prefix)
	if !ok {
		return "", false, false
	}
	if session.ValidKey(rest) {
		return rest, false, true
	}
	if i := strings.Index(rest, tempInfix); i > 0 && session.ValidKey(rest[:i]) {
		return rest[:i], true, true
	}
	return "", false, false
}
