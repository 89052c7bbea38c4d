package session

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/signing"
)

// EncodingError reports a session value that cannot be stored: a value
// JSON cannot hold (a channel, a function, a map with non-string keys...),
// or a string that is not valid UTF-8. Save returns it (the middleware's
// save hands it to the ErrorHandler), and nothing is written.
type EncodingError struct {
	Key  string // the session key whose value cannot be stored
	Type string // the Go type at fault, as %T prints it ("chan int")
	// Reason says what is wrong, in a sentence.
	Reason string
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("session: the value under %q cannot be stored: %s", e.Key, e.Reason)
}

// encodingError turns the failure err of encoding data into an
// *EncodingError naming the key and the type at fault; it returns err
// wrapped when no single value is to blame (a Codec's own failure).
func encodingError(data map[string]any, err error) error {
	for k, v := range data {
		if !utf8.ValidString(k) {
			return &EncodingError{Key: k, Type: "string", Reason: "the key is not valid UTF-8"}
		}
		if typ, reason, bad := unencodable(v, 0); bad {
			return &EncodingError{Key: k, Type: typ, Reason: reason}
		}
	}
	return fmt.Errorf("session: encoding the session data: %w", err)
}

// unencodable finds, inside v, the value that JSON cannot hold.
func unencodable(v any, depth int) (typ, reason string, bad bool) {
	if depth > pyjson.MaxDepth {
		return fmt.Sprintf("%T", v), fmt.Sprintf("lists and maps are nested deeper than %d levels", pyjson.MaxDepth), true
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if !utf8.ValidString(k) {
				return "string", "a map key inside it is not valid UTF-8", true
			}
			if t, r, bad := unencodable(e, depth+1); bad {
				return t, r, true
			}
		}
		return "", "", false
	case []any:
		for _, e := range x {
			if t, r, bad := unencodable(e, depth+1); bad {
				return t, r, true
			}
		}
		return "", "", false
	case string:
		if !utf8.ValidString(x) {
			return "string", "a string in it is not valid UTF-8", true
		}
		return "", "", false
	}
	if _, err := pyjson.Normalize(v); err != nil {
		if errors.Is(err, pyjson.ErrInvalidUTF8) {
			return fmt.Sprintf("%T", v), "a string in it is not valid UTF-8", true
		}
		if errors.Is(err, pyjson.ErrTooDeep) {
			return fmt.Sprintf("%T", v), fmt.Sprintf("it is nested deeper than %d levels (or refers to itself)", pyjson.MaxDepth), true
		}
		return fmt.Sprintf("%T", v), fmt.Sprintf("%T is not a JSON value (store strings, numbers, booleans, nil, and slices and maps of them)", v), true
	}
	return "", "", false
}

// ErrUnreadable is matched by the error of a session whose record was found
// in the store and could not be read for a reason other than a bad
// signature: it is larger than the decoder accepts, nested too deep, or of
// a form the codec refuses. Unlike data with a bad signature (another
// secret key, tampering: an empty session and a warning, as in Django), it
// is an error the handler sees, and the record is never overwritten: Flush,
// DeleteRecord and logout still remove it, without reading it.
var ErrUnreadable = errors.New("session: the stored session cannot be read")

// unreadable reports whether a decoding failure is one that ErrUnreadable
// covers rather than a bad signature or garbage.
func unreadable(err error) bool {
	return errors.Is(err, signing.ErrTooLarge) || errors.Is(err, pyjson.ErrTooDeep) || errors.Is(err, pyjson.ErrTooLarge)
}
