package pyjson

import (
	"encoding/json"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"
)

// Normalize returns the value that Unmarshal(Marshal(v)) would return: v in
// the JSON form a session holds after a round trip through Django. Integers
// of every Go type become int64 (json.Number beyond int64), float32 becomes
// the float64 of its shortest decimal form, []string and map[string]string
// become []any and map[string]any, time.Time becomes its isoformat string,
// and other values go through Marshal. Containers are copied; v is not
// modified. The errors are Marshal's.
func Normalize(v any) (any, error) {
	return normalize(v, 0)
}

func normalize(v any, depth int) (any, error) {
	switch x := v.(type) {
	case nil, bool, int64, float64:
		return v, nil
	case string:
		if !utf8.ValidString(x) {
			return nil, ErrInvalidUTF8
		}
		return v, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		return normalizeUint(uint64(x)), nil
	case uint64:
		return normalizeUint(x), nil
	case float32:
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return f, nil
	case json.Number:
		return numberValue(string(x))
	case *big.Int:
		if x == nil {
			return nil, nil
		}
		if x.IsInt64() {
			return x.Int64(), nil
		}
		return json.Number(x.String()), nil
	case time.Time:
		return isoformat(x), nil
	case []any:
		if x == nil {
			return nil, nil
		}
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case []string:
		if x == nil {
			return nil, nil
		}
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		out := make([]any, len(x))
		for i, e := range x {
			if !utf8.ValidString(e) {
				return nil, ErrInvalidUTF8
			}
			out[i] = e
		}
		return out, nil
	case map[string]any:
		if x == nil {
			return nil, nil
		}
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if !utf8.ValidString(k) {
				return nil, ErrInvalidUTF8
			}
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case map[string]string:
		if x == nil {
			return nil, nil
		}
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if !utf8.ValidString(k) || !utf8.ValidString(e) {
				return nil, ErrInvalidUTF8
			}
			out[k] = e
		}
		return out, nil
	}
	// Everything else: encode, then read back (Marshal's output is ASCII, so
	// the latin-1 reading changes nothing).
	text, err := appendValue(nil, v, depth)
	if err != nil {
		return nil, err
	}
	d := decoder{data: ownedString(text), depth: depth}
	return d.document()
}

func normalizeUint(u uint64) any {
	if u <= 1<<63-1 {
		return int64(u)
	}
	return json.Number(strconv.FormatUint(u, 10))
}
