package interoptest

import (
	"testing"

	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
)

// JSONValues is session data in Django's JSON form (the form the db and
// file engines keep) that exercises every JSON value type: non-ASCII text
// (as \u escapes, the form Django writes), nested objects and lists,
// integers beyond 2^53 and at the int64 edges, floats that must stay
// floats, booleans and null.
const JSONValues = `{"text":"h\u00e9llo \u2603 \ud834\udd1e","nested":{"a":[1,2,{"b":null}],"t":true,"f":false},` +
	`"big":9007199254740993,"min":-9223372036854775808,"one":1.0,"e16":1e+16,"pi":3.14159,"empty":{},"list":[],"none":null}`

// WantJSON is JSONValues as Go reads it, with session.ExpiryKey set to
// *seconds when seconds is not nil (Django's set_expiry in seconds).
func WantJSON(t testing.TB, seconds *int64) map[string]any {
	t.Helper()
	m, err := pyjson.UnmarshalObject([]byte(JSONValues))
	if err != nil {
		t.Fatal(err)
	}
	if seconds != nil {
		m[session.ExpiryKey] = *seconds
	}
	return m
}
