package pickle_test

import (
	"errors"
	"testing"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
)

// FuzzDecode feeds arbitrary bytes to Decode: it never panics, fails only
// with ErrCorrupt or ErrCodecMismatch, and whatever it accepts encodes
// to a pickle that decodes to an equal value.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"80049517000000000000007d94288c0161945d94284b014b02658c0162946802752e",
		"80059552000000000000007d948c0f5f73657373696f6e5f657870697279948c086461746574696d65948c086461746574696d65949394430a07ee0102030405000006948c047079747a948c045f55544394939429529486945294732e",
		"8004956c000000000000007d948c0f5f73657373696f6e5f657870697279948c086461746574696d65948c086461746574696d65949394430a07ee01020304050000009468028c0874696d657a6f6e6594939468028c0974696d6564656c74619493944b004b004b00879452948594529486945294732e",
		"800595ef000000000000007d94288c0173948c0f68c3a96c6c6f20e2988320f09f9880948c0169944b078c036e6567944ad4feffff8c03693332944affffff7f8c03693634948a08ffffffffffffff7f8c03626967948a090000000000000000018c066e6567626967948a090000000000000000c08c016694473ff00000000000008c0266329447bfe00000000000008c016294888c016394898c016e944e8c016c945d94284b018c0374776f945d9447400c00000000000061658c0174944b018c01789486948c0164947d948c0161947d94680b5d9473738c01799443056279746573948c0165947d948c02656c945d948c0265749429752e",
		"80027d71005801000000787101635f636f646563730a656e636f64650a710258020000006162710358060000006c6174696e317104867105527106732e",
	} {
		f.Add(unhex(f, seed))
	}
	f.Add([]byte(`{"a":1}`))
	f.Add([]byte("\x80\x04}\x94(\x8c\x01a]\x94h\x01ae."))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := pickle.Codec{}.Decode(data)
		if err != nil {
			if !errors.Is(err, session.ErrCorrupt) && !errors.Is(err, session.ErrCodecMismatch) {
				t.Fatalf("Decode error %v matches neither ErrCorrupt nor ErrCodecMismatch", err)
			}
			return
		}
		if m == nil {
			t.Fatal("Decode returned a nil map without an error")
		}
		enc, err := pickle.Codec{}.Encode(m)
		if err != nil {
			t.Fatalf("Encode of a decoded value: %v", err)
		}
		again, err := pickle.Codec{}.Decode(enc)
		if err != nil {
			t.Fatalf("Decode of Encode's output %x: %v", enc, err)
		}
		if !equalValues(m, again) {
			t.Fatalf("round trip changed\n%#v\ninto\n%#v", m, again)
		}
	})
}

// FuzzEncode: whatever Encode accepts of values built from fuzzed parts
// decodes back to the same values.
func FuzzEncode(f *testing.F) {
	f.Add("key", "value", int64(1), 1.5, true, "2030-01-02T03:04:05.000006+00:00")
	f.Fuzz(func(t *testing.T, k, s string, n int64, x float64, b bool, expiry string) {
		in := map[string]any{k: s, "n": n, "x": x, "b": b, "l": []any{s, n, nil}, session.ExpiryKey: expiry}
		enc, err := pickle.Codec{}.Encode(in)
		if err != nil {
			return // strings that are not UTF-8
		}
		out, err := pickle.Codec{}.Decode(enc)
		if err != nil {
			t.Fatalf("Decode of Encode's output: %v", err)
		}
		again, err := pickle.Codec{}.Encode(out)
		if err != nil {
			t.Fatal(err)
		}
		back, err := pickle.Codec{}.Decode(again)
		if err != nil || !equalValues(out, back) {
			t.Fatalf("second round trip: %v, %v", back, err)
		}
		for key, v := range in {
			if key == session.ExpiryKey {
				continue // an ISO date comes back in Python's isoformat (UTC)
			}
			if !equalValues(v, out[key]) && key != k {
				t.Fatalf("%q: %#v came back as %#v", key, v, out[key])
			}
		}
	})
}
