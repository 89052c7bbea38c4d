package pyjson

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Marshal returns the JSON encoding of v in Python's compact form (see the
// package documentation). It accepts nil, bool, string, every integer and
// float type, json.Number, *big.Int, time.Time (written as Python's
// isoformat(): microseconds, and +00:00 for UTC), slices, arrays and maps
// with string or integer keys of any of these, pointers to them, and anything
// else that encoding/json can encode (structs, json.Marshaler), which is
// encoded by encoding/json and then normalised. In that last case integral
// floats inside the value come out as integers, because encoding/json writes
// them so, and time.Time fields use encoding/json's RFC 3339 form. Nil
// slices, maps and pointers are null, as in encoding/json. A string that is
// not valid UTF-8 is an error matching
// ErrInvalidUTF8; nesting deeper than MaxDepth (or a cycle) is ErrTooDeep.
func Marshal(v any) ([]byte, error) {
	return AppendMarshal(make([]byte, 0, 256), v)
}

// AppendMarshal appends the encoding of v to dst and returns the extended
// slice, like Marshal but without allocating when dst has room. On error it
// returns dst unchanged (with its original length) and the error.
func AppendMarshal(dst []byte, v any) ([]byte, error) {
	n := len(dst)
	out, err := appendValue(dst, v, 0)
	if err != nil {
		return dst[:n], err
	}
	return out, nil
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, x)
	case bool:
		return appendBool(dst, x), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case float64:
		return appendFloat(dst, x, 64), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case map[string]any:
		return appendMap(dst, x, depth)
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		if depth >= MaxDepth {
			return dst, ErrTooDeep
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case json.Number:
		return appendNumber(dst, x)
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case uintptr:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case float32:
		return appendFloat(dst, float64(x), 32), nil
	case *big.Int:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return x.Append(dst, 10), nil
	case []string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		if depth >= MaxDepth {
			return dst, ErrTooDeep
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendString(dst, e); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		if depth >= MaxDepth {
			return dst, ErrTooDeep
		}
		keys := sortedKeys(x)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendString(dst, k); err != nil {
				return dst, err
			}
			dst = append(dst, ':')
			if dst, err = appendString(dst, x[k]); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case time.Time:
		return appendString(dst, isoformat(x))
	}
	return appendReflect(dst, reflect.ValueOf(v), depth)
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// mapEntry is one key and value of a map being written.
type mapEntry struct {
	k string
	v any
}

func appendMap(dst []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	if depth >= MaxDepth {
		return dst, ErrTooDeep
	}
	// Small maps sort their entries on the stack: no allocation per call,
	// and no second lookup of each key.
	var small [16]mapEntry
	entries := small[:0]
	if len(m) > len(small) {
		entries = make([]mapEntry, 0, len(m))
	}
	for k, v := range m {
		entries = append(entries, mapEntry{k, v})
	}
	slices.SortFunc(entries, func(a, b mapEntry) int { return strings.Compare(a.k, b.k) })
	dst = append(dst, '{')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendString(dst, e.k); err != nil {
			return dst, err
		}
		dst = append(dst, ':')
		if dst, err = appendValue(dst, e.v, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// isoformat writes t as Python's datetime.isoformat() writes an aware
// datetime: microseconds only when non-zero, and the offset as +HH:MM.
func isoformat(t time.Time) string {
	if t.Nanosecond()/1000 != 0 {
		return t.Format("2006-01-02T15:04:05.000000-07:00")
	}
	return t.Format("2006-01-02T15:04:05-07:00")
}

const hexDigits = "0123456789abcdef"

// plain[b] is true for the ASCII bytes Python writes as they are.
var plain = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendString writes s as a JSON string with Python's ensure_ascii escapes.
func appendString(dst []byte, s string) ([]byte, error) {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if plain[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"':
				dst = append(dst, '\\', '"')
			case '\\':
				dst = append(dst, '\\', '\\')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = appendEscape(dst, rune(b))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return dst, fmt.Errorf("%w: byte 0x%02x at offset %d", ErrInvalidUTF8, b, i)
		}
		dst = append(dst, s[start:i]...)
		if r > 0xffff {
			r -= 0x10000
			dst = appendEscape(dst, 0xd800+(r>>10))
			dst = appendEscape(dst, 0xdc00+(r&0x3ff))
		} else {
			dst = appendEscape(dst, r)
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), nil
}

func appendEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// appendFloat writes f as Python's repr(float) does. bits is 32 for a
// float32, whose shortest decimal form is used (as encoding/json does).
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	// Write the shortest digits in exponent form first, and read the
	// exponent back: its value decides the notation Python uses.
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'e', -1, bits)
	exp, sign := 0, 1
	for i := len(dst) - 1; i > start; i-- {
		c := dst[i]
		if c == '-' {
			sign = -1
			break
		}
		if c == '+' {
			break
		}
	}
	for i, scale := len(dst)-1, 1; i > start && dst[i] >= '0' && dst[i] <= '9'; i, scale = i-1, scale*10 {
		exp += int(dst[i]-'0') * scale
	}
	exp *= sign
	if exp < -4 || exp >= 16 {
		return dst
	}
	dst = strconv.AppendFloat(dst[:start], f, 'f', -1, bits)
	for _, c := range dst[start:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, '.', '0')
}

// appendNumber writes a json.Number as Python would write the number it
// reads from that literal: integers as integers, anything else as a float.
func appendNumber(dst []byte, n json.Number) ([]byte, error) {
	v, err := numberValue(string(n))
	if err != nil {
		return dst, err
	}
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case float64:
		return appendFloat(dst, x, 64), nil
	default:
		return append(dst, x.(json.Number)...), nil
	}
}

// numberValue converts a JSON number literal to what Unmarshal returns for
// it: int64, json.Number (a canonical big integer) or float64.
func numberValue(lit string) (any, error) {
	end, isFloat, ok := scanNumber(lit, 0)
	if !ok || end != len(lit) {
		return nil, fmt.Errorf("%w: %q is not a JSON number", ErrUnsupported, lit)
	}
	return convertNumber(lit, isFloat)
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	timePointerType   = reflect.TypeFor[*time.Time]()
)

// appendReflect handles the types the fast path does not name: named basic
// types, slices, arrays, maps and pointers by reflection, and everything else
// (structs, marshalers) through encoding/json.
func appendReflect(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	if depth >= MaxDepth {
		return dst, ErrTooDeep
	}
	if !rv.IsValid() {
		return append(dst, "null"...), nil
	}
	t := rv.Type()
	if t == timePointerType {
		if rv.IsNil() {
			return append(dst, "null"...), nil
		}
		return appendString(dst, isoformat(*rv.Interface().(*time.Time)))
	}
	if t.Implements(marshalerType) || t.Implements(textMarshalerType) {
		if rv.Kind() == reflect.Pointer && rv.IsNil() {
			return append(dst, "null"...), nil
		}
		return appendViaEncodingJSON(dst, rv.Interface(), depth)
	}
	switch rv.Kind() {
	case reflect.Bool:
		return appendBool(dst, rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(dst, rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(dst, rv.Uint(), 10), nil
	case reflect.Float32:
		return appendFloat(dst, rv.Float(), 32), nil
	case reflect.Float64:
		return appendFloat(dst, rv.Float(), 64), nil
	case reflect.String:
		return appendString(dst, rv.String())
	case reflect.Interface, reflect.Pointer:
		if rv.IsNil() {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, rv.Elem().Interface(), depth+1)
	case reflect.Slice:
		if rv.IsNil() {
			return append(dst, "null"...), nil
		}
		if t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(marshalerType) && !t.Elem().Implements(textMarshalerType) {
			// As encoding/json: a byte slice is a base64 string.
			dst = append(dst, '"')
			dst = base64.StdEncoding.AppendEncode(dst, rv.Bytes())
			return append(dst, '"'), nil
		}
		fallthrough
	case reflect.Array:
		dst = append(dst, '[')
		for i := range rv.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, rv.Index(i).Interface(), depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case reflect.Map:
		if rv.IsNil() {
			return append(dst, "null"...), nil
		}
		return appendReflectMap(dst, rv, depth)
	case reflect.Struct:
		return appendViaEncodingJSON(dst, rv.Interface(), depth)
	}
	return dst, fmt.Errorf("%w: %s", ErrUnsupported, t)
}

func appendReflectMap(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	type entry struct {
		key string
		val reflect.Value
	}
	kt := rv.Type().Key()
	if kt.Implements(textMarshalerType) && kt.Kind() != reflect.String {
		return appendViaEncodingJSON(dst, rv.Interface(), depth)
	}
	entries := make([]entry, 0, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		k := iter.Key()
		var ks string
		switch k.Kind() {
		case reflect.String:
			ks = k.String()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			ks = strconv.FormatInt(k.Int(), 10)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			ks = strconv.FormatUint(k.Uint(), 10)
		default:
			return dst, fmt.Errorf("%w: map key type %s", ErrUnsupported, kt)
		}
		entries = append(entries, entry{ks, iter.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	dst = append(dst, '{')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendString(dst, e.key); err != nil {
			return dst, err
		}
		dst = append(dst, ':')
		if dst, err = appendValue(dst, e.val.Interface(), depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendViaEncodingJSON encodes v with encoding/json, reads the result back
// (as UTF-8, which is what encoding/json writes) and writes it in Python's
// form.
func appendViaEncodingJSON(dst []byte, v any, depth int) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	d := decoder{data: ownedString(raw), depth: depth}
	tree, err := d.document()
	if err != nil {
		return dst, err
	}
	return appendValue(dst, tree, depth)
}
