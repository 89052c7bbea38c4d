// Package pyjson reads and writes JSON exactly as Django's JSONSerializer
// does: Python's json.dumps(obj, separators=(',', ':')) encoded as latin-1
// on the way out, and bytes decoded as latin-1 then json.loads on the way in.
//
// # Writing
//
// [Marshal] and [AppendMarshal] produce the bytes Python would produce for the
// same value, with one exception: Go maps have no order, so object keys are
// sorted (Python keeps insertion order; Django accepts either). In detail:
//
//   - compact separators, no spaces;
//   - ensure_ascii: every character outside printable ASCII, DEL included,
//     is a lower-case \uXXXX escape, characters above U+FFFF a surrogate
//     pair (😀 → \ud83d\ude00); \n \r \t \b \f use their short escapes;
//   - no HTML escaping: < > & and / are written as they are;
//   - integers in full; floats as Python's repr: the shortest digits that
//     read back to the same float, in fixed notation with a trailing ".0"
//     when the decimal exponent is in [-4, 16), otherwise as 1e+16 or
//     1.5e-05; NaN, Infinity and -Infinity as Python writes them.
//
// # Reading
//
// [Unmarshal] accepts what Python's json.loads accepts after a latin-1
// decode, so it agrees with Django byte for byte: a raw byte 0x80-0xFF inside
// a string is the code point with that value (raw UTF-8 from another writer
// turns into mojibake, as it does in Django), NaN/Infinity/-Infinity are
// accepted, duplicate keys keep the last value, and trailing data is an
// error. Numbers keep their kind: an integer literal becomes an int64 (a
// [json.Number] when it does not fit), a literal with a fraction or an
// exponent becomes a float64, so 1 and 1.0 stay apart. Lone surrogate escapes,
// which Go strings cannot hold, become U+FFFD. Nesting deeper than [MaxDepth]
// and input longer than [MaxInput] are errors.
package pyjson

import (
	"errors"
	"fmt"
)

// MaxDepth is the deepest nesting of arrays and objects that Unmarshal and
// Marshal accept; one level more is an error matching [ErrTooDeep].
const MaxDepth = 256

// MaxInput is the longest input Unmarshal reads; longer input is an error
// matching [ErrTooLarge].
const MaxInput = 32 << 20

var (
	// ErrTooDeep reports nesting deeper than MaxDepth (also a reference cycle
	// met while encoding).
	ErrTooDeep = errors.New("pyjson: nesting too deep")
	// ErrTooLarge reports input longer than MaxInput.
	ErrTooLarge = errors.New("pyjson: input too large")
	// ErrInvalidUTF8 reports a Go string that is not valid UTF-8: Python
	// strings hold code points, so such bytes have no JSON form.
	ErrInvalidUTF8 = errors.New("pyjson: string is not valid UTF-8")
	// ErrNotObject reports a document whose top-level value is not an object
	// where an object was required.
	ErrNotObject = errors.New("pyjson: not a JSON object")
	// ErrUnsupported reports a Go value with no JSON form (a channel, a
	// function, a complex number, a map whose keys are neither strings nor
	// integers).
	ErrUnsupported = errors.New("pyjson: unsupported value")
)

// SyntaxError describes input that Python's json.loads would reject.
type SyntaxError struct {
	// Msg is Python's wording, such as "Expecting value" or "Extra data".
	Msg string
	// Offset is the byte offset in the input where the problem was found.
	Offset int
}

// Error returns the message and offset, as "pyjson: Expecting value at byte 4".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("pyjson: %s at byte %d", e.Msg, e.Offset)
}
