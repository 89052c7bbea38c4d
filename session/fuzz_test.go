package session_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// FuzzCookieToSessionKey sends arbitrary Cookie headers through the
// middleware: nothing but valid keys may reach the store, and the response
// carries at most one session cookie, holding a valid key or deleting it.
func FuzzCookieToSessionKey(f *testing.F) {
	live := session.NewKey()
	for _, seed := range []string{
		"sessionid=" + live, "sessionid=abc", "sessionid=" + live + "; sessionid=x", `sessionid="` + live + `"`,
		"a=b; sessionid=../../etc/passwd", "sessionid=" + strings.Repeat("a", 70), "sessionid", ";;;=;", "SESSIONID=" + live,
		"sessionid=\t" + live + " ", "sessionid=" + live[:31] + "!",
	} {
		f.Add(seed)
	}
	cnt := &counter{mem: memory.New(memory.Options{})}
	if err := cnt.mem.SaveValues(bg(), live, map[string]any{"user": "alice"}, farFuture(), true); err != nil {
		f.Fatal(err)
	}
	m, err := session.New(valueCounter{cnt}, session.Config{SecretKey: testSecret})
	if err != nil {
		f.Fatal(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		if s.Has("user") {
			s.Set("seen", true)
		} else {
			s.Get("x")
		}
	}))
	f.Fuzz(func(t *testing.T, cookie string) {
		cnt.reset()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header["Cookie"] = []string{cookie}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		for _, k := range cnt.seenKeys() {
			if !session.ValidKey(k) {
				t.Fatalf("the store saw the key %q", k)
			}
		}
		var lines []string
		for _, l := range rec.Header().Values("Set-Cookie") {
			if strings.HasPrefix(l, "sessionid=") {
				lines = append(lines, l)
			}
		}
		if len(lines) > 1 {
			t.Fatalf("%d session cookies: %q", len(lines), lines)
		}
		if len(lines) == 1 {
			_, value, _ := parseSetCookie(lines[0])
			if value != `""` && value != live {
				t.Fatalf("Set-Cookie value %q: want the live key or a deletion", value)
			}
		}
	})
}

// FuzzCodecDecode feeds arbitrary stored data to the codecs: they never
// panic, fail only with ErrCorrupt or ErrCodecMismatch, and what they accept
// encodes back to the same JSON.
func FuzzCodecDecode(f *testing.F) {
	django := session.NewDjangoCodec([]byte("django-insecure-test-key"), [][]byte{[]byte("old")}, nil)
	for _, seed := range []string{
		"eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY",
		".eJyrVkpUslKqoC1QqgUASkcupA:1r31eq:c2cG248xzS_RzuW12NqSyTvZYIT3nNyYycZ8Ul_LJyU",
		`{"a":1,"b":[1.0,null,"\ud83d\ude00"]}`, "", ":", "::", "a:b:c", "{", `{"a":NaN}`, "[1]", "\x80\x04}\x94.",
	} {
		f.Add([]byte(seed))
	}
	codecs := []session.Codec{django, session.JSONCodec{}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range codecs {
			m, err := c.Decode(data)
			if err != nil {
				if !errors.Is(err, session.ErrCorrupt) && !errors.Is(err, session.ErrCodecMismatch) {
					t.Fatalf("%T.Decode error %v matches neither ErrCorrupt nor ErrCodecMismatch", c, err)
				}
				continue
			}
			if m == nil {
				t.Fatalf("%T.Decode returned a nil map without an error", c)
			}
			enc, err := c.Encode(m)
			if err != nil {
				t.Fatalf("%T.Encode of a decoded value: %v", c, err)
			}
			again, err := c.Decode(enc)
			if err != nil {
				t.Fatalf("%T.Decode of its own output: %v", c, err)
			}
			a, _ := pyjson.Marshal(m)
			b, _ := pyjson.Marshal(again)
			if !bytes.Equal(a, b) {
				t.Fatalf("%T round trip changed %s into %s", c, a, b)
			}
		}
	})
}
