package pyjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// same reports whether a and b are the same JSON value, telling int64 from
// float64, -0.0 from 0.0, and treating NaN as equal to itself.
func same(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
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
			if !ok || !same(v, w) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

type decodeCase struct {
	name string
	in   string
	want any
}

// decodeCases are what Django's JSONSerializer().loads returns for the same
// bytes; TestUnmarshalAgreesWithDjango checks them against the real Django.
var decodeCases = []decodeCase{
	{"an object of one integer", `{"a":1}`, map[string]any{"a": int64(1)}},
	{"an integer stays an integer", `7`, int64(7)},
	{"1.0 stays a float", `1.0`, 1.0},
	{"an exponent makes a float", `1e5`, 100000.0},
	{"an upper-case exponent with a sign", `1.0E+2`, 100.0},
	{"minus zero as an integer is zero", `-0`, int64(0)},
	{"minus zero as a float keeps its sign", `-0.0`, math.Copysign(0, -1)},
	{"the largest int64", `9223372036854775807`, int64(math.MaxInt64)},
	{"the smallest int64", `-9223372036854775808`, int64(math.MinInt64)},
	{"an integer beyond int64 is a json.Number", `9223372036854775808`, json.Number("9223372036854775808")},
	{"a negative big integer", `-123456789012345678901234567890`, json.Number("-123456789012345678901234567890")},
	{"a float too large is infinity", `1E400`, math.Inf(1)},
	{"a float too small is zero", `-1e-400`, math.Copysign(0, -1)},
	{"NaN", `NaN`, math.NaN()},
	{"Infinity", `Infinity`, math.Inf(1)},
	{"-Infinity", `-Infinity`, math.Inf(-1)},
	{"true, false and null", `[true,false,null]`, []any{true, false, nil}},
	{"whitespace around everything", " \t\r\n{ \"a\" : [ 1 , 2 ] }\n ", map[string]any{"a": []any{int64(1), int64(2)}}},
	{"an empty object", `{}`, map[string]any{}},
	{"an empty list", `[]`, []any{}},
	{"a duplicate key keeps the last value", `{"a":1,"a":2}`, map[string]any{"a": int64(2)}},
	{"simple escapes", `"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
	{"a \\u escape", `"\u00e9"`, "é"},
	{"upper-case hex in a \\u escape", `"\u00E9\u20AC"`, "é€"},
	{"a surrogate pair is one character", `"\ud83d\ude00"`, "😀"},
	{"a lone high surrogate becomes U+FFFD", `"\ud800A"`, "\uFFFDA"},
	{"a lone low surrogate becomes U+FFFD", `"\udc00"`, "\uFFFD"},
	{"a high surrogate before a non-surrogate escape", `"\ud800\u0041"`, "\uFFFDA"},
	{"two high surrogates", `"\ud800\ud800"`, "\uFFFD\uFFFD"},
	{"raw UTF-8 is read as latin-1, as Django does", "\"\xc3\xa9\"", "Ã©"},
	{"a raw latin-1 byte is its code point", "\"caf\xe9\"", "café"},
	{"a raw latin-1 byte in a key", "{\"\xe9\":1}", map[string]any{"é": int64(1)}},
	{"a raw DEL is allowed", "\"\x7f\"", "\x7f"},
	{"a raw NBSP byte inside a string", "\"\xa0\"", "\u00a0"},
}

func TestUnmarshalReadsWhatDjangoReads(t *testing.T) {
	for _, tt := range decodeCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unmarshal([]byte(tt.in))
			if err != nil {
				t.Fatalf("Unmarshal(%q): %v", tt.in, err)
			}
			if !same(got, tt.want) {
				t.Fatalf("Unmarshal(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

type rejectCase struct {
	name string
	in   string
	msg  string // the start of Python's message
}

// rejectCases are inputs Django's reader refuses, with Python's message.
var rejectCases = []rejectCase{
	{"empty input", ``, "Expecting value"},
	{"only whitespace", " \n", "Expecting value"},
	{"a leading zero", `01`, "Extra data"},
	{"a bare minus", `-`, "Expecting value"},
	{"a leading plus", `+1`, "Expecting value"},
	{"a trailing dot", `1.`, "Extra data"},
	{"a leading dot", `.5`, "Expecting value"},
	{"an incomplete exponent", `1e`, "Extra data"},
	{"lower-case nan", `nan`, "Expecting value"},
	{"minus NaN", `-NaN`, "Expecting value"},
	{"a truncated literal", `tru`, "Expecting value"},
	{"a trailing comma in a list", `[1,]`, "Expecting value"},
	{"a trailing comma in an object", `{"a":1,}`, "Expecting property name enclosed in double quotes"},
	{"single quotes", `{'a':1}`, "Expecting property name enclosed in double quotes"},
	{"a missing colon", `{"a" 1}`, "Expecting ':' delimiter"},
	{"a missing comma", `[1 2]`, "Expecting ',' delimiter"},
	{"an unclosed list", `[1`, "Expecting ',' delimiter"},
	{"an unclosed object", `{"a":1`, "Expecting ',' delimiter"},
	{"an unterminated string", `"abc`, "Unterminated string starting"},
	{"a raw control character in a string", "\"a\x01\"", "Invalid control character"},
	{"a raw newline in a string", "\"a\nb\"", "Invalid control character"},
	{"an unknown escape", `"\x41"`, "Invalid \\escape"},
	{"a short \\u escape", `"\u12"`, "Invalid \\uXXXX escape"},
	{"a \\u escape that is not hex", `"\u12G4"`, "Invalid \\uXXXX escape"},
	{"two documents", `1 2`, "Extra data"},
	{"trailing garbage", `{}x`, "Extra data"},
	{"a non-breaking space is not whitespace", "\xa01", "Expecting value"},
	{"a BOM is not whitespace", "\xef\xbb\xbf1", "Expecting value"},
	{"an integer of 4301 digits", strings.Repeat("9", 4301), "Exceeds the limit (4300 digits) for integer string conversion"},
}

func TestUnmarshalRejectsWhatDjangoRejects(t *testing.T) {
	for _, tt := range rejectCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unmarshal([]byte(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Unmarshal(%q) = %#v, %v; want a SyntaxError", tt.in, got, err)
			}
			if se.Msg != tt.msg {
				t.Fatalf("Unmarshal(%q) error %q, want %q", tt.in, se.Msg, tt.msg)
			}
		})
	}
}

func TestUnmarshalAcceptsAnIntegerOf4300Digits(t *testing.T) {
	lit := strings.Repeat("9", 4300)
	got, err := Unmarshal([]byte(lit))
	if err != nil || got != json.Number(lit) {
		t.Fatalf("Unmarshal of a 4300-digit integer = %v, %v", got, err)
	}
}

func TestUnmarshalCapsNesting(t *testing.T) {
	for _, tt := range []struct {
		name  string
		depth int
		ok    bool
	}{
		{"256 nested lists are read", MaxDepth, true},
		{"257 nested lists are refused", MaxDepth + 1, false},
		{"a hundred thousand nested lists are refused without a stack overflow", 100000, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Repeat("[", tt.depth) + strings.Repeat("]", tt.depth)
			_, err := Unmarshal([]byte(in))
			if tt.ok && err != nil {
				t.Fatalf("error: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrTooDeep) {
				t.Fatalf("error %v, want ErrTooDeep", err)
			}
		})
	}
	objs := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	if _, err := Unmarshal([]byte(objs)); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("257 nested objects: error %v, want ErrTooDeep", err)
	}
}

func TestUnmarshalCapsInputSize(t *testing.T) {
	big := make([]byte, MaxInput+1)
	if _, err := Unmarshal(big); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
}

func TestSyntaxErrorSaysWhereAndWhat(t *testing.T) {
	_, err := Unmarshal([]byte(`{"a": tru}`))
	if err == nil || err.Error() != "pyjson: Expecting value at byte 6" {
		t.Fatalf("error = %v", err)
	}
}

func TestUnmarshalObjectRefusesOtherTopLevelValues(t *testing.T) {
	for _, in := range []string{`[]`, `1`, `"s"`, `null`, `true`, `1.5`} {
		t.Run(fmt.Sprintf("%s is not an object", in), func(t *testing.T) {
			if m, err := UnmarshalObject([]byte(in)); !errors.Is(err, ErrNotObject) {
				t.Fatalf("UnmarshalObject(%s) = %v, %v; want ErrNotObject", in, m, err)
			}
		})
	}
	m, err := UnmarshalObject([]byte(`{"a":[1.0]}`))
	if err != nil || !same(map[string]any(m), map[string]any{"a": []any{1.0}}) {
		t.Fatalf("UnmarshalObject = %v, %v", m, err)
	}
}

func TestDecodeFillsTypedValues(t *testing.T) {
	type prefs struct {
		Theme string  `json:"theme"`
		Size  int     `json:"size"`
		Ratio float64 `json:"ratio"`
		Tags  []string
	}
	t.Run("a struct is filled through encoding/json after a latin-1 read", func(t *testing.T) {
		var p prefs
		if err := Decode([]byte("{\"theme\":\"caf\xe9\",\"size\":3,\"ratio\":0.5,\"Tags\":[\"\\u00e9\"]}"), &p); err != nil {
			t.Fatal(err)
		}
		if p.Theme != "café" || p.Size != 3 || p.Ratio != 0.5 || len(p.Tags) != 1 || p.Tags[0] != "é" {
			t.Fatalf("Decode gave %+v", p)
		}
	})
	t.Run("*any receives Unmarshal's own value", func(t *testing.T) {
		var v any
		if err := Decode([]byte(`[1,1.0]`), &v); err != nil {
			t.Fatal(err)
		}
		if !same(v, []any{int64(1), 1.0}) {
			t.Fatalf("Decode gave %#v", v)
		}
	})
	t.Run("*map[string]any receives an object", func(t *testing.T) {
		var m map[string]any
		if err := Decode([]byte(`{"n":12345678901234567890}`), &m); err != nil {
			t.Fatal(err)
		}
		if m["n"] != json.Number("12345678901234567890") {
			t.Fatalf("Decode gave %#v", m)
		}
	})
	t.Run("an int that overflows its field is an error", func(t *testing.T) {
		var n int8
		if err := Decode([]byte(`300`), &n); err == nil {
			t.Fatalf("Decode(300) into int8 gave %d and no error", n)
		}
	})
	t.Run("NaN cannot reach encoding/json and is an error", func(t *testing.T) {
		var f float64
		if err := Decode([]byte(`NaN`), &f); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("a syntax error is reported as such", func(t *testing.T) {
		var p prefs
		var se *SyntaxError
		if err := Decode([]byte(`{"theme":`), &p); !errors.As(err, &se) {
			t.Fatalf("error %v, want a SyntaxError", err)
		}
	})
}

func TestDecodeValueConvertsAStoredValue(t *testing.T) {
	var ids []int
	if err := DecodeValue([]any{int64(1), int64(2)}, &ids); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[0] != 1 || ids[1] != 2 {
		t.Fatalf("DecodeValue gave %v", ids)
	}
	var v any
	if err := DecodeValue(uint8(7), &v); err != nil || v != int64(7) {
		t.Fatalf("DecodeValue into *any gave %#v, %v", v, err)
	}
}
