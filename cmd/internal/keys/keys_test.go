package keys

import (
	"reflect"
	"strings"
	"testing"
)

func TestFallbacks(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ,", nil},
		{"old", []string{"old"}},
		{"older, old ", []string{"older", "old"}},
		{"a!@#$%^&*(-_=+)b,c", []string{"a!@#$%^&*(-_=+)b", "c"}},
	}
	for _, tt := range tests {
		var got []string
		for _, k := range Fallbacks(tt.in) {
			got = append(got, string(k))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Fallbacks(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzFallbacks checks what any SECRET_KEY_FALLBACKS gives: keys that are
// not empty, carry no comma and no surrounding white space, and appear in
// the input in order.
func FuzzFallbacks(f *testing.F) {
	f.Add("old, older")
	f.Add(" ,,\t")
	f.Fuzz(func(t *testing.T, list string) {
		rest := list
		for _, k := range Fallbacks(list) {
			s := string(k)
			if s == "" || strings.Contains(s, ",") || strings.TrimSpace(s) != s {
				t.Fatalf("Fallbacks(%q) gave the key %q", list, s)
			}
			i := strings.Index(rest, s)
			if i < 0 {
				t.Fatalf("Fallbacks(%q) gave %q, not in the input in order", list, s)
			}
			rest = rest[i+len(s):]
		}
	})
}
