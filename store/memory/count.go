package memory

import "context"

// Count returns the number of live records (session.Counter). It reclaims
// the expired ones first, as ClearExpired does.
func (s *Store) Count(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reclaim(s.now().UnixNano(), -1)
	return int64(len(s.entries)), nil
}
