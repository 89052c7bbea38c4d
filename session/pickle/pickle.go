// Package pickle is the session codec that shares sessions with Django's
// cache engine: Django's cache framework (django-redis, which Django 3.2
// sites use for Redis, Django 4.0+'s RedisCache, and the memcached
// backends) stores the session dict with Python's pickle, unsigned. Set
// session.Config.Codec to Codec{} on a store that a Django site reads and
// writes through its cache (store/redis, store/memcache).
//
// This is not a general unpickler. It reads data, never code: the values a
// session holds, and nothing that names a Python callable, with one
// exception kept as data (below). In detail, with the JSON-form values the
// session package uses on the Go side:
//
//	Python                        Go (Decode)                 written by Encode as
//	dict with str keys            map[string]any              dict
//	list                          []any                       list
//	tuple                         []any (read as a list)      list
//	str                           string                      str
//	bytes                         string (must be UTF-8)      (never written)
//	int, any size                 int64, json.Number beyond   int
//	float                         float64                     float
//	bool, None                    bool, nil                   bool, None
//	datetime.datetime             string, ISO 8601            datetime, for _session_expiry
//
// Tuples come back as lists and go back to Python as lists. Bytes come back
// as a string when they are valid UTF-8 (and go back as str); other bytes
// are refused. Dict keys must be str.
//
// # Datetimes
//
// Django 3.2's set_expiry(datetime or timedelta) stores a datetime under
// "_session_expiry" on the cache engine, so Decode reads exactly one object
// form as data: datetime.datetime from its 10 state bytes, with no tzinfo,
// with Django 3.2's pytz UTC, or with datetime.timezone.utc (any other zone
// is refused). It becomes the string Python's isoformat() writes, which is
// also what the session package keeps for an expiry date:
// "2030-01-02T03:04:05.000006+00:00" for an aware datetime (the
// microseconds only when not zero), "2030-01-02T03:04:05" for a naive one
// (the session package reads that as UTC). A datetime under any other key
// reads the same way, and is written back as that string.
//
// Encode writes the value of "_session_expiry", when it is such a string
// (what Session.SetExpiryTime stores), as a datetime.datetime with
// datetime.timezone.utc (a naive one for a string without offset), which
// Django 3.2 and every later version read; other strings stay str.
//
// # What is refused
//
// Decode accepts the opcodes of pickle protocols 2 to 5 that build the
// values above, the memo opcodes (MEMOIZE, BINPUT, LONG_BINPUT, BINGET,
// LONG_BINGET) and FRAME. Every other opcode (REDUCE on anything but the
// datetime form, BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4, PERSID,
// BINPERSID, sets, bytearray, out-of-band buffers, the text opcodes of
// protocol 0) and every global other than datetime.datetime,
// datetime.timezone, datetime.timedelta and pytz._UTC (themselves only
// accepted in that one form) is an error matching ErrRefused and
// session.ErrCodecMismatch. Nothing is ever called, imported or emulated:
// the four names are compared as strings and the datetime is assembled from
// its bytes. Protocol 2 pickles bytes (and so datetimes) through a call of
// _codecs.encode, which is refused: Django writes the highest protocol (4
// or 5), where bytes are data.
//
// Data that is not a pickle of protocol 2 or later (JSON, Django's signed
// form) is an error matching session.ErrCodecMismatch, which the Manager
// reports instead of reading an empty session, so that a record written
// with another codec is never overwritten. A malformed pickle (truncated,
// an unknown opcode, a stack underflow) is an error matching
// session.ErrCorrupt.
//
// Limits: nesting deeper than MaxDepth, an int of more than 4300 decimal
// digits (Python's own limit for int to str), and shared references
// (Python pickles an object used twice once) that would expand to more
// values than a few times the input's length are refused. Allocation is
// bounded by the input's length.
package pickle

import (
	"errors"

	"github.com/djsession/djsession/session"
)

// Protocol is the pickle protocol that Encode writes: 4, which every
// Python since 3.4 reads (Django 3.2 supports Python 3.6 and later).
const Protocol = 4

// MaxDepth is the deepest nesting of lists, tuples and dicts that Decode
// and Encode accept.
const MaxDepth = 256

// maxIntDigits is Python's default sys.get_int_max_str_digits().
const maxIntDigits = 4300

// ErrRefused is matched by the error of Decode for a pickle that holds
// something this codec never reads: an opcode or a global that could run
// code, a Python type a session value cannot be, or a value over a limit.
// The error also matches session.ErrCodecMismatch.
var ErrRefused = errors.New("pickle: refused")

// Codec is the session.Codec of Django's cache engine: session data as a
// pickled dict (see the package documentation for what it reads and
// writes). The zero value is ready to use and safe for concurrent use.
type Codec struct{}

var _ session.Codec = Codec{}

// Encode returns the pickle (protocol 4) of values. Values in any form the
// session package accepts are written in their JSON form; the value of
// session.ExpiryKey, when it is an ISO 8601 date and time, is written as a
// datetime.
func (Codec) Encode(values map[string]any) ([]byte, error) {
	return marshal(values)
}

// Decode returns the session dict pickled in data. The error matches
// session.ErrCodecMismatch for data that is not a pickle or holds what the
// codec refuses (ErrRefused), and session.ErrCorrupt for a malformed one.
func (Codec) Decode(data []byte) (map[string]any, error) {
	return unmarshal(data)
}

// PureDecode marks Codec as a session.PureCodec: Decode depends on the
// bytes alone, so the Manager may keep decoded sessions
// (session.Config.DecodedCacheEntries).
func (Codec) PureDecode() {}
