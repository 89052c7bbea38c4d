package pickle_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
)

// typed is the helper's typed JSON form of a session value as Python
// should see what Encode wrote: floats by their bits, the expiry as a
// datetime with datetime.timezone.utc.
func typed(v any, expiry bool) any {
	switch x := v.(type) {
	case float64:
		return map[string]any{"__float_bits__": fmt.Sprintf("%016x", math.Float64bits(x))}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = typed(e, false)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = typed(e, k == session.ExpiryKey)
		}
		return out
	case string:
		if expiry {
			if base, ok := strings.CutSuffix(x, "+00:00"); ok {
				return map[string]any{"__datetime__": base, "__tz__": "utc"}
			}
			return map[string]any{"__datetime__": x, "__tz__": "none"}
		}
	}
	return v
}

// sameJSON compares two values through JSON with exact numbers.
func sameJSON(t *testing.T, got string, want any) bool {
	t.Helper()
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	for _, p := range []struct {
		src string
		dst *any
	}{{got, &a}, {string(w), &b}} {
		d := json.NewDecoder(strings.NewReader(p.src))
		d.UseNumber()
		if err := d.Decode(p.dst); err != nil {
			t.Fatalf("%s: %v", p.src, err)
		}
	}
	return reflect.DeepEqual(a, b)
}

var sessions = []map[string]any{
	{},
	{"_auth_user_id": "1", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend", "_auth_user_hash": strings.Repeat("a1", 32)},
	{"visits": int64(3), "ratio": 1.0, "neg": -0.0, "tiny": 5e-324, "inf": math.Inf(1), "yes": true, "no": false, "none": nil},
	{"ints": []any{int64(0), int64(255), int64(256), int64(65535), int64(65536), int64(-1), int64(-128), int64(-129),
		int64(math.MaxInt32), int64(math.MinInt32), int64(math.MaxInt32) + 1, int64(math.MinInt32) - 1,
		int64(math.MaxInt64), int64(math.MinInt64), json.Number("9223372036854775808"), json.Number("-9223372036854775809"),
		json.Number("340282366920938463463374607431768211456"), json.Number("-" + strings.Repeat("9", 700))}},
	{"text": "héllo ☃ 😀 \x00\n", "long": strings.Repeat("x", 300), "nested": map[string]any{"a": []any{map[string]any{"b": []any{}}}}},
	{session.ExpiryKey: "2030-01-02T03:04:05.000006+00:00", "when": "2030-01-02T03:04:05+00:00"},
	{session.ExpiryKey: "2030-01-02T03:04:05"},
	{session.ExpiryKey: int64(300)},
}

// TestPythonReadsWhatEncodeWrites: Python's pickle.loads gives back every
// value with its exact type, and the expiry as a datetime.
func TestPythonReadsWhatEncodeWrites(t *testing.T) {
	var calls [][]string
	for _, s := range sessions {
		data, err := pickle.Codec{}.Encode(s)
		if err != nil {
			t.Fatalf("Encode(%v): %v", s, err)
		}
		calls = append(calls, []string{"pickle-loads", "--data-hex", hex.EncodeToString(data)})
	}
	for i, res := range djangotest.RunBatch(t, calls...) {
		djangotest.OK(t, res)
		if got := djangotest.String(t, res, "typed_json"); !sameJSON(t, got, typed(sessions[i], false)) {
			w, _ := json.Marshal(typed(sessions[i], false))
			t.Errorf("Python reads session %d as\n%s\nwant\n%s", i, got, w)
		}
	}
}

// TestDecodeReadsWhatPythonWrites: pickle.dumps in every protocol from 2
// to 5, of the values above as Python holds them (the expiry as a datetime
// with pytz UTC, as Django 3.2 writes it) and of tuples and bytes.
func TestDecodeReadsWhatPythonWrites(t *testing.T) {
	type tc struct {
		python any            // the typed JSON given to pickle-dumps
		want   map[string]any // what Decode returns
		proto  int
	}
	var cases []tc
	for _, s := range sessions {
		py := typed(s, false).(map[string]any)
		if e, ok := py[session.ExpiryKey].(map[string]any); ok && e["__tz__"] == "utc" {
			e["__tz__"] = "pytz"
		}
		for proto := 2; proto <= 5; proto++ {
			if proto == 2 && s[session.ExpiryKey] != nil {
				if _, isInt := s[session.ExpiryKey].(int64); !isInt {
					continue // protocol 2 pickles a datetime through _codecs.encode: refused
				}
			}
			cases = append(cases, tc{py, s, proto})
		}
	}
	extra := map[string]any{"t": map[string]any{"__tuple__": []any{1, "x", map[string]any{"__tuple__": []any{}}}},
		"b":   map[string]any{"__bytes_hex__": hex.EncodeToString([]byte("bytés"))},
		"utc": map[string]any{"__datetime__": "2030-01-02T03:04:05", "__tz__": "utc"}}
	for proto := 3; proto <= 5; proto++ {
		cases = append(cases, tc{extra, map[string]any{"t": []any{int64(1), "x", []any{}}, "b": "bytés",
			"utc": "2030-01-02T03:04:05+00:00"}, proto})
	}
	var calls [][]string
	for _, c := range cases {
		calls = append(calls, []string{"pickle-dumps", "--json", djangotest.JSON(t, c.python), "--protocol", fmt.Sprint(c.proto)})
	}
	for i, res := range djangotest.RunBatch(t, calls...) {
		djangotest.OK(t, res)
		data, err := hex.DecodeString(djangotest.String(t, res, "pickle_hex"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := pickle.Codec{}.Decode(data)
		if err != nil {
			t.Errorf("case %d, protocol %d: Decode: %v", i, cases[i].proto, err)
			continue
		}
		if !equalValues(got, cases[i].want) {
			t.Errorf("case %d, protocol %d: Decode =\n%#v\nwant\n%#v", i, cases[i].proto, got, cases[i].want)
		}
		// And it writes back the bytes Python would read the same way.
		if again, err := (pickle.Codec{}).Encode(got); err != nil {
			t.Errorf("case %d: Encode of the decoded value: %v", i, err)
		} else if back, err := (pickle.Codec{}).Decode(again); err != nil || !equalValues(back, got) {
			t.Errorf("case %d: the round trip gave %v, %v", i, back, err)
		}
	}
}

// equalValues is reflect.DeepEqual with NaN equal to NaN and -0.0 apart
// from 0.0 (the bits of every float).
func equalValues(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y)))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalValues(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// TestEncodeIsDeterministic: keys are sorted, so one session is one byte string.
func TestEncodeIsDeterministic(t *testing.T) {
	s := map[string]any{"b": int64(1), "a": "x", "c": []any{int64(2)}}
	first, _ := pickle.Codec{}.Encode(s)
	for range 20 {
		if again, _ := (pickle.Codec{}).Encode(s); !bytes.Equal(again, first) {
			t.Fatalf("Encode gave %x, then %x", first, again)
		}
	}
}
