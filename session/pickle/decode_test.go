package pickle_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// everyType is what the "every type a session holds" pickles below decode to.
var everyType = map[string]any{
	"s": "héllo ☃ 😀", "i": int64(7), "neg": int64(-300), "i32": int64(1<<31 - 1), "i64": int64(1<<63 - 1),
	"big": json.Number("18446744073709551616"), "negbig": json.Number("-1180591620717411303424"),
	"f": 1.0, "f2": -0.5, "b": true, "c": false, "n": nil,
	"l": []any{int64(1), "two", []any{3.5}}, "t": []any{int64(1), "x"},
	"d": map[string]any{"a": map[string]any{"b": []any{}}}, "y": "bytes",
	"e": map[string]any{}, "el": []any{}, "et": []any{},
}

// TestDecodePythonPickles reads pickles written by Python 3.11's
// pickle.dumps (the hex below), in the protocols Django's cache backends
// and older Pythons write.
func TestDecodePythonPickles(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want map[string]any
	}{
		{"every type a session holds, protocol 3", "80037d7100285801000000737101580f00000068c3a96c6c6f20e2988320f09f9880710258010000006971034b0758030000006e656771044ad4feffff580300000069333271054affffff7f580300000069363471068a08ffffffffffffff7f580300000062696771078a0900000000000000000158060000006e656762696771088a090000000000000000c05801000000667109473ff000000000000058020000006632710a47bfe0000000000000580100000062710b88580100000063710c8958010000006e710d4e58010000006c710e5d710f284b01580300000074776f71105d711147400c000000000000616558010000007471124b01580100000078711386711458010000006471157d711658010000006171177d7118680b5d71197373580100000079711a43056279746573711b580100000065711c7d711d5802000000656c711e5d711f58020000006574712029752e", everyType},
		{"every type a session holds, protocol 4", "800495ef000000000000007d94288c0173948c0f68c3a96c6c6f20e2988320f09f9880948c0169944b078c036e6567944ad4feffff8c03693332944affffff7f8c03693634948a08ffffffffffffff7f8c03626967948a090000000000000000018c066e6567626967948a090000000000000000c08c016694473ff00000000000008c0266329447bfe00000000000008c016294888c016394898c016e944e8c016c945d94284b018c0374776f945d9447400c00000000000061658c0174944b018c01789486948c0164947d948c0161947d94680b5d9473738c01799443056279746573948c0165947d948c02656c945d948c0265749429752e", everyType},
		{"every type a session holds, protocol 5", "800595ef000000000000007d94288c0173948c0f68c3a96c6c6f20e2988320f09f9880948c0169944b078c036e6567944ad4feffff8c03693332944affffff7f8c03693634948a08ffffffffffffff7f8c03626967948a090000000000000000018c066e6567626967948a090000000000000000c08c016694473ff00000000000008c0266329447bfe00000000000008c016294888c016394898c016e944e8c016c945d94284b018c0374776f945d9447400c00000000000061658c0174944b018c01789486948c0164947d948c0161947d94680b5d9473738c01799443056279746573948c0165947d948c02656c945d948c0265749429752e", everyType},
		{"protocol 2, without bytes", "80027d7100285801000000737101580600000068c3a96c6c6f710258010000006971034b07580300000062696771048a090000000000000000015801000000667105473ff000000000000058010000006271068858010000006e71074e58010000006c71085d7109284b015d710a47400c0000000000006165580100000074710b4b01580100000078710c86710d580100000064710e7d710f58010000006171107d711173752e",
			map[string]any{"s": "héllo", "i": int64(7), "big": json.Number("18446744073709551616"), "f": 1.0, "b": true, "n": nil,
				"l": []any{int64(1), []any{3.5}}, "t": []any{int64(1), "x"}, "d": map[string]any{"a": map[string]any{}}}},
		{"set_expiry(datetime) with pytz UTC (Django 3.2), protocol 3", "80037d7100580f0000005f73657373696f6e5f6578706972797101636461746574696d650a6461746574696d650a7102430a07ee01020304050000067103637079747a0a5f5554430a710429527105867106527107732e",
			map[string]any{"_session_expiry": "2030-01-02T03:04:05.000006+00:00"}},
		{"set_expiry(datetime) with pytz UTC (Django 3.2), protocol 5", "80059552000000000000007d948c0f5f73657373696f6e5f657870697279948c086461746574696d65948c086461746574696d65949394430a07ee0102030405000006948c047079747a948c045f55544394939429529486945294732e",
			map[string]any{"_session_expiry": "2030-01-02T03:04:05.000006+00:00"}},
		{"datetime.timezone.utc, protocol 3", "80037d7100580f0000005f73657373696f6e5f6578706972797101636461746574696d650a6461746574696d650a7102430a07ee01020304050000007103636461746574696d650a74696d657a6f6e650a7104636461746574696d650a74696d6564656c74610a71054b004b004b0087710652710785710852710986710a52710b732e",
			map[string]any{"_session_expiry": "2030-01-02T03:04:05+00:00"}},
		{"datetime.timezone.utc, protocol 4", "8004956c000000000000007d948c0f5f73657373696f6e5f657870697279948c086461746574696d65948c086461746574696d65949394430a07ee01020304050000009468028c0874696d657a6f6e6594939468028c0974696d6564656c74619493944b004b004b00879452948594529486945294732e",
			map[string]any{"_session_expiry": "2030-01-02T03:04:05+00:00"}},
		{"a naive datetime (USE_TZ = False), protocol 4", "8004953f000000000000007d948c0f5f73657373696f6e5f657870697279948c086461746574696d65948c086461746574696d65949394430a07cf0c1f173b3b0f423f9485945294732e",
			map[string]any{"_session_expiry": "1999-12-31T23:59:59.999999"}},
		{"a datetime under another key", "80059547000000000000007d948c047365656e948c086461746574696d65948c086461746574696d65949394430a07e8021d0c0000000000948c047079747a948c045f55544394939429529486945294732e",
			map[string]any{"seen": "2024-02-29T12:00:00+00:00"}},
		{"a datetime with fold=1", "80049531000000000000007d948c0178948c086461746574696d65948c086461746574696d65949394430a07ee81020304050000009485945294732e",
			map[string]any{"x": "2030-01-02T03:04:05"}},
		{"a list shared by two keys (memo), protocol 2", "80027d71002858010000006171015d7102284b014b026558010000006271036802752e",
			map[string]any{"a": []any{int64(1), int64(2)}, "b": []any{int64(1), int64(2)}}},
		{"a list shared by two keys (memo), protocol 4", "80049517000000000000007d94288c0161945d94284b014b02658c0162946802752e",
			map[string]any{"a": []any{int64(1), int64(2)}, "b": []any{int64(1), int64(2)}}},
		{"a string shared by two keys (memo)", "80049515000000000000007d94288c0161948c03787878948c0162946802752e",
			map[string]any{"a": "xxx", "b": "xxx"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pickle.Codec{}.Decode(unhex(t, tc.hex))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Decode =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

func TestSharedReferencesAreCopies(t *testing.T) {
	got, err := pickle.Codec{}.Decode(unhex(t, "80049517000000000000007d94288c0161945d94284b014b02658c0162946802752e"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := got["a"].([]any), got["b"].([]any)
	a[0] = "changed"
	if b[0] != int64(1) {
		t.Errorf("the two references share one slice: b = %v", b)
	}
}

// TestMismatchAndCorrupt: another codec's data is ErrCodecMismatch (the
// handler sees it, the record is kept), a broken pickle is ErrCorrupt.
func TestMismatchAndCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want error
	}{
		{"JSON (JSONCodec)", `{"a":1}`, session.ErrCodecMismatch},
		{"Django's signed form (DjangoCodec)", "eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY", session.ErrCodecMismatch},
		{"Django's compressed signed form", ".eJyrVkpUslKqoC1QqgUASkcupA:1r31eq:c2cG248xzS_RzuW12NqSyTvZYIT3nNyYycZ8Ul_LJyU", session.ErrCodecMismatch},
		{"empty", "", session.ErrCodecMismatch},
		{"protocol 1", "\x80\x01}q\x00.", session.ErrCodecMismatch},
		{"protocol 6", "\x80\x06}\x94.", session.ErrCodecMismatch},
		{"a list, not a dict", "\x80\x04\x95\x08\x00\x00\x00\x00\x00\x00\x00]\x94\x8c\x01a\x94a.", session.ErrCodecMismatch},
		{"a dict with an int key", "\x80\x04\x95\x0a\x00\x00\x00\x00\x00\x00\x00}\x94K\x01\x8c\x01a\x94s.", session.ErrCodecMismatch},
		{"bytes that are not UTF-8", "\x80\x04\x95\x0d\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01x\x94C\x02\xff\xfe\x94s.", session.ErrCodecMismatch},
		{"truncated", "\x80\x04}\x94\x8c\x05ab", session.ErrCorrupt},
		{"no STOP", "\x80\x04}\x94", session.ErrCorrupt},
		{"data after STOP", "\x80\x04}.junk", session.ErrCorrupt},
		{"an unknown opcode", "\x80\x04}\xff.", session.ErrCorrupt},
		{"a stack underflow", "\x80\x04s.", session.ErrCorrupt},
		{"a memo index never stored", "\x80\x04h\x05.", session.ErrCorrupt},
		{"a length beyond the input", "\x80\x04X\xff\xff\xff\x7f.", session.ErrCorrupt},
		{"a frame beyond the input", "\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x7f}.", session.ErrCorrupt},
		{"two values left at STOP", "\x80\x04}}.", session.ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pickle.Codec{}.Decode([]byte(tc.data))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode = %v, want %v", err, tc.want)
			}
			other := session.ErrCorrupt
			if tc.want == session.ErrCorrupt {
				other = session.ErrCodecMismatch
			}
			if errors.Is(err, other) {
				t.Fatalf("Decode = %v, which also matches %v", err, other)
			}
		})
	}
}
