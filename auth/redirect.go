package auth

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRedirectLength is the longest redirect target, in bytes, that
// IsSafeRedirect accepts. Django added the same cap (2048) to
// url_has_allowed_host_and_scheme after CVE-2025-27556 and CVE-2025-64458:
// longer inputs are refused before any parsing, so a megabyte-long ?next=
// costs nothing.
const MaxRedirectLength = 2048

// IsSafeRedirect reports whether target is a safe place to redirect a
// browser to after a login or a logout. It is Django's
// url_has_allowed_host_and_scheme (Django 3.2, the release whose behaviour
// the project's tests check) with two extra refusals:
//
//   - Surrounding white space (Python's str.strip set) is ignored; an empty
//     target is unsafe.
//   - The check is made twice, on target and on target with every `\`
//     turned into `/` (browsers treat them alike); both must pass.
//   - A target starting with `///`, one whose host part has an unbalanced
//     IPv6 bracket, one with a scheme but no host (`http:///x`,
//     `https:evil.com`) and one whose first character is of Unicode
//     category C (controls, format characters, unassigned) is unsafe.
//   - The scheme, if any, must be http or https, and only https when
//     requireHTTPS is true; a target with a host and no scheme
//     (`//host/p`) counts as http.
//   - The host, if any, must be exactly one of allowedHosts, port included
//     and case sensitive, as Django compares them (`example.com:443` does
//     not match `example.com`).
//
// Stricter than Django: a target longer than MaxRedirectLength bytes, one
// that is not valid UTF-8 and one that still contains a tab, a carriage
// return or a line feed after the white space is stripped are unsafe
// (browsers delete those three anywhere in a URL, so "/\t/evil.com" would
// become "//evil.com"; Django accepts it and relies on escaping). A relative
// target such as `view/` is safe, as in Django; the browser resolves it
// against the current URL.
func IsSafeRedirect(target string, allowedHosts []string, requireHTTPS bool) bool {
	if len(target) > MaxRedirectLength || !utf8.ValidString(target) {
		return false
	}
	target = strings.TrimFunc(target, isPythonSpace)
	if target == "" || strings.ContainsAny(target, "\t\r\n") {
		return false
	}
	return safeVariant(target, allowedHosts, requireHTTPS) &&
		safeVariant(strings.ReplaceAll(target, `\`, "/"), allowedHosts, requireHTTPS)
}

// SafeNext returns the redirect target to use after a login or a logout:
// next, with surrounding white space removed and escaped for a Location
// header, when IsSafeRedirect accepts it with the request's own host
// (r.Host) and allowedHosts as the allowed hosts, https required when the
// request came over TLS (r.TLS != nil), as Django's LoginView does.
// Otherwise it returns fallback unchanged; an empty next gives fallback.
//
// The returned value never contains a control character, a space or a
// non-ASCII byte (they are percent-encoded as Django's iri_to_uri does), so
// it can be written into a Location header as it is.
func SafeNext(r *http.Request, next, fallback string, allowedHosts ...string) string {
	hosts := make([]string, 0, len(allowedHosts)+1)
	if r.Host != "" {
		hosts = append(hosts, r.Host)
	}
	hosts = append(hosts, allowedHosts...)
	if !IsSafeRedirect(next, hosts, r.TLS != nil) {
		return fallback
	}
	return iriToURI(strings.TrimFunc(next, isPythonSpace))
}

// safeVariant is Django's _url_has_allowed_host_and_scheme for one form of
// the target (already stripped and non-empty).
func safeVariant(target string, allowedHosts []string, requireHTTPS bool) bool {
	if strings.HasPrefix(target, "///") {
		return false
	}
	scheme, netloc, ok := splitURL(target)
	if !ok {
		return false
	}
	if netloc == "" && scheme != "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(target)
	if isCategoryC(first) {
		return false
	}
	if scheme == "" && netloc != "" {
		scheme = "http"
	}
	if netloc != "" && !containsExact(allowedHosts, netloc) {
		return false
	}
	switch scheme {
	case "":
		return true
	case "https":
		return true
	case "http":
		return !requireHTTPS
	default:
		return false
	}
}

// splitURL is the part of Django 3.2's _urlsplit that the check needs: the
// lower-cased scheme and the network location. ok is false where Python
// raises ValueError (an unbalanced IPv6 bracket in the netloc).
func splitURL(u string) (scheme, netloc string, ok bool) {
	if i := strings.IndexByte(u, ':'); i > 0 && allSchemeChars(u[:i]) {
		scheme, u = strings.ToLower(u[:i]), u[i+1:]
	}
	if strings.HasPrefix(u, "//") {
		rest := u[2:]
		if end := strings.IndexAny(rest, "/?#"); end >= 0 {
			rest = rest[:end]
		}
		netloc = rest
		if strings.Contains(netloc, "[") != strings.Contains(netloc, "]") {
			return "", "", false
		}
	}
	return scheme, netloc, true
}

// allSchemeChars reports whether every byte of s is one of Python's
// urllib.parse.scheme_chars (ASCII letters, digits, "+", "-", ".").
func allSchemeChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '+' || c == '-' || c == '.':
		default:
			return false
		}
	}
	return true
}

func containsExact(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// isPythonSpace reports whether Python's str.isspace is true for r, the set
// that str.strip removes: Go's unicode.IsSpace plus the four information
// separators U+001C..U+001F.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// isCategoryC reports whether r is in Unicode's general category C: Cc,
// Cf, Cs, Co or Cn (unassigned).
func isCategoryC(r rune) bool {
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Cs, unicode.Co) {
		return true
	}
	return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
}

// iriToURI percent-encodes, as UTF-8, every byte of s that Django's
// iri_to_uri would encode: everything except ASCII letters, digits and
// /#%[]=:;$&()+,!?*@'~-._ . Existing %XX escapes are kept as they are.
func iriToURI(s string) string {
	var b strings.Builder
	percentEncode(&b, s, uriSafe)
	return b.String()
}
