package cookie

import (
	"testing"
)

func BenchmarkSetSigned(b *testing.B) {
	s := Signer{SecretKey: testSecret, Salt: "prefs", Now: clock(frozen)}
	w := newHeaderWriter()
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		if err := s.Set(w, "remember", "user:42", sessionOptions); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetSigned(b *testing.B) {
	s := Signer{SecretKey: testSecret, Salt: "prefs", Now: clock(frozen)}
	signed, err := s.Sign("remember", "user:42")
	if err != nil {
		b.Fatal(err)
	}
	r := request("csrftoken=Yh4lLr0bQxJzKp2s8WvN3cTgFmE6aDuR; remember=" + signed + "; theme=dark")
	b.ReportAllocs()
	for b.Loop() {
		if v, err := s.Get(r, "remember"); err != nil || v != "user:42" {
			b.Fatal(v, err)
		}
	}
}
