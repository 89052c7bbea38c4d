package cookie

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/djangotest"
)

// djangoSetArgs returns the djhelper.py set-cookie-header call that asks
// Django's set_cookie for the same cookie as Set(name, value, opts) at now.
func djangoSetArgs(name, value string, opts Options, now time.Time) []string {
	args := []string{"set-cookie-header",
		"--name-json", djangotest.JSONString(name),
		"--value-json", djangotest.JSONString(value),
		"--now", strconv.FormatFloat(float64(now.UnixNano())/1e9, 'f', -1, 64),
	}
	if d, ok := opts.MaxAge.Duration(); ok {
		args = append(args, "--max-age", strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
	}
	if !opts.Expires.IsZero() {
		args = append(args, "--expires-datetime", opts.Expires.Format("2006-01-02T15:04:05.999999-07:00"))
	}
	if opts.Path != "" {
		args = append(args, "--path-json", djangotest.JSONString(opts.Path))
	}
	if opts.Domain != "" {
		args = append(args, "--domain-json", djangotest.JSONString(opts.Domain))
	}
	if opts.Secure {
		args = append(args, "--secure")
	}
	if opts.HttpOnly {
		args = append(args, "--httponly")
	}
	if s := sameSiteName(opts.SameSite); s != "" {
		args = append(args, "--samesite", s)
	}
	return args
}

func sameSiteName(s http.SameSite) string {
	return map[http.SameSite]string{http.SameSiteLaxMode: "Lax", http.SameSiteStrictMode: "Strict", http.SameSiteNoneMode: "None"}[s]
}

// TestSetCookieMatchesDjango writes each cookie with Set and with Django's
// set_cookie at the same frozen moment, and compares the two Set-Cookie
// headers attribute by attribute.
func TestSetCookieMatchesDjango(t *testing.T) {
	t.Parallel()
	djangotest.Python(t)
	half := frozen.Add(500 * time.Millisecond)
	tests := []struct {
		name   string
		cookie string
		value  string
		opts   Options
		now    time.Time
	}{
		{"a plain cookie", "c", "v", Options{}, frozen},
		{"the session cookie with every attribute", "sessionid", "abc",
			Options{MaxAge: MaxAge(1209600 * time.Second), Domain: "example.com", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}, frozen},
		{"max age zero", "c", "v", Options{MaxAge: MaxAge(0)}, frozen},
		{"a negative max age", "c", "v", Options{MaxAge: MaxAge(-5 * time.Second)}, frozen},
		{"a fractional max age at a fractional now", "c", "v", Options{MaxAge: MaxAge(10600 * time.Millisecond)}, half},
		{"a negative fractional max age", "c", "v", Options{MaxAge: MaxAge(-1500 * time.Millisecond)}, half},
		{"a long max age", "c", "v", Options{MaxAge: MaxAge(400 * 24 * time.Hour)}, half},
		{"expires in UTC", "c", "x", Options{Expires: time.Date(2023, 11, 15, 0, 0, 0, 0, time.UTC)}, frozen},
		{"expires with an offset", "c", "x", Options{Expires: time.Date(2023, 11, 15, 0, 0, 0, 0, time.FixedZone("", -5*3600))}, frozen},
		{"expires with microseconds", "c", "x", Options{Expires: frozen.Add(90*time.Second + 250*time.Microsecond)}, half},
		{"expires just before a fractional now", "c", "x", Options{Expires: half.Add(-time.Microsecond)}, half},
		{"expires in the past", "c", "x", Options{Expires: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)}, frozen},
		{"a path and a domain", "c", "v", Options{Path: "/app/x", Domain: ".example.org"}, frozen},
		{"strict same-site and HttpOnly", "csrftoken", "t", Options{SameSite: http.SameSiteStrictMode, HttpOnly: true}, frozen},
		{"same-site none with Secure", "c", "v", Options{SameSite: http.SameSiteNoneMode, Secure: true}, frozen},
		{"a __Host- cookie", "__Host-id", "v", Options{Secure: true}, frozen},
		{"a __Secure- cookie with a domain", "__Secure-id", "v", Options{Secure: true, Domain: "example.com"}, frozen},
		{"the empty value", "c", "", Options{}, frozen},
		{"a value with a space", "c", "a b", Options{}, frozen},
		{"a value with separators", "c", `a;b,c"d\e`, Options{}, frozen},
		{"a Latin-1 value", "c", "café ÿ", Options{}, frozen},
		{"a CJK value", "c", "清風", Options{}, frozen},
		{"an emoji value", "c", "😀!", Options{}, frozen},
		{"control characters", "c", "\x00\x01\t\n\r\x1f\x7f\u0080\u009f", Options{}, frozen},
		{"JSON", "c", `{"a":[1,"b"]}`, Options{}, frozen},
		{"a value of every unescaped character", "c", " ()/<=>?@[]{}!#$%&'*+-.^_`|~:", Options{}, frozen},
	}
	calls := make([][]string, len(tests))
	for i, tt := range tests {
		calls[i] = djangoSetArgs(tt.cookie, tt.value, tt.opts, tt.now)
	}
	results := djangotest.RunBatch(t, calls...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := djangotest.OK(t, results[i])
			want := djangotest.String(t, res, "header")
			opts := tt.opts
			opts.Now = clock(tt.now)
			rec := httptest.NewRecorder()
			must(t, Set(rec, tt.cookie, tt.value, opts))
			got := rec.Header().Get("Set-Cookie")
			if d := sameSetCookie(got, want); d != "" {
				t.Errorf("%s\n go:     %s\n django: %s", d, got, want)
			}
			if got != want {
				t.Logf("not byte-equal (allowed): go %q, django %q", got, want)
			}
		})
	}
}

// TestQuotingMatchesDjangoOnRandomValues compares the written form of random
// values built from the characters that matter to quoting.
func TestQuotingMatchesDjangoOnRandomValues(t *testing.T) {
	t.Parallel()
	djangotest.Python(t)
	alphabet := []rune("aZ09!#$%&'*+-.^_`|~: ()/<=>?@[]{}\"\\;,\x00\t\n\x7f\u0080é\u00ffĀ清😀")
	rng := rand.New(rand.NewPCG(1, 2))
	values := make([]string, 200)
	calls := make([][]string, len(values))
	for i := range values {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		values[i] = b.String()
		calls[i] = djangoSetArgs("c", values[i], Options{}, frozen)
	}
	results := djangotest.RunBatch(t, calls...)
	for i, v := range values {
		want := djangotest.String(t, djangotest.OK(t, results[i]), "coded_value")
		got := string(appendEncoded(nil, v))
		if got != want {
			t.Errorf("value %q: go writes %q, Django %q", v, got, want)
		}
		if back := unquote(want); back != v {
			t.Errorf("value %q: Django's %q reads back as %q", v, want, back)
		}
	}
}

// TestNameRulesMatchDjango checks that Set refuses exactly the names that
// Django's set_cookie refuses, except "partitioned", which Go reserves as
// Python 3.14 does, and names with ':', which Django writes and Go refuses
// (not an RFC 6265 token; docs/compatibility.md).
func TestNameRulesMatchDjango(t *testing.T) {
	t.Parallel()
	djangotest.Python(t)
	names := []string{
		"c", "sessionid", "a:b", "!#$%&'*+-.^_`|~", "A-Z_09", "", "a b", "a;b", "a=b", "a,b", `a"b`,
		`a\b`, "a(b", "a)b", "a/b", "a[b", "a]b", "a?b", "a@b", "a{b", "a<b", "é", "a\tb", "a\x7f",
		"expires", "Expires", "path", "comment", "domain", "max-age", "MAX-AGE", "secure", "httponly",
		"version", "samesite", "SameSite", "expiresx", "__Host-x",
	}
	calls := make([][]string, len(names))
	for i, n := range names {
		calls[i] = []string{"set-cookie-header", "--name-json", djangotest.JSONString(n), "--value", "v", "--secure"}
	}
	results := djangotest.RunBatch(t, calls...)
	for i, n := range names {
		_, err := Format(n, "v", Options{Secure: true})
		djangoOK := results[i]["ok"] == true
		if strings.Contains(n, ":") {
			if !djangoOK || err == nil {
				t.Errorf("name %q: expected Django to accept it (%v) and Go to refuse it (%v)", n, djangoOK, err)
			}
			continue
		}
		if (err == nil) != djangoOK {
			t.Errorf("name %q: Go error %v, Django ok=%v (%v)", n, err, djangoOK, results[i]["message"])
		}
	}
}

// TestDeleteMatchesDjango compares Delete with Django's delete_cookie.
func TestDeleteMatchesDjango(t *testing.T) {
	t.Parallel()
	djangotest.Python(t)
	tests := []struct {
		name   string
		cookie string
		opts   DeleteOptions
	}{
		{"the defaults", "c", DeleteOptions{}},
		{"the session cookie with Lax", "sessionid", DeleteOptions{SameSite: http.SameSiteLaxMode}},
		{"a path and a domain", "c", DeleteOptions{Path: "/app", Domain: ".example.com", SameSite: http.SameSiteStrictMode}},
		{"same-site none", "c", DeleteOptions{SameSite: http.SameSiteNoneMode}},
		{"a __Host- cookie", "__Host-c", DeleteOptions{SameSite: http.SameSiteNoneMode}},
		{"a __Secure- cookie", "__Secure-c", DeleteOptions{Domain: "example.com"}},
	}
	calls := make([][]string, len(tests))
	for i, tt := range tests {
		args := []string{"delete-cookie-header", "--name-json", djangotest.JSONString(tt.cookie)}
		if tt.opts.Path != "" {
			args = append(args, "--path", tt.opts.Path)
		}
		if tt.opts.Domain != "" {
			args = append(args, "--domain", tt.opts.Domain)
		}
		if s := sameSiteName(tt.opts.SameSite); s != "" {
			args = append(args, "--samesite", s)
		}
		calls[i] = args
	}
	results := djangotest.RunBatch(t, calls...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := djangotest.String(t, djangotest.OK(t, results[i]), "header")
			rec := httptest.NewRecorder()
			must(t, Delete(rec, tt.cookie, tt.opts))
			got := rec.Header().Get("Set-Cookie")
			if d := sameSetCookie(got, want); d != "" {
				t.Errorf("%s\n go:     %s\n django: %s", d, got, want)
			}
		})
	}
}

// TestParsingMatchesDjango reads Cookie headers with All and with Django's
// parse_cookie and compares the dictionaries.
func TestParsingMatchesDjango(t *testing.T) {
	t.Parallel()
	djangotest.Python(t)
	headers := []string{
		"", "a=1", "a=1; b=2", "sessionid=a; sessionid=b", "a=1;b", "a=b=c", `sessionid="abc"`,
		`c="a\073b\054\"\\\351"`, `c="\400\07\"`, `c="a\"`, `c="`, `c=""`, `c="abc`, `c=abc"`,
		"  a  =  1  ;  b = 2 ", "\ta\u00a0=\u3000v\x1c", "\x1fa=b\x1e", ";;;", "=", "=v", "a=", "a;=;b",
		`c="清風"`, `c="\清"`, "c=\"a\\\nb\"", `c="x\\"`, `a="1"; a=2; a="3"`, "é=ü", "a=\u0085x\u0085",
		"a=\u200bx", "a=x\u2028", "A=1; a=2",
	}
	calls := make([][]string, len(headers))
	for i, h := range headers {
		calls[i] = []string{"parse-cookie", "--header-json", djangotest.JSONString(h)}
	}
	results := djangotest.RunBatch(t, calls...)
	for i, h := range headers {
		res := djangotest.OK(t, results[i])
		want, _ := res["cookies"].(map[string]any)
		got := All(request(h))
		if len(got) != len(want) {
			t.Errorf("header %q: go %q, django %q", h, got, want)
			continue
		}
		for k, v := range want {
			if gv, ok := got[k]; !ok || gv != v {
				t.Errorf("header %q, cookie %q: go %q (present %v), django %q", h, k, gv, ok, v)
			}
		}
	}
}
