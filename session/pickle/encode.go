package pickle

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
)

// errEncode wraps every error of Encode.
var errEncode = errors.New("pickle: cannot encode")

// marshal writes values as a pickled dict, protocol 4, without memo: a Go
// session has no shared references to keep.
func marshal(values map[string]any) ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 64+32*len(values))}
	e.buf = append(e.buf, opProto, Protocol)
	if err := e.dict(values, 0, true); err != nil {
		return nil, err
	}
	e.buf = append(e.buf, opStop)
	return e.buf, nil
}

type encoder struct {
	buf []byte
}

func (e *encoder) dict(m map[string]any, depth int, top bool) error {
	if depth >= MaxDepth {
		return fmt.Errorf("%w: nesting deeper than %d", errEncode, MaxDepth)
	}
	e.buf = append(e.buf, opEmptyDict)
	if len(m) == 0 {
		return nil
	}
	e.buf = append(e.buf, opMark)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic output; Python keeps any order
	for _, k := range keys {
		if err := e.str(k); err != nil {
			return err
		}
		v := m[k]
		if top && k == session.ExpiryKey {
			if s, ok := v.(string); ok {
				if t, aware, ok := parseISO(s); ok {
					e.datetime(t, aware)
					continue
				}
			}
		}
		if err := e.value(v, depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, opSetItems)
	return nil
}

func (e *encoder) value(v any, depth int) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, opNone)
	case bool:
		if x {
			e.buf = append(e.buf, opNewTrue)
		} else {
			e.buf = append(e.buf, opNewFalse)
		}
	case string:
		return e.str(x)
	case int64:
		e.int(x)
	case int:
		e.int(int64(x))
	case float64:
		e.buf = append(e.buf, opBinFloat)
		e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(x))
	case json.Number:
		if n, ok := new(big.Int).SetString(string(x), 10); ok {
			e.bigInt(n)
			return nil
		}
		return e.normalized(v, depth)
	case []any:
		if x == nil {
			e.buf = append(e.buf, opNone)
			return nil
		}
		if depth >= MaxDepth {
			return fmt.Errorf("%w: nesting deeper than %d", errEncode, MaxDepth)
		}
		e.buf = append(e.buf, opEmptyList)
		if len(x) == 0 {
			return nil
		}
		e.buf = append(e.buf, opMark)
		for _, el := range x {
			if err := e.value(el, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, opAppends)
	case map[string]any:
		if x == nil {
			e.buf = append(e.buf, opNone)
			return nil
		}
		return e.dict(x, depth, false)
	default:
		return e.normalized(v, depth)
	}
	return nil
}

// normalized writes any other Go value in its JSON form (pyjson.Normalize:
// structs, typed slices and maps, other integer types, time.Time...).
func (e *encoder) normalized(v any, depth int) error {
	n, err := pyjson.Normalize(v)
	if err != nil {
		return fmt.Errorf("%w: %w", errEncode, err)
	}
	switch n.(type) {
	case json.Number:
		// Normalize returns json.Number only for integers beyond int64.
		b, ok := new(big.Int).SetString(string(n.(json.Number)), 10)
		if !ok {
			return fmt.Errorf("%w: the number %s", errEncode, n)
		}
		e.bigInt(b)
		return nil
	}
	return e.value(n, depth)
}

func (e *encoder) str(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %w", errEncode, pyjson.ErrInvalidUTF8)
	}
	switch n := len(s); {
	case n < 256:
		e.buf = append(e.buf, opShortBinUni, byte(n))
	case n <= math.MaxUint32:
		e.buf = append(e.buf, opBinUnicode)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(n))
	default:
		e.buf = append(e.buf, opBinUnicode8)
		e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(n))
	}
	e.buf = append(e.buf, s...)
	return nil
}

// int writes n as Python's pickler does: BININT1, BININT2, BININT, or
// LONG1 with the shortest two's complement.
func (e *encoder) int(n int64) {
	switch {
	case n >= 0 && n <= 0xff:
		e.buf = append(e.buf, opBinInt1, byte(n))
	case n >= 0 && n <= 0xffff:
		e.buf = append(e.buf, opBinInt2, byte(n), byte(n>>8))
	case n >= math.MinInt32 && n <= math.MaxInt32:
		e.buf = append(e.buf, opBinInt)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(int32(n)))
	default:
		// 5 to 8 bytes: drop the top bytes that only repeat the sign.
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(n))
		size := 8
		for size > 1 {
			top, next := b[size-1], b[size-2]
			if (top == 0 && next&0x80 == 0) || (top == 0xff && next&0x80 != 0) {
				size--
				continue
			}
			break
		}
		e.buf = append(e.buf, opLong1, byte(size))
		e.buf = append(e.buf, b[:size]...)
	}
}

// bigInt writes n as LONG1 or LONG4 (little-endian two's complement).
func (e *encoder) bigInt(n *big.Int) {
	if n.IsInt64() {
		e.int(n.Int64())
		return
	}
	// The shortest two's complement: bit length plus a sign bit.
	size := n.BitLen()/8 + 1
	var le []byte
	if n.Sign() >= 0 {
		le = n.FillBytes(make([]byte, size))
	} else {
		// 2^(8*size) + n, which is positive and fits in size bytes.
		m := new(big.Int).Lsh(big.NewInt(1), uint(8*size))
		m.Add(m, n)
		le = m.FillBytes(make([]byte, size))
		// Drop a redundant 0xff top byte, as Python does.
		if size > 1 && le[0] == 0xff && le[1]&0x80 != 0 {
			le = le[1:]
		}
	}
	slices.Reverse(le)
	if len(le) < 256 {
		e.buf = append(e.buf, opLong1, byte(len(le)))
	} else {
		e.buf = append(e.buf, opLong4)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(len(le)))
	}
	e.buf = append(e.buf, le...)
}

// The datetime form, protocol 4: datetime.datetime(state) or
// datetime.datetime(state, datetime.timezone(datetime.timedelta(0, 0, 0))).
const (
	pickledDatetimeGlobal = "\x8c\x08datetime\x8c\x08datetime\x93"
	pickledUTC            = "\x8c\x08datetime\x8c\x08timezone\x93" +
		"\x8c\x08datetime\x8c\x09timedelta\x93K\x00K\x00K\x00\x87R\x85R"
)

func (e *encoder) datetime(t time.Time, aware bool) {
	e.buf = append(e.buf, pickledDatetimeGlobal...)
	us := t.Nanosecond() / 1000
	e.buf = append(e.buf, opShortBinBytes, 10,
		byte(t.Year()>>8), byte(t.Year()), byte(t.Month()), byte(t.Day()),
		byte(t.Hour()), byte(t.Minute()), byte(t.Second()),
		byte(us>>16), byte(us>>8), byte(us))
	if aware {
		e.buf = append(e.buf, pickledUTC...)
		e.buf = append(e.buf, opTuple2, opReduce)
		return
	}
	e.buf = append(e.buf, opTuple1, opReduce)
}

// parseISO reads an expiry date as the session package writes it (and as
// Python's isoformat() does): YYYY-MM-DDTHH:MM:SS with optional fraction,
// then an offset ("+00:00", "Z", any other, converted to UTC) or none (a
// naive datetime). It returns the time in UTC, or as it stands for a naive
// one.
func parseISO(s string) (t time.Time, aware, ok bool) {
	if len(s) < len("2006-01-02T15:04:05") || len(s) > 40 || s[10] != 'T' {
		return time.Time{}, false, false
	}
	rest := s[len("2006-01-02T15:04:05"):]
	if i := strings.IndexAny(rest, "+-Z"); i >= 0 {
		aware = true
		t, err := time.Parse("2006-01-02T15:04:05Z07:00", s)
		if err != nil {
			return time.Time{}, false, false
		}
		t = t.UTC()
		if y := t.Year(); y < 1 || y > 9999 {
			return time.Time{}, false, false
		}
		return t.Truncate(time.Microsecond), true, true
	}
	t, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		return time.Time{}, false, false
	}
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, false, false
	}
	return t.Truncate(time.Microsecond), false, true
}
