package session

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/djsession/djsession/internal/pyjson"
)

// Codec turns session data into the bytes a Store keeps, and back.
//
// Decode returns an error (matching ErrCorrupt) for anything it cannot read:
// Manager then logs one warning, without the data, and starts from an empty
// session, as Django does. Data that is recognisably another codec's (a
// pickle given to JSONCodec), or that holds a value the codec refuses, is an
// error matching ErrCodecMismatch instead, which the handler sees.
// Implementations must be safe for concurrent use.
type Codec interface {
	Encode(values map[string]any) ([]byte, error)
	Decode(data []byte) (map[string]any, error)
}

// ErrCodecMismatch is matched by the error of a Codec's Decode when the
// stored data is recognisably in another codec's format (a pickle read by
// JSONCodec or DjangoCodec, Django's signed form or JSON read by the pickle
// codec), or holds a value or passes a limit that the codec refuses to read.
// Unlike ErrCorrupt it is not read as an empty session: the Manager treats
// it as a store error, which Session.Load and Manager.Open return and which
// fails the save of a modified session (the ErrorHandler answers), so that a
// record written by another program, or with another Config.Codec, is never
// overwritten by an empty one. Such an error does not match ErrCorrupt.
var ErrCodecMismatch = errors.New("session: stored data is not in the configured codec's format")

// mismatch returns the ErrCodecMismatch error for data of another codec's
// format, or nil when data is not recognisably another codec's than self's.
func mismatch(data []byte, self string) error {
	f := framing(data)
	if f == "" || f == self {
		return nil
	}
	return fmt.Errorf("%w: the data is %s", ErrCodecMismatch, f)
}

// The formats framing tells apart.
const (
	framePickle = "a pickle (Django's cache engine: configure the pickle codec, package session/pickle)"
	frameSigned = "Django's signed form (DjangoCodec)"
	frameJSON   = "a JSON object (JSONCodec)"
)

// framing names the format data is recognisably in: Python's pickle
// (protocol 2 or later starts with the PROTO opcode, 0x80), Django's
// signed session_data (base64url payload, timestamp and signature
// separated by ':'), a JSON object, or "" for none of them.
func framing(data []byte) string {
	if len(data) >= 2 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5 {
		return framePickle
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return frameJSON
	}
	if looksSigned(data) {
		return frameSigned
	}
	return ""
}

// looksSigned reports whether data has the shape of signing.dumps' output:
// an optional '.', then base64url segments separated by ':', the last of
// which is a SHA-256 or SHA-1 signature (43 or 27 characters).
func looksSigned(data []byte) bool {
	last := bytes.LastIndexByte(data, ':')
	if last < 0 || bytes.Count(data, []byte(":")) < 2 {
		return false
	}
	if n := len(data) - last - 1; n != 43 && n != 27 {
		return false
	}
	for i, c := range data {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == ':':
		case c == '.' && i == 0:
		default:
			return false
		}
	}
	return true
}

// JSONCodec stores session data as plain JSON (Python's json.dumps form),
// unsigned. Use it only with a store that nobody else can write to, as
// Django's cache engine keeps its dictionary unsigned.
type JSONCodec struct{}

// Encode returns the JSON of values.
func (JSONCodec) Encode(values map[string]any) ([]byte, error) {
	js, err := pyjson.Marshal(values)
	if err != nil {
		return nil, fmt.Errorf("session: encoding the session data: %w", err)
	}
	return js, nil
}

// encodeMeasured is Encode that also returns the length of the JSON text.
func (c JSONCodec) encodeMeasured(values map[string]any) ([]byte, int, error) {
	js, err := c.Encode(values)
	return js, len(js), err
}

// Decode returns the JSON object in data. A pickle or Django's signed form
// is an error matching ErrCodecMismatch; anything else that is not a JSON
// object is an error matching ErrCorrupt.
func (JSONCodec) Decode(data []byte) (map[string]any, error) {
	m, err := pyjson.UnmarshalObject(data)
	if err != nil {
		if e := mismatch(data, frameJSON); e != nil {
			return nil, e
		}
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return m, nil
}
