package session

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/pyjson"
)

// Limits of Config.MaxSize.
const (
	// DefaultMaxSize is Config.MaxSize's default: 512 KiB of JSON.
	DefaultMaxSize = 512 << 10
	// MaxSizeLimit is the largest Config.MaxSize: the most that the reading
	// side decodes (a larger session could be written and never read back).
	MaxSizeLimit = 1 << 20
)

// SizeError is the error of a save whose session is larger than the limit:
// Config.MaxSize, or the smaller limit of a store that declares one
// (SizeLimiter), or what fits in a cookie for a cookie store. Nothing is
// written. It names the largest values, so the handler (or its log) shows
// what to trim.
type SizeError struct {
	Size    int       // the session's size, as the limit measures it
	Limit   int       // the limit it exceeds
	Largest []KeySize // the largest values, largest first (at most five)
	// What names the limit ("Config.MaxSize", "the 4096-byte cookie"...).
	What string
}

// KeySize is one session key and the size of its value in JSON.
type KeySize struct {
	Key  string
	Size int
}

func (e *SizeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "session: the session is %d bytes, over the limit of %d (%s)", e.Size, e.Limit, e.What)
	if len(e.Largest) > 0 {
		b.WriteString("; the largest values:")
		for i, k := range e.Largest {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, " %q %d bytes", k.Key, k.Size)
		}
	}
	return b.String()
}

// NewSizeError returns the SizeError of values, whose size is size, over
// limit (named by what), with its largest values measured as Config.MaxSize
// measures them. Stores that check a limit of their own use it.
func NewSizeError(values map[string]any, size, limit int, what string) *SizeError {
	e := &SizeError{Size: size, Limit: limit, What: what}
	for k, v := range values {
		n, _ := jsonLen(v, 0)
		e.Largest = append(e.Largest, KeySize{k, n})
	}
	slices.SortFunc(e.Largest, func(a, b KeySize) int {
		return cmp.Or(cmp.Compare(b.Size, a.Size), strings.Compare(a.Key, b.Key))
	})
	if len(e.Largest) > 5 {
		e.Largest = e.Largest[:5]
	}
	return e
}

// SizeLimiter is a Store that can keep sessions only up to a size (a
// memcached item, a cookie): the smaller of its limit and Config.MaxSize
// applies, with the same SizeError.
type SizeLimiter interface {
	// MaxSessionSize is the largest session the store keeps, measured as
	// Config.MaxSize measures it.
	MaxSessionSize() int
}

// checkSize returns a *SizeError when data is over the limit, an
// *EncodingError when a value cannot be encoded, and nil otherwise.
func (m *Manager) checkSize(data map[string]any) error {
	n, err := jsonLen(data, 0)
	if err != nil {
		return encodingError(data, err)
	}
	return m.checkMeasured(data, n)
}

// checkMeasured is checkSize for data whose size is already known.
func (m *Manager) checkMeasured(data map[string]any, n int) error {
	if n > m.maxSize {
		return NewSizeError(data, n, m.maxSize, m.maxSizeWhat)
	}
	return nil
}

// normalizeAndCheck puts the values of v that are not yet in their JSON
// form into it (a store's snapshot already is), measures them in the same
// walk, and checks the size: the one pass over the session that a save to
// a ValueStore makes. It returns the size, as SizeOf measures it.
func (m *Manager) normalizeAndCheck(v *values) (int, error) {
	var n int
	var err error
	if v.shared {
		n, err = jsonLen(v.m, 0)
	} else {
		n, err = measureInPlace(v)
	}
	if err != nil {
		return 0, encodingError(v.m, err)
	}
	return n, m.checkMeasured(v.m, n)
}

// measureInPlace puts every value of v in its JSON form, the value a load
// from any other store would give back (what is in it already stays, see
// values.inJSONForm; other values are converted, lists and maps copied),
// and returns SizeOf(v.m), in one walk.
func measureInPlace(v *values) (int, error) {
	m := v.m
	n := 2
	if len(m) > 1 {
		n += len(m) - 1 // commas
	}
	for k, x := range m {
		kn, err := stringLen(k) // also refuses a key that is not UTF-8
		if err != nil {
			return 0, err
		}
		if !v.inJSONForm(k, x) {
			if x, err = pyjson.Normalize(x); err != nil {
				return 0, err
			}
			m[k] = x
		}
		vn, err := jsonLen(x, 1)
		if err != nil {
			return 0, err
		}
		n += kn + 1 + vn
	}
	return n, nil
}

// measuringCodec is a Codec of this package that reports, with the encoded
// data, the exact length of the session's JSON text.
type measuringCodec interface {
	encodeMeasured(values map[string]any) (data []byte, jsonLen int, err error)
}

// maxFloatStretch bounds how much larger than the exact JSON text the size
// that Config.MaxSize measures can be: a float counts as the longest repr
// (24 bytes) and its shortest text is 3 ("0.0"); every other value counts
// its exact length.
const maxFloatStretch = 8

// encodeChecked encodes data with the Manager's codec after checking its
// size. With a codec of this package, the size check is done from the
// encoder's output when that proves the session is within the limit
// (exact length times maxFloatStretch at most the limit), so that the
// common small session is walked once, by the encoder; otherwise the
// session is measured as always, and the result is the same. It also
// returns the session's size: the exact length of its JSON with a codec of
// this package, SizeOf's measure otherwise.
func (m *Manager) encodeChecked(data map[string]any) ([]byte, int, error) {
	if mc, ok := m.codec.(measuringCodec); ok {
		out, n, err := mc.encodeMeasured(data)
		if err != nil {
			return nil, 0, encodingError(data, err)
		}
		if n <= m.maxSize/maxFloatStretch {
			return out, n, nil
		}
		if err := m.checkSize(data); err != nil {
			return nil, 0, err
		}
		return out, n, nil
	}
	n, err := jsonLen(data, 0)
	if err != nil {
		return nil, 0, encodingError(data, err)
	}
	if err := m.checkMeasured(data, n); err != nil {
		return nil, 0, err
	}
	out, err := m.codec.Encode(data)
	if err != nil {
		return nil, 0, encodingError(data, err)
	}
	return out, n, nil
}

// jsonLen returns the length of v's JSON as Python's json.dumps writes it
// (ASCII only, compact separators): exact for strings, integers, booleans,
// nil, lists and maps; for a float, the longest its repr can be. Values in
// other Go types are encoded to be measured.
func jsonLen(v any, depth int) (int, error) {
	if depth > pyjson.MaxDepth {
		return 0, pyjson.ErrTooDeep
	}
	switch x := v.(type) {
	case nil:
		return 4, nil
	case bool:
		if x {
			return 4, nil
		}
		return 5, nil
	case string:
		return stringLen(x)
	case int64:
		return intLen(x), nil
	case int:
		return intLen(int64(x)), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return len("-Infinity"), nil
		}
		return 24, nil
	case json.Number:
		return len(x), nil
	case map[string]any:
		n := 2
		if len(x) > 1 {
			n += len(x) - 1 // commas
		}
		for k, e := range x {
			kn, err := stringLen(k)
			if err != nil {
				return 0, err
			}
			en, err := jsonLen(e, depth+1)
			if err != nil {
				return 0, err
			}
			n += kn + 1 + en
		}
		return n, nil
	case []any:
		n := 2
		if len(x) > 1 {
			n += len(x) - 1
		}
		for _, e := range x {
			en, err := jsonLen(e, depth+1)
			if err != nil {
				return 0, err
			}
			n += en
		}
		return n, nil
	}
	b, err := pyjson.Marshal(v)
	return len(b), err
}

func intLen(x int64) int {
	var buf [20]byte
	return len(strconv.AppendInt(buf[:0], x, 10))
}

// stringLen is the length of s as a JSON string with ensure_ascii: quotes,
// two-byte escapes, \uXXXX for other control characters and every code
// point above ASCII (two of them for one above U+FFFF).
func stringLen(s string) (int, error) {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20 || c == 0x7f:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return 0, pyjson.ErrInvalidUTF8
		}
		if r > 0xFFFF {
			n += 12
		} else {
			n += 6
		}
		i += size
	}
	return n, nil
}

// SizeOf returns the size of values as Config.MaxSize measures it: the
// length of their JSON (for a float, the longest its repr can be). Stores
// that account for the memory or the space their sessions take use it.
func SizeOf(values map[string]any) (int, error) { return jsonLen(values, 0) }
