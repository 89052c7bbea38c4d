package memory_test

import (
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// BenchmarkLoadValues reads the benchmarks module's session from a record
// kept decoded (the MaxDecoded used last) and from one kept as JSON
// (MaxDecoded < 0: every read decodes).
func BenchmarkLoadValues(b *testing.B) {
	for _, tc := range []struct {
		name       string
		maxDecoded int
	}{{"decoded", 0}, {"encoded", -1}} {
		b.Run(tc.name, func(b *testing.B) {
			s := memory.New(memory.Options{MaxDecoded: tc.maxDecoded})
			v := map[string]any{"user_id": int64(42), "username": "alice", "cart": []any{"apple", "pear", "plum"}, "visits": int64(1)}
			if err := s.SaveValues(bg, "k", v, time.Now().Add(time.Hour), true); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, found, err := s.LoadValues(bg, "k"); !found || err != nil {
					b.Fatal(found, err)
				}
			}
		})
	}
}

// BenchmarkSaveNew creates sessions in Django's signed form (about 150
// bytes) under new keys, as the benchmarks module's New request does: the
// store fills up to MaxEntries and then culls.
func BenchmarkSaveNew(b *testing.B) {
	s := memory.New(memory.Options{})
	data := []byte("eyJjYXJ0IjpbImFwcGxlIiwicGVhciIsInBsdW0iXSwidXNlcl9pZCI6NDIsInVzZXJuYW1lIjoiYWxpY2UiLCJ2aXNpdHMiOjF9:1uZ8xX:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ")
	exp := time.Now().Add(14 * 24 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Save(bg, session.NewKey(), data, exp, true); err != nil {
			b.Fatal(err)
		}
	}
}
