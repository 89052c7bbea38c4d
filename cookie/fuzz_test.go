package cookie

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// referenceParse is django.http.cookie.parse_cookie written as plainly as
// possible, with Python's regular expression for _unquote: the fuzz target
// checks the fast reader against it.
func referenceParse(header string) map[string]string {
	m := make(map[string]string)
	for _, chunk := range strings.Split(header, ";") {
		k, v, ok := strings.Cut(chunk, "=")
		if !ok {
			k, v = "", chunk
		}
		k, v = strings.TrimFunc(k, isPySpace), strings.TrimFunc(v, isPySpace)
		if k != "" || v != "" {
			m[k] = referenceUnquote(v)
		}
	}
	return m
}

var unquoteRE = regexp.MustCompile(`\\(?:([0-3][0-7][0-7])|(.))`)

func referenceUnquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	return unquoteRE.ReplaceAllStringFunc(v[1:len(v)-1], func(m string) string {
		if len(m) == 4 && m[1] >= '0' && m[1] <= '3' && isOctal(m[2]) && isOctal(m[3]) {
			n, _ := strconv.ParseUint(m[1:], 8, 8)
			return string(rune(n))
		}
		return m[1:]
	})
}

func FuzzParseCookieHeader(f *testing.F) {
	for _, s := range []string{
		"a=1; b=2", "sessionid=a; sessionid=b", "a=1;b", "a=b=c", `c="a\073b\054\"\\\351"`,
		`c="\400\07\"`, "\ta\u00a0=\u3000v\x1c", `c="\清"`, "c=\"a\\\nb\"", ";;;", "=v", `a="\\\\\\"`,
		"a=\xff\xfe; \xc2\xa0b=1",
	} {
		f.Add(s, "a")
	}
	f.Fuzz(func(t *testing.T, header, name string) {
		if strings.Count(header, ";") >= MaxCookies {
			t.Skip("past MaxCookies the reader stops on purpose")
		}
		r := request(header)
		start := time.Now()
		all := All(r)
		got, err := Get(r, name)
		values := GetAll(r, name)
		if d := time.Since(start); d > time.Second+time.Duration(len(header))*time.Microsecond {
			t.Fatalf("reading %d bytes took %v", len(header), d)
		}
		want := referenceParse(header)
		if len(all) != len(want) {
			t.Fatalf("All(%q) = %q, parse_cookie gives %q", header, all, want)
		}
		for k, v := range want {
			if all[k] != v {
				t.Fatalf("All(%q)[%q] = %q, parse_cookie gives %q", header, k, all[k], v)
			}
		}
		wv, found := want[name]
		if found != (err == nil) || got != wv {
			t.Fatalf("Get(%q, %q) = %q, %v; parse_cookie gives %q, %v", header, name, got, err, wv, found)
		}
		if found != (len(values) > 0) || (len(values) > 0 && len(values) < MaxValues && values[len(values)-1] != got) {
			t.Fatalf("GetAll(%q, %q) = %q, Get gives %q", header, name, values, got)
		}
	})
}

func FuzzQuoteUnquote(f *testing.F) {
	for _, s := range []string{"", "v", "a b", `"\`, "a;b,c", "é", "清風😀", "\x00\n\x7f", "\xff", `"x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		line, err := Format("c", v, Options{})
		if !utf8.ValidString(v) {
			if err == nil {
				t.Fatalf("Format accepted invalid UTF-8 %q as %q", v, line)
			}
			return
		}
		n := encodedLen(v)
		if len("c")+n > MaxSize {
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Format of %d encoded bytes: %v, want ErrTooLarge", n, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Format(%.60q): %v", v, err)
		}
		enc := string(appendEncoded(nil, v))
		if len(enc) != n {
			t.Fatalf("encodedLen(%q) = %d, but the encoding %q has %d bytes", v, n, enc, len(enc))
		}
		if line != "c="+enc+"; Path=/" {
			t.Fatalf("Format wrote %q for the encoding %q", line, enc)
		}
		for i := 0; i < len(enc); i++ {
			// Only cookie-safe bytes, the quoted form's extras and UTF-8
			// above U+00FF: never a control character or a separator.
			if c := enc[i]; c < utf8.RuneSelf && !unescaped[c] && c != '"' && c != '\\' {
				t.Fatalf("encoding %q of %q holds byte %#x", enc, v, c)
			}
		}
		if got := unquote(enc); got != v {
			t.Fatalf("unquote(%q) = %q, want %q", enc, got, v)
		}
		if got, err := Get(request("x=1; c="+enc+"; y=2"), "c"); err != nil || got != v {
			t.Fatalf("Get read %q back as %q, %v; want %q", enc, got, err, v)
		}
	})
}
