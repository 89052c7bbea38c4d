package session

import (
	"fmt"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/pyjson"
)

// Codec turns session data into the bytes a Store keeps, and back.
//
// Decode returns an error (matching ErrCorrupt) for anything it cannot read:
// Manager then logs one warning, without the data, and starts from an empty
// session, as Django does. Implementations must be safe for concurrent use.
type Codec interface {
	Encode(values map[string]any) ([]byte, error)
	Decode(data []byte) (map[string]any, error)
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

// Decode returns the JSON object in data; anything else is an error
// matching ErrCorrupt.
func (JSONCodec) Decode(data []byte) (map[string]any, error) {
	m, err := pyjson.UnmarshalObject(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return m, nil
}

// normalizeInPlace puts every value of m in its JSON form, the value a load
// from any other store would give back: strings, bool, nil, int64 and
// float64 stay as they are (nothing to copy: they are immutable), other
// values are replaced by pyjson.Normalize's copy.
func normalizeInPlace(m map[string]any) error {
	for k, v := range m {
		if !utf8.ValidString(k) {
			return pyjson.ErrInvalidUTF8
		}
		switch x := v.(type) {
		case nil, bool, int64, float64:
			continue
		case string:
			if !utf8.ValidString(x) {
				return pyjson.ErrInvalidUTF8
			}
			continue
		}
		n, err := pyjson.Normalize(v)
		if err != nil {
			return err
		}
		m[k] = n
	}
	return nil
}
