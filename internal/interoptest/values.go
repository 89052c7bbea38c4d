package interoptest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

// PyValue is one session value in the helper's typed JSON form (what the
// set_typed op takes) and what Go reads for it.
type PyValue struct {
	Name   string
	Python any
	Go     any
}

// PickleValues are values of every type a session on a cache engine (the
// pickle serializer) holds. The first is a string, "héllo ☃ 😀".
var PickleValues = []PyValue{
	{"str", "héllo ☃ 😀", "héllo ☃ 😀"},
	{"int", 42, int64(42)},
	{"negative int", -7, int64(-7)},
	{"int beyond int64", json.Number("123456789012345678901234567890"), json.Number("123456789012345678901234567890")},
	{"float", map[string]any{"__float_bits__": fmt.Sprintf("%016x", math.Float64bits(1.0))}, 1.0},
	{"float with a fraction", map[string]any{"__float_bits__": fmt.Sprintf("%016x", math.Float64bits(1.5))}, 1.5},
	{"bool", true, true},
	{"None", nil, nil},
	{"list", []any{1, "two", []any{3}}, []any{int64(1), "two", []any{int64(3)}}},
	{"tuple (read as a list)", map[string]any{"__tuple__": []any{1, "x"}}, []any{int64(1), "x"}},
	{"dict", map[string]any{"a": map[string]any{"b": []any{}}}, map[string]any{"a": map[string]any{"b": []any{}}}},
	{"bytes (UTF-8)", map[string]any{"__bytes_hex__": hex.EncodeToString([]byte("bytés"))}, "bytés"},
	{"datetime under another key", map[string]any{"__datetime__": "2024-02-29T12:00:00", "__tz__": "pytz"}, "2024-02-29T12:00:00+00:00"},
}

// SetTyped returns the set_typed ops that store values under the keys
// v00, v01, ... and the session data Go reads back for them.
func SetTyped(values []PyValue) (ops [][]any, want map[string]any) {
	ops = [][]any{}
	want = map[string]any{}
	for i, v := range values {
		k := fmt.Sprintf("v%02d", i)
		ops = append(ops, []any{"set_typed", k, v.Python})
		want[k] = v.Go
	}
	return ops, want
}

// TypedItems is the session data that op i (an items_typed op) reports,
// in the helper's typed JSON form with numbers as json.Number.
func TypedItems(t testing.TB, res map[string]any, i int) map[string]any {
	t.Helper()
	r, _ := OpResult(t, res, i).(map[string]any)
	typedJSON, ok := r["typed_json"].(string)
	if !ok {
		t.Fatalf("op %d has no typed_json: %v", i, r)
	}
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(typedJSON))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	return got
}
