// Package sqlstore keeps sessions in a SQL database, as Django's default
// session engine (django.contrib.sessions.backends.db) does: the same
// django_session table, the same columns, the same expire_date values, so
// that a Django site and a Go service can share one table.
//
// The package works on database/sql and imports no driver. The
// subpackages open a database with the settings the store needs and pull
// in one driver each, so a program carries only the driver it uses:
//
//   - sqlite: modernc.org/sqlite, pure Go, the default engine (no server);
//   - postgres: github.com/jackc/pgx/v5;
//   - mysql: github.com/go-sql-driver/mysql, for MySQL and MariaDB.
//
// The recommended codec is session.Config's default, DjangoCodec: Django's
// signed session_data, which a Django site sharing the table reads. A record
// in another codec's format is an error matching session.ErrCodecMismatch.
//
// # The table
//
// Store.CreateTable creates the table and its indexes as Django's
// migration sessions.0001_initial does (session_key varchar(40) primary
// key, session_data text — longtext on MySQL —, expire_date datetime on
// SQLite, timestamp with time zone on PostgreSQL, datetime(6) on MySQL,
// with an index on expire_date under Django's name). Nothing else creates
// it: a Store whose table is missing returns errors. The table name is
// configurable (Options.TableName) and must be a plain identifier; it is
// quoted in every statement, and every value is a bound parameter.
//
// expire_date is written as Django writes it with USE_TZ=True: on SQLite as
// UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]" (the fraction only when it is not
// zero), which orders correctly when compared as text; on MySQL as a UTC
// datetime(6); on PostgreSQL as a timestamp with time zone. The precision is
// a microsecond. Expiry is always compared with the Store's clock
// (Options.Now), passed as a parameter, never with the database's.
//
// # Statements
//
// Every method runs one statement, prepared once per connection:
//
//	Load          SELECT session_data, expire_date … WHERE session_key = ? AND expire_date > now
//	Save (create) INSERT … (ON CONFLICT (session_key) DO NOTHING on SQLite and PostgreSQL)
//	Save (update) UPDATE … WHERE session_key = ? AND expire_date > now
//	Delete        DELETE … WHERE session_key = ?
//	Exists        SELECT 1 … WHERE session_key = ?   (expired rows count, as in Django)
//	ClearExpired  DELETE … WHERE expire_date < now
//	Count         SELECT COUNT(*) … WHERE expire_date > now
//
// On MySQL, which has no ON CONFLICT DO NOTHING, a create over a taken key
// fails; the mysql subpackage's DriverErrors reads the driver's typed error
// (1062) and the Store returns session.ErrKeyExists, with no second
// statement. One rare case costs a second SELECT on MySQL: an update that
// reports no row (to tell a vanished session, session.ErrNotFound, from a
// row whose values did not change when the connection lacks
// clientFoundRows=true; the mysql subpackage sets it, so there the second
// statement runs only for a session that really is gone).
//
// # When a statement is retried
//
// A write that the database rolled back as the victim of a deadlock or a
// serialization failure is run again, up to five times, 5, 10, 15… ms
// apart, within the context's deadline: MariaDB and MySQL errors 1213
// (deadlock) and 1205 (lock wait timeout), PostgreSQL SQLSTATE 40001 and
// 40P01. InnoDB's gap locks make a ClearExpired and concurrent creates
// deadlock now and then, and the rolled-back statement is safe to repeat.
// Which errors those are is decided by the driver subpackage from the
// driver's typed errors (DriverErrors, registered when the subpackage is
// imported), never from an error's text; nothing else is retried, and
// SQLite never is.
//
// A create never overwrites a row, not even an expired one that
// ClearExpired has not removed yet (Django's behaviour); an update never
// brings back a row that was deleted or has expired.
//
// # Concurrency
//
// A Store is safe for concurrent use. SQLite accepts one writer at a time:
// on the SQLite dialect a Store queues its own writes in the process (a
// waiting write gives up when its context ends), while reads run in
// parallel thanks to write-ahead logging; writers of other processes are
// waited for through SQLite's busy timeout. The sqlite subpackage's Open
// sets all of this up.
//
// # Failures
//
// When the database is unreachable or the *sql.DB is closed, every method
// returns an error (wrapped, with the cause); nothing panics, and nothing
// already committed is lost. The session middleware turns such an error
// into a 500 response by default.
package sqlstore
