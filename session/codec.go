package session

import (
	"fmt"

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

// snapshot returns a fresh copy of vals in JSON form, for a ValueStore: the
// values a load from any other store would give back.
func snapshot(vals map[string]any) (map[string]any, error) {
	if len(vals) == 0 {
		return map[string]any{}, nil
	}
	n, err := pyjson.Normalize(vals)
	if err != nil {
		return nil, fmt.Errorf("session: encoding the session data: %w", err)
	}
	m, ok := n.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("session: encoding the session data: got %T", n)
	}
	return m, nil
}
