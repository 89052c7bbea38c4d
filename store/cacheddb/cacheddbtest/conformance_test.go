package cacheddbtest

import (
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/storetest"
	"github.com/djsession/djsession/store/cacheddb"
)

// TestConformance runs storetest on cacheddb over SQLite, PostgreSQL and
// MariaDB (the MySQL store),
// with memcached and Redis as the cache. The database codec is JSONCodec
// here, because storetest's ValueStore checks read the byte form as JSON;
// the Django tests use Django's signed form.
func TestConformance(t *testing.T) {
	for _, c := range sharedCaches(t) {
		for _, db := range []struct {
			name string
			open func(t *testing.T) session.Store
		}{
			{"SQLite", func(t *testing.T) session.Store { st, _ := sqliteDB(t, tempDB(t)); return st }},
			{"PostgreSQL", func(t *testing.T) session.Store { return postgresDB(t) }},
			{"MariaDB", func(t *testing.T) session.Store { return mysqlDB(t) }},
		} {
			t.Run(db.name+" with "+c.name, func(t *testing.T) {
				storetest.RunWithOptions(t, func(t *testing.T) session.Store {
					return newStore(t, db.open(t), c.cache, cacheddb.Options{DBCodec: session.JSONCodec{}})
				}, storetest.Options{
					// The SQL column keeps microseconds; a cache hit reports
					// no expiry (as Django's cache never says).
					ExpiryGranularity: time.Second,
					LoadHasNoExpiry:   true,
				})
			})
		}
	}
}
