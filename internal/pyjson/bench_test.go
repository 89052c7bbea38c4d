package pyjson

import (
	"encoding/json"
	"testing"
)

func BenchmarkMarshalSession(b *testing.B) {
	v := sessionLike()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendMarshalSession(b *testing.B) {
	v := sessionLike()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendMarshal(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkEncodingJSONMarshalSession is the standard library's encoder on
// the same value, for comparison (it writes a different format).
func BenchmarkEncodingJSONMarshalSession(b *testing.B) {
	v := sessionLike()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalSession(b *testing.B) {
	text, _ := Marshal(sessionLike())
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnmarshalObject(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodingJSONUnmarshalSession is the standard library's decoder
// on the same bytes, for comparison.
func BenchmarkEncodingJSONUnmarshalSession(b *testing.B) {
	text, _ := Marshal(sessionLike())
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(text, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalFloats(b *testing.B) {
	v := []any{1.0, 0.1, 1e16, 1.5e-5, 123456789.123, -0.0, 3.141592653589793}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendMarshal(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalizeSession(b *testing.B) {
	v := sessionLike()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Normalize(v); err != nil {
			b.Fatal(err)
		}
	}
}
