package pyjson

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/djangotest"
)

// These tests run the real Python and Django (through djhelper.py) and skip
// on a machine without them, unless under the full test command.

// TestMarshalAgreesWithPython checks that Marshal's output is exactly what
// Python's json.dumps writes for the value it denotes: Python reads our
// bytes and writes them again, and nothing may change.
func TestMarshalAgreesWithPython(t *testing.T) {
	type item struct {
		name string
		text string
	}
	var items []item
	for _, c := range marshalCases {
		items = append(items, item{c.name, c.want})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		v := randomValue(rng, 0)
		text, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", v, err)
		}
		items = append(items, item{fmt.Sprintf("random value %d", i), string(text)})
	}
	calls := make([][]string, len(items))
	for i, it := range items {
		calls[i] = []string{"json-dumps", "--json=" + it.text}
	}
	results := djangotest.RunBatch(t, calls...)
	for i, it := range items {
		t.Run(it.name, func(t *testing.T) {
			res := djangotest.OK(t, results[i])
			if got := djangotest.String(t, res, "dumped"); got != it.text {
				t.Fatalf("Python rewrites\n  %s\nas\n  %s", it.text, got)
			}
		})
	}
}

// TestUnmarshalAgreesWithDjango feeds the same bytes to Unmarshal and to
// Django's JSONSerializer().loads: both accept or both refuse, and what they
// accept they read as the same value.
func TestUnmarshalAgreesWithDjango(t *testing.T) {
	type item struct {
		name  string
		in    []byte
		lossy bool // holds a lone surrogate, which Go reads as U+FFFD
	}
	var items []item
	for _, c := range decodeCases {
		items = append(items, item{c.name, []byte(c.in), strings.Contains(c.name, "surrogate")})
	}
	for _, c := range rejectCases {
		items = append(items, item{c.name, []byte(c.in), false})
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 400 {
		text, _ := Marshal(randomValue(rng, 0))
		items = append(items, item{fmt.Sprintf("mutated document %d", i), mutate(rng, text), false})
	}
	calls := make([][]string, len(items))
	for i, it := range items {
		calls[i] = []string{"json-loads", "--data-hex", hex.EncodeToString(it.in)}
	}
	results := djangotest.RunBatch(t, calls...)
	for i, it := range items {
		t.Run(it.name, func(t *testing.T) {
			res := results[i]
			got, err := Unmarshal(it.in)
			if res["ok"] != true {
				if err == nil {
					t.Fatalf("Django refuses %q (%v) but Unmarshal reads %#v", it.in, res["message"], got)
				}
				if se, ok := err.(*SyntaxError); ok && !strings.HasPrefix(djangotest.String(t, res, "message"), se.Msg) {
					t.Errorf("Django says %q, Unmarshal says %q", res["message"], se.Msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Django reads %q as %v but Unmarshal fails: %v", it.in, res["value_json"], err)
			}
			if it.lossy || hasLoneSurrogate(djangotest.String(t, res, "value_json")) {
				return
			}
			text, err := Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if want := djangotest.String(t, res, "value_json"); string(text) != want && !sameUpToKeyOrder(t, want, got) {
				t.Fatalf("Django reads %q as %s, Unmarshal as %s", it.in, want, text)
			}
		})
	}
}

// sameUpToKeyOrder compares Django's reading (kept in insertion order) with
// ours (sorted) by reading Django's text back.
func sameUpToKeyOrder(t *testing.T, pythonText string, ours any) bool {
	t.Helper()
	theirs, err := Unmarshal([]byte(pythonText))
	if err != nil {
		t.Fatalf("cannot read Python's output %s: %v", pythonText, err)
	}
	return same(theirs, ours)
}

// hasLoneSurrogate reports whether Python's ASCII JSON text has a \uD800-
// \uDFFF escape that is not part of a high+low pair.
func hasLoneSurrogate(s string) bool {
	for i := 0; i+6 <= len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		if s[i+1] == '\\' {
			i++
			continue
		}
		if s[i+1] != 'u' {
			continue
		}
		r, ok := hex4(s, i+2)
		if !ok {
			continue
		}
		switch {
		case r >= 0xd800 && r <= 0xdbff:
			if i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
				if lo, ok := hex4(s, i+8); ok && lo >= 0xdc00 && lo <= 0xdfff {
					i += 11
					continue
				}
			}
			return true
		case r >= 0xdc00 && r <= 0xdfff:
			return true
		}
		i += 5
	}
	return false
}

// randomValue builds a JSON value with the awkward parts Django meets:
// floats from random bits, big integers, control characters, non-ASCII and
// astral characters, nesting.
func randomValue(rng *rand.Rand, depth int) any {
	n := rng.IntN(12)
	if depth > 3 && n >= 9 {
		n = rng.IntN(9)
	}
	switch n {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return int64(rng.Uint64())
	case 3:
		f := math.Float64frombits(rng.Uint64())
		if rng.IntN(4) == 0 {
			return math.Round(f*1000) / 1000
		}
		return f
	case 4:
		return []float64{1e16, 1e15, 1e-4, 1e-5, 0.1, 123.456, 5e-324, -0.0, 1e21, 1e22}[rng.IntN(10)] * float64(rng.IntN(3)-1)
	case 5:
		return float64(rng.IntN(2000)) / 8
	case 6, 7:
		return randomString(rng)
	case 8:
		return uint64(rng.Uint64())
	case 9, 10:
		l := make([]any, rng.IntN(4))
		for i := range l {
			l[i] = randomValue(rng, depth+1)
		}
		return l
	default:
		m := map[string]any{}
		for range rng.IntN(4) {
			m[randomString(rng)] = randomValue(rng, depth+1)
		}
		return m
	}
}

func randomString(rng *rand.Rand) string {
	pools := []string{
		"abcXYZ019 _-:.", "\"\\/<>&'", "\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f",
		"éüßÀÿ\u0080\u00a0", "€ΩЖ中文清風\u2028\ufeff\uffff", "😀𝄞🇫🇷\U0010ffff",
	}
	var b strings.Builder
	for range rng.IntN(10) {
		pool := []rune(pools[rng.IntN(len(pools))])
		b.WriteRune(pool[rng.IntN(len(pool))])
	}
	return b.String()
}

// mutate changes a valid document a little: a byte replaced, inserted or
// removed, a raw high byte, a piece duplicated, or nothing at all.
func mutate(rng *rand.Rand, doc []byte) []byte {
	out := append([]byte(nil), doc...)
	interesting := []byte(" \t\n\r\"\\,:[]{}-+.eE0123456789tfnNI\x00\x1f\x7f\x80\xc3\xa9\xe9\xff")
	for range rng.IntN(3) {
		if len(out) == 0 {
			break
		}
		i := rng.IntN(len(out))
		switch rng.IntN(5) {
		case 0:
			out[i] = interesting[rng.IntN(len(interesting))]
		case 1:
			out = append(out[:i], append([]byte{interesting[rng.IntN(len(interesting))]}, out[i:]...)...)
		case 2:
			out = append(out[:i], out[i+1:]...)
		case 3:
			out = append(out[:i], append([]byte{byte(0x80 + rng.IntN(0x80))}, out[i:]...)...)
		default:
			j := i + rng.IntN(len(out)-i)
			out = append(out[:j], append(append([]byte(nil), out[i:j]...), out[j:]...)...)
		}
	}
	return out
}
