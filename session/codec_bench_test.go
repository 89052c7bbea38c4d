package session_test

import (
	"testing"

	"github.com/djsession/djsession/session"
)

// benchValues is the session of the benchmarks module (a user id, a user
// name, a three-item cart and a visit counter) in the JSON form a Session
// hands to its codec: 75 bytes of JSON.
func benchValues() map[string]any {
	return map[string]any{
		"user_id":  int64(42),
		"username": "alice",
		"cart":     []any{"apple", "pear", "plum"},
		"visits":   int64(1),
	}
}

func BenchmarkDjangoCodecEncode(b *testing.B) {
	c := session.NewDjangoCodec([]byte("benchmark-secret-key"), nil, nil)
	v := benchValues()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDjangoCodecDecode(b *testing.B) {
	c := session.NewDjangoCodec([]byte("benchmark-secret-key"), nil, nil)
	data, err := c.Encode(benchValues())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
