package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/djsession/djsession/session"
)

// ClearExpired removes the expired session files (Django's clear_expired,
// run by clearsessions) and the temporary files that writers which crashed
// left behind; see ClearExpiredCount.
func (s *Store) ClearExpired(ctx context.Context) error {
	_, err := s.ClearExpiredCount(ctx)
	return err
}

// ClearExpiredCount removes the expired session files and returns how many
// it removed. It streams the directory (batchNames names at a time, so a
// directory of any size takes the same memory) and reads each session file
// to find its expiry, as Django's clearsessions does: a file whose data
// does not verify with the secret key expires by its modification time plus
// CookieAge. A temporary file (the session's name, "_out_" and a suffix,
// Django's or this store's) is removed once it has not changed for
// StaleTempAge; entries that are not regular files of this user are never
// touched.
//
// It never deletes a session that a concurrent save renamed into place:
// writers of this Store wait for the key's lock, and against another
// process the expired file is first renamed aside and removed only if it
// is still the file that was read; otherwise the newer file is put back.
//
// It carries on past a file it cannot handle and returns the first such
// error at the end, with the count of what it did remove.
func (s *Store) ClearExpiredCount(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now, wall := s.now(), time.Now()
	var removed, temps int64
	var first error
	keep := func(err error) {
		if first == nil && err != nil {
			first = err
		}
	}
	err := s.d.names(func(names []string) error {
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			key, temp, ok := s.classify(name)
			switch {
			case !ok:
			case temp:
				done, err := s.clearTemp(name, wall)
				keep(err)
				if done {
					temps++
				}
			default:
				done, err := s.clearSession(ctx, key, name, now)
				if ctx.Err() != nil {
					return ctx.Err()
				}
				keep(err)
				if done {
					removed++
				}
			}
		}
		return nil
	})
	if removed+temps > 0 {
		keep(s.d.sync())
	}
	if err != nil {
		return removed, fmt.Errorf("file: clearing expired sessions: %w", err)
	}
	if first != nil {
		return removed, fmt.Errorf("file: clearing expired sessions: %w", first)
	}
	return removed, nil
}

// clearSession removes the session file name if it has expired.
func (s *Store) clearSession(ctx context.Context, key, name string, now time.Time) (bool, error) {
	unlock, err := s.locks.lock(ctx, key)
	if err != nil {
		return false, err
	}
	defer unlock()
	rec, found, err := s.read(name)
	if err != nil || !found || rec.expiry.After(now) {
		return false, err
	}
	s.d.trace.step("clear: expired")
	return s.removeIfUnchanged(name, rec.fi)
}

// removeIfUnchanged removes the file name if it is still the file described
// by fi. Against a writer in another process (which replaces the file by a
// rename at any moment), the file is first renamed to a temporary name,
// atomically, and only then compared: if another file took the name since
// fi was read, that newer file is linked back under the name (unless an
// even newer one is already there) instead of being lost.
func (s *Store) removeIfUnchanged(name string, fi info) (bool, error) {
	aside := name + tempInfix + session.NewKey()[:12]
	if err := s.d.rename(name, aside); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	got, err := s.d.lstat(aside)
	if err == nil && got.dev == fi.dev && got.ino == fi.ino && got.size == fi.size && got.mtime.Equal(fi.mtime) {
		return true, s.d.remove(aside)
	}
	if err := s.d.link(aside, name); err != nil && !errors.Is(err, os.ErrExist) {
		// The newer file stays under the temporary name, found by nobody
		// and removed as stale later: report it.
		return false, fmt.Errorf("putting back a session saved during the clearing: %w", err)
	}
	return false, s.d.remove(aside)
}

// clearTemp removes the temporary file name if it is a regular file of
// this user unchanged for StaleTempAge (by the system's clock: its ctime
// cannot be set).
func (s *Store) clearTemp(name string, wall time.Time) (bool, error) {
	fi, err := s.d.lstat(name)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if s.d.ours(fi) != nil || wall.Sub(fi.ctime) < s.stale {
		return false, nil
	}
	if err := s.d.remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	return true, nil
}

// Count returns the number of live sessions: session files whose expiry is
// in the future (readable or not). It streams the directory and reads every
// session file, as ClearExpired does.
func (s *Store) Count(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	var n int64
	err := s.d.names(func(names []string) error {
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, temp, ok := s.classify(name); !ok || temp {
				continue
			}
			rec, found, err := s.read(name)
			if err != nil {
				return err
			}
			if found && rec.expiry.After(now) {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("file: counting sessions: %w", err)
	}
	return n, nil
}
