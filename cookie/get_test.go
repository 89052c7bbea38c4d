package cookie

import (
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func request(cookieHeaders ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, h := range cookieHeaders {
		r.Header.Add("Cookie", h)
	}
	return r
}

func TestGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string
		cookie  string
		want    string
		found   bool
	}{
		{"a single cookie is found", []string{"a=1"}, "a", "1", true},
		{"a cookie among others is found", []string{"a=1; b=2; c=3"}, "b", "2", true},
		{"the last duplicate wins, as in Django", []string{"sessionid=a; sessionid=b"}, "sessionid", "b", true},
		{"a chunk without '=' has the empty name", []string{"a=1;b"}, "", "b", true},
		{"the value keeps later equals signs", []string{"a=b=c"}, "a", "b=c", true},
		{"a quoted value is unquoted", []string{`sessionid="abc"`}, "sessionid", "abc", true},
		{"octal and backslash escapes are decoded", []string{`c="a\073b\054\"\\\351"`}, "c", `a;b,"\é`, true},
		{"UTF-8 inside quotes is kept", []string{`c="清風"`}, "c", "清風", true},
		{"spaces around name and value are stripped", []string{"  a  =  1  ;b=2"}, "a", "1", true},
		{"tabs and Unicode spaces are stripped as Python strips", []string{"\ta\u00a0=\u2003v\x1f"}, "a", "v", true},
		{"an empty value is present", []string{"a="}, "a", "", true},
		{"the quoted empty value is empty", []string{`a=""`}, "a", "", true},
		{"a lone quote stays", []string{`a="`}, "a", `"`, true},
		{"a half-quoted value stays as it is", []string{`a="abc`}, "a", `"abc`, true},
		{"no character check is made, as in Django", []string{"a=x\x00y\x7f"}, "a", "x\x00y\x7f", true},
		{"a cookie in the second header field is found", []string{"a=1", "b=2"}, "b", "2", true},
		{"the last duplicate across fields wins", []string{"a=1", "a=2; x=y"}, "a", "2", true},
		{"names are case-sensitive", []string{"A=1"}, "a", "", false},
		{"a missing cookie is not found", []string{"a=1; b=2"}, "c", "", false},
		{"no header means no cookie", nil, "a", "", false},
		{"an empty header has no cookie", []string{""}, "a", "", false},
		{"empty chunks are skipped", []string{";;; ;a=1;;"}, "a", "1", true},
		{"a bare equals sign has no name or value", []string{"="}, "", "", false},
		{"a nameless value is found under the empty name", []string{"=v"}, "", "v", true},
		{"a name is not matched by its prefix", []string{"ab=1"}, "a", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := request(tt.headers...)
			got, err := Get(r, tt.cookie)
			if tt.found {
				if err != nil || got != tt.want {
					t.Errorf("Get(%q) = %q, %v; want %q", tt.cookie, got, err, tt.want)
				}
			} else if !errors.Is(err, ErrNoCookie) || got != "" {
				t.Errorf("Get(%q) = %q, %v; want ErrNoCookie", tt.cookie, got, err)
			}
			def := GetDefault(r, tt.cookie, "default")
			if want := map[bool]string{true: tt.want, false: "default"}[tt.found]; def != want {
				t.Errorf("GetDefault(%q) = %q, want %q", tt.cookie, def, want)
			}
		})
	}
}

func TestErrNoCookieIsNetHTTPs(t *testing.T) {
	t.Parallel()
	_, err := Get(request(), "missing")
	if !errors.Is(err, http.ErrNoCookie) {
		t.Errorf("Get error %v does not match http.ErrNoCookie", err)
	}
}

func TestGetAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string
		cookie  string
		want    []string
	}{
		{"every duplicate comes in header order", []string{`s=1; t=x; s="2\073"`, "s=3"}, "s", []string{"1", "2;", "3"}},
		{"one value", []string{"s=1"}, "s", []string{"1"}},
		{"none gives nil", []string{"t=1"}, "s", nil},
		{"at most MaxValues are returned", []string{strings.Repeat("s=v;", 100)}, "s", slices.Repeat([]string{"v"}, MaxValues)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := GetAll(request(tt.headers...), tt.cookie); !slices.Equal(got, tt.want) {
				t.Errorf("GetAll(%q) = %q, want %q", tt.cookie, got, tt.want)
			}
		})
	}
}

func TestAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string
		want    map[string]string
	}{
		{"Django's examples", []string{"a=1;b; a=b=c; q=\"x\\054y\""}, map[string]string{"a": "b=c", "": "b", "q": "x,y"}},
		{"several fields merge", []string{"a=1", "b=2"}, map[string]string{"a": "1", "b": "2"}},
		{"no cookies give an empty map", nil, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := All(request(tt.headers...))
			if got == nil || !maps.Equal(got, tt.want) {
				t.Errorf("All = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadersStopAfterMaxCookies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string
		found   bool
	}{
		{"the last of MaxCookies pairs is read", []string{strings.Repeat("x=1;", MaxCookies-1) + "late=1"}, true},
		{"a pair after MaxCookies pairs is ignored", []string{strings.Repeat("x=1;", MaxCookies) + "late=1"}, false},
		{"empty chunks count too", []string{strings.Repeat(";", MaxCookies) + "late=1"}, false},
		{"chunks are counted across header fields", []string{strings.Repeat("x=1;", MaxCookies-1) + "x=1", "late=1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := request(tt.headers...)
			_, err := Get(r, "late")
			_, inAll := All(r)["late"]
			inGetAll := len(GetAll(r, "late")) > 0
			if (err == nil) != tt.found || inAll != tt.found || inGetAll != tt.found {
				t.Errorf("Get error %v, in All %v, in GetAll %v; want found=%v", err, inAll, inGetAll, tt.found)
			}
		})
	}
}

// TestParsingIsLinear feeds the shapes of ATTACKS.md A5 and A9 (a 1 MiB flood of
// empty pairs, an 8 KiB quoted run of backslashes) and checks the time.
func TestParsingIsLinear(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
	}{
		{"a 1 MiB flood of empty cookies", strings.Repeat("a=;", 1<<20/3)},
		{"a 1 MiB flood of separators", strings.Repeat(";", 1<<20)},
		{"a 1 MiB quoted run of backslashes", `a="` + strings.Repeat(`\`, 1<<20) + `"`},
		{"a 1 MiB quoted run of octal escapes", `a="` + strings.Repeat(`\101`, 1<<18) + `"`},
		{"a 1 MiB run of spaces", "a=" + strings.Repeat(" ", 1<<20) + "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(tt.header)
			start := time.Now()
			_, _ = Get(r, "a")
			_ = GetAll(r, "a")
			_ = All(r)
			// Linear work on 1 MiB is a few milliseconds per call (ten
			// times that under -race); a quadratic parser would take
			// hours. The bound is loose for a loaded machine.
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("3 reads of a 1 MiB header took %v", d)
			}
		})
	}
}

func TestUnquote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"an unquoted value is unchanged", `abc`, `abc`},
		{"escapes outside quotes are not decoded", `a\073`, `a\073`},
		{"the quotes are removed", `"abc"`, `abc`},
		{"the empty quoted value", `""`, ``},
		{"octal escapes up to 377 decode", `"\000\101\377"`, "\x00A\u00ff"},
		{"a first digit above 3 is not octal", `"\400"`, `400`},
		{"a short octal sequence is a plain escape", `"\07"`, `07`},
		{"an escaped quote", `"\""`, `"`},
		{"an escaped backslash", `"\\"`, `\`},
		{"a backslash before a newline stays", "\"a\\\nb\"", "a\\\nb"},
		{"a trailing backslash stays", `"a\"`, `a\`},
		{"an escaped multibyte rune", `"\清"`, `清`},
		{"an escaped backslash before digits", `"\\101"`, `\101`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := unquote(tt.in); got != tt.want {
				t.Errorf("unquote(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQuotedValuesRoundTrip(t *testing.T) {
	t.Parallel()
	values := []string{
		"", " ", "a b", `"`, `\`, `\"`, `"quoted"`, "a;b,c", "\x00\x01\x1f\x7f",
		"é", "ÿ", "\u0100", "清風", "😀", "tab\there", "line\nbreak", "\\012",
		"{\"json\":[1,2]}", "hello:1r31eq:6_ATJSSLW2CnbfPinKmlzDD3lHKu2OhDpIlUTrJ5gPs",
		strings.Repeat(`\"`, 500),
	}
	for _, v := range values {
		t.Run("value "+strings.ToValidUTF8(v[:min(len(v), 20)], "?"), func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			must(t, Set(rec, "c", v, Options{}))
			line := rec.Header().Get("Set-Cookie")
			_, written, _ := mustParseSetCookie(t, line)
			if got := GetDefault(request("c="+written), "c", "<missing>"); got != v {
				t.Errorf("wrote %q, read back %q, want %q", written, got, v)
			}
			if needsQuote(v) != strings.HasPrefix(written, `"`) {
				t.Errorf("value %q written as %q", v, written)
			}
		})
	}
}
