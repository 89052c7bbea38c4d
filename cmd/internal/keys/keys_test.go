package keys

import (
	"reflect"
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
