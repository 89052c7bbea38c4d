package cookie

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// legal holds the bytes of Python's http.cookies._LegalChars: letters, digits
// and !#$%&'*+-.^_`|~: . A cookie name must consist of them, and a value made
// only of them is written without quotes.
var legal = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~:" {
		t[c] = true
	}
	return t
}()

// nameByte holds the bytes a cookie name may have: RFC 6265's token
// characters, which are Python's legal ones without ':' (a separator in
// RFC 6265, so some clients refuse or split such a name).
var nameByte = func() (t [256]bool) {
	t = legal
	t[':'] = false
	return t
}()

// unescaped holds the bytes that Python's _quote copies unchanged inside the
// quotes: the legal ones plus space and ()/<=>?@[]{}.
var unescaped = func() (t [256]bool) {
	t = legal
	for _, c := range " ()/<=>?@[]{}" {
		t[c] = true
	}
	return t
}()

// reserved are the attribute names that cannot be cookie names (compared in
// lower case). Python 3.11's Morsel reserves all but "partitioned", which
// Python 3.14 adds; it is reserved here because Set writes that attribute.
var reserved = map[string]bool{
	"expires": true, "path": true, "comment": true, "domain": true,
	"max-age": true, "secure": true, "httponly": true, "version": true,
	"samesite": true, "partitioned": true,
}

// ValidName returns nil when name can be written as a cookie name: a
// non-empty RFC 6265 token (letters, digits and !#$%&'*+-.^_`|~) that is not
// an attribute name (ErrReservedName). It is the one check of every name
// this library writes, the session cookie's included. Django also accepts
// ':' in a name; this library does not write one.
func ValidName(name string) error {
	if err := validName(name); err != nil {
		return fmt.Errorf("%w: %q", err, name)
	}
	return nil
}

// validName returns nil when name can be written as a cookie name.
func validName(name string) error {
	if name == "" {
		return ErrInvalidName
	}
	for i := 0; i < len(name); i++ {
		if !nameByte[name[i]] {
			return ErrInvalidName
		}
	}
	if len(name) <= len("partitioned") && reserved[strings.ToLower(name)] {
		return ErrReservedName
	}
	return nil
}

// needsQuote reports whether v has to be written in the quoted form.
func needsQuote(v string) bool {
	if v == "" {
		return true
	}
	for i := 0; i < len(v); i++ {
		if !legal[v[i]] {
			return true
		}
	}
	return false
}

// quotedLen returns the length of v in Django's quoted form, quotes included,
// or -1 when v is not valid UTF-8.
func quotedLen(v string) int {
	n := 2
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				n += 2
			case unescaped[c]:
				n++
			default:
				n += 4
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && size == 1 {
			return -1
		}
		if r <= 0xff {
			n += 4
		} else {
			n += size
		}
		i += size
	}
	return n
}

// appendQuoted appends v in Django's quoted form (Python's
// http.cookies._quote on a value that needs it): the whole value in double
// quotes; " and \ escaped with a backslash; any other code point up to 255
// outside the unescaped set as a backslash and three octal digits; code points
// above 255 as their UTF-8 bytes. v must be valid UTF-8 (see quotedLen).
func appendQuoted(dst []byte, v string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(v); {
		c := v[i]
		var r rune
		size := 1
		if c < utf8.RuneSelf {
			r = rune(c)
		} else {
			r, size = utf8.DecodeRuneInString(v[i:])
		}
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', c)
		case r < utf8.RuneSelf && unescaped[c]:
			dst = append(dst, c)
		case r <= 0xff:
			dst = append(dst, '\\', byte('0'+r>>6), byte('0'+(r>>3)&7), byte('0'+r&7))
		default:
			dst = append(dst, v[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// encodedLen returns the length of v as Set writes it, or -1 when v is not
// valid UTF-8.
func encodedLen(v string) int {
	if !needsQuote(v) {
		return len(v)
	}
	return quotedLen(v)
}

// appendEncoded appends v as Set writes it: raw when every byte is legal,
// quoted otherwise. v must be valid UTF-8.
func appendEncoded(dst []byte, v string) []byte {
	if !needsQuote(v) {
		return append(dst, v...)
	}
	return appendQuoted(dst, v)
}

// unquote decodes a cookie value as Python's http.cookies._unquote does (the
// linear-time version, after CVE-2024-7592): a value that is not at least two
// bytes long, or does not both start and end with ", is returned unchanged.
// Otherwise the quotes are removed, \ooo (first digit 0-3) becomes the code
// point with that octal number, written as UTF-8, and a backslash followed by
// any other character except a newline is replaced by that character. A
// backslash before a newline or at the end stays.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	i := strings.IndexByte(v, '\\')
	if i < 0 {
		return v
	}
	b := make([]byte, 0, len(v))
	for i >= 0 {
		b = append(b, v[:i]...)
		v = v[i:] // v[0] == '\\'
		switch {
		case len(v) >= 4 && '0' <= v[1] && v[1] <= '3' && isOctal(v[2]) && isOctal(v[3]):
			b = utf8.AppendRune(b, rune(v[1]-'0')<<6|rune(v[2]-'0')<<3|rune(v[3]-'0'))
			v = v[4:]
		case len(v) >= 2 && v[1] != '\n':
			b = append(b, v[1])
			v = v[2:]
		default:
			// A backslash before a newline or at the end is kept.
			b = append(b, '\\')
			v = v[1:]
		}
		i = strings.IndexByte(v, '\\')
	}
	return string(append(b, v...))
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// isPySpace reports whether r is whitespace for Python's str.strip: Unicode
// White_Space plus the separators U+001C to U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (0x1c <= r && r <= 0x1f)
}

// trimSpace strips leading and trailing whitespace as Python's str.strip does.
// Bytes of invalid UTF-8 are not whitespace.
func trimSpace(s string) string {
	for len(s) > 0 {
		c := s[0]
		if c < utf8.RuneSelf {
			if !asciiSpace[c] {
				break
			}
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		if !isPySpace(r) {
			break
		}
		s = s[size:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c < utf8.RuneSelf {
			if !asciiSpace[c] {
				break
			}
			s = s[:len(s)-1]
			continue
		}
		r, size := utf8.DecodeLastRuneInString(s)
		if !isPySpace(r) {
			break
		}
		s = s[:len(s)-size]
	}
	return s
}

var asciiSpace = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = isPySpace(rune(c))
	}
	return t
}()
