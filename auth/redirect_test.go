package auth

import (
	"crypto/tls"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// redirectCase is one row of the open-redirect table. want is what
// IsSafeRedirect must return; django is what Django 3.2's
// url_has_allowed_host_and_scheme returns for the same arguments. The two
// differ only on the rows marked stricter, where this package refuses on
// purpose (length cap, tab/CR/LF inside the URL, invalid UTF-8).
type redirectCase struct {
	name     string
	url      string
	hosts    []string // nil means {"testserver", "testserver2"}, as Django's tests
	https    bool
	want     bool
	stricter bool // Django accepts it; we refuse (documented deviation)
}

func (c redirectCase) allowed() []string {
	if c.hosts == nil {
		return []string{"testserver", "testserver2"}
	}
	return c.hosts
}

// django is Django's expected answer for the row.
func (c redirectCase) django() bool { return c.want || c.stricter }

func bad(name, url string) redirectCase  { return redirectCase{name: name, url: url} }
func good(name, url string) redirectCase { return redirectCase{name: name, url: url, want: true} }

// redirectTable holds ATTACKS.md §G, Django's URLHasAllowedHostAndSchemeTests
// (test_bad_urls, test_good_urls, test_basic_auth, test_no_allowed_hosts,
// test_allowed_hosts_str, test_secure_param_*), and percent-encoded, mixed
// and Unicode forms.
var redirectTable = []redirectCase{
	// Scheme-relative and backslash forms (ATTACKS §G 46, Django test_bad_urls).
	bad("a scheme-relative URL to another host is refused", "//evil.com"),
	bad("three leading slashes are refused", "///evil.com"),
	bad("four leading slashes are refused", "////evil.com"),
	bad("two backslashes are refused", `\\evil.com`),
	bad("three backslashes are refused", `\\\evil.com`),
	bad("slash backslash is refused", `/\evil.com`),
	bad("slash backslash slash is refused", `/\/evil.com`),
	bad("backslash slash is refused", `\/evil.com`),
	bad("backslash two slashes is refused", `\//evil.com`),
	bad("slash two backslashes slash is refused", `/\\/evil.com`),
	// Other hosts and schemes (ATTACKS §G 47).
	bad("an http URL to another host is refused", "http://evil.com"),
	bad("an https URL to another host is refused", "https://evil.com"),
	bad("an upper-case scheme to another host is refused", "HTTPS://evil.com"),
	bad("an ftp URL is refused", "ftp://evil.com"),
	bad("an ftp URL to an allowed host is refused", "ftp://testserver/"),
	// Scheme without a host (ATTACKS §G 48).
	bad("http with three slashes is refused", "http:///evil.com"),
	bad("https with three slashes is refused", "https:///evil.com"),
	bad("http colon slash backslash slash slash is refused", `http:/\//evil.com`),
	bad("http colon backslash slash is refused", `http:\/evil.com`),
	bad("http colon slash backslash is refused", `http:/\evil.com`),
	bad("https colon and a host without slashes is refused", "https:evil.com"),
	bad("http and a number is refused", "http:999999999"),
	bad("ftp and a number is refused", "ftp:9999999999"),
	bad("a mailto URL is refused", "mailto:a@testserver"),
	// Script schemes (ATTACKS §G 49).
	bad("javascript is refused", `javascript:alert("XSS")`),
	bad("mixed-case javascript is refused", "JaVaScRiPt:alert(1)"),
	bad("javascript after a leading newline is refused", "\njavascript:alert(x)"),
	{name: "javascript with a newline inside is refused", url: "java\nscript:alert(x)", stricter: true},
	{name: "javascript with CR LF inside is refused", url: "java\r\nscript\r\n:alert(0)", stricter: true},
	bad("a data URL is refused", "data:text/html,<script>alert(1)</script>"),
	bad("vbscript is refused", "vbscript:msgbox(1)"),
	// Control characters and white space (ATTACKS §G 50).
	bad("a leading backspace is refused", "\x08//evil.com"),
	bad("a lone newline is refused", "\n"),
	bad("only spaces are refused", "   "),
	bad("the empty string is refused", ""),
	bad("a leading tab before two slashes is refused", "\t//evil.com"),
	{name: "a tab between two slashes is refused", url: "/\t/evil.com", stricter: true},
	bad("a leading space before two slashes is refused", " //evil.com"),
	bad("a leading NUL is refused", "\x00/ok"),
	bad("a leading zero-width space is refused", "\u200b//evil.com"),
	bad("a leading byte order mark is refused", "\ufeff/ok"),
	bad("a leading no-break space before two slashes is refused", "\u00a0//evil.com"),
	bad("a leading file separator before two slashes is refused", "\x1c//evil.com"),
	// Userinfo tricks (Django test_bad_urls).
	bad("a backslash before the at sign is refused", `http://otherserver\@testserver`),
	bad("backslashes as slashes with userinfo are refused", `http:\\testserver\@evil.com`),
	bad("userinfo with a backslash is refused", `http://testserver\me:pass@evil.com`),
	bad("the allowed host as userinfo is refused", `http://testserver\@evil.com`),
	bad("backslash paths with an at sign are refused", `http:\\testserver\confirm\me@evil.com`),
	bad("the allowed host as plain userinfo is refused", "http://testserver@evil.com/"),
	bad("another host as userinfo of the allowed host is refused", "http://evil.com@testserver/"),
	// Broken IPv6 (ATTACKS §G 52).
	bad("an unclosed IPv6 bracket is refused", "http://[2001:cdba:0000:0000:0000:0000:3257:9652/"),
	bad("an unopened IPv6 bracket is refused", "http://2001:cdba:0000:0000:0000:0000:3257:9652]/"),
	// Ports and hosts are compared exactly.
	bad("the allowed host with an explicit port is refused", "http://testserver:80/"),
	bad("the allowed host in upper case is refused", "//TESTSERVER/"),
	{name: "an allowed host with its port is accepted", url: "//testserver:8000/x", hosts: []string{"testserver:8000"}, want: true},
	{name: "an allowed IPv6 literal is accepted", url: "https://[::1]/x", hosts: []string{"[::1]"}, want: true},
	// HTTPS downgrade (ATTACKS §G 55, Django test_secure_param_*).
	{name: "http on an https request is refused", url: "http://testserver/x", https: true},
	{name: "https on an https request is accepted", url: "https://testserver/x", https: true, want: true},
	{name: "upper-case HTTPS on an https request is accepted", url: "HTTPS://testserver/p", https: true, want: true},
	{name: "a scheme-relative URL on an https request is refused", url: "//testserver/p", https: true},
	{name: "ftp on an https request is refused", url: "ftp://testserver/p", https: true},
	{name: "a relative path with a URL parameter on an https request is accepted", url: "/view/?param=http://example.com", https: true, want: true},
	// Length and header injection (ATTACKS §G 57, 58).
	good("a 2048-byte path is accepted", "/"+strings.Repeat("a", 2047)),
	{name: "a 2049-byte path is refused", url: "/" + strings.Repeat("a", 2048), stricter: true},
	{name: "a 1 MiB path is refused", url: "/" + strings.Repeat("a", 1<<20), stricter: true},
	{name: "a 1 MiB full-width path is refused", url: "/" + strings.Repeat("／", 1<<18), stricter: true},
	{name: "a decoded CR LF header injection is refused", url: "/x\r\nSet-Cookie: a=b", stricter: true},
	good("a still-encoded CR LF is only a path", "/x%0d%0aSet-Cookie:%20a=b"),
	// Good URLs (ATTACKS §G 60, Django test_good_urls).
	good("a path with an http URL in the query is accepted", "/view/?param=http://example.com"),
	good("a path with an https URL in the query is accepted", "/view/?param=https://example.com"),
	good("a path with an ftp URL in the query is accepted", "/view?param=ftp://example.com"),
	good("a relative path with a scheme-relative query is accepted", "view/?param=//example.com"),
	good("https to the allowed host is accepted", "https://testserver/"),
	good("upper-case HTTPS to the allowed host is accepted", "HTTPS://testserver/"),
	good("a scheme-relative URL to the allowed host is accepted", "//testserver/"),
	good("an email address in the query is accepted", "http://testserver/confirm?email=me@example.com"),
	good("percent-encoded spaces are accepted", "/url%20with%20spaces/"),
	good("a relative path with a colon is accepted", "path/http:2222222222"),
	good("the second allowed host is accepted", "http://testserver2/x"),
	good("mixed-case http to the allowed host is accepted", "HtTp://testserver/"),
	good("a leading space before a path is stripped", " /ok"),
	good("a trailing newline after a path is stripped", "/ok\n"),
	good("a leading file separator before a path is stripped", "\x1c/ok"),
	good("a trailing line separator is stripped", "/ok\u2028"),
	good("a query alone is accepted", "?page=2"),
	good("a fragment alone is accepted", "#top"),
	good("slashes in a fragment are only a fragment", "/ok#//evil.com"),
	good("the allowed host without a path is accepted", "https://testserver"),
	// Percent-encoded and mixed forms: browsers do not decode them in the
	// scheme or authority, so they stay paths.
	good("percent-encoded slashes are a relative path", "%2F%2Fevil.com"),
	good("a slash then percent-encoded slashes is a path", "/%2F%2Fevil.com"),
	good("percent-encoded backslashes are a relative path", "%5C%5Cevil.com"),
	good("a percent-encoded scheme colon is a relative path", "http%3A//evil.com"),
	good("full-width solidi are a relative path", "／／evil.com"),
	good("non-ASCII letters in a path are accepted", "/café/ß"),
	// Django's test_basic_auth, test_no_allowed_hosts, test_allowed_hosts_str.
	{name: "basic-auth credentials matching an allowed netloc are accepted", url: "http://user:pass@testserver/", hosts: []string{"user:pass@testserver"}, want: true},
	{name: "a relative path with no allowed hosts is accepted", url: "/confirm/me@example.com", hosts: []string{}, want: true},
	{name: "userinfo with no allowed hosts is refused", url: `http://testserver\@example.com`, hosts: []string{}},
	{name: "an absolute URL on the single allowed host is accepted", url: "http://good.com/good", hosts: []string{"good.com"}, want: true},
	{name: "an absolute URL on a near miss of the allowed host is refused", url: "http://good.co/evil", hosts: []string{"good.com"}},
}

func TestIsSafeRedirectTable(t *testing.T) {
	if len(redirectTable) < 40 {
		t.Fatalf("the open-redirect table has %d rows, want at least 40", len(redirectTable))
	}
	for _, c := range redirectTable {
		t.Run(c.name, func(t *testing.T) {
			if got := IsSafeRedirect(c.url, c.allowed(), c.https); got != c.want {
				t.Errorf("IsSafeRedirect(%q, %q, https=%v) = %v, want %v", trunc(c.url), c.allowed(), c.https, got, c.want)
			}
		})
	}
}

func TestIsSafeRedirectRefusesHugeInputQuickly(t *testing.T) {
	huge := "/" + strings.Repeat("／", 1<<20)
	start := time.Now()
	for range 100 {
		if IsSafeRedirect(huge, []string{"testserver"}, false) {
			t.Fatal("a 3 MiB target was accepted")
		}
	}
	if per := time.Since(start) / 100; per > 5*time.Millisecond {
		t.Errorf("refusing a 3 MiB target took %v per call, want under 5ms", per)
	}
}

func TestIsSafeRedirectRefusesInvalidUTF8(t *testing.T) {
	if IsSafeRedirect("/ok\xff", nil, false) {
		t.Error("a target with an invalid UTF-8 byte was accepted")
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		host    string
		tls     bool
		allowed []string
		want    string
	}{
		{name: "a relative path is kept", target: "/private/?a=1&b=2", host: "testserver", want: "/private/?a=1&b=2"},
		{name: "the request's own host is allowed", target: "http://testserver/x", host: "testserver", want: "http://testserver/x"},
		{name: "the request's own host with its port is allowed", target: "//127.0.0.1:8000/x", host: "127.0.0.1:8000", want: "//127.0.0.1:8000/x"},
		{name: "another host falls back", target: "http://evil.com/", host: "testserver", want: "/"},
		{name: "an extra allowed host is honoured", target: "https://accounts.example.com/", host: "testserver", allowed: []string{"accounts.example.com"}, want: "https://accounts.example.com/"},
		{name: "http on a TLS request falls back", target: "http://testserver/x", host: "testserver", tls: true, want: "/"},
		{name: "https on a TLS request is kept", target: "https://testserver/x", host: "testserver", tls: true, want: "https://testserver/x"},
		{name: "an empty target falls back", target: "", host: "testserver", want: "/"},
		{name: "surrounding white space is removed", target: "  /ok \n", host: "testserver", want: "/ok"},
		{name: "spaces and non-ASCII are percent-encoded", target: "/a b/café", host: "testserver", want: "/a%20b/caf%C3%A9"},
		{name: "existing escapes are kept", target: "/url%20with%20spaces/", host: "testserver", want: "/url%20with%20spaces/"},
		{name: "a NUL inside is percent-encoded", target: "/a\x00b", host: "testserver", want: "/a%00b"},
		{name: "a backslash trick falls back", target: `/\evil.com`, host: "testserver", want: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://"+tt.host+"/login/", nil)
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if got := SafeNext(r, tt.target, "/", tt.allowed...); got != tt.want {
				t.Errorf("SafeNext(%q) = %q, want %q", tt.target, got, tt.want)
			}
		})
	}
}

func FuzzIsSafeRedirect(f *testing.F) {
	for _, c := range redirectTable {
		if len(c.url) < 4096 {
			f.Add(c.url, c.https)
		}
	}
	f.Fuzz(func(t *testing.T, target string, https bool) {
		hosts := []string{"testserver"}
		if !IsSafeRedirect(target, hosts, https) {
			return
		}
		r := httptest.NewRequest("GET", "http://testserver/login/", nil)
		if https {
			r.TLS = &tls.ConnectionState{}
		}
		loc := SafeNext(r, target, "/fallback")
		if loc == "/fallback" {
			t.Fatalf("IsSafeRedirect accepted %q but SafeNext fell back", target)
		}
		if strings.ContainsAny(loc, "\r\n\t\x00 ") {
			t.Fatalf("SafeNext(%q) = %q contains a control character or a space", target, loc)
		}
		for i := 0; i < len(loc); i++ {
			if loc[i] >= 0x80 {
				t.Fatalf("SafeNext(%q) = %q contains a non-ASCII byte", target, loc)
			}
		}
		// An empty host ("//", which Django accepts) makes the browser's
		// URL parser fail: no navigation at all.
		if host, ok := browserHost(loc); ok && host != "testserver" && host != "" {
			t.Fatalf("SafeNext(%q) = %q leads a browser to host %q", target, loc, host)
		}
	})
}

// browserHost is how a WHATWG URL parser, resolving loc against
// http://testserver/login/, finds the host: it reports the host of an
// absolute or scheme-relative reference (backslashes count as slashes in
// special schemes) and ok=false for a path, query or fragment reference.
func browserHost(loc string) (host string, ok bool) {
	s := strings.ReplaceAll(loc, `\`, "/")
	if i := strings.IndexByte(s, ':'); i > 0 && allSchemeChars(s[:i]) {
		scheme := strings.ToLower(s[:i])
		if scheme != "http" && scheme != "https" {
			return scheme + ":", true
		}
		s = strings.TrimLeft(s[i+1:], "/")
	} else if strings.HasPrefix(s, "//") {
		s = strings.TrimLeft(s, "/")
	} else {
		return "", false
	}
	if end := strings.IndexAny(s, "/?#"); end >= 0 {
		s = s[:end]
	}
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		s = s[at+1:]
	}
	return s, true
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
