package signing

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/pyjson"
)

// zlibLen is the length of what appendPayload's compressor makes of data.
func zlibLen(data []byte) int {
	z := getDeflater()
	defer putDeflater(z)
	z.w.Write(data)
	z.w.Close()
	return z.buf.Len()
}

// corpusKind makes session-like objects; grow makes them longer.
type corpusKind struct {
	name string
	gen  func(r *rand.Rand, grow int) map[string]any
}

func randWord(r *rand.Rand, alphabet string, lo, hi int) string {
	b := make([]byte, lo+r.IntN(hi-lo+1))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	lowerAlpha = "abcdefghijklmnopqrstuvwxyz"
	hexAlpha   = "0123456789abcdef"
	tokenAlpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

var fruits = []string{"apple", "pear", "plum", "banana", "cherry", "kiwi", "mango", "grape", "lemon", "peach"}

// mixedKinds are sessions that mix keys, words, numbers and tokens.
var mixedKinds = []corpusKind{
	{"user, name, cart and counter", func(r *rand.Rand, grow int) map[string]any {
		cart := []any{}
		for range grow / 8 {
			cart = append(cart, fruits[r.IntN(len(fruits))])
		}
		return map[string]any{"user_id": int64(r.IntN(100000)), "username": randWord(r, lowerAlpha, 3, 12), "cart": cart, "visits": int64(r.IntN(100))}
	}},
	{"Django's auth keys and more", func(r *rand.Rand, grow int) map[string]any {
		m := map[string]any{"_auth_user_id": fmt.Sprint(r.IntN(100000)), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend", "_auth_user_hash": randWord(r, hexAlpha, 64, 64)}
		for range grow / 12 {
			m[randWord(r, lowerAlpha, 3, 10)] = randWord(r, lowerAlpha, 1, 10)
		}
		return m
	}},
	{"random keys, token values", func(r *rand.Rand, grow int) map[string]any {
		m := map[string]any{}
		for range 1 + grow/24 {
			if r.IntN(2) == 0 {
				m[randWord(r, lowerAlpha+"_", 3, 12)] = randWord(r, tokenAlpha, 8, 32)
			} else {
				m[randWord(r, lowerAlpha+"_", 3, 12)] = randWord(r, hexAlpha, 8, 40)
			}
		}
		return m
	}},
	{"random keys, small integers", func(r *rand.Rand, grow int) map[string]any {
		m := map[string]any{}
		for range 1 + grow/10 {
			m[randWord(r, lowerAlpha, 2, 8)] = int64(r.IntN(1000))
		}
		return m
	}},
	{"a list of objects with the same keys", func(r *rand.Rand, grow int) map[string]any {
		items := []any{}
		for range 1 + grow/18 {
			items = append(items, map[string]any{"id": int64(r.IntN(1000)), "qty": int64(r.IntN(10))})
		}
		return map[string]any{"items": items}
	}},
	{"Django messages", func(r *rand.Rand, grow int) map[string]any {
		var msgs []string
		for range 1 + grow/40 {
			msgs = append(msgs, fmt.Sprintf(`["__json_message",0,%d,"%s"]`, 20+r.IntN(30), randWord(r, lowerAlpha+" ", 5, 30)))
		}
		return map[string]any{"_messages": "[" + strings.Join(msgs, ",") + "]"}
	}},
	{"one random word", func(r *rand.Rand, grow int) map[string]any {
		return map[string]any{"w": randWord(r, lowerAlpha, grow, grow)}
	}},
}

// fewSymbolKinds are made of a few distinct characters: Huffman coding
// alone shrinks them.
var fewSymbolKinds = []corpusKind{
	{"a hex string", func(r *rand.Rand, grow int) map[string]any {
		return map[string]any{"h": randWord(r, hexAlpha, grow, grow)}
	}},
	{"a digit string", func(r *rand.Rand, grow int) map[string]any {
		return map[string]any{"d": randWord(r, "0123456789", grow, grow)}
	}},
	{"a list of small integers", func(r *rand.Rand, grow int) map[string]any {
		ids := []any{}
		for range grow / 3 {
			ids = append(ids, int64(r.IntN(100)))
		}
		return map[string]any{"ids": ids}
	}},
	{"a list of one word", func(r *rand.Rand, grow int) map[string]any {
		cart := []any{}
		for range grow / 8 {
			cart = append(cart, "apple")
		}
		return map[string]any{"cart": cart}
	}},
	{"boolean flags", func(r *rand.Rand, grow int) map[string]any {
		m := map[string]any{}
		for i := range grow / 10 {
			m[fmt.Sprintf("flag%d", i)] = r.IntN(2) == 0
		}
		return m
	}},
	{"a repeated path", func(r *rand.Rand, grow int) map[string]any {
		return map[string]any{"path": strings.Repeat("/page/visited;", 1+grow/14)}
	}},
}

var runKind = corpusKind{"a run of one character", func(r *rand.Rand, grow int) map[string]any {
	return map[string]any{"x": strings.Repeat("a", grow)}
}}

// corpusSavings runs kind over sizes and returns, for the samples shorter
// than below, the shortest one that zlib shrinks by two bytes or more (0
// for none) and the most bytes and fraction zlib saves.
func corpusSavings(t *testing.T, kind corpusKind, below int) (first, most int, frac float64) {
	r := rand.New(rand.NewPCG(1, uint64(len(kind.name))))
	for grow := range below {
		for range 20 {
			js, err := pyjson.Marshal(kind.gen(r, grow))
			if err != nil {
				t.Fatal(err)
			}
			n := len(js)
			if n >= below {
				continue
			}
			if z := zlibLen(js); z < n-1 {
				if first == 0 || n < first {
					first = n
				}
				most = max(most, n-z)
				frac = max(frac, float64(n-z)/float64(n))
			}
		}
	}
	return first, most, frac
}

// TestMinCompressLenCostsNothingOnSessionData pins the measurements that
// MinCompressLen's documentation gives.
func TestMinCompressLenCostsNothingOnSessionData(t *testing.T) {
	if raceEnabled {
		t.Skip("a measurement of sizes, with no concurrency: too slow under the race detector")
	}
	shortest := 0
	for _, k := range mixedKinds {
		first, _, _ := corpusSavings(t, k, 2*MinCompressLen)
		t.Logf("%s: the first to shrink has %d bytes", k.name, first)
		if first != 0 && first < MinCompressLen {
			t.Errorf("%s: %d bytes shrink by two bytes or more, below MinCompressLen", k.name, first)
		}
		if first != 0 && (shortest == 0 || first < shortest) {
			shortest = first
		}
	}
	if shortest < 84 {
		t.Errorf("mixed session data shrinks from %d bytes on, not 84 as documented", shortest)
	}
	for _, k := range fewSymbolKinds {
		first, most, frac := corpusSavings(t, k, MinCompressLen)
		t.Logf("%s: below %d, the first to shrink has %d bytes; at most %d bytes (%.0f%%) saved", k.name, MinCompressLen, first, most, 100*frac)
		if most > 11 || frac > 0.15 {
			t.Errorf("%s: below %d, compression saves up to %d bytes (%.0f%%), more than documented", k.name, MinCompressLen, most, 100*frac)
		}
	}
	first, most, _ := corpusSavings(t, runKind, MinCompressLen)
	t.Logf("%s: shrinks from %d bytes, saves up to %d below %d", runKind.name, first, most, MinCompressLen)
	if most > 37 || first < 30 {
		t.Errorf("%s: shrinks from %d bytes and saves up to %d below %d, not as documented", runKind.name, first, most, MinCompressLen)
	}
	// The only certainty: zlib never writes fewer than 9 bytes.
	for n := 0; n <= 300; n++ {
		if z := zlibLen(bytes.Repeat([]byte{'a'}, n)); z < 9 {
			t.Fatalf("%d bytes compress to %d", n, z)
		}
	}
}

func TestSignPayloadTriesZlibFromMinCompressLenOn(t *testing.T) {
	ts := TimestampSigner{Signer: Signer{SecretKey: []byte("k")}}
	r := rand.New(rand.NewPCG(3, 4))
	kinds := append(append(append([]corpusKind{}, mixedKinds...), fewSymbolKinds...), runKind)
	seen := map[bool]int{}
	step := 1
	if raceEnabled || testing.Short() {
		step = 7
	}
	for _, k := range kinds {
		for grow := 0; grow < 300; grow += step {
			js, err := pyjson.Marshal(k.gen(r, grow))
			if err != nil {
				t.Fatal(err)
			}
			want := len(js) >= MinCompressLen && zlibLen(js) < len(js)-1
			signed := ts.SignPayload(js, true)
			if got := signed[0] == '.'; got != want {
				t.Fatalf("%s, %d bytes (zlib: %d): compressed = %v, want %v", k.name, len(js), zlibLen(js), got, want)
			}
			seen[want]++
			if len(signed) > ts.SignedPayloadLen(len(js)) {
				t.Fatalf("%d bytes signed into %d, SignedPayloadLen says %d", len(js), len(signed), ts.SignedPayloadLen(len(js)))
			}
			back, err := ts.UnsignPayload(signed, 0)
			if err != nil || !bytes.Equal(back, js) {
				t.Fatalf("UnsignPayload = %q, %v", back, err)
			}
		}
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Fatalf("the corpus does not exercise both forms: %v", seen)
	}
}
