package main

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/signing"
)

// curlPost posts form to the demo as curl does: no Origin, no
// Sec-Fetch-Site, no cookies. It returns the cookies the response sets,
// but for the session cookie (which carries the playground's messages).
func curlPost(t *testing.T, d *demo, path string, form url.Values) []*http.Cookie {
	t.Helper()
	req, err := http.NewRequest("POST", d.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	var out []*http.Cookie
	for _, c := range res.Cookies() {
		if c.Name != "sessionid" {
			out = append(out, c)
		}
	}
	return out
}

func TestPlaygroundIsNoSigningOracle(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	for _, tc := range []struct{ name, salt string }{
		{"is_login", "djsession.auth.login"},
		{"is_logi", "ndjsession.auth.login"},
		{"is_login", ""},
	} {
		t.Run(tc.name+"+"+tc.salt, func(t *testing.T) {
			for _, value := range []string{"1", "2", "x:1", alicesLoginPayload(t, d)} {
				set := curlPost(t, d, "/cookies/", url.Values{
					"action": {"set"}, "name": {tc.name}, "value": {value},
					"signed": {"1"}, "salt": {tc.salt},
				})
				if len(set) != 1 {
					t.Fatalf("the playground set %d cookies", len(set))
				}
				// Whatever the playground signed, presented as the login cookie.
				c := d.client()
				c.Jar.SetCookies(mustURL(t, d.ts.URL), []*http.Cookie{{Name: loginCookie, Value: set[0].Value}})
				if r := d.do(c, "GET", "/members/", nil); r.status != http.StatusFound {
					t.Errorf("a playground cookie %q opened /members/: %d", set[0].Value, r.status)
				}
			}
		})
	}
}

func TestPlaygroundSignaturesAreForNothingElse(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	secret := []byte(testKey)
	// Django's messages cookie: get_cookie_signer(salt="django.contrib.messages"),
	// reachable through the name+salt rule as name "d", salt "jango.contrib.messages".
	set := curlPost(t, d, "/cookies/", url.Values{
		"action": {"set"}, "name": {"d"}, "value": {"W10"}, "signed": {"1"}, "salt": {"jango.contrib.messages"},
	})
	if len(set) != 1 {
		t.Fatalf("the playground set %d cookies", len(set))
	}
	v := set[0].Value
	if uq, err := url.PathUnescape(strings.Trim(v, `"`)); err == nil {
		v = uq
	}
	for _, salt := range []string{"django.contrib.messages", "djangojango.contrib.messages"} {
		if _, err := signing.CookieSigner(secret, nil, salt).Unsign(v, 0); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("the playground's signature verifies with the site key and salt %q: %v", salt, err)
		}
	}
	// And no signed cookie of the site's own key reads it.
	if _, err := (&cookie.Signer{SecretKey: secret, Salt: "jango.contrib.messages"}).Unsign("d", v); !errors.Is(err, signing.ErrBadSignature) {
		t.Errorf("the site's SECRET_KEY verifies the playground's cookie: %v", err)
	}
	// The page says so.
	if r := d.do(d.client(), "GET", "/cookies/", nil); !strings.Contains(r.body, "demo-only") {
		t.Error("the playground does not say its signatures are demo-only")
	}
}

func TestLoginPageShowsOnlyANextItWouldUse(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	for _, tc := range []struct {
		next string
		show bool
	}{
		{"/private/x?a=1", true},
		{"https://evil.example/steal", false},
		{"//evil.example/steal", false},
		{"/\\evil.example", false},
		{"javascript:alert(1)", false},
		{"/accounts/login/", false}, // the login page itself: a loop
	} {
		r := d.do(d.client(), "GET", "/accounts/login/?next="+url.QueryEscape(tc.next), nil)
		shown := strings.Contains(r.body, `id="next-target"`)
		if shown != tc.show {
			t.Errorf("next=%q: shown=%v, want %v", tc.next, shown, tc.show)
		}
		if !tc.show && strings.Contains(r.body, "evil.example") {
			t.Errorf("next=%q: the page repeats it", tc.next)
		}
		// A failed login re-renders the form: the same rule.
		r = d.login(d.client(), "alice", "wrong", tc.next)
		if strings.Contains(r.body, `id="next-target"`) != tc.show {
			t.Errorf("next=%q after a failed login: shown=%v, want %v", tc.next, !tc.show, tc.show)
		}
	}
}

// alicesLoginPayload logs alice in and returns the value her login cookie
// signs (what precedes its timestamp and signature): the best an attacker
// could ask the playground to sign.
func alicesLoginPayload(t *testing.T, d *demo) string {
	t.Helper()
	c := d.client()
	d.login(c, "alice", "wonderland", "")
	for _, ck := range c.Jar.Cookies(mustURL(t, d.ts.URL)) {
		if ck.Name == loginCookie {
			v := strings.Trim(ck.Value, `"`)
			if i := strings.LastIndexByte(v, ':'); i > 0 {
				if j := strings.LastIndexByte(v[:i], ':'); j > 0 {
					return v[:j]
				}
			}
		}
	}
	t.Fatal("no login cookie after alice's login")
	return ""
}

func TestMembersPageKnowsTheUser(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	c := d.client()
	d.login(c, "alice", "wonderland", "")
	r := d.do(c, "GET", "/members/", nil)
	if r.status != 200 || !strings.Contains(r.body, `<strong id="username">alice</strong>`) || !strings.Contains(r.body, `<code id="members-user">1</code>`) {
		t.Errorf("/members/ after alice's login: %d\n%s", r.status, r.body)
	}
}

func TestDemoDatabaseOutsideItsFolderIsPrivate(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	path := filepath.Join(dir, "elsewhere.sqlite3")
	d := newDemo(t, config{Engine: "sqlite", DSN: path})
	c := d.client()
	d.do(c, "GET", "/session/", nil) // a visit writes a session
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %#o, want 0600", filepath.Base(name), m)
		}
	}
}
