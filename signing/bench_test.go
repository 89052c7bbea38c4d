package signing

import (
	"strings"
	"testing"
	"time"
)

var benchKey = []byte("django-insecure-0123456789abcdefghijklmnopqrstuvwxyz")

func benchSession() map[string]any {
	return map[string]any{
		"_auth_user_id":      "42",
		"_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
		"_auth_user_hash":    "15032bfa900e10f900da1af340d8de809ae02795bfa196c080eba45478da4389",
		"cart":               []any{int64(1), int64(2), int64(3)},
		"theme":              "dark",
	}
}

func BenchmarkSign(b *testing.B) {
	s := Signer{SecretKey: benchKey}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Sign("a typical cookie value")
	}
}

func BenchmarkUnsign(b *testing.B) {
	s := Signer{SecretKey: benchKey}
	signed := s.Sign("a typical cookie value")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Unsign(signed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnsignForged(b *testing.B) {
	s := Signer{SecretKey: benchKey, FallbackKeys: [][]byte{[]byte("an old key")}}
	signed := s.Sign("a typical cookie value")
	forged := signed[:len(signed)-2] + "AA"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Unsign(forged); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkTimestampSign(b *testing.B) {
	ts := CookieSigner(benchKey, nil, "sessionid")
	b.ReportAllocs()
	for b.Loop() {
		_ = ts.Sign("a typical cookie value")
	}
}

func BenchmarkTimestampUnsign(b *testing.B) {
	ts := CookieSigner(benchKey, nil, "sessionid")
	signed := ts.Sign("a typical cookie value")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ts.Unsign(signed, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDumps(b *testing.B) {
	v := benchSession()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Dumps(v, benchKey, "django.contrib.sessions.SessionStore", true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoads(b *testing.B) {
	signed, _ := Dumps(benchSession(), benchKey, "django.contrib.sessions.SessionStore", true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Loads(signed, benchKey, "django.contrib.sessions.SessionStore", 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDumpsCompressed(b *testing.B) {
	v := map[string]any{"history": strings.Repeat("/page/visited;", 100)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Dumps(v, benchKey, "", true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadsCompressed(b *testing.B) {
	signed, _ := Dumps(map[string]any{"history": strings.Repeat("/page/visited;", 100)}, benchKey, "", true)
	if signed[0] != '.' {
		b.Fatal("not compressed")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Loads(signed, benchKey, "", 0); err != nil {
			b.Fatal(err)
		}
	}
}
