package session

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// ExpiryKey is the session key under which Django keeps the value given to
// set_expiry. It is an ordinary key: Keys and Items show it, as in Django.
const ExpiryKey = "_session_expiry"

// BrowserClose, given to Session.SetExpiry, makes the session cookie last
// until the browser closes (Django's set_expiry(0)).
const BrowserClose = 0

// maxExpirySeconds bounds expiry arithmetic (about 272 years) so that no
// stored value can overflow a time.Duration.
const maxExpirySeconds = 1 << 33

// expiry is the result of Django's get_expiry_age, get_expiry_date and
// get_expire_at_browser_close for one stored _session_expiry value at one
// moment: the single place where this package turns the value into times.
// The cookie writer and every store use it.
type expiry struct {
	// age is get_expiry_age in whole seconds (may be negative for a date
	// in the past): the cookie's Max-Age.
	age int64
	// date is get_expiry_date: when the stored record expires.
	date time.Time
	// browserClose is get_expire_at_browser_close: the cookie gets neither
	// Max-Age nor expires.
	browserClose bool
}

// computeExpiry applies Django's rules (SessionBase.get_expiry_age,
// get_expiry_date, get_expire_at_browser_close) to the stored value v
// (present reports whether _session_expiry exists) at the moment now:
//
//   - absent: age = CookieAge, date = now + CookieAge, browser close =
//     Config.ExpireAtBrowserClose;
//   - an integer N > 0 (or a float, truncated): age = N, date = now + N,
//     browser close false (an idle timeout counted from each save);
//   - 0: age = CookieAge, date = now + CookieAge, browser close true;
//   - an ISO-8601 string (what Django 5 stores for a datetime or
//     timedelta): date = that instant, age = floor(date - now) in seconds,
//     browser close false;
//   - anything else (a value Django could not have written): as absent.
func computeExpiry(v any, present bool, now time.Time, cookieAge time.Duration, atBrowserClose bool) expiry {
	defAge := int64(cookieAge / time.Second)
	e := expiry{age: defAge, browserClose: atBrowserClose}
	if !present || v == nil {
		e.date = now.Add(time.Duration(defAge) * time.Second)
		return e
	}
	if s, ok := v.(string); ok {
		t, err := parseISOTime(s)
		if err != nil {
			e.date = now.Add(time.Duration(defAge) * time.Second)
			return e
		}
		e.browserClose = false
		e.date = t
		e.age = floorSeconds(t.Sub(now))
		return e
	}
	n, ok := expirySeconds(v)
	if !ok {
		e.date = now.Add(time.Duration(defAge) * time.Second)
		return e
	}
	if n == 0 {
		e.browserClose = true
		e.date = now.Add(time.Duration(defAge) * time.Second)
		return e
	}
	e.browserClose = false
	e.age = n
	e.date = now.Add(time.Duration(n) * time.Second)
	return e
}

// expirySeconds reads a numeric _session_expiry value as whole seconds,
// clamped to ±maxExpirySeconds.
func expirySeconds(v any) (int64, bool) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, false
		}
		x = math.Trunc(x)
		switch {
		case x > maxExpirySeconds:
			n = maxExpirySeconds
		case x < -maxExpirySeconds:
			n = -maxExpirySeconds
		default:
			n = int64(x)
		}
	case json.Number:
		i, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				if strings.HasPrefix(string(x), "-") {
					return -maxExpirySeconds, true
				}
				return maxExpirySeconds, true
			}
			return 0, false
		}
		n = i
	default:
		return 0, false
	}
	if n > maxExpirySeconds {
		n = maxExpirySeconds
	} else if n < -maxExpirySeconds {
		n = -maxExpirySeconds
	}
	return n, true
}

// floorSeconds is Python's timedelta.days*86400 + timedelta.seconds: d in
// whole seconds, rounded toward minus infinity.
func floorSeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second < 0 {
		s--
	}
	return s
}

// formatISOTime writes t in UTC as Python's datetime.isoformat() writes an
// aware datetime: 2006-01-02T15:04:05[.ffffff]+00:00, microseconds only when
// not zero. This is how Django 5 stores set_expiry(datetime or timedelta)
// with USE_TZ (timezone.now() is in UTC).
func formatISOTime(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() != 0 {
		return t.Format("2006-01-02T15:04:05.000000-07:00")
	}
	return t.Format("2006-01-02T15:04:05-07:00")
}

// errISOTime is returned by parseISOTime for a string it does not accept.
var errISOTime = errors.New("not an ISO-8601 date and time")

// parseISOTime parses what Python's datetime.isoformat() and Django's JSON
// encoder write: YYYY-MM-DD, 'T' or ' ', HH:MM[:SS[.fraction]], then an
// optional Z or ±HH:MM offset. A string without offset (a naive datetime) is
// taken as UTC. The result is in UTC, or in a fixed zone for another offset.
func parseISOTime(s string) (time.Time, error) {
	if len(s) < len("2006-01-02T15:04") || len(s) > 64 {
		return time.Time{}, errISOTime
	}
	if s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range []string{
		"2006-01-02T15:04:05Z07:00",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			// Python's datetime holds years 1 to 9999.
			if y := t.UTC().Year(); y < 1 || y > 9999 {
				return time.Time{}, errISOTime
			}
			// A fixed offset, never the process's Local zone.
			if _, off := t.Zone(); off != 0 {
				return t.In(time.FixedZone("", off)), nil
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, errISOTime
}

// StoredExpiry returns when a session stored with values, last modified at
// modified, expires: Django's get_expiry_date(modification=modified) for the
// value under ExpiryKey, read as this package reads it everywhere else. A
// number of seconds N (not 0) gives modified + N; an ISO-8601 date gives that
// date; no value, 0, nil or a value Django could not have written gives
// modified + cookieAge (whole seconds).
//
// It is for stores that keep no expiry of their own and derive it from the
// data and a modification time, as Django's file engine does with the
// file's mtime. (Django 3.2's file engine returns a positive integer as the
// expiry age itself, so that such a file never expires on its server;
// StoredExpiry counts the seconds from modified, as the integer means.)
func StoredExpiry(values map[string]any, modified time.Time, cookieAge time.Duration) time.Time {
	v, ok := values[ExpiryKey]
	return computeExpiry(v, ok, modified, cookieAge.Truncate(time.Second), false).date
}
