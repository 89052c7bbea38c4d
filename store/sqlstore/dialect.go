package sqlstore

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Dialect is the SQL database behind a Store. It decides the placeholders,
// the quoting of names, the column types of the table and how expire_date
// is written, each as Django writes it for that database.
type Dialect int

// The dialects that Store speaks.
const (
	// SQLite (modernc.org/sqlite, or any driver for SQLite 3.24+):
	// expire_date is Django's UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]",
	// which orders correctly as text.
	SQLite Dialect = iota + 1
	// PostgreSQL (github.com/jackc/pgx/v5/stdlib, 9.5+): expire_date is a
	// timestamp with time zone.
	PostgreSQL
	// MySQL and MariaDB (github.com/go-sql-driver/mysql): expire_date is a
	// datetime(6) holding UTC, as Django writes it with USE_TZ=True.
	MySQL
)

// String returns the dialect's name: "sqlite", "postgres" or "mysql".
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case PostgreSQL:
		return "postgres"
	case MySQL:
		return "mysql"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// ParseDialect returns the dialect named s: "sqlite" (or "sqlite3"),
// "postgres" (or "postgresql", "pgx"), "mysql" (or "mariadb"), in any case.
func ParseDialect(s string) (Dialect, error) {
	switch strings.ToLower(s) {
	case "sqlite", "sqlite3":
		return SQLite, nil
	case "postgres", "postgresql", "pgx":
		return PostgreSQL, nil
	case "mysql", "mariadb":
		return MySQL, nil
	}
	return 0, fmt.Errorf("sqlstore: unknown dialect %q (want sqlite, postgres or mysql)", s)
}

func (d Dialect) valid() bool { return d >= SQLite && d <= MySQL }

// quote quotes an identifier that validTableName accepted.
func (d Dialect) quote(name string) string {
	if d == MySQL {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

// ph returns the n-th (1-based) placeholder.
func (d Dialect) ph(n int) string {
	if d == PostgreSQL {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// maxNameLength is the longest identifier the database takes, as Django's
// DatabaseOperations.max_name_length (SQLite has none: Django uses 200).
func (d Dialect) maxNameLength() int {
	switch d {
	case PostgreSQL:
		return 63
	case MySQL:
		return 64
	}
	return 200
}

// djangoTimeLayout is how Django writes a datetime as text (Python's
// str(datetime) without a time zone): the fraction appears only when it is
// not zero, with six digits.
const djangoTimeLayout = "2006-01-02 15:04:05"

// formatDjangoTime writes t as Django writes expire_date on SQLite and
// MySQL with USE_TZ=True: UTC, "YYYY-MM-DD HH:MM:SS" and ".ffffff" when the
// microseconds are not zero. Sub-microsecond digits are dropped.
func formatDjangoTime(t time.Time) string {
	t = t.UTC()
	us := t.Nanosecond() / 1000
	b := make([]byte, 0, 26)
	b = t.AppendFormat(b, djangoTimeLayout)
	if us != 0 {
		b = append(b, '.')
		s := strconv.Itoa(us)
		for i := len(s); i < 6; i++ {
			b = append(b, '0')
		}
		b = append(b, s...)
	}
	return string(b)
}

// parseDjangoTime reads what formatDjangoTime writes (any number of
// fractional digits, an optional "T" separator and an optional UTC offset,
// as Django's parse_datetime accepts); a time without offset is UTC.
func parseDjangoTime(s string) (time.Time, error) {
	for _, layout := range []string{
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02 15:04",
		"2006-01-02",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("sqlstore: expire_date %q is not a date and time", s)
}

// expiryArg is how the dialect's expire_date parameters are passed.
func (d Dialect) expiryArg(t time.Time) any {
	if d == PostgreSQL {
		return t.UTC().Truncate(time.Microsecond)
	}
	// SQLite compares text; MySQL converts the literal to datetime(6). A
	// string is independent of the driver's time settings (loc, _time_format).
	return formatDjangoTime(t)
}

// scanExpiry converts a scanned expire_date to a UTC time.
func (d Dialect) scanExpiry(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		if d == MySQL {
			// datetime(6) has no zone: Django stores UTC. A driver set to
			// another loc labels the same wall clock with it; undo that.
			return time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), time.UTC), nil
		}
		return v.UTC(), nil
	case string:
		return parseDjangoTime(v)
	case []byte:
		return parseDjangoTime(string(v))
	}
	return time.Time{}, fmt.Errorf("sqlstore: expire_date has unexpected type %T", v)
}

// indexName is Django's name for an index on columns of table
// (BaseDatabaseSchemaEditor._create_index_name).
func (d Dialect) indexName(table string, columns []string, suffix string) string {
	h := md5.New()
	h.Write([]byte(table))
	for _, c := range columns {
		h.Write([]byte(c))
	}
	hashPart := hex.EncodeToString(h.Sum(nil))[:8] + suffix
	max := d.maxNameLength()
	cols := strings.Join(columns, "_")
	name := table + "_" + cols + "_" + hashPart
	if len(name) <= max {
		return name
	}
	if len(hashPart) > max/3 {
		hashPart = hashPart[:max/3]
	}
	other := (max-len(hashPart))/2 - 1
	name = truncate(table, other) + "_" + truncate(cols, other) + "_" + hashPart
	if name[0] == '_' || (name[0] >= '0' && name[0] <= '9') {
		name = "D" + name[:len(name)-1]
	}
	return name
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// validTableName reports whether name is a plain identifier that every
// dialect takes unquoted and that fits its limit: a letter or underscore,
// then letters, digits or underscores, at most 63 bytes.
func validTableName(name string) bool {
	if name == "" || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// createTable returns the statements that create Django's session table
// and its indexes, as Django's migration sessions.0001_initial does, made
// idempotent (IF NOT EXISTS).
func (d Dialect) createTable(table string) []string {
	q := d.quote
	t := q(table)
	key := q("session_key") + " varchar(40) NOT NULL PRIMARY KEY"
	expiryIndex := d.indexName(table, []string{"expire_date"}, "")
	switch d {
	case PostgreSQL:
		return []string{
			"CREATE TABLE IF NOT EXISTS " + t + " (" + key + ", " +
				q("session_data") + " text NOT NULL, " +
				q("expire_date") + " timestamp with time zone NOT NULL)",
			"CREATE INDEX IF NOT EXISTS " + q(expiryIndex) + " ON " + t + " (" + q("expire_date") + ")",
			"CREATE INDEX IF NOT EXISTS " + q(d.indexName(table, []string{"session_key"}, "_like")) +
				" ON " + t + " (" + q("session_key") + " varchar_pattern_ops)",
		}
	case MySQL:
		// MySQL has no CREATE INDEX IF NOT EXISTS: the index is declared in
		// the table, with Django's name.
		return []string{
			"CREATE TABLE IF NOT EXISTS " + t + " (" + key + ", " +
				q("session_data") + " longtext NOT NULL, " +
				q("expire_date") + " datetime(6) NOT NULL, " +
				"INDEX " + q(expiryIndex) + " (" + q("expire_date") + "))",
		}
	default:
		return []string{
			"CREATE TABLE IF NOT EXISTS " + t + " (" + key + ", " +
				q("session_data") + " text NOT NULL, " +
				q("expire_date") + " datetime NOT NULL)",
			"CREATE INDEX IF NOT EXISTS " + q(expiryIndex) + " ON " + t + " (" + q("expire_date") + ")",
		}
	}
}
