package signing

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/pyjson"
)

func TestDumpsWritesDjangosFormat(t *testing.T) {
	key := []byte("k")
	ts := TimestampSigner{Signer: Signer{SecretKey: key, Salt: "s"}, Now: fixedClock(1700000000)}
	// signing.dumps([1,2,3], key='k', salt='s', compress=True) in Django 3.2.
	got, err := ts.SignObject([]any{1, 2, 3}, true)
	if want := "WzEsMiwzXQ:1r31eq:Dbqu6XfZdKoFEZhmI7FcKrnlwP0oPxRKC32blkG6YjU"; err != nil || got != want {
		t.Fatalf("SignObject = %q, %v; want %q", got, err, want)
	}
	v, err := Loads(got, key, "s", 0)
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := pyjson.Marshal(v); string(text) != "[1,2,3]" {
		t.Fatalf("Loads = %s", text)
	}
}

func TestDumpsAndLoadsRoundTrip(t *testing.T) {
	values := []struct {
		name string
		v    any
	}{
		{"an object of every kind of value", map[string]any{
			"s": "é😀\x00\"\\", "i": int64(math.MaxInt64), "f": 1.0, "nan": math.NaN(), "b": true, "n": nil,
			"l": []any{int64(1), "two", []any{}}, "o": map[string]any{"nested": 1.5e-7}}},
		{"a bare string", "just a string"},
		{"an empty object", map[string]any{}},
		{"a big integer", uint64(math.MaxUint64)},
		{"a long repetitive value that compresses", map[string]any{"log": strings.Repeat("event;", 1000)}},
	}
	for _, tt := range values {
		for _, compress := range []bool{false, true} {
			t.Run(tt.name, func(t *testing.T) {
				signed, err := Dumps(tt.v, []byte("key"), "purpose", compress)
				if err != nil {
					t.Fatal(err)
				}
				got, err := Loads(signed, []byte("key"), "purpose", time.Hour)
				if err != nil {
					t.Fatalf("Loads(%q): %v", signed, err)
				}
				want, _ := pyjson.Normalize(tt.v)
				a, _ := pyjson.Marshal(got)
				b, _ := pyjson.Marshal(want)
				if !bytes.Equal(a, b) {
					t.Fatalf("round trip gave %s, want %s", a, b)
				}
				if _, err := Loads(signed, []byte("key"), "other purpose", 0); !errors.Is(err, ErrBadSignature) {
					t.Fatalf("Loads with another salt: %v", err)
				}
			})
		}
	}
}

func TestCompressionIsUsedOnlyWhenItSavesMoreThanOneByte(t *testing.T) {
	ts := TimestampSigner{Signer: Signer{SecretKey: []byte("k")}}
	for _, tt := range []struct {
		name string
		data []byte
		want bool
	}{
		{"short data does not shrink", []byte(`{"a":1}`), false},
		{"repetitive data shrinks", bytes.Repeat([]byte("abcd"), 100), true},
		{"random-looking data does not shrink", []byte("q8Zr0xLk2VbN7mWp4TyG1sHdJ9fUcE3a"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			signed := ts.SignPayload(tt.data, true)
			if got := signed[0] == '.'; got != tt.want {
				t.Fatalf("compressed = %v, want %v (%q)", got, tt.want, signed)
			}
			back, err := ts.UnsignPayload(signed, 0)
			if err != nil || !bytes.Equal(back, tt.data) {
				t.Fatalf("UnsignPayload = %q, %v", back, err)
			}
			if plain := ts.SignPayload(tt.data, false); plain[0] == '.' {
				t.Fatalf("compress=false compressed: %q", plain)
			}
		})
	}
	// The threshold itself: zlib's output exactly one byte shorter than the
	// data is not used, and data shorter than MinCompressLen is not
	// compressed even when zlib would shrink it.
	for n := 1; n < 3*MinCompressLen; n++ {
		data := bytes.Repeat([]byte("x"), n)
		var c bytes.Buffer
		w, _ := zlib.NewWriterLevel(&c, compressionLevel)
		w.Write(data)
		w.Close()
		signed := ts.SignPayload(data, true)
		if want := n >= MinCompressLen && c.Len() < n-1; (signed[0] == '.') != want {
			t.Fatalf("%d bytes compressing to %d: compressed = %v", n, c.Len(), signed[0] == '.')
		}
	}
}

// signRaw signs an arbitrary payload string the way SignPayload would,
// to build values whose signature is valid but whose content is not.
func signRaw(ts *TimestampSigner, payload string) string { return ts.Sign(payload) }

func zlibOf(data []byte) []byte {
	var c bytes.Buffer
	w := zlib.NewWriter(&c)
	w.Write(data)
	w.Close()
	return c.Bytes()
}

func TestABrokenPayloadUnderAValidSignatureIsMalformed(t *testing.T) {
	ts := &TimestampSigner{Signer: Signer{SecretKey: []byte("k")}, Now: fixedClock(1700000000)}
	b64 := base64.RawURLEncoding.EncodeToString
	good := zlibOf([]byte(`{"a":1}`))
	for _, tt := range []struct{ name, payload string }{
		{"not base64", "not*base64"},
		{"base64 with padding", "eyJhIjoxfQ=="},
		{"base64 with one character too many", "eyJhIjoxfQa"},
		{"base64 with stray low bits", "eyJhIjoxfR"},
		{"flagged as compressed but not zlib", "." + b64([]byte(`{"a":1}`))},
		{"a truncated zlib stream", "." + b64(good[:len(good)-3])},
		{"a zlib stream with a bad checksum", "." + b64(append(append([]byte(nil), good[:len(good)-1]...), good[len(good)-1]^1))},
		{"not JSON", b64([]byte(`{"a":`))},
		{"compressed, not JSON", "." + b64(zlibOf([]byte("nope")))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ts.UnsignObject(signRaw(ts, tt.payload), 0)
			if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadSignature) {
				t.Fatalf("UnsignObject = %v, %v; want ErrMalformed only", v, err)
			}
		})
	}
	// zlib trailing data is ignored, as Python's zlib.decompress ignores it.
	v, err := ts.UnsignObject(signRaw(ts, "."+b64(append(append([]byte(nil), good...), "junk"...))), 0)
	if err != nil {
		t.Fatalf("trailing data after the zlib stream: %v, %v", v, err)
	}
}

func TestMaxPayloadBoundsWhatComesOut(t *testing.T) {
	const limit = 1000
	ts := &TimestampSigner{Signer: Signer{SecretKey: []byte("k")}, Now: fixedClock(1700000000), MaxPayload: limit}
	exact := bytes.Repeat([]byte("a"), limit)
	over := bytes.Repeat([]byte("a"), limit+1)
	for _, tt := range []struct {
		name     string
		data     []byte
		compress bool
		ok       bool
	}{
		{"exactly the limit, plain", exact, false, true},
		{"exactly the limit, compressed", exact, true, true},
		{"one byte over, plain", over, false, false},
		{"one byte over, compressed", over, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			signed := ts.SignPayload(tt.data, tt.compress)
			if tt.compress != (signed[0] == '.') {
				t.Fatalf("compression not as intended")
			}
			got, err := ts.UnsignPayload(signed, 0)
			if tt.ok {
				if err != nil || !bytes.Equal(got, tt.data) {
					t.Fatalf("UnsignPayload = %d bytes, %v", len(got), err)
				}
				return
			}
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("UnsignPayload = %d bytes, %v; want ErrTooLarge", len(got), err)
			}
		})
	}
}

func TestAZlibBombIsRefusedWithoutInflatingIt(t *testing.T) {
	// 32 MiB of zeros compress to about 40 KiB; signed, that is a valid
	// value that a naive reader would inflate in full (a real bomb goes to
	// gigabytes: the reader stops at the same point either way).
	var c bytes.Buffer
	w, _ := zlib.NewWriterLevel(&c, zlib.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 32 {
		w.Write(zeros)
	}
	w.Close()
	ts := &TimestampSigner{Signer: Signer{SecretKey: []byte("k")}, Now: fixedClock(1700000000)}
	bomb := ts.Sign("." + base64.RawURLEncoding.EncodeToString(c.Bytes()))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := ts.UnsignPayload(bomb, 0)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("UnsignPayload of a bomb = %v, want ErrTooLarge", err)
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 8<<20 {
		t.Fatalf("refusing the bomb allocated %d MiB; the limit is %d MiB", allocated>>20, DefaultMaxPayload>>20)
	}
	if _, err := Loads(bomb, []byte("k"), DefaultTimestampSalt, 0); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Loads of a bomb = %v, want ErrTooLarge", err)
	}
}

func TestAnOversizedPayloadIsRefusedBeforeDecoding(t *testing.T) {
	ts := &TimestampSigner{Signer: Signer{SecretKey: []byte("k")}, MaxPayload: 10}
	signed := ts.Sign(strings.Repeat("A", 100))
	if _, err := ts.UnsignPayload(signed, 0); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("UnsignPayload = %v, want ErrTooLarge", err)
	}
}

func TestDumpsRefusesValuesWithNoJSONForm(t *testing.T) {
	if _, err := Dumps(map[string]any{"c": make(chan int)}, []byte("k"), "", false); !errors.Is(err, pyjson.ErrUnsupported) {
		t.Fatalf("Dumps(chan) = %v", err)
	}
	if _, err := Dumps("\xff", []byte("k"), "", false); !errors.Is(err, pyjson.ErrInvalidUTF8) {
		t.Fatalf("Dumps(invalid UTF-8) = %v", err)
	}
	if _, err := Dumps(1, nil, "", false); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Dumps with no key = %v, want ErrNoKey", err)
	}
}

func TestDumpsUsesDjangosDefaultSalt(t *testing.T) {
	signed, err := Dumps("v", []byte("k"), "", false)
	if err != nil {
		t.Fatal(err)
	}
	explicit := TimestampSigner{Signer: Signer{SecretKey: []byte("k"), Salt: "django.core.signing"}}
	if _, err := explicit.UnsignObject(signed, 0); err != nil {
		t.Fatalf("an empty salt is not %q: %v", DumpsSalt, err)
	}
}

func TestAppendSignPayloadAppendsWhatSignPayloadReturns(t *testing.T) {
	ts := TimestampSigner{Signer: Signer{SecretKey: []byte("k")}, Now: fixedClock(1700000000)}
	for _, data := range [][]byte{nil, []byte(`{"a":1}`), bytes.Repeat([]byte("abcd"), 100), []byte(strings.Repeat("q8Zr0xLk2VbN7m", 9))} {
		for _, compress := range []bool{false, true} {
			want := ts.SignPayload(data, compress)
			got := ts.AppendSignPayload([]byte("prefix:"), data, compress)
			if string(got) != "prefix:"+want {
				t.Fatalf("AppendSignPayload = %q, want prefix:%q", got, want)
			}
			if n := ts.SignedPayloadLen(len(data)); len(want) > n {
				t.Fatalf("%d bytes signed into %d, SignedPayloadLen says %d", len(data), len(want), n)
			}
		}
	}
	for _, alg := range []string{"sha1", "sha512"} {
		s := TimestampSigner{Signer: Signer{SecretKey: []byte("k"), Algorithm: alg, Sep: "::/"}}
		if got, n := len(s.SignPayload(bytes.Repeat([]byte{1}, 50), false)), s.SignedPayloadLen(50); got > n {
			t.Fatalf("%s: %d bytes, SignedPayloadLen says %d", alg, got, n)
		}
	}
	if raceEnabled {
		return // allocation counts are meaningless under the race detector
	}
	data := []byte(`{"cart":["apple","pear","plum"],"user_id":42,"username":"alice","visits":1}`)
	buf := make([]byte, 0, ts.SignedPayloadLen(len(data)))
	if n := testing.AllocsPerRun(100, func() { buf = ts.AppendSignPayload(buf[:0], data, true) }); n > 0 {
		t.Fatalf("AppendSignPayload into a buffer with room: %.0f allocations", n)
	}
}

func TestUnsignPayloadBytesIsUnsignPayload(t *testing.T) {
	ts := TimestampSigner{Signer: Signer{SecretKey: []byte("k"), FallbackKeys: [][]byte{[]byte("old")}}, Now: fixedClock(1700000000)}
	old := TimestampSigner{Signer: Signer{SecretKey: []byte("old")}, Now: fixedClock(1700000000)}
	inputs := []string{
		ts.SignPayload([]byte(`{"a":1}`), true),
		ts.SignPayload(bytes.Repeat([]byte("abcd"), 100), true),
		old.SignPayload([]byte("by the old key"), false),
		ts.Sign("not base64!"),
		ts.Sign(".eJwDAAAAAAE"),
		ts.Sign("eyJhIjoxfQ\n"),
		"no separator",
		ts.SignPayload([]byte("x"), false) + "A",
	}
	for _, in := range inputs {
		for _, maxAge := range []time.Duration{0, time.Hour, -time.Second} {
			want, werr := ts.UnsignPayload(in, maxAge)
			buf := []byte(in)
			got, err := ts.UnsignPayloadBytes(buf, maxAge)
			if !bytes.Equal(got, want) || (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) {
				t.Fatalf("UnsignPayloadBytes(%q, %v) = %q, %v; UnsignPayload gives %q, %v", in, maxAge, got, err, want, werr)
			}
			if string(buf) != in {
				t.Fatalf("UnsignPayloadBytes modified its input: %q", buf)
			}
			if len(got) > 0 {
				got[0] ^= 0xff // the result is the caller's
				if string(buf) != in {
					t.Fatalf("the result shares the input's memory")
				}
			}
		}
	}
	if _, err := (&TimestampSigner{}).UnsignPayloadBytes([]byte(inputs[0]), 0); !errors.Is(err, ErrNoKey) {
		t.Fatalf("a signer without a key: %v, want ErrNoKey", err)
	}
}
