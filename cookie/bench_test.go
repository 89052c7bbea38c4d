package cookie

import (
	"net/http"
	"testing"
	"time"
)

// headerWriter is the smallest http.ResponseWriter: the benchmarks measure
// the cookie code, not a recorder's bookkeeping.
type headerWriter struct{ h http.Header }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerWriter) WriteHeader(int)             {}

func (w *headerWriter) reset() { w.h["Set-Cookie"] = w.h["Set-Cookie"][:0] }

func newHeaderWriter() *headerWriter {
	return &headerWriter{h: http.Header{"Set-Cookie": make([]string, 0, 4)}}
}

// sessionOptions are the session cookie's usual attributes.
var sessionOptions = Options{
	MaxAge:   MaxAge(1209600 * time.Second),
	HttpOnly: true,
	SameSite: http.SameSiteLaxMode,
	Now:      clock(frozen),
}

func BenchmarkSet(b *testing.B) {
	benches := []struct {
		name, value string
		opts        Options
	}{
		{"plain", "csrf", Options{}},
		{"session cookie", "l1yhcpracw0mnaw6pp87y11w8q9jmydh", sessionOptions},
		{"quoted value", `a;b,"c" é 清風`, sessionOptions},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			w := newHeaderWriter()
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				if err := Set(w, "sessionid", bb.value, bb.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDelete(b *testing.B) {
	w := newHeaderWriter()
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		if err := Delete(w, "sessionid", DeleteOptions{SameSite: http.SameSiteLaxMode}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	benches := []struct{ name, header string }{
		{"three cookies", "csrftoken=Yh4lLr0bQxJzKp2s8WvN3cTgFmE6aDuR; sessionid=l1yhcpracw0mnaw6pp87y11w8q9jmydh; theme=dark"},
		{"quoted value", `csrftoken=abc; sessionid="a\073b\054\"c\" \351 清風"`},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			r := request(bb.header)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Get(r, "sessionid"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
