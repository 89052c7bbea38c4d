package cacheddb

import (
	"context"
	"time"
)

// CacheSkipped reports whether the breaker is open: the cache failed, and
// requests go to the database alone until a probe finds it back.
func (s *Store) CacheSkipped() bool {
	return s.open.Load()
}

// useCache reports whether this call may use the cache: always while the
// breaker is closed; while it is open, only for one call (the probe) once
// RetryAfter has passed since the failure, after the stale entries have
// been deleted from the cache.
func (s *Store) useCache(ctx context.Context) bool {
	if !s.open.Load() {
		return true
	}
	s.mu.Lock()
	if !s.open.Load() {
		s.mu.Unlock()
		return true
	}
	if s.probing || s.now().Before(s.until) {
		s.mu.Unlock()
		return false
	}
	s.probing = true
	stale := s.stale
	s.stale = map[string]struct{}{}
	s.mu.Unlock()
	flush := context.WithoutCancel(ctx) // these deletes are owed, whoever asks
	for ck := range stale {
		cctx, cancel := context.WithTimeout(flush, s.timeout)
		err := s.cache.Delete(cctx, ck)
		cancel()
		if err != nil {
			s.mu.Lock()
			for k := range stale {
				if len(s.stale) < MaxStale {
					s.stale[k] = struct{}{}
				}
			}
			s.mu.Unlock()
			s.failed(flush, err)
			return false
		}
		delete(stale, ck)
	}
	return true
}

// answered closes the breaker after a cache call that worked.
func (s *Store) answered(ctx context.Context) {
	if !s.open.Load() {
		return
	}
	s.mu.Lock()
	if len(s.stale) > 0 {
		// Sessions changed while this probe ran: the next call flushes
		// their entries before the breaker closes.
		s.probing = false
		s.until = time.Time{}
		s.mu.Unlock()
		return
	}
	wasOpen := s.open.Swap(false)
	s.probing = false
	lost := s.lost
	s.lost = false
	s.mu.Unlock()
	if wasOpen {
		s.logger.InfoContext(ctx, "cacheddb: the cache answers again; sessions are read from it",
			"stale_entries_lost", lost)
	}
}

// failed opens the breaker (or keeps it open, after a failed probe) for
// RetryAfter. A failure caused by the request's own context (the client
// went away) says nothing about the cache.
func (s *Store) failed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		// Not the cache's fault: a probe cut short leaves the breaker as it
		// was, for the next request to probe.
		s.mu.Lock()
		s.probing = false
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	wasOpen := s.open.Swap(true)
	s.until = s.now().Add(s.retryAfter)
	s.probing = false
	s.mu.Unlock()
	if !wasOpen {
		s.logger.WarnContext(ctx, "cacheddb: the cache failed; sessions are served from the database",
			"err", err, "retry_after", s.retryAfter)
	}
}

// markStale remembers a cache key whose entry must be deleted before the
// cache is trusted again.
//
// A call that skipped the cache may get here after the breaker closed: the
// cache answers again, so it deletes the entry itself.
func (s *Store) markStale(ctx context.Context, ck string) {
	s.mu.Lock()
	if !s.open.Load() {
		s.mu.Unlock()
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		err := s.cache.Delete(cctx, ck)
		cancel()
		if err == nil {
			return
		}
		s.failed(ctx, err)
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	if _, ok := s.stale[ck]; ok {
		return
	}
	if len(s.stale) >= MaxStale {
		if !s.lost {
			s.lost = true
			s.logger.WarnContext(ctx, "cacheddb: too many sessions changed while the cache was skipped; "+
				"some cached copies will be stale when it returns (flush the cache)", "max", MaxStale)
		}
		return
	}
	s.stale[ck] = struct{}{}
}
