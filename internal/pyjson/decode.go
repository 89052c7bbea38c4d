package pyjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// maxIntDigits is Python 3.11's limit on the digits of an integer read from
// text (sys.get_int_max_str_digits()); json.loads fails beyond it.
const maxIntDigits = 4300

// Unmarshal parses data as Django's JSONSerializer.loads does (latin-1, then
// Python's json.loads) and returns the value: nil, bool, string, int64,
// json.Number (an integer beyond int64), float64, []any or map[string]any.
// Input that Python would reject is a *SyntaxError; nesting deeper than
// MaxDepth is ErrTooDeep; input longer than MaxInput is ErrTooLarge.
func Unmarshal(data []byte) (any, error) {
	if len(data) > MaxInput {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), MaxInput)
	}
	// One copy of the whole input: strings without escapes are slices of it,
	// so a document costs one allocation for all of its text.
	d := decoder{data: string(data), latin1: true}
	return d.document()
}

// UnmarshalOwned is Unmarshal for a buffer that the caller hands over: the
// strings of the result may share data's memory instead of copying it, so
// data must never be modified afterwards (nor reused, nor returned to a
// pool). It saves the copy of the input that Unmarshal makes.
func UnmarshalOwned(data []byte) (any, error) {
	if len(data) > MaxInput {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), MaxInput)
	}
	d := decoder{data: ownedString(data), latin1: true}
	return d.document()
}

// UnmarshalObjectOwned is UnmarshalObject with UnmarshalOwned's rule: data
// belongs to the result and must never be modified afterwards.
func UnmarshalObjectOwned(data []byte) (map[string]any, error) {
	v, err := UnmarshalOwned(data)
	if err != nil {
		return nil, err
	}
	return asObject(v)
}

// UnmarshalString is Unmarshal for text held in a string: the strings of
// the result may share its memory (a string never changes), so nothing is
// copied.
func UnmarshalString(s string) (any, error) {
	if len(s) > MaxInput {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(s), MaxInput)
	}
	d := decoder{data: s, latin1: true}
	return d.document()
}

// UnmarshalText parses JSON text that a person typed (a form field, a
// command line), read as UTF-8, as Python's json.loads reads a str.
// Unmarshal and UnmarshalString read bytes 0x80-0xFF as Latin-1 code
// points, as Django's session serializer does with its stored data; text
// typed as UTF-8 would come out garbled there.
func UnmarshalText(s string) (any, error) {
	if len(s) > MaxInput {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(s), MaxInput)
	}
	if !utf8.ValidString(s) {
		return nil, ErrInvalidUTF8
	}
	d := decoder{data: s}
	return d.document()
}

// UnmarshalObjectString is UnmarshalObject for text held in a string, with
// UnmarshalString's sharing.
func UnmarshalObjectString(s string) (map[string]any, error) {
	v, err := UnmarshalString(s)
	if err != nil {
		return nil, err
	}
	return asObject(v)
}

// ownedString returns the bytes of b as a string without copying them; b
// must never be modified afterwards.
func ownedString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// UnmarshalObject is Unmarshal for documents that must be a JSON object, such
// as session data. Any other top-level value is an error matching
// ErrNotObject.
func UnmarshalObject(data []byte) (map[string]any, error) {
	v, err := Unmarshal(data)
	if err != nil {
		return nil, err
	}
	return asObject(v)
}

func asObject(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: top-level value is %s", ErrNotObject, kindName(v))
	}
	return m, nil
}

// Decode parses data as Unmarshal does and stores the result in dst, which
// must be a non-nil pointer. For *any and *map[string]any the result is
// Unmarshal's own; for any other type the value goes through encoding/json,
// with its rules (an interface field inside a struct receives float64 for
// every number; NaN and Infinity cannot be stored and are an error).
func Decode(data []byte, dst any) error {
	switch p := dst.(type) {
	case *any:
		v, err := Unmarshal(data)
		if err != nil {
			return err
		}
		*p = v
		return nil
	case *map[string]any:
		m, err := UnmarshalObject(data)
		if err != nil {
			return err
		}
		*p = m
		return nil
	}
	v, err := Unmarshal(data)
	if err != nil {
		return err
	}
	return DecodeValue(v, dst)
}

// DecodeValue stores a value in Unmarshal's form (or any value Marshal
// accepts) into dst through encoding/json, as Decode does after parsing.
func DecodeValue(v any, dst any) error {
	if p, ok := dst.(*any); ok {
		n, err := Normalize(v)
		if err != nil {
			return err
		}
		*p = n
		return nil
	}
	// Marshal writes ASCII JSON that encoding/json reads, except for NaN and
	// the infinities, which encoding/json reports as a syntax error.
	text, err := Marshal(v)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(text, dst); err != nil {
		return fmt.Errorf("pyjson: decoding into %T: %w", dst, err)
	}
	return nil
}

func kindName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	default:
		return "a number"
	}
}

// decoder is a recursive-descent reader for one document. In latin1 mode a
// byte 0x80-0xFF inside a string is the code point of that value (Django's
// reader); otherwise the input is taken as UTF-8 (encoding/json's output).
//
// data is immutable: a string without escapes is returned as a slice of it.
// Arrays and objects collect their elements on the scratch stacks elems and
// members, shared by all nesting levels, and are then allocated at their
// exact size: one allocation per array, and a map sized once.
type decoder struct {
	data   string
	pos    int
	depth  int
	latin1 bool
	*scratch
}

// scratch holds a decoder's stacks between documents. (An array inside the
// decoder would not do: the decoder would then have to live on the heap.)
type scratch struct {
	elems   []any
	members []member
}

var scratchPool = sync.Pool{New: func() any { return &scratch{make([]any, 0, 16), make([]member, 0, 16)} }}

// maxScratch is the most elements or members a pooled scratch keeps room
// for: one huge document does not pin its stacks for ever.
const maxScratch = 1024

type member struct {
	key string
	val any
}

func (d *decoder) fail(msg string) error {
	return &SyntaxError{Msg: msg, Offset: d.pos}
}

func (d *decoder) document() (any, error) {
	d.scratch = scratchPool.Get().(*scratch)
	defer d.putScratch()
	d.skipSpace()
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, d.fail("Extra data")
	}
	return v, nil
}

func (d *decoder) putScratch() {
	sc := d.scratch
	d.scratch = nil
	if cap(sc.elems) > maxScratch || cap(sc.members) > maxScratch {
		return
	}
	// After an error the stacks still hold what was read.
	clear(sc.elems)
	clear(sc.members)
	sc.elems, sc.members = sc.elems[:0], sc.members[:0]
	scratchPool.Put(sc)
}

// skipSpace skips JSON whitespace: Python's json knows only these four.
func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) literal(word string, v any) (any, error) {
	if len(d.data)-d.pos >= len(word) && d.data[d.pos:d.pos+len(word)] == word {
		d.pos += len(word)
		return v, nil
	}
	return nil, d.fail("Expecting value")
}

func (d *decoder) value() (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.fail("Expecting value")
	}
	switch c := d.data[d.pos]; c {
	case '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return s, nil
	case '{':
		return d.object()
	case '[':
		return d.array()
	case 't':
		return d.literal("true", true)
	case 'f':
		return d.literal("false", false)
	case 'n':
		return d.literal("null", nil)
	case 'N':
		return d.literal("NaN", math.NaN())
	case 'I':
		return d.literal("Infinity", math.Inf(1))
	case '-':
		if d.pos+1 < len(d.data) && d.data[d.pos+1] == 'I' {
			return d.literal("-Infinity", math.Inf(-1))
		}
		return d.number()
	default:
		if c >= '0' && c <= '9' {
			return d.number()
		}
		return nil, d.fail("Expecting value")
	}
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > MaxDepth {
		return fmt.Errorf("%w: more than %d levels at byte %d", ErrTooDeep, MaxDepth, d.pos)
	}
	return nil
}

func (d *decoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // [
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return []any{}, nil
	}
	base := len(d.elems)
	for {
		d.skipSpace()
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		d.elems = append(d.elems, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.fail("Expecting ',' delimiter")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			arr := make([]any, len(d.elems)-base)
			copy(arr, d.elems[base:])
			clear(d.elems[base:]) // the scratch must not keep values alive
			d.elems = d.elems[:base]
			return arr, nil
		default:
			return nil, d.fail("Expecting ',' delimiter")
		}
	}
}

func (d *decoder) object() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // {
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return map[string]any{}, nil
	}
	base := len(d.members)
	for {
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.fail("Expecting property name enclosed in double quotes")
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.fail("Expecting ':' delimiter")
		}
		d.pos++
		d.skipSpace()
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		d.members = append(d.members, member{key, v})
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.fail("Expecting ',' delimiter")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			// In document order, so that a duplicate key keeps its last
			// value, as in Python.
			ms := d.members[base:]
			obj := make(map[string]any, len(ms))
			for _, m := range ms {
				obj[m.key] = m.val
			}
			clear(ms)
			d.members = d.members[:base]
			return obj, nil
		default:
			return nil, d.fail("Expecting ',' delimiter")
		}
	}
}

// str reads a string starting at the opening quote.
func (d *decoder) str() (string, error) {
	start := d.pos + 1
	// Fast path: nothing to unescape or transcode.
	for i := start; i < len(d.data); i++ {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.data[start:i], nil
		case c == '\\' || c < 0x20 || (c >= utf8.RuneSelf && d.latin1):
			return d.strSlow(start, i)
		}
	}
	d.pos = start - 1
	return "", d.fail("Unterminated string starting")
}

func (d *decoder) strSlow(start, i int) (string, error) {
	buf := make([]byte, i-start, i-start+32)
	copy(buf, d.data[start:i])
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return ownedString(buf), nil
		case c < 0x20:
			d.pos = i
			return "", d.fail("Invalid control character")
		case c >= utf8.RuneSelf && d.latin1:
			buf = utf8.AppendRune(buf, rune(c))
			i++
		case c != '\\':
			buf = append(buf, c)
			i++
		default:
			if i+1 >= len(d.data) {
				d.pos = start - 1
				return "", d.fail("Unterminated string starting")
			}
			esc := d.data[i+1]
			i += 2
			switch esc {
			case '"', '\\', '/':
				buf = append(buf, esc)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(d.data, i)
				if !ok {
					d.pos = i - 2
					return "", d.fail("Invalid \\uXXXX escape")
				}
				i += 4
				if r >= 0xd800 && r <= 0xdbff && i+6 <= len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
					if lo, ok := hex4(d.data, i+2); ok && lo >= 0xdc00 && lo <= 0xdfff {
						r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
						i += 6
					}
				}
				// A lone surrogate has no UTF-8 form: AppendRune writes U+FFFD.
				buf = utf8.AppendRune(buf, r)
			default:
				d.pos = i - 2
				return "", d.fail("Invalid \\escape")
			}
		}
	}
	d.pos = start - 1
	return "", d.fail("Unterminated string starting")
}

func hex4(b string, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (d *decoder) number() (any, error) {
	end, isFloat, ok := scanNumber(d.data, d.pos)
	if !ok {
		return nil, d.fail("Expecting value")
	}
	lit := d.data[d.pos:end]
	v, err := convertNumber(lit, isFloat)
	if err != nil {
		return nil, d.fail(err.Error())
	}
	d.pos = end
	return v, nil
}

// scanNumber matches Python's NUMBER_RE, -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?,
// at pos and returns where the match ends. A fraction or exponent that is not
// complete is left out of the match, as the regular expression does.
func scanNumber[T string | []byte](s T, pos int) (end int, isFloat, ok bool) {
	i := pos
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return pos, false, false
	}
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		i += 2
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		isFloat = true
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
			isFloat = true
		}
	}
	return i, isFloat, true
}

var errIntTooLong = errors.New("Exceeds the limit (4300 digits) for integer string conversion")

// convertNumber turns a literal matched by scanNumber into its value.
func convertNumber[T string | []byte](lit T, isFloat bool) (any, error) {
	if isFloat {
		// Out of range is not an error in Python: 1e400 is inf, 1e-400 is 0.
		f, err := strconv.ParseFloat(string(lit), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, err
		}
		return f, nil
	}
	digits := len(lit)
	if digits > 0 && lit[0] == '-' {
		digits--
	}
	if digits > maxIntDigits {
		return nil, errIntTooLong
	}
	if digits <= 18 {
		// Fits in int64 for sure: parse without allocating.
		var n int64
		neg := lit[0] == '-'
		for i := len(lit) - digits; i < len(lit); i++ {
			n = n*10 + int64(lit[i]-'0')
		}
		if neg {
			n = -n
		}
		return n, nil
	}
	s := string(lit)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	return json.Number(s), nil
}
