package cookie

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// parseSetCookie splits a Set-Cookie value into its name, its value as
// written and its attributes, keyed by lower-case name (a flag has the value
// ""). It fails on a repeated attribute (RFC 6265bis forbids them) or a
// malformed pair.
func parseSetCookie(line string) (name, value string, attrs map[string]string, err error) {
	parts := strings.Split(line, "; ")
	name, value, ok := strings.Cut(parts[0], "=")
	if !ok || name == "" {
		return "", "", nil, fmt.Errorf("no name=value in %q", line)
	}
	attrs = make(map[string]string)
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		lk := strings.ToLower(k)
		if _, dup := attrs[lk]; dup {
			return "", "", nil, fmt.Errorf("attribute %s repeated in %q", k, line)
		}
		attrs[lk] = v
	}
	return name, value, attrs, nil
}

func mustParseSetCookie(t testing.TB, line string) (name, value string, attrs map[string]string) {
	t.Helper()
	name, value, attrs, err := parseSetCookie(line)
	if err != nil {
		t.Fatal(err)
	}
	return name, value, attrs
}

// sameSetCookie compares two Set-Cookie values attribute by attribute:
// attribute names in any case and any order; name, value and attribute
// values exactly. It returns a description of the differences, or "".
func sameSetCookie(got, want string) string {
	gn, gv, ga, err := parseSetCookie(got)
	if err != nil {
		return err.Error()
	}
	wn, wv, wa, err := parseSetCookie(want)
	if err != nil {
		return err.Error()
	}
	var diffs []string
	if gn != wn || gv != wv {
		diffs = append(diffs, fmt.Sprintf("cookie %s=%s, want %s=%s", gn, gv, wn, wv))
	}
	for _, k := range slices.Sorted(maps.Keys(wa)) {
		g, ok := ga[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("missing %s=%q", k, wa[k]))
		case g != wa[k]:
			diffs = append(diffs, fmt.Sprintf("%s=%q, want %q", k, g, wa[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(ga)) {
		if _, ok := wa[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("extra %s=%q", k, ga[k]))
		}
	}
	return strings.Join(diffs, "; ")
}

func TestSameSetCookie(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		got, want string
		same      bool
	}{
		{"identical headers are the same", "a=b; Path=/; Secure", "a=b; Path=/; Secure", true},
		{"order and case of attribute names do not matter", "a=b; secure; PATH=/", "a=b; Path=/; Secure", true},
		{"a different value differs", "a=c; Path=/", "a=b; Path=/", false},
		{"a different name differs", "A=b; Path=/", "a=b; Path=/", false},
		{"a different attribute value differs", "a=b; Path=/x", "a=b; Path=/", false},
		{"attribute values are case-sensitive", "a=b; SameSite=lax", "a=b; SameSite=Lax", false},
		{"a missing attribute differs", "a=b", "a=b; Path=/", false},
		{"an extra attribute differs", "a=b; Path=/; HttpOnly", "a=b; Path=/", false},
		{"a repeated attribute is an error", "a=b; Path=/; path=/", "a=b; Path=/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if d := sameSetCookie(tt.got, tt.want); (d == "") != tt.same {
				t.Errorf("sameSetCookie(%q, %q) = %q, want same=%v", tt.got, tt.want, d, tt.same)
			}
		})
	}
}
