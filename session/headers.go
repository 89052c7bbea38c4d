package session

import (
	"net/http"
	"strings"

	"github.com/djsession/djsession/cookie"
)

// headerSlots hold the header values the middleware adds, inside the
// request state, so that adding them allocates nothing. Each value is
// handed to the header as a slice of length and capacity 1: an append to it
// makes a new array.
type headerSlots [3]string

const (
	slotSetCookie = iota
	slotVary
	slotCacheControl
)

// value returns a one-element header value backed by slot i (a new slice
// when hs is nil).
func (hs *headerSlots) value(i int, v string) []string {
	if hs == nil {
		return []string{v}
	}
	hs[i] = v
	return hs[i : i+1 : i+1]
}

// replaceSetCookie sets line as the only Set-Cookie header for name
// (cookie.ReplaceSetCookie), in the header slot when it is the first.
func replaceSetCookie(h http.Header, hs *headerSlots, name, line string) {
	if len(h["Set-Cookie"]) == 0 {
		h["Set-Cookie"] = hs.value(slotSetCookie, line)
		return
	}
	cookie.ReplaceSetCookie(h, name, line)
}

// patchVary adds Cookie to the Vary header as Django's patch_vary_headers
// does: existing tokens are kept, the comparison ignores case, and "*"
// makes the header "*".
func patchVary(h http.Header, hs *headerSlots) {
	vs := h["Vary"]
	if len(vs) == 0 {
		h["Vary"] = hs.value(slotVary, "Cookie")
		return
	}
	for _, v := range vs {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			tok = strings.Trim(tok, " \t")
			if tok == "*" {
				h["Vary"] = []string{"*"}
				return
			}
			if strings.EqualFold(tok, "Cookie") {
				return
			}
		}
	}
	h["Vary"] = []string{strings.Join(vs, ", ") + ", Cookie"}
}

// preventSharedCaching makes sure that a response carrying the session
// cookie is never stored by a shared cache: a Cache-Control with a bare
// no-store or private directive (private without field names) is kept,
// anything else is replaced by "private, no-store". The header is read as
// RFC 9111 tokenises it: commas inside a quoted string (no-cache="a, b")
// do not separate directives, and a directive with an argument
// (private="Set-Cookie") is not the bare one.
func preventSharedCaching(h http.Header, hs *headerSlots) {
	for _, v := range h["Cache-Control"] {
		for v != "" {
			var name string
			var hasArg bool
			name, hasArg, v = nextDirective(v)
			if !hasArg && (strings.EqualFold(name, "no-store") || strings.EqualFold(name, "private")) {
				return
			}
		}
	}
	h["Cache-Control"] = hs.value(slotCacheControl, "private, no-store")
}

// nextDirective reads one Cache-Control directive from v: its name, whether
// it has an argument ("=" and a token or quoted string, in which a comma or
// a backslash-escaped quote does not end it), and what follows the comma
// after it.
func nextDirective(v string) (name string, hasArg bool, rest string) {
	i := 0
	for i < len(v) && v[i] != ',' && v[i] != '=' {
		i++
	}
	name = strings.Trim(v[:i], " \t")
	if i < len(v) && v[i] == '=' {
		hasArg = true
		i++
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		if i < len(v) && v[i] == '"' {
			for i++; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' {
					i++ // the escaped character, whatever it is
				}
			}
			i++ // the closing quote
		}
		for i < len(v) && v[i] != ',' {
			i++
		}
	}
	if i >= len(v) {
		return name, hasArg, ""
	}
	return name, hasArg, v[i+1:]
}
