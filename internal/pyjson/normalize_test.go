package pyjson

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"testing"
	"time"
)

func TestNormalizeGivesTheValueARoundTripGives(t *testing.T) {
	when := time.Date(2023, 11, 14, 22, 13, 20, 5000, time.UTC)
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"an int becomes int64", 5, int64(5)},
		{"a uint8 becomes int64", uint8(200), int64(200)},
		{"a uint64 beyond int64 becomes a json.Number", uint64(math.MaxUint64), json.Number("18446744073709551615")},
		{"a float32 becomes the float64 of its shortest form", float32(0.1), 0.1},
		{"a float64 is kept, -0 included", math.Copysign(0, -1), math.Copysign(0, -1)},
		{"a json.Number integer becomes int64", json.Number("12"), int64(12)},
		{"a json.Number float becomes float64", json.Number("1.50"), 1.5},
		{"a big.Int that fits becomes int64", big.NewInt(-3), int64(-3)},
		{"a time becomes its isoformat string", when, "2023-11-14T22:13:20.000005+00:00"},
		{"a string slice becomes a list", []string{"a"}, []any{"a"}},
		{"a string map becomes an object", map[string]string{"a": "b"}, map[string]any{"a": "b"}},
		{"nested values are converted", map[string]any{"l": []any{1, float32(2)}}, map[string]any{"l": []any{int64(1), 2.0}}},
		{"a typed slice goes through Marshal", []int{1, 2}, []any{int64(1), int64(2)}},
		{"a struct goes through Marshal", struct{ A int }{3}, map[string]any{"A": int64(3)}},
		{"a nil list is nil", []any(nil), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !same(got, tt.want) {
				t.Fatalf("Normalize(%#v) = %#v, want %#v", tt.in, got, tt.want)
			}
			text, err := Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Unmarshal(text)
			if err != nil {
				t.Fatal(err)
			}
			if !same(got, back) {
				t.Fatalf("Normalize(%#v) = %#v but a round trip gives %#v", tt.in, got, back)
			}
		})
	}
}

func TestNormalizeDoesNotShareContainersWithItsInput(t *testing.T) {
	in := map[string]any{"l": []any{int64(1)}}
	out, err := Normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	out.(map[string]any)["l"].([]any)[0] = "changed"
	if in["l"].([]any)[0] != int64(1) {
		t.Fatal("changing Normalize's result changed its input")
	}
}

func TestNormalizeReportsMarshalErrors(t *testing.T) {
	for _, in := range []any{"\xff", []string{"\xff"}, map[string]string{"k": "\xff"}, map[string]any{"\xff": 1}} {
		if _, err := Normalize(in); !errors.Is(err, ErrInvalidUTF8) {
			t.Errorf("Normalize(%q) error %v, want ErrInvalidUTF8", in, err)
		}
	}
	if _, err := Normalize(make(chan int)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Normalize(chan) error %v, want ErrUnsupported", err)
	}
	if _, err := Normalize(nested(MaxDepth + 1)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("Normalize(too deep) error %v, want ErrTooDeep", err)
	}
}
