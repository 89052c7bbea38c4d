package signing

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

var fuzzKey = []byte("fuzz key")

// FuzzUnsign feeds arbitrary strings to Signer.Unsign and
// TimestampSigner.UnsignTime: no panic, and anything accepted must be what
// signing its value gives back, byte for byte.
func FuzzUnsign(f *testing.F) {
	s := Signer{SecretKey: fuzzKey}
	ts := TimestampSigner{Signer: Signer{SecretKey: fuzzKey}, Now: fixedClock(1700000000)}
	for _, v := range []string{"", "hello", "a:b:c", "é😀", "\x00:\xff"} {
		f.Add(s.Sign(v))
		f.Add(ts.Sign(v))
	}
	f.Add("no separator")
	f.Add(":")
	f.Add("value:1r31eq:" + strings.Repeat("A", 43))
	f.Fuzz(func(t *testing.T, in string) {
		if v, err := s.Unsign(in); err == nil {
			if again := s.Sign(v); again != in {
				t.Fatalf("Unsign(%q) accepted %q, which signs as %q", in, v, again)
			}
		}
		v, at, err := ts.UnsignTime(in, time.Hour)
		if err != nil {
			return
		}
		if B62Encode(at.Unix()) != in[len(v)+1:strings.LastIndex(in, ":")] {
			return // Django's lenient base62 (leading zeros): accepted, not canonical
		}
		resign := TimestampSigner{Signer: ts.Signer, Now: func() time.Time { return at }}
		if again := resign.Sign(v); again != in {
			t.Fatalf("UnsignTime(%q) accepted %q at %v, which signs as %q", in, v, at, again)
		}
	})
}

// FuzzSignUnsign signs arbitrary values with arbitrary separators and keys
// and checks they come back intact.
func FuzzSignUnsign(f *testing.F) {
	f.Add("hello", ":", []byte("k"), int64(1700000000))
	f.Add("a:b\x00é", "::", []byte{0xff, 0}, int64(-5))
	f.Fuzz(func(t *testing.T, value, sep string, key []byte, now int64) {
		ts := TimestampSigner{Signer: Signer{SecretKey: key, Sep: sep}, Now: fixedClock(now)}
		if ts.Validate() != nil {
			return
		}
		signed := ts.Sign(value)
		got, at, err := ts.UnsignTime(signed, 0)
		if err != nil || got != value || at.Unix() != now {
			t.Fatalf("Sign(%q) with sep %q = %q; UnsignTime = %q, %v, %v", value, sep, signed, got, at, err)
		}
	})
}

// FuzzLoads feeds arbitrary strings to Loads and to the UnsignPayload and
// UnsignObject methods beneath it: no panic, nothing larger than
// MaxPayload, Loads and UnsignObject agree, and an accepted uncompressed
// payload re-signs to the same string.
func FuzzLoads(f *testing.F) {
	ts := TimestampSigner{Signer: Signer{SecretKey: fuzzKey, Salt: DumpsSalt}, Now: fixedClock(1700000000)}
	for _, v := range []any{map[string]any{"a": 1}, "x", []any{1.5, nil}} {
		s, _ := ts.SignObject(v, false)
		f.Add(s)
	}
	big, _ := ts.SignObject(map[string]any{"log": strings.Repeat("abc", 500)}, true)
	f.Add(big)
	f.Add(ts.Sign(".eJwDAAAAAAE"))
	f.Add(ts.Sign("not base64!"))
	f.Add(ts.Sign(""))
	f.Fuzz(func(t *testing.T, in string) {
		obj, oerr := ts.UnsignObject(in, 0)
		if lv, lerr := Loads(in, fuzzKey, "", 0); (lerr == nil) != (oerr == nil) {
			t.Fatalf("Loads = %v, %v but UnsignObject = %v, %v", lv, lerr, obj, oerr)
		}
		data, err := ts.UnsignPayload(in, 0)
		in2 := []byte(in)
		if bdata, berr := ts.UnsignPayloadBytes(in2, 0); (berr == nil) != (err == nil) || !bytes.Equal(bdata, data) || string(in2) != in {
			t.Fatalf("UnsignPayloadBytes = %q, %v; UnsignPayload = %q, %v", bdata, berr, data, err)
		}
		if err != nil {
			if oerr == nil {
				t.Fatalf("UnsignObject accepted what UnsignPayload refused: %v", err)
			}
			return
		}
		if len(data) > DefaultMaxPayload {
			t.Fatalf("UnsignPayload returned %d bytes, over MaxPayload", len(data))
		}
		v, at, _ := ts.UnsignTime(in, 0)
		resign := TimestampSigner{Signer: ts.Signer, Now: func() time.Time { return at }}
		// With a canonical timestamp, an uncompressed payload must be the
		// one base64 form of its bytes (strict decoding).
		if !strings.HasPrefix(v, ".") && resign.Sign(v) == in {
			if again := resign.SignPayload(data, false); again != in {
				t.Fatalf("UnsignPayload(%q) = %q, which signs as %q", in, data, again)
			}
		}
		if back, err := resign.UnsignPayload(resign.SignPayload(data, true), 0); err != nil || !bytes.Equal(back, data) {
			t.Fatalf("re-signing %q compressed: %q, %v", data, back, err)
		}
	})
}
