package interoptest_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/djsession/djsession/internal/interoptest"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// TestGoSideLogsAliceInAndOut walks the Go service's pages on the memory
// store: a login sets a cookie that /whoami knows as alice, a logout
// deletes the cookie and the old key is anonymous after it.
func TestGoSideLogsAliceInAndOut(t *testing.T) {
	st := memory.New(memory.Options{})
	g := interoptest.NewGoSide(t, st, nil)
	if body, cookie := g.OK(t, "/whoami", ""); body != "user=" || cookie != "" {
		t.Errorf("anonymous /whoami: %q, cookie %q; want user= and no cookie", body, cookie)
	}
	_, key := g.OK(t, "/login", "")
	if key == "" || key == "-" {
		t.Fatalf("/login set cookie %q, want a session key", key)
	}
	if body, _ := g.OK(t, "/whoami", key); body != "user="+interoptest.Alice.ID() {
		t.Errorf("/whoami after the login: %q", body)
	}
	if _, cookie := g.OK(t, "/logout", key); cookie != "-" {
		t.Errorf("/logout: cookie %q, want it deleted", cookie)
	}
	if body, _ := g.OK(t, "/whoami", key); body != "user=" {
		t.Errorf("/whoami with the logged-out key: %q", body)
	}
	if code, _, _ := g.Do(t, "/nowhere", ""); code != 404 {
		t.Errorf("an unknown page answers %d, want 404", code)
	}
}

func TestSetTypedNumbersTheKeys(t *testing.T) {
	ops, want := interoptest.SetTyped(interoptest.PickleValues)
	if len(ops) != len(interoptest.PickleValues) || len(want) != len(ops) {
		t.Fatalf("%d ops and %d wanted keys for %d values", len(ops), len(want), len(interoptest.PickleValues))
	}
	if !reflect.DeepEqual(ops[0], []any{"set_typed", "v00", "héllo ☃ 😀"}) || want["v00"] != "héllo ☃ 😀" {
		t.Errorf("the first op is %v and Go wants %v under v00", ops[0], want["v00"])
	}
}

func TestTypedItemsKeepsNumbersExact(t *testing.T) {
	res := map[string]any{"op_results": []any{
		nil,
		map[string]any{"typed_json": `{"big": 123456789012345678901234567890, "f": {"__float_bits__": "3ff8000000000000"}}`},
	}}
	got := interoptest.TypedItems(t, res, 1)
	want := map[string]any{"big": json.Number("123456789012345678901234567890"), "f": map[string]any{"__float_bits__": "3ff8000000000000"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TypedItems = %#v, want %#v", got, want)
	}
	if interoptest.OpResult(t, res, 0) != nil {
		t.Error("OpResult(0) is not the op's nil result")
	}
}

func TestWantJSONAddsTheExpiry(t *testing.T) {
	seconds := int64(3600)
	if _, ok := interoptest.WantJSON(t, nil)[session.ExpiryKey]; ok {
		t.Error("WantJSON(nil) has an expiry")
	}
	m := interoptest.WantJSON(t, &seconds)
	if m[session.ExpiryKey] != seconds || m["big"] != int64(9007199254740993) || m["text"] != "héllo ☃ \U0001d11e" {
		t.Errorf("WantJSON(3600) = %#v", m)
	}
}
