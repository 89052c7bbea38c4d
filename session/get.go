package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/internal/pyjson"
)

// ErrType is matched (errors.Is) by every *TypeError.
var ErrType = errors.New("session: value has another type")

// TypeError reports a session value that cannot be read as the type asked
// for: a string read as an integer, 1.5 read as an integer, an integer too
// large for the type, null read as a number. It names the key and the types,
// never the value.
type TypeError struct {
	Key  string // the session key
	Got  string // the Go type of the stored value, such as "string" or "float64"
	Want string // the type asked for
	Err  error  // more detail (a range error, a JSON decoding error), or nil
}

// Error describes the mismatch.
func (e *TypeError) Error() string {
	msg := fmt.Sprintf("session: value of %q is %s, not %s", e.Key, e.Got, e.Want)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is makes a *TypeError match ErrType.
func (e *TypeError) Is(target error) bool { return target == ErrType }

// Unwrap returns the detail error.
func (e *TypeError) Unwrap() error { return e.Err }

func typeError(key string, v any, want string, err error) *TypeError {
	got := "null"
	if v != nil {
		got = reflect.TypeOf(v).String()
	}
	return &TypeError{Key: key, Got: got, Want: want, Err: err}
}

var errRange = errors.New("out of range")
var errFraction = errors.New("has a fractional part")

// GetString returns the string stored under key. ok is false (and err nil)
// when there is no such key; err is a *TypeError when the value is not a
// string.
func (s *Session) GetString(key string) (value string, ok bool, err error) {
	return Get[string](s, key)
}

// GetInt returns the integer stored under key. It accepts the integers of
// JSON (int64, and json.Number for larger ones when they fit), any Go
// integer type set during this request, and a float or json.Number with no
// fractional part (3.0); anything else, or a value outside int64, is a
// *TypeError. ok is false (and err nil) when there is no such key.
func (s *Session) GetInt(key string) (value int64, ok bool, err error) {
	return Get[int64](s, key)
}

// GetFloat returns the number stored under key as a float64. An integer is
// accepted when float64 holds it exactly; anything else is a *TypeError. ok
// is false (and err nil) when there is no such key.
func (s *Session) GetFloat(key string) (value float64, ok bool, err error) {
	return Get[float64](s, key)
}

// GetBool returns the boolean stored under key; anything else is a
// *TypeError. ok is false (and err nil) when there is no such key.
func (s *Session) GetBool(key string) (value bool, ok bool, err error) {
	return Get[bool](s, key)
}

// GetTime returns the time stored under key: a time.Time set during this
// request, or its stored form, an ISO-8601 string (as Python's isoformat()
// and Django's JSON encoder write it, RFC 3339 included; no offset means
// UTC). Anything else is a *TypeError. ok is false (and err nil) when there
// is no such key.
func (s *Session) GetTime(key string) (value time.Time, ok bool, err error) {
	return Get[time.Time](s, key)
}

// Get returns the value stored under key in s as a T. ok is false (and err
// nil) when there is no such key. It never returns a silent zero: a value
// that does not convert exactly is an error (a *TypeError, matching ErrType)
// with ok true.
//
// A value that already has type T is returned as it is. Integer and float
// types convert as GetInt and GetFloat do, with range checks; time.Time
// reads as GetTime. Any other T (a struct, a slice, a map, a named type) is
// decoded from the value's JSON form with encoding/json rules, so a struct
// stored in one request comes back from a map[string]any in the next. JSON
// null reads as the zero value of pointer, slice, map and interface types
// and is an error for the others.
func Get[T any](s *Session, key string) (value T, ok bool, err error) {
	v, ok := s.Get(key)
	if !ok {
		return value, false, nil
	}
	// The common case, a value of the type asked for, costs nothing.
	if t, ok := v.(T); ok && v != nil {
		return t, true, nil
	}
	value, err = convert[T](key, v)
	return value, true, err
}

// convert is the slow path of Get.
func convert[T any](key string, v any) (T, error) {
	var out T
	if v == nil {
		switch reflect.TypeFor[T]().Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			return out, nil
		}
		return out, typeError(key, v, reflect.TypeFor[T]().String(), nil)
	}
	var err error
	switch p := any(&out).(type) {
	case *int64:
		*p, err = toInt(v, 64)
	case *int:
		var n int64
		n, err = toInt(v, strconv.IntSize)
		*p = int(n)
	case *int32:
		var n int64
		n, err = toInt(v, 32)
		*p = int32(n)
	case *int16:
		var n int64
		n, err = toInt(v, 16)
		*p = int16(n)
	case *int8:
		var n int64
		n, err = toInt(v, 8)
		*p = int8(n)
	case *uint64:
		*p, err = toUint(v, 64)
	case *uint:
		var n uint64
		n, err = toUint(v, strconv.IntSize)
		*p = uint(n)
	case *uint32:
		var n uint64
		n, err = toUint(v, 32)
		*p = uint32(n)
	case *uint16:
		var n uint64
		n, err = toUint(v, 16)
		*p = uint16(n)
	case *uint8:
		var n uint64
		n, err = toUint(v, 8)
		*p = uint8(n)
	case *float64:
		*p, err = toFloat(v, 64)
	case *float32:
		var f float64
		f, err = toFloat(v, 32)
		*p = float32(f)
	case *time.Time:
		*p, err = toTime(v)
	case *string, *bool:
		err = ErrType
	default:
		err = decodeJSON(v, &out)
	}
	if err != nil {
		var zero T
		if errors.Is(err, ErrType) {
			err = nil
		}
		return zero, typeError(key, v, reflect.TypeFor[T]().String(), err)
	}
	return out, nil
}

// decodeJSON decodes the JSON form of v into dst.
func decodeJSON(v any, dst any) error {
	js, err := pyjson.Marshal(v)
	if err != nil {
		return err
	}
	return pyjson.Decode(js, dst)
}

// toInt converts v to a signed integer of the given bit size, exactly.
func toInt(v any, bits int) (int64, error) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int16:
		n = int64(x)
	case int8:
		n = int64(x)
	case uint, uint64, uint32, uint16, uint8, uintptr:
		u := reflect.ValueOf(x).Uint()
		if u > math.MaxInt64 {
			return 0, errRange
		}
		n = int64(u)
	case float64:
		f, err := integralFloat(x)
		if err != nil {
			return 0, err
		}
		n = f
	case float32:
		f, err := integralFloat(float64(x))
		if err != nil {
			return 0, err
		}
		n = f
	case json.Number:
		i, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, errRange
			}
			f, ferr := strconv.ParseFloat(string(x), 64)
			if ferr != nil {
				return 0, ErrType
			}
			if i, err = integralFloat(f); err != nil {
				return 0, err
			}
		}
		n = i
	default:
		return 0, ErrType
	}
	if bits < 64 && (n < -1<<(bits-1) || n > 1<<(bits-1)-1) {
		return 0, errRange
	}
	return n, nil
}

// toUint converts v to an unsigned integer of the given bit size, exactly.
func toUint(v any, bits int) (uint64, error) {
	var u uint64
	switch x := v.(type) {
	case uint, uint64, uint32, uint16, uint8, uintptr:
		u = reflect.ValueOf(x).Uint()
	case json.Number:
		n, err := strconv.ParseUint(string(x), 10, 64)
		if err != nil {
			i, ierr := toInt(x, 64)
			if ierr != nil {
				if errors.Is(err, strconv.ErrRange) {
					return 0, errRange
				}
				return 0, ierr
			}
			if i < 0 {
				return 0, errRange
			}
			n = uint64(i)
		}
		u = n
	default:
		i, err := toInt(v, 64)
		if err != nil {
			return 0, err
		}
		if i < 0 {
			return 0, errRange
		}
		u = uint64(i)
	}
	if bits < 64 && u > 1<<bits-1 {
		return 0, errRange
	}
	return u, nil
}

// integralFloat converts f to int64 when it has no fractional part and is in range.
func integralFloat(f float64) (int64, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
		return 0, errFraction
	}
	if f < -(1<<63) || f >= 1<<63 {
		return 0, errRange
	}
	return int64(f), nil
}

// toFloat converts v to a float of the given bit size; an integer must be
// held exactly.
func toFloat(v any, bits int) (float64, error) {
	switch x := v.(type) {
	case float64:
		if bits == 32 && !math.IsInf(x, 0) && !math.IsNaN(x) && math.Abs(x) > math.MaxFloat32 {
			return 0, errRange
		}
		return x, nil
	case float32:
		return float64(x), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), bits)
		if err != nil {
			return 0, errRange
		}
		// An integer literal must be held exactly.
		if isIntLiteral(string(x)) && strconv.FormatFloat(f, 'f', 0, 64) != strings.TrimPrefix(string(x), "+") {
			return 0, errRange
		}
		return f, nil
	}
	if u, ok := v.(uint64); ok {
		f := float64(u)
		if f >= 1<<64 || uint64(f) != u {
			return 0, errRange
		}
		return f, nil
	}
	i, err := toInt(v, 64)
	if err != nil {
		if errors.Is(err, errFraction) {
			return 0, ErrType
		}
		return 0, err
	}
	f := float64(i)
	if bits == 32 {
		f = float64(float32(i))
	}
	if f >= 1<<63 || int64(f) != i {
		return 0, errRange
	}
	return f, nil
}

// isIntLiteral reports whether s is a JSON integer literal.
func isIntLiteral(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// toTime converts v to a time.Time: a time.Time or an ISO-8601 string.
func toTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		t, err := parseISOTime(x)
		if err != nil {
			return time.Time{}, err
		}
		return t, nil
	}
	return time.Time{}, ErrType
}
