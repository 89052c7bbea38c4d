package pyjson

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
)

type level int

type point struct {
	X, Y float64
	Name string `json:"name,omitempty"`
}

type marshalCase struct {
	name string
	in   any
	want string
}

var (
	one       = 1
	when      = time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)
	whenMicro = time.Date(2023, 11, 14, 22, 13, 20, 123456789, time.UTC)
	paris     = time.Date(2024, 7, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
)

// marshalCases: every expected string is what Python 3.11's
// json.dumps(value, separators=(',', ':')) prints for the same value
// (TestMarshalAgreesWithPython checks them against the real Python).
var marshalCases = []marshalCase{
	{"nil is null", nil, `null`},
	{"true stays true", true, `true`},
	{"false stays false", false, `false`},
	{"an empty string is two quotes", "", `""`},
	{"printable ASCII is written as is, slash and HTML characters included", `a/b<c>&d'e`, `"a/b<c>&d'e"`},
	{"quote and backslash are escaped", `"\`, `"\"\\"`},
	{"control characters use short escapes where Python has them", "\n\r\t\b\f", `"\n\r\t\b\f"`},
	{"other control characters and DEL use \\u00XX", "\x00\x01\x1f\x7f", `"\u0000\u0001\u001f\u007f"`},
	{"latin-1 and BMP characters are lower-case \\u escapes", "é€\u2028", `"\u00e9\u20ac\u2028"`},
	{"astral characters become surrogate pairs", "😀", `"\ud83d\ude00"`},
	{"CJK is escaped", "清風", `"\u6e05\u98a8"`},
	{"int", 42, `42`},
	{"negative int64", int64(math.MinInt64), `-9223372036854775808`},
	{"largest uint64", uint64(math.MaxUint64), `18446744073709551615`},
	{"int8", int8(-8), `-8`},
	{"uint16", uint16(65535), `65535`},
	{"a named integer type", level(3), `3`},
	{"a float with no fraction keeps .0", 1.0, `1.0`},
	{"a float with a fraction", 1.5, `1.5`},
	{"negative zero", math.Copysign(0, -1), `-0.0`},
	{"zero", 0.0, `0.0`},
	{"0.1 is its shortest repr", 0.1, `0.1`},
	{"one third", 1.0 / 3, `0.3333333333333333`},
	{"1e15 is still fixed notation", 1e15, `1000000000000000.0`},
	{"1e16 switches to exponent notation", 1e16, `1e+16`},
	{"1e22", 1e22, `1e+22`},
	{"0.0001 is still fixed notation", 0.0001, `0.0001`},
	{"0.00001 switches to exponent notation", 0.00001, `1e-05`},
	{"1.5e-5 keeps its mantissa", 1.5e-5, `1.5e-05`},
	{"the smallest subnormal", 5e-324, `5e-324`},
	{"the largest float", math.MaxFloat64, `1.7976931348623157e+308`},
	{"a fixed-notation float with many digits", 123456789.123, `123456789.123`},
	{"NaN", math.NaN(), `NaN`},
	{"positive infinity", math.Inf(1), `Infinity`},
	{"negative infinity", math.Inf(-1), `-Infinity`},
	{"a float32 uses its own shortest form", float32(0.1), `0.1`},
	{"a json.Number integer", json.Number("-12"), `-12`},
	{"a json.Number float is rewritten as Python reads it", json.Number("1e5"), `100000.0`},
	{"a json.Number big integer is kept", json.Number("123456789012345678901234567890"), `123456789012345678901234567890`},
	{"a big.Int", new(big.Int).Lsh(big.NewInt(1), 100), `1267650600228229401496703205376`},
	{"a nil *big.Int is null", (*big.Int)(nil), `null`},
	{"an empty list", []any{}, `[]`},
	{"a nested list", []any{1, "a", []any{nil, true}}, `[1,"a",[null,true]]`},
	{"a string slice", []string{"a", "é"}, `["a","\u00e9"]`},
	{"an int slice", []int{1, 2}, `[1,2]`},
	{"an array", [2]float64{1, 2.5}, `[1.0,2.5]`},
	{"a byte slice is base64, as encoding/json writes it", []byte("hi"), `"aGk="`},
	{"a nil list is null, as in encoding/json", []any(nil), `null`},
	{"a nil map is null, as in encoding/json", map[string]any(nil), `null`},
	{"a nil typed slice is null", []int(nil), `null`},
	{"an empty object", map[string]any{}, `{}`},
	{"object keys are sorted", map[string]any{"z": 1, "a": "é", "m": nil}, `{"a":"\u00e9","m":null,"z":1}`},
	{"a string map", map[string]string{"b": "2", "a": "1"}, `{"a":"1","b":"2"}`},
	{"a typed map", map[string]int{"b": 2, "a": 1}, `{"a":1,"b":2}`},
	{"integer keys become strings", map[int]bool{10: true, 2: false}, `{"10":true,"2":false}`},
	{"a pointer is followed", &one, `1`},
	{"a nil pointer is null", (*int)(nil), `null`},
	{"time.Time is Python's isoformat", when, `"2023-11-14T22:13:20+00:00"`},
	{"time.Time keeps microseconds", whenMicro, `"2023-11-14T22:13:20.123456+00:00"`},
	{"time.Time keeps its offset", paris, `"2024-07-01T12:00:00+02:00"`},
	{"*time.Time is isoformat too", &when, `"2023-11-14T22:13:20+00:00"`},
	{"a struct goes through encoding/json", point{X: 1.5, Y: -2, Name: "é"}, `{"X":1.5,"Y":-2,"name":"\u00e9"}`},
	{"a json.RawMessage is re-read and rewritten", json.RawMessage(`{"b": 1.0, "a": "<"}`), `{"a":"<","b":1.0}`},
}

func TestMarshalWritesWhatPythonWrites(t *testing.T) {
	for _, tt := range marshalCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.in)
			if err != nil {
				t.Fatalf("Marshal(%#v): %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Fatalf("Marshal(%#v) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func nested(depth int) any {
	var v any = "leaf"
	for range depth {
		v = []any{v}
	}
	return v
}

func TestMarshalRejectsValuesWithNoJSONForm(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	tests := []struct {
		name string
		in   any
		want error
	}{
		{"a string that is not UTF-8", "a\xffb", ErrInvalidUTF8},
		{"an encoded surrogate", "\xed\xa0\x80", ErrInvalidUTF8},
		{"a key that is not UTF-8", map[string]any{"\xff": 1}, ErrInvalidUTF8},
		{"a channel", make(chan int), ErrUnsupported},
		{"a function", func() {}, ErrUnsupported},
		{"a complex number", complex(1, 2), ErrUnsupported},
		{"a json.Number that is not a number", json.Number("1x"), ErrUnsupported},
		{"a map that contains itself", cyclic, ErrTooDeep},
		{"nesting one level too deep", nested(MaxDepth + 1), ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Marshal = %q, %v; want an error matching %v", got, err, tt.want)
			}
		})
	}
}

func TestMarshalAcceptsTheDeepestAllowedNesting(t *testing.T) {
	got, err := Marshal(nested(MaxDepth))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("[", MaxDepth) + `"leaf"` + strings.Repeat("]", MaxDepth)
	if string(got) != want {
		t.Fatalf("Marshal of %d nested lists is wrong", MaxDepth)
	}
}

func TestAppendMarshalKeepsDstIntactOnError(t *testing.T) {
	dst := []byte("prefix:")
	got, err := AppendMarshal(dst, []any{1, "ok", "\xff"})
	if err == nil {
		t.Fatal("no error for invalid UTF-8")
	}
	if string(got) != "prefix:" {
		t.Fatalf("AppendMarshal returned %q after an error, want the original prefix", got)
	}
}

func TestAppendMarshalAppends(t *testing.T) {
	got, err := AppendMarshal([]byte("x="), map[string]any{"a": 1})
	if err != nil || string(got) != `x={"a":1}` {
		t.Fatalf("AppendMarshal = %q, %v", got, err)
	}
}

func TestAppendMarshalOfSessionDataDoesNotAllocate(t *testing.T) {
	v := sessionLike()
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = AppendMarshal(buf[:0], v); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("AppendMarshal allocated %.0f times per call into a buffer with room", allocs)
	}
}

func sessionLike() map[string]any {
	return map[string]any{
		"_auth_user_id":      "42",
		"_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
		"_auth_user_hash":    "15032bfa900e10f900da1af340d8de809ae02795bfa196c080eba45478da4389",
		"_session_expiry":    int64(3600),
		"cart":               []any{int64(1), int64(2), int64(3)},
		"greeting":           "Grüß Gott 😀",
		"ratio":              0.75,
		"prefs":              map[string]any{"theme": "dark", "beta": true},
	}
}
