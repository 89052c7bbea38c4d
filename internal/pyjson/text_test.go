package pyjson

import (
	"errors"
	"testing"
)

func TestUnmarshalTextReadsUTF8(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want any
	}{
		{`"grüß 🎉"`, "grüß 🎉"},
		{`{"k": ["日本", "\u00e9"]}`, map[string]any{"k": []any{"日本", "é"}}},
		{`9007199254740993`, int64(9007199254740993)},
	} {
		got, err := UnmarshalText(tc.in)
		if err != nil || !equalValues(got, tc.want) {
			t.Errorf("UnmarshalText(%s) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
	if _, err := UnmarshalText("\"\xff\""); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

// FuzzUnmarshalText: any valid string, written by Marshal (escaped) or
// typed as it is between quotes (raw UTF-8), reads back as itself.
func FuzzUnmarshalText(f *testing.F) {
	f.Add("grüß 🎉")
	f.Add("\x00\"\\")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Marshal(s)
		if err != nil {
			return // not UTF-8: no JSON form
		}
		got, err := UnmarshalText(string(b))
		if err != nil || got != s {
			t.Fatalf("UnmarshalText(%s) = %q, %v; want %q", b, got, err, s)
		}
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] == '"' || s[i] == '\\' {
				return
			}
		}
		if got, err := UnmarshalText(`"` + s + `"`); err != nil || got != s {
			t.Fatalf("UnmarshalText of the raw text %q = %q, %v", s, got, err)
		}
	})
}

func equalValues(a, b any) bool {
	x, err1 := Marshal(a)
	y, err2 := Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
