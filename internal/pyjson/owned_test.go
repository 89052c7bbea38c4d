package pyjson

import (
	"errors"
	"strings"
	"testing"
	"unsafe"
)

func TestUnmarshalOwnedReadsWhatUnmarshalReads(t *testing.T) {
	for _, c := range decodeCases {
		t.Run(c.name, func(t *testing.T) {
			want, werr := Unmarshal([]byte(c.in))
			got, err := UnmarshalOwned([]byte(c.in))
			if (err == nil) != (werr == nil) || !same(got, want) {
				t.Fatalf("UnmarshalOwned(%q) = %#v, %v; Unmarshal gives %#v, %v", c.in, got, err, want, werr)
			}
			got, err = UnmarshalString(c.in)
			if (err == nil) != (werr == nil) || !same(got, want) {
				t.Fatalf("UnmarshalString(%q) = %#v, %v; Unmarshal gives %#v, %v", c.in, got, err, want, werr)
			}
		})
	}
	for _, c := range rejectCases {
		if _, err := UnmarshalOwned([]byte(c.in)); err == nil {
			t.Errorf("%s: UnmarshalOwned(%.40q) accepted", c.name, c.in)
		}
		if _, err := UnmarshalString(c.in); err == nil {
			t.Errorf("%s: UnmarshalString(%.40q) accepted", c.name, c.in)
		}
	}
	if _, err := UnmarshalObjectOwned([]byte(`[1]`)); !errors.Is(err, ErrNotObject) {
		t.Errorf("UnmarshalObjectOwned of an array: %v, want ErrNotObject", err)
	}
	if _, err := UnmarshalObjectString(`"s"`); !errors.Is(err, ErrNotObject) {
		t.Errorf("UnmarshalObjectString of a string: %v, want ErrNotObject", err)
	}
	if m, err := UnmarshalObjectString(`{"a":[1]}`); err != nil || !same(m, map[string]any{"a": []any{int64(1)}}) {
		t.Errorf("UnmarshalObjectString = %#v, %v", m, err)
	}
	if _, err := UnmarshalOwned(make([]byte, MaxInput+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("UnmarshalOwned past MaxInput: %v, want ErrTooLarge", err)
	}
}

// inside reports whether s's bytes lie within b.
func inside(s string, b []byte) bool {
	if len(s) == 0 || len(b) == 0 {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= lo && p+uintptr(len(s)) <= lo+uintptr(len(b))
}

func TestUnmarshalOwnedSharesTheBufferAndUnmarshalCopiesIt(t *testing.T) {
	text := `{"plain":"value","cart":["apple","pear"],"esc":"a\nb"}`
	owned := []byte(text)
	m, err := UnmarshalObjectOwned(owned)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{m["plain"].(string), m["cart"].([]any)[1].(string)} {
		if !inside(s, owned) {
			t.Errorf("%q was copied out of the owned buffer", s)
		}
	}
	for k := range m {
		if !inside(k, owned) {
			t.Errorf("key %q was copied out of the owned buffer", k)
		}
	}
	if m["esc"] != "a\nb" {
		t.Errorf("escaped string = %q", m["esc"])
	}

	// Unmarshal must not keep the caller's bytes: overwriting them changes
	// nothing in the result.
	buf := []byte(text)
	v, err := UnmarshalObject(buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'X'
	}
	if v["plain"] != "value" || v["cart"].([]any)[0] != "apple" {
		t.Fatalf("Unmarshal's result changed with its input: %#v", v)
	}
	for k := range v {
		if strings.Contains(k, "X") {
			t.Fatalf("Unmarshal's keys changed with its input: %q", k)
		}
	}
}

func TestUnmarshalAllocatesOncePerContainerAndBoxedValue(t *testing.T) {
	// The benchmarks module's session: a map (2 allocations), a boxed
	// string, an array (its elements and the boxed slice: 2) and three boxed
	// strings. Keys and string contents are slices of the input; small
	// integers are boxed for free.
	text := `{"cart":["apple","pear","plum"],"user_id":42,"username":"alice","visits":1}`
	buf := []byte(text)
	owned := testing.AllocsPerRun(200, func() {
		b := make([]byte, len(buf)) // UnmarshalOwned keeps its buffer
		copy(b, buf)
		if _, err := UnmarshalObjectOwned(b); err != nil {
			t.Fatal(err)
		}
	}) - 1
	copied := testing.AllocsPerRun(200, func() {
		if _, err := UnmarshalObject(buf); err != nil {
			t.Fatal(err)
		}
	})
	if owned > 8 || copied != owned+1 {
		t.Fatalf("allocations: %.0f owned, %.0f with the copy; want at most 8, and one more", owned, copied)
	}
}
