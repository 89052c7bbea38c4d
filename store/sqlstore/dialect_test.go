package sqlstore

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFormatDjangoTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   time.Time
		want string
	}{
		{"a whole second has no fraction", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02 03:04:05"},
		{"microseconds have six digits", time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC), "2026-01-02 03:04:05.123456"},
		{"leading zeros of the fraction are kept", time.Date(2026, 1, 2, 3, 4, 5, 1000, time.UTC), "2026-01-02 03:04:05.000001"},
		{"trailing zeros of the fraction are kept", time.Date(2026, 1, 2, 3, 4, 5, 500000000, time.UTC), "2026-01-02 03:04:05.500000"},
		{"nanoseconds are dropped", time.Date(2026, 1, 2, 3, 4, 5, 999, time.UTC), "2026-01-02 03:04:05"},
		{"another zone is written as UTC", time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 2*3600)), "2026-01-02 01:04:05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatDjangoTime(tc.in); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDjangoTimeTextOrdersLikeTime checks the property the SQLite dialect
// relies on: comparing the texts compares the times, fraction or not.
func TestDjangoTimeTextOrdersLikeTime(t *testing.T) {
	base := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	times := []time.Time{
		base, base.Add(time.Microsecond), base.Add(500 * time.Millisecond), base.Add(time.Second),
		base.Add(-time.Microsecond), base.Add(time.Second + time.Microsecond), base.AddDate(1, 0, 0),
	}
	for _, a := range times {
		for _, b := range times {
			fa, fb := formatDjangoTime(a), formatDjangoTime(b)
			if (fa < fb) != a.Before(b) || (fa == fb) != a.Equal(b) {
				t.Errorf("%q vs %q orders differently from %v vs %v", fa, fb, a, b)
			}
		}
	}
}

func TestParseDjangoTime(t *testing.T) {
	want := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	for _, tc := range []struct {
		name, in string
		want     time.Time
		wantErr  bool
	}{
		{"Django's SQLite text", "2026-01-02 03:04:05.123456", want, false},
		{"a whole second", "2026-01-02 03:04:05", want.Truncate(time.Second), false},
		{"MySQL's six-digit zero fraction", "2026-01-02 03:04:05.000000", want.Truncate(time.Second), false},
		{"ISO 8601 with an offset", "2026-01-02T05:04:05.123456+02:00", want, false},
		{"garbage", "tomorrow", time.Time{}, true},
		{"empty", "", time.Time{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDjangoTime(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !got.Equal(tc.want) || (err == nil && got.Location() != time.UTC) {
				t.Fatalf("got %v, want %v in UTC", got, tc.want)
			}
		})
	}
}

// FuzzParseDjangoTime checks that the expire_date reader never panics and
// that what it reads is written back to text that reads the same.
func FuzzParseDjangoTime(f *testing.F) {
	for _, s := range []string{"2026-01-02 03:04:05", "2026-01-02 03:04:05.123456", "2026-01-02T03:04:05Z", "0000-01-01 00:00:00", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseDjangoTime(s)
		if err != nil {
			return
		}
		again, err := parseDjangoTime(formatDjangoTime(got))
		if err != nil {
			t.Fatalf("%q read as %v, written as %q, which does not read: %v", s, got, formatDjangoTime(got), err)
		}
		if !again.Equal(got.Truncate(time.Microsecond)) {
			t.Fatalf("%q: %v then %v", s, got, again)
		}
	})
}

func TestIndexNamesAreDjangos(t *testing.T) {
	long := strings.Repeat("a", 60)
	for _, tc := range []struct {
		name    string
		dialect Dialect
		table   string
		column  string
		suffix  string
		want    string
	}{
		// Names from Django 3.2's schema editor (names_digest, _create_index_name).
		{"the expiry index of django_session", SQLite, "django_session", "expire_date", "", "django_session_expire_date_a5c62663"},
		{"PostgreSQL's pattern index", PostgreSQL, "django_session", "session_key", "_like", "django_session_session_key_c0390e0f_like"},
		{"another table", MySQL, "my_sessions", "expire_date", "", "my_sessions_expire_date_8a6b8a8d"},
		{"a long table on PostgreSQL is shortened", PostgreSQL, long, "expire_date", "", strings.Repeat("a", 26) + "_expire_date_c5734a60"},
		{"a long pattern index on PostgreSQL is shortened", PostgreSQL, long, "session_key", "_like", strings.Repeat("a", 24) + "_session_key_7c461132_like"},
		{"a long table on MySQL is shortened to 64", MySQL, long, "expire_date", "", strings.Repeat("a", 27) + "_expire_date_c5734a60"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.dialect.indexName(tc.table, []string{tc.column}, tc.suffix); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestValidTableName(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		ok   bool
	}{
		{"Django's table", "django_session", true},
		{"a leading underscore", "_s2", true},
		{"capitals", "Sessions", true},
		{"empty", "", false},
		{"a leading digit", "1sessions", false},
		{"a quote", `x"y`, false},
		{"a back-quote", "x`y", false},
		{"an injection", "s; DROP TABLE users", false},
		{"a schema-qualified name", "public.sessions", false},
		{"64 bytes", strings.Repeat("s", 64), false},
		{"63 bytes", strings.Repeat("s", 63), true},
		{"non-ASCII", "sessiön", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := validTableName(tc.in); got != tc.ok {
				t.Fatalf("validTableName(%q) = %v, want %v", tc.in, got, tc.ok)
			}
		})
	}
}

func TestParseDialect(t *testing.T) {
	for in, want := range map[string]Dialect{"sqlite": SQLite, "SQLite3": SQLite, "postgres": PostgreSQL, "postgresql": PostgreSQL, "pgx": PostgreSQL, "mysql": MySQL, "MariaDB": MySQL} {
		got, err := ParseDialect(in)
		if err != nil || got != want {
			t.Errorf("ParseDialect(%q) = %v, %v; want %v", in, got, err, want)
		}
		if d, _ := ParseDialect(got.String()); d != got {
			t.Errorf("%v does not parse back", got)
		}
	}
	if _, err := ParseDialect("oracle"); err == nil {
		t.Error("oracle parsed")
	}
}

func TestCreateTableStatementsAreDjangos(t *testing.T) {
	// Django 3.2's sqlmigrate sessions 0001 output, with IF NOT EXISTS added.
	for _, tc := range []struct {
		dialect Dialect
		want    []string
	}{
		{SQLite, []string{
			`CREATE TABLE IF NOT EXISTS "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)`,
			`CREATE INDEX IF NOT EXISTS "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")`,
		}},
		{PostgreSQL, []string{
			`CREATE TABLE IF NOT EXISTS "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)`,
			`CREATE INDEX IF NOT EXISTS "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")`,
			`CREATE INDEX IF NOT EXISTS "django_session_session_key_c0390e0f_like" ON "django_session" ("session_key" varchar_pattern_ops)`,
		}},
		{MySQL, []string{
			"CREATE TABLE IF NOT EXISTS `django_session` (`session_key` varchar(40) NOT NULL PRIMARY KEY, `session_data` longtext NOT NULL, `expire_date` datetime(6) NOT NULL, INDEX `django_session_expire_date_a5c62663` (`expire_date`))",
		}},
	} {
		t.Run("for "+tc.dialect.String(), func(t *testing.T) {
			got := tc.dialect.createTable(DefaultTableName)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestDataEncoding(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		stored string // "" = encoded
	}{
		{"Django's session data is stored as it is", []byte("eyJhIjoxfQ:1uTQ2x:sig"), "eyJhIjoxfQ:1uTQ2x:sig"},
		{"UTF-8 text is stored as it is", []byte("héllo ☃ 𝄞"), "héllo ☃ 𝄞"},
		{"empty data is an empty string", []byte{}, ""},
		{"every byte value is encoded", all, BinaryPrefix + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w=="},
		{"a NUL byte is encoded", []byte("a\x00b"), BinaryPrefix + "YQBi"},
		{"invalid UTF-8 is encoded", []byte("\xff"), BinaryPrefix + "/w=="},
		{"text that starts with the prefix is encoded", []byte(BinaryPrefix + "x"), BinaryPrefix + "fmI2NH54"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := encodeData(tc.data)
			if got != tc.stored {
				t.Fatalf("stored as %q, want %q", got, tc.stored)
			}
			back := decodeData([]byte(got))
			if string(back) != string(tc.data) || back == nil {
				t.Fatalf("read back as %q, want %q", back, tc.data)
			}
		})
	}
	t.Run("a prefixed text that is not base64 is returned as it is", func(t *testing.T) {
		in := []byte(BinaryPrefix + "not base64!")
		if got := decodeData(in); string(got) != string(in) {
			t.Fatalf("got %q", got)
		}
	})
}

// FuzzDataEncoding checks that any bytes survive the trip through the text
// column, and that plain text is stored unchanged.
func FuzzDataEncoding(f *testing.F) {
	f.Add([]byte("eyJhIjoxfQ:1uTQ2x:sig"))
	f.Add([]byte("\x00\xff"))
	f.Add([]byte(BinaryPrefix))
	f.Fuzz(func(t *testing.T, data []byte) {
		text := encodeData(data)
		if !utf8.ValidString(text) || strings.IndexByte(text, 0) >= 0 {
			t.Fatalf("%q stored as %q, which is not NUL-free UTF-8", data, text)
		}
		if back := decodeData([]byte(text)); string(back) != string(data) {
			t.Fatalf("%q stored as %q read back as %q", data, text, back)
		}
		// Whatever a column holds reads without panicking.
		_ = decodeData(data)
	})
}
