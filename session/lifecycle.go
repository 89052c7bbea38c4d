package session

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// This file holds what writes to the store: Save and the create and
// update under it, DeleteRecord, Flush and CycleKey.

// Save writes the session to the store now and returns the store's error
// (Django's save()). A session without a key gets a new random key. Saving
// a session that was deleted by a concurrent request fails with an error
// matching ErrSessionInterrupted.
//
// The middleware saves modified sessions on its own, before the response
// goes out; call Save to see the error, or before streaming a response. A
// session that was saved and not modified since is not saved again by the
// middleware, but its cookie is still sent.
func (s *Session) Save(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resp != respOpen {
		return ErrResponseCommitted
	}
	s.loadLocked(ctxOr(ctx, s.st))
	if s.failure.err != nil {
		s.failure.seen = true
		return s.failure.err
	}
	return s.saveLocked(ctx)
}

// saveLocked saves the loaded (or cleared) session.
func (s *Session) saveLocked(ctx context.Context) error {
	if s.data.m == nil {
		s.data.empty()
	}
	e := s.expiryLocked(s.m.now())
	switch {
	case s.key == "":
		if err := s.createLocked(ctx, e.date); err != nil {
			return err
		}
	default:
		err := s.storeLocked(ctx, s.key, e.date, false)
		if errors.Is(err, ErrNotFound) {
			if !s.verified {
				// The key came from the cookie and was never looked up
				// (Clear without load): it is unknown, not interrupted.
				// Never adopt it.
				err = s.createLocked(ctx, e.date)
			} else {
				err = fmt.Errorf("%w: %w", ErrSessionInterrupted, err)
			}
		}
		if err != nil {
			return err
		}
	}
	s.verified = true
	s.persist = saved
	return nil
}

// storeLocked writes the session's data under key. For a ValueStore the
// data map itself becomes the store's snapshot: its values are put in their
// JSON form in place (scalars are kept, lists and maps are copied), and the
// session copies the map before its next write.
func (s *Session) storeLocked(ctx context.Context, key string, date time.Time, mustCreate bool) error {
	if dk := s.m.dkstore; dk != nil {
		if _, err := s.m.normalizeAndCheck(&s.data); err != nil {
			return err
		}
		k, err := dk.SaveKey(ctx, s.data.m, date)
		if err != nil {
			return err
		}
		s.data.handedOver()
		s.key = k
		return nil
	}
	if vs := s.m.vstore; vs != nil {
		size, err := s.m.normalizeAndCheck(&s.data)
		if err != nil {
			return err
		}
		if svs := s.m.svstore; svs != nil {
			err = svs.SaveSizedValues(ctx, key, s.data.m, size, date, mustCreate)
		} else {
			err = vs.SaveValues(ctx, key, s.data.m, date, mustCreate)
		}
		if err != nil {
			return err
		}
		s.data.handedOver()
		return nil
	}
	data, jlen, err := s.m.encodeChecked(s.data.m)
	if err != nil {
		return err
	}
	if err := s.m.store.Save(ctx, key, data, date, mustCreate); err != nil {
		return err
	}
	if !mustCreate {
		s.keepSaved(data, jlen)
	}
	return nil
}

// createLocked saves the data under a new random key (Django's create()).
func (s *Session) createLocked(ctx context.Context, date time.Time) error {
	for range maxCreateAttempts {
		k := s.m.newKey()
		err := s.storeLocked(ctx, k, date, true)
		if errors.Is(err, ErrKeyExists) {
			continue
		}
		if err != nil {
			return err
		}
		if s.m.dkstore == nil {
			s.key = k
		}
		s.verified = true
		return nil
	}
	return fmt.Errorf("session: unable to create a new session key after %d attempts: %w", maxCreateAttempts, ErrKeyExists)
}

// DeleteRecord removes this session's record from the store and nothing
// else (Django's delete()): the data in memory and the key stay, and no
// cookie is touched. If the session is then modified, the middleware's save
// fails as an interrupted session. To log a user out use Flush.
func (s *Session) DeleteRecord(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.liveKeysLocked() {
		if err := s.m.store.Delete(ctx, k); err != nil {
			return err
		}
	}
	if s.persist != unsaved {
		// Written during this request, now gone: a save fails as an
		// interrupted session, as in Django.
		s.persist = deleted
	}
	return nil
}

// liveKeysLocked returns the keys whose records belong to this session: the
// loaded key, or every key the cookies named when nothing was loaded.
func (s *Session) liveKeysLocked() []string {
	s.scanLocked()
	if s.stage == stageLoaded && s.failure.err == nil {
		if s.key == "" {
			return nil
		}
		return []string{s.key}
	}
	return s.cands
}

// Flush ends the session (Django's flush(), used by logout): it removes
// every key, deletes the record from the store at once and drops the key,
// so that the middleware deletes the session cookie. A later write in the
// same request starts a new session under a new key. If the store fails the
// session is still emptied and the error is returned.
func (s *Session) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	for _, k := range s.liveKeysLocked() {
		if e := s.m.store.Delete(ctx, k); e != nil && err == nil {
			err = e
		}
	}
	s.data.empty()
	s.stage = stageLoaded
	s.failure = loadFailure{}
	s.key, s.verified = "", false
	s.cands = nil
	s.accessed = true
	s.markModified()
	s.change = flushed
	return err
}

// CycleKey moves the session's data to a new random key and deletes the
// old record (Django's cycle_key(), done at login against session
// fixation). The new record is written at once. On error the session keeps
// its old key, unless the failure was deleting the old record, which is
// then returned after the switch.
func (s *Session) CycleKey(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resp != respOpen {
		return ErrResponseCommitted
	}
	s.accessed = true
	s.loadLocked(ctxOr(ctx, s.st))
	if s.failure.err != nil {
		s.failure.seen = true
		return s.failure.err
	}
	if s.data.m == nil {
		s.data.empty()
	}
	old := s.key
	e := s.expiryLocked(s.m.now())
	if err := s.createLocked(ctx, e.date); err != nil {
		s.key = old
		return err
	}
	s.change = modified
	s.persist = saved
	if old != "" {
		if err := s.m.store.Delete(ctx, old); err != nil {
			return fmt.Errorf("session: new key saved, but deleting the old record failed: %w", err)
		}
	}
	return nil
}
