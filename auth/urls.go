package auth

import (
	"net/http"
	"net/url"
	"strings"
)

// This file builds URLs: the login URL with its next parameter, the
// request's full path, where to go after a login, and the one
// percent-encoder they all use.

// LoginRedirectURL returns the URL RedirectToLogin sends r to: Django's
// redirect_to_login(next, login_url), with next the request's full path
// (FullPath) when LoginURL is relative or on the request's scheme and host,
// and the request's absolute URL otherwise.
func (a *Authenticator) LoginRedirectURL(r *http.Request) string {
	next := FullPath(r)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	lu := a.loginURL
	if (lu.Scheme != "" && !strings.EqualFold(lu.Scheme, scheme)) || (lu.Host != "" && lu.Host != r.Host) {
		next = scheme + "://" + r.Host + next
	}
	u := *lu
	u.RawQuery = setQueryParam(lu.RawQuery, a.cfg.RedirectField, next)
	u.ForceQuery = false
	return u.String()
}

// FullPath returns the request's path and query as Django's
// request.get_full_path does: the path percent-encoded except for
// A-Z a-z 0-9 and /:@&+$,-_.!~*'(), then "?" and the raw query (with any
// byte outside Django's iri_to_uri safe set percent-encoded) when the
// query is not empty.
func FullPath(r *http.Request) string {
	var b strings.Builder
	p := r.URL.Path
	if p == "" {
		p = "/"
	}
	percentEncode(&b, p, pathSafe)
	if r.URL.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(iriToURI(r.URL.RawQuery))
	}
	return b.String()
}

// setQueryParam is Django's QueryDict(query, mutable=True)[name] = value
// followed by urlencode(safe='/'): the pairs of query keep their order,
// name's earlier values are replaced by value in name's place, and every
// key and value is percent-encoded except A-Z a-z 0-9 _.-~ and /.
func setQueryParam(query, name, value string) string {
	type pair struct{ k, v string }
	var pairs []pair
	replaced := false
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, errK := url.QueryUnescape(k)
		v, errV := url.QueryUnescape(v)
		if errK != nil || errV != nil {
			continue
		}
		if k == name {
			if replaced {
				continue
			}
			replaced = true
			v = value
		}
		pairs = append(pairs, pair{k, v})
	}
	if !replaced {
		pairs = append(pairs, pair{name, value})
	}
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(quoteSlash(p.k))
		b.WriteByte('=')
		b.WriteString(quoteSlash(p.v))
	}
	return b.String()
}

// quoteSlash is Python's urllib.parse.quote(s, safe='/').
func quoteSlash(s string) string {
	var b strings.Builder
	percentEncode(&b, s, "_.-~/")
	return b.String()
}

// The bytes besides letters and digits that each encoding keeps: Django's
// get_full_path quotes the path keeping pathSafe, and iri_to_uri keeps
// uriSafe.
const (
	pathSafe = "/:@&+$,-_.!~*'()"
	uriSafe  = "/#%[]=:;$&()+,!?*@'~-._"
)

// percentEncode appends s to b with every byte other than ASCII letters,
// digits and those in safe written as %XX (upper-case hex), as Python's
// urllib.parse.quote(s, safe) does. It is the one percent-encoder of the
// package.
func percentEncode(b *strings.Builder, s, safe string) {
	const hexd = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
}

// RedirectAfterLogin sends the browser on after a successful login or
// logout: a 302 to the request's redirect field (from the form or the
// query) when SafeNext accepts it with Config.AllowedHosts, and to fallback
// otherwise. A next that points at the login page itself falls back too,
// so that a login cannot loop.
func (a *Authenticator) RedirectAfterLogin(w http.ResponseWriter, r *http.Request, fallback string) {
	w.Header().Set("Location", a.NextURL(r, fallback))
	w.WriteHeader(http.StatusFound)
}

// NextURL returns where RedirectAfterLogin would send r: the redirect
// field's value (r.FormValue) made safe by SafeNext with
// Config.AllowedHosts, or fallback when it is unsafe, empty, or the login
// page itself.
func (a *Authenticator) NextURL(r *http.Request, fallback string) string {
	next := SafeNext(r, r.FormValue(a.cfg.RedirectField), "", a.cfg.AllowedHosts...)
	if next == "" || a.isLoginPage(r, next) {
		return fallback
	}
	return next
}

// isLoginPage reports whether next (already safe) is the login page.
func (a *Authenticator) isLoginPage(r *http.Request, next string) bool {
	u, err := url.Parse(next)
	if err != nil {
		return true
	}
	if u.Host != "" && u.Host != r.Host && u.Host != a.loginURL.Host {
		return false
	}
	path := u.Path
	if path == "" && u.Host == "" {
		path = r.URL.Path // a query or fragment only: the current page
	} else if !strings.HasPrefix(path, "/") && u.Host == "" {
		path = r.URL.Path[:strings.LastIndexByte(r.URL.Path, '/')+1] + path
	}
	return strings.TrimSuffix(path, "/") == strings.TrimSuffix(a.loginURL.Path, "/")
}
