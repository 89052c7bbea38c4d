package auth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzLoginRedirectURL feeds request targets to the login redirect: the
// Location must stay on the login page, carry no byte a header or a browser
// could misread, and give back the request's full path as next.
func FuzzLoginRedirectURL(f *testing.F) {
	for _, s := range []string{"/a/b?x=1&y=2", "/caf%C3%A9/x%20y?q=caf%C3%A9&r=a+b", "/a%2Fb/?next=/x", "/?", "/x?a=%zz", "//evil.com/", "/\\evil", "/p?next=//evil.com"} {
		f.Add(s)
	}
	a, err := New(Config{SecretKey: []byte("k"), LoginURL: "/login/?lang=en"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		r := &http.Request{Method: "GET", URL: u, Host: "testserver", Header: http.Header{}}
		loc := a.LoginRedirectURL(r)
		if !strings.HasPrefix(loc, "/login/?") {
			t.Fatalf("LoginRedirectURL(%q) = %q leaves the login page", target, loc)
		}
		for i := 0; i < len(loc); i++ {
			if c := loc[i]; c <= ' ' || c >= 0x7f {
				t.Fatalf("LoginRedirectURL(%q) = %q has byte %#x", target, loc, c)
			}
		}
		q, err := url.ParseQuery(strings.TrimPrefix(loc, "/login/?"))
		if err != nil {
			t.Fatalf("LoginRedirectURL(%q) = %q: %v", target, loc, err)
		}
		if q.Get("lang") != "en" || q.Get("next") != FullPath(r) {
			t.Fatalf("LoginRedirectURL(%q) = %q: query %v, want lang=en and next=%q", target, loc, q, FullPath(r))
		}
		// After the login, next is followed unless it is too long or starts
		// with "//" (a request for //host/path, which Django refuses too).
		next := q.Get("next")
		if !IsSafeRedirect(next, []string{"testserver"}, false) && len(next) <= MaxRedirectLength && !strings.HasPrefix(next, "//") {
			t.Fatalf("next %q for target %q would not be followed after login", next, target)
		}
	})
}

// FuzzWantsJSON checks that any Accept header is read without a panic and
// that a header naming only HTML never asks for JSON.
func FuzzWantsJSON(f *testing.F) {
	for _, s := range []string{"application/json", "text/html;q=0.5, application/json", "*/*", "application/*;q=0.9, text/html;q=0.8", "a/b;q=x;;,", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		r := &http.Request{Header: http.Header{"Accept": {accept}}}
		got := WantsJSON(r)
		if got && !strings.Contains(strings.ToLower(accept), "/") {
			t.Fatalf("WantsJSON(%q) = true without any media range", accept)
		}
		r.Header.Set("Accept", "text/html, "+accept+", text/html;q=1")
		if WantsJSON(r) && !strings.Contains(strings.ToLower(accept), "json") && !strings.Contains(accept, "*") {
			t.Fatalf("WantsJSON prefers JSON for %q", r.Header.Get("Accept"))
		}
	})
}
