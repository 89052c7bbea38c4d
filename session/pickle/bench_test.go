package pickle_test

import (
	"testing"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
)

// benchSession is a logged-in session with a small cart and an expiry.
var benchSession = map[string]any{
	"_auth_user_id": "42", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
	"_auth_user_hash": "576575af4d2d4e3734f08bd0c6556bb2e93c6217064936881cf471da7b74a768",
	"cart":            []any{"apple", "pear", "plum"}, "visits": int64(7),
	"_session_expiry": "2030-01-02T03:04:05+00:00",
}

// smallSession is the benchmarks module's session.
var smallSession = map[string]any{"user_id": int64(42), "username": "alice", "cart": []any{"apple", "pear", "plum"}, "visits": int64(1)}

func BenchmarkSmall(b *testing.B) {
	data, _ := pickle.Codec{}.Encode(smallSession)
	js, _ := session.JSONCodec{}.Encode(smallSession)
	b.Run("Decode/pickle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			(pickle.Codec{}).Decode(data)
		}
	})
	b.Run("Decode/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			(session.JSONCodec{}).Decode(js)
		}
	})
}

func BenchmarkCodec(b *testing.B) {
	data, err := pickle.Codec{}.Encode(benchSession)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Decode/pickle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (pickle.Codec{}).Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Encode/pickle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (pickle.Codec{}).Encode(benchSession); err != nil {
				b.Fatal(err)
			}
		}
	})
	js, _ := session.JSONCodec{}.Encode(benchSession)
	b.Run("Decode/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (session.JSONCodec{}).Decode(js); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Encode/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (session.JSONCodec{}).Encode(benchSession); err != nil {
				b.Fatal(err)
			}
		}
	})
}
