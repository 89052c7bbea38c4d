package cookie

import (
	"net/http"
	"strings"
)

// Get returns the value of the cookie name in r, as Django's
// request.COOKIES[name] does, or ErrNoCookie when r has none.
//
// The Cookie header fields of r are read as Django's parse_cookie reads its
// header (several fields count as one joined by ';'): each ';'-separated
// chunk is split at its first '=', name and value are stripped of
// whitespace, a chunk without '=' has the name "", and a value in Django's
// quoted form ("…" with backslash and octal escapes) is decoded. No other
// check is made on the bytes. When the name occurs more than once, the last
// occurrence wins, as in Django (net/http's Request.Cookie returns the
// first); GetAll returns them all. Only the first MaxCookies chunks are read.
// The work is linear in the size of the header.
func Get(r *http.Request, name string) (string, error) {
	p := pairs{fields: r.Header["Cookie"]}
	var last string
	found := false
	for {
		k, v, ok := p.next()
		if !ok {
			break
		}
		if k == name {
			last, found = v, true
		}
	}
	if !found {
		return "", ErrNoCookie
	}
	return unquote(last), nil
}

// GetDefault returns the value of the cookie name in r, or def when r has
// none, as Django's request.COOKIES.get(name, def) does. It reads the header
// as Get does.
func GetDefault(r *http.Request, name, def string) string {
	v, err := Get(r, name)
	if err != nil {
		return def
	}
	return v
}

// GetAll returns every value of the cookie name in r, decoded, in the order
// the client sent them, or nil when there is none. A browser sends several
// cookies of one name when they differ in Domain or Path; a caller that must
// find the right one (the session middleware tries each) uses GetAll. At
// most MaxValues values are returned: the first ones.
func GetAll(r *http.Request, name string) []string {
	p := pairs{fields: r.Header["Cookie"]}
	var vs []string
	for len(vs) < MaxValues {
		k, v, ok := p.next()
		if !ok {
			break
		}
		if k == name {
			vs = append(vs, unquote(v))
		}
	}
	return vs
}

// All returns the cookies of r as a map from name to decoded value, as
// Django's request.COOKIES: the header is read as Get reads it, and for a
// name sent more than once the last value is kept. A request without
// cookies gives an empty, non-nil map.
func All(r *http.Request) map[string]string {
	p := pairs{fields: r.Header["Cookie"]}
	m := make(map[string]string)
	for {
		k, v, ok := p.next()
		if !ok {
			break
		}
		m[k] = v
	}
	for k, v := range m {
		m[k] = unquote(v)
	}
	return m
}

// pairs iterates over the name=value pairs of Cookie header fields without
// allocating. Values are returned undecoded.
type pairs struct {
	fields []string // header fields not yet started
	rest   string   // what is left of the current field
	inside bool     // whether rest belongs to a field being read
	n      int      // chunks read so far
}

// next returns the next pair whose name or value is not empty, with ok false
// at the end or after MaxCookies chunks.
func (p *pairs) next() (name, value string, ok bool) {
	for p.n < MaxCookies {
		if !p.inside {
			if len(p.fields) == 0 {
				return "", "", false
			}
			p.rest, p.fields, p.inside = p.fields[0], p.fields[1:], true
		}
		chunk, rest, more := strings.Cut(p.rest, ";")
		p.rest, p.inside = rest, more
		p.n++
		if k, v, hasEq := strings.Cut(chunk, "="); hasEq {
			name, value = trimSpace(k), trimSpace(v)
		} else {
			name, value = "", trimSpace(chunk)
		}
		if name != "" || value != "" {
			return name, value, true
		}
	}
	return "", "", false
}
