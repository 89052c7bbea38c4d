package cookie

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// A Template writes the Set-Cookie lines of one cookie whose name and
// attributes are fixed and whose value and lifetime change from response to
// response: the session cookie. NewTemplate checks the name and the
// attributes once, as Set does, and builds the constant parts; Line then
// only appends the value and the lifetime. The lines are exactly those of
// Format and Delete.
type Template struct {
	prefix     string // "name="
	domain     string // "; Domain=…" or ""
	httpOnly   bool
	tail       string // "; Partitioned; Path=/; SameSite=Lax; Secure", the parts present
	deleteLine string
}

// ErrTemplateLifetime is returned by NewTemplate for Options with MaxAge or
// Expires: a Template's lifetime is given to each Line.
var ErrTemplateLifetime = errors.New("cookie: a template's options cannot have MaxAge or Expires")

// NewTemplate returns the Template of the cookie name with the attributes
// of opts (Path, Domain, Secure, HttpOnly, SameSite, Partitioned). It
// returns the errors Set returns for a bad name or bad attributes, and
// ErrTemplateLifetime when opts has MaxAge or Expires.
func NewTemplate(name string, opts Options) (*Template, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	if opts.MaxAge.IsSet() || !opts.Expires.IsZero() {
		return nil, ErrTemplateLifetime
	}
	a := attrs{
		path:        opts.Path,
		domain:      opts.Domain,
		secure:      opts.Secure,
		sameSite:    opts.SameSite,
		partitioned: opts.Partitioned,
	}
	if err := a.check(name); err != nil {
		return nil, err
	}
	t := &Template{prefix: name + "=", httpOnly: opts.HttpOnly}
	if a.domain != "" {
		t.domain = "; Domain=" + a.domain
	}
	// The attributes after Max-Age: append with no domain, lifetime or
	// HttpOnly writes exactly them.
	tail := a
	tail.domain = ""
	t.tail = string(tail.append(nil))

	// The delete line is Delete's, with Secure also when the cookie is
	// Secure (this library's rule: a Secure cookie is replaced only over
	// HTTPS-only rules).
	del := DeleteOptions{Path: a.path, Domain: a.domain, SameSite: a.sameSite, Secure: a.secure, Partitioned: a.partitioned}
	rec := headerOnly{h: http.Header{}}
	if err := Delete(rec, name, del); err != nil {
		return nil, fmt.Errorf("cookie: the delete line of %q: %w", name, err)
	}
	t.deleteLine = rec.h.Get("Set-Cookie")
	return t, nil
}

// Line returns the Set-Cookie value that gives value to the browser with
// Max-Age maxAge seconds and expires now + maxAge, as Format does with
// MaxAge. value must be a token (letters, digits and !#$%&'*+-.^_`|~:);
// any other value is written in Django's quoted form.
func (t *Template) Line(value string, maxAge int64, now time.Time) string {
	return t.line(value, true, maxAge, now)
}

// SessionLine is Line without Max-Age and expires: a cookie that the
// browser drops when it closes.
func (t *Template) SessionLine(value string) string {
	return t.line(value, false, 0, time.Time{})
}

func (t *Template) line(value string, lifetime bool, maxAge int64, now time.Time) string {
	n := len(value)
	if needsQuote(value) {
		n = encodedLen(value)
	}
	b := make([]byte, 0, len(t.prefix)+n+len(t.domain)+len(t.tail)+len("; expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Max-Age=-9223372036854775808"))
	b = append(b, t.prefix...)
	b = appendEncoded(b, value)
	b = append(b, t.domain...)
	if lifetime {
		b = append(b, "; expires="...)
		b = appendHTTPDate(b, now.Unix()+maxAge)
	}
	if t.httpOnly {
		b = append(b, "; HttpOnly"...)
	}
	if lifetime {
		b = append(b, "; Max-Age="...)
		b = strconv.AppendInt(b, maxAge, 10)
	}
	b = append(b, t.tail...)
	return bytesToString(b)
}

// DeleteLine returns the Set-Cookie value that deletes the cookie: Delete's
// line with the template's Path, Domain, SameSite and Partitioned, and
// Secure when the cookie is Secure, has a __Secure- or __Host- name, or
// SameSite None.
func (t *Template) DeleteLine() string { return t.deleteLine }

// headerOnly is a ResponseWriter that only keeps headers.
type headerOnly struct{ h http.Header }

func (w headerOnly) Header() http.Header       { return w.h }
func (headerOnly) Write(p []byte) (int, error) { return len(p), nil }
func (headerOnly) WriteHeader(int)             {}

// ReplaceSetCookie removes the Set-Cookie lines of h for the cookie name
// and adds line, so that a response carries at most one per name, as Set
// does.
func ReplaceSetCookie(h http.Header, name, line string) { replace(h, name, line) }
