package cookie

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Set adds a Set-Cookie header for name=value to w, in Django's form (see the
// package documentation for the attribute order and spelling), and removes
// any Set-Cookie header already on w for the same name, so that a response
// carries at most one per name, as Django's response.cookies does.
//
// A value made only of letters, digits and !#$%&'*+-.^_`|~: is written as it
// is; any other value, the empty one included, is written in Django's quoted
// form, which Get decodes back to the same string. A value that is not valid
// UTF-8 is an error (ErrInvalidValue), never altered.
//
// Set returns an error, and writes nothing, when the name is not a legal
// cookie name, when name and encoded value take more than MaxSize bytes
// (*TooLargeError), or when opts break a rule (see Options and the Err
// variables). Like any header, the cookie reaches the client only if Set is
// called before the response's WriteHeader or first Write.
func Set(w http.ResponseWriter, name, value string, opts Options) error {
	line, err := Format(name, value, opts)
	if err != nil {
		return err
	}
	replace(w.Header(), name, line)
	return nil
}

// Format returns the Set-Cookie header value that Set would write, without a
// response: "name=value; Domain=…; expires=…; HttpOnly; Max-Age=…;
// Partitioned; Path=…; SameSite=…; Secure", with the attributes that opts
// leave out omitted. It returns the errors Set returns.
func Format(name, value string, opts Options) (string, error) {
	if err := validName(name); err != nil {
		return "", fmt.Errorf("%w: %q", err, name)
	}
	n := encodedLen(value)
	if n < 0 {
		return "", fmt.Errorf("%w: cookie %q", ErrInvalidValue, name)
	}
	if size := len(name) + n; size > MaxSize {
		return "", &TooLargeError{Name: name, Size: size}
	}
	a := attrs{
		path:        opts.Path,
		domain:      opts.Domain,
		secure:      opts.Secure,
		httpOnly:    opts.HttpOnly,
		sameSite:    opts.SameSite,
		partitioned: opts.Partitioned,
	}
	if err := a.check(name); err != nil {
		return "", err
	}
	if err := a.setLifetime(&opts); err != nil {
		return "", fmt.Errorf("%w: cookie %q", err, name)
	}
	b := make([]byte, 0, len(name)+1+n+a.size())
	b = append(b, name...)
	b = append(b, '=')
	b = appendEncoded(b, value)
	b = a.append(b)
	return bytesToString(b), nil
}

// Delete adds a Set-Cookie header to w that removes the cookie name from the
// browser, as Django's delete_cookie does:
//
//	name=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/
//
// with the Domain, Path and SameSite of opts, and Secure when opts ask for it,
// when the name starts with __Secure- or __Host- (in any case), or when
// SameSite is None. HttpOnly is never written, as in Django. It replaces any
// Set-Cookie already on w for that name, and returns the errors Set returns
// for a bad name or bad attributes (a __Host- cookie, for instance, can only
// be deleted with Path "/" and no Domain).
func Delete(w http.ResponseWriter, name string, opts DeleteOptions) error {
	if err := validName(name); err != nil {
		return fmt.Errorf("%w: %q", err, name)
	}
	a := attrs{
		path:        opts.Path,
		domain:      opts.Domain,
		secure:      opts.Secure || prefixed(name) != noPrefix || opts.SameSite == http.SameSiteNoneMode,
		sameSite:    opts.SameSite,
		partitioned: opts.Partitioned,
		lifetime:    true, // Max-Age=0 and expires at the Unix epoch
	}
	if err := a.check(name); err != nil {
		return err
	}
	b := make([]byte, 0, len(name)+3+a.size())
	b = append(b, name...)
	b = append(b, `=""`...)
	b = a.append(b)
	replace(w.Header(), name, bytesToString(b))
	return nil
}

// bytesToString returns b as a string without copying it. b must not be
// changed afterwards: every caller drops its slice at once.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// replace removes the Set-Cookie lines of h for name and adds line.
func replace(h http.Header, name, line string) {
	old := h["Set-Cookie"]
	kept := old[:0]
	for _, l := range old {
		if setCookieName(l) != name {
			kept = append(kept, l)
		}
	}
	clear(old[len(kept):])
	h["Set-Cookie"] = append(kept, line)
}

// setCookieName returns the name of a Set-Cookie line: what precedes the
// first '=' (or ';'), without surrounding whitespace.
func setCookieName(line string) string {
	if i := strings.IndexAny(line, "=;"); i >= 0 {
		line = line[:i]
	}
	return strings.TrimSpace(line)
}

// attrs are a cookie's attributes in the form they are written.
type attrs struct {
	path, domain string
	secure       bool
	httpOnly     bool
	sameSite     http.SameSite
	partitioned  bool
	lifetime     bool  // whether Max-Age and expires are written
	maxAge       int64 // seconds
	expires      int64 // Unix seconds
}

type prefix int

const (
	noPrefix prefix = iota
	securePrefix
	hostPrefix
)

// prefixed reports which cookie prefix name has, compared case-insensitively
// as browsers do.
func prefixed(name string) prefix {
	switch {
	case len(name) >= len("__Secure-") && strings.EqualFold(name[:len("__Secure-")], "__Secure-"):
		return securePrefix
	case len(name) >= len("__Host-") && strings.EqualFold(name[:len("__Host-")], "__Host-"):
		return hostPrefix
	}
	return noPrefix
}

// check validates the attributes for a cookie called name, and fills in the
// default path.
func (a *attrs) check(name string) error {
	if a.path == "" {
		a.path = "/"
	}
	if err := checkAttr("Path", a.path); err != nil {
		return fmt.Errorf("%w: cookie %q", err, name)
	}
	if err := checkAttr("Domain", a.domain); err != nil {
		return fmt.Errorf("%w: cookie %q", err, name)
	}
	switch a.sameSite {
	case 0, http.SameSiteDefaultMode, http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if !a.secure {
			return fmt.Errorf("%w: cookie %q", ErrSameSiteNoneInsecure, name)
		}
	default:
		return fmt.Errorf("%w: %d for cookie %q", ErrInvalidSameSite, int(a.sameSite), name)
	}
	if a.partitioned && !a.secure {
		return fmt.Errorf("%w: cookie %q", ErrPartitionedInsecure, name)
	}
	switch prefixed(name) {
	case securePrefix:
		if !a.secure {
			return fmt.Errorf("%w: %q needs Secure", ErrPrefix, name)
		}
	case hostPrefix:
		switch {
		case !a.secure:
			return fmt.Errorf("%w: %q needs Secure", ErrPrefix, name)
		case a.path != "/":
			return fmt.Errorf("%w: %q needs Path \"/\", not %q", ErrPrefix, name, a.path)
		case a.domain != "":
			return fmt.Errorf("%w: %q cannot have a Domain (%q)", ErrPrefix, name, a.domain)
		}
	}
	return nil
}

// checkAttr rejects an attribute value with a control character or a
// semicolon, or longer than MaxAttributeSize.
func checkAttr(attr, v string) error {
	if len(v) > MaxAttributeSize {
		return fmt.Errorf("%w: %s is %d bytes, over %d", ErrAttributeTooLong, attr, len(v), MaxAttributeSize)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f || c == ';' {
			return fmt.Errorf("%w: %s %q", ErrInvalidAttribute, attr, v)
		}
	}
	return nil
}

// setLifetime fills in Max-Age and expires from opts by Django's rules.
func (a *attrs) setLifetime(opts *Options) error {
	d, hasAge := opts.MaxAge.Duration()
	hasExpires := !opts.Expires.IsZero()
	if !hasAge && !hasExpires {
		return nil
	}
	if hasAge && hasExpires {
		return ErrExpiresAndMaxAge
	}
	if hasExpires && opts.Expires.Year() > 9999 {
		return ErrInvalidExpires
	}
	now := opts.now()
	a.lifetime = true
	if hasExpires {
		// Django: delta = expires - utcnow() + 1s; max_age =
		// max(0, delta.days*86400 + delta.seconds), which floors; then
		// expires = http_date(time.time() + max_age), floored too. The
		// arithmetic is done in whole seconds plus a nanosecond borrow, so
		// that no date can overflow a Duration.
		secs := opts.Expires.Unix() - now.Unix() + 1
		if opts.Expires.Nanosecond() < now.Nanosecond() {
			secs--
		}
		a.maxAge = max(secs, 0)
		a.expires = now.Unix() + a.maxAge
	} else {
		// Django: Max-Age=int(max_age), which truncates toward zero;
		// expires = http_date(time.time() + max_age), which floors.
		a.maxAge = int64(d / time.Second)
		a.expires = now.Add(d).Unix()
	}
	if y := time.Unix(a.expires, 0).UTC().Year(); y > 9999 || y < 1 {
		return ErrInvalidExpires
	}
	return nil
}

// size returns an upper bound of the bytes that append writes.
func (a *attrs) size() int {
	return len(a.path) + len(a.domain) +
		len("; Domain=; expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Max-Age=-9223372036854775808; Partitioned; Path=; SameSite=Strict; Secure")
}

// append writes the attributes in the order of Python's Morsel.OutputString:
// sorted by lower-case attribute name.
func (a *attrs) append(b []byte) []byte {
	if a.domain != "" {
		b = append(b, "; Domain="...)
		b = append(b, a.domain...)
	}
	if a.lifetime {
		b = append(b, "; expires="...)
		b = appendHTTPDate(b, a.expires)
	}
	if a.httpOnly {
		b = append(b, "; HttpOnly"...)
	}
	if a.lifetime {
		b = append(b, "; Max-Age="...)
		b = strconv.AppendInt(b, a.maxAge, 10)
	}
	if a.partitioned {
		b = append(b, "; Partitioned"...)
	}
	b = append(b, "; Path="...)
	b = append(b, a.path...)
	switch a.sameSite {
	case http.SameSiteLaxMode:
		b = append(b, "; SameSite=Lax"...)
	case http.SameSiteStrictMode:
		b = append(b, "; SameSite=Strict"...)
	case http.SameSiteNoneMode:
		b = append(b, "; SameSite=None"...)
	}
	if a.secure {
		b = append(b, "; Secure"...)
	}
	return b
}
