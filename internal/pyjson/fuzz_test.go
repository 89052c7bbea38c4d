package pyjson

import (
	"bytes"
	"math"
	"testing"
	"unicode/utf8"
)

// FuzzUnmarshal feeds arbitrary bytes to the reader. Whatever it accepts must
// survive a write and a second read unchanged, and the writer's output must
// be a fixed point: ASCII, and written the same way again.
func FuzzUnmarshal(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c.in))
	}
	for _, c := range rejectCases {
		if len(c.in) < 100 {
			f.Add([]byte(c.in))
		}
	}
	f.Add([]byte(`{"_auth_user_id":"42","cart":[1,2.5,-0.0,1e+16,NaN],"s":"\ud83d\ude00\u00e9"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Unmarshal(data)
		if ov, oerr := UnmarshalOwned(bytes.Clone(data)); (oerr == nil) != (err == nil) || !same(ov, v) {
			t.Fatalf("UnmarshalOwned(%q) = %#v, %v; Unmarshal gives %#v, %v", data, ov, oerr, v, err)
		}
		if err != nil {
			return
		}
		text, err := Marshal(v)
		if err != nil {
			t.Fatalf("Unmarshal(%q) gave %#v, which Marshal refuses: %v", data, v, err)
		}
		for _, c := range text {
			if c >= utf8.RuneSelf {
				t.Fatalf("Marshal wrote a non-ASCII byte: %q", text)
			}
		}
		back, err := Unmarshal(text)
		if err != nil {
			t.Fatalf("Unmarshal cannot read Marshal's %q: %v", text, err)
		}
		if !same(v, back) {
			t.Fatalf("round trip changed %#v into %#v", v, back)
		}
		again, err := Marshal(back)
		if err != nil || !bytes.Equal(again, text) {
			t.Fatalf("Marshal is not stable: %q then %q (%v)", text, again, err)
		}
		if n, err := Normalize(v); err != nil || !same(n, v) {
			t.Fatalf("Normalize changed an already-normal value %#v into %#v (%v)", v, n, err)
		}
	})
}

// FuzzRoundTrip builds Go values from fuzzed parts and checks that Marshal
// then Unmarshal gives exactly what Normalize promises.
func FuzzRoundTrip(f *testing.F) {
	f.Add("hello", int64(42), 1.5, uint64(7), float32(0.1), true)
	f.Add("é😀\x00\x7f\"\\", int64(math.MinInt64), math.Inf(-1), uint64(math.MaxUint64), float32(1e-45), false)
	f.Add("\xff", int64(0), math.NaN(), uint64(0), float32(math.MaxFloat32), true)
	f.Fuzz(func(t *testing.T, s string, i int64, fl float64, u uint64, f32 float32, b bool) {
		v := map[string]any{
			"s": s, "i": i, "f": fl, "u": u, "f32": f32, "b": b,
			"list": []any{s, i, fl, []string{s}, map[string]string{s: s}},
			s:      []any{nil, b},
		}
		text, err := Marshal(v)
		if !utf8.ValidString(s) {
			if err == nil {
				t.Fatalf("Marshal accepted the invalid UTF-8 string %q", s)
			}
			return
		}
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", v, err)
		}
		back, err := Unmarshal(text)
		if err != nil {
			t.Fatalf("Unmarshal(%q): %v", text, err)
		}
		want, err := Normalize(v)
		if err != nil {
			t.Fatalf("Normalize: %v", err)
		}
		if !same(back, want) {
			t.Fatalf("round trip of %#v gave %#v, Normalize says %#v", v, back, want)
		}
	})
}
