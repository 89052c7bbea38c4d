package session

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/pyjson"
)

func TestJSONLenIsTheLengthPythonWrites(t *testing.T) {
	for _, v := range []any{
		nil, true, false, "", "plain", `q"uo\te`, "tab\tnl\ncr\r\b\f", "\x00\x1f\x7f", "é", "清風", "😀", "a\u2028b",
		int64(0), int64(-12345), int64(9223372036854775807), 7, json.Number("123456789012345678901234567890"),
		[]any{}, []any{int64(1), "a", nil}, map[string]any{}, map[string]any{"a": int64(1), "é": []any{true}},
		map[string]any{"nested": map[string]any{"x": []any{map[string]any{"y": "z"}}}},
		[]string{"go", "types"}, map[string]int{"b": 2, "a": 1}, big.NewInt(12345),
	} {
		want, err := pyjson.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := jsonLen(v, 0); err != nil || got != len(want) {
			t.Errorf("jsonLen(%#v) = %d, %v; want %d (%s)", v, got, err, len(want), want)
		}
	}
	// A float is counted at the longest its repr can be.
	for _, f := range []float64{0, 1.5, -1e-300, 1.2345678901234567e+300} {
		b, _ := pyjson.Marshal(f)
		if n, _ := jsonLen(f, 0); n < len(b) {
			t.Errorf("jsonLen(%v) = %d, under %d", f, n, len(b))
		}
	}
	if _, err := jsonLen("\xff", 0); err == nil {
		t.Error("invalid UTF-8 was measured")
	}
}

// FuzzJSONLen checks the size limit's measure against the encoder on any
// JSON object: exact without floats, never below it with them.
func FuzzJSONLen(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":[1,2.5,"\u00e9",null,{"b":true}]}`, `{"x":"\ud83d\ude00"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := pyjson.UnmarshalObject([]byte(s))
		if err != nil {
			return
		}
		want, err := pyjson.Marshal(v)
		if err != nil {
			return
		}
		got, err := jsonLen(v, 0)
		if err != nil {
			t.Fatalf("jsonLen(%s): %v", want, err)
		}
		if got < len(want) || (!strings.ContainsAny(string(want), ".eE") && got != len(want)) {
			t.Fatalf("jsonLen(%s) = %d, JSON is %d bytes", want, got, len(want))
		}
	})
}
