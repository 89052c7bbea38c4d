package pickle_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
)

// p4 is a protocol 4 pickle of {"v": <value>} where value is the opcodes given.
func p4(value string) []byte {
	return []byte("\x80\x04}\x8c\x01v" + value + "s.")
}

// sg is STACK_GLOBAL of module.name.
func sg(module, name string) string {
	return "\x8c" + string(rune(len(module))) + module + "\x8c" + string(rune(len(name))) + name + "\x93"
}

// g is GLOBAL of module.name (protocols 0 to 3).
func g(module, name string) string { return "c" + module + "\n" + name + "\n" }

// short is SHORT_BINUNICODE s.
func short(s string) string { return "\x8c" + string(rune(len(s))) + s }

func wantRefused(t *testing.T, data []byte) {
	t.Helper()
	m, err := pickle.Codec{}.Decode(data)
	if !errors.Is(err, pickle.ErrRefused) || !errors.Is(err, session.ErrCodecMismatch) {
		t.Fatalf("Decode = %v, %v; want an error matching ErrRefused and session.ErrCodecMismatch", m, err)
	}
	if errors.Is(err, session.ErrCorrupt) {
		t.Fatalf("Decode = %v, which also matches ErrCorrupt (an empty session that a save overwrites)", err)
	}
}

// TestRefusesCode: every opcode family that could run code or build an
// object is refused, never executed or emulated. One t.Run per family.
func TestRefusesCode(t *testing.T) {
	families := []struct {
		family string
		cases  map[string][]byte
	}{
		{"REDUCE: the classic os.system payloads", map[string][]byte{
			"GLOBAL os.system, protocol 2":         []byte("\x80\x02" + g("os", "system") + "X\x0b\x00\x00\x00echo pwned!\x85R."),
			"STACK_GLOBAL os.system, protocol 4":   []byte("\x80\x04" + sg("os", "system") + short("echo pwned!") + "\x85R."),
			"posix.system inside the session dict": p4(g("posix", "system") + short("id") + "\x85R"),
			"builtins.eval":                        p4(sg("builtins", "eval") + short("__import__('os')") + "\x85R"),
			"subprocess.Popen":                     p4(sg("subprocess", "Popen") + short("sh") + "\x85R"),
			"REDUCE on a str":                      p4(short("os.system") + ")R"),
			"REDUCE on a list":                     p4("]" + ")R"),
		}},
		{"REDUCE on an allowed global with other arguments", map[string][]byte{
			"datetime.datetime(2030, 1, 2)":          p4(sg("datetime", "datetime") + "M\xee\x07K\x01K\x02\x87R"),
			"datetime.datetime of a str state":       p4(sg("datetime", "datetime") + short("0123456789") + "\x85R"),
			"datetime.datetime of 9 bytes":           p4(sg("datetime", "datetime") + "C\x09\x07\xee\x01\x02\x03\x04\x05\x00\x00\x85R"),
			"datetime.datetime, month 13":            p4(sg("datetime", "datetime") + "C\x0a\x07\xee\x0d\x02\x03\x04\x05\x00\x00\x00\x85R"),
			"datetime.datetime, February 30":         p4(sg("datetime", "datetime") + "C\x0a\x07\xee\x02\x1e\x03\x04\x05\x00\x00\x00\x85R"),
			"datetime.datetime, microseconds 10^6":   p4(sg("datetime", "datetime") + "C\x0a\x07\xee\x01\x02\x03\x04\x05\x0f\x42\x40\x85R"),
			"datetime.datetime with three arguments": p4(sg("datetime", "datetime") + "C\x0a\x07\xee\x01\x02\x03\x04\x05\x00\x00\x00N" + "N\x87R"),
			"a timezone of UTC+2 (Python's pickle)":  unhex(t, "80049558000000000000008c086461746574696d65948c086461746574696d65949394430a07ee0102030405000006946800"+"8c0874696d657a6f6e65949394680"+"08c0974696d6564656c74619493944b004d201c4b00879452948594529486945294"+"2e"),
			"pytz Europe/Paris (pytz._p)":            p4(sg("datetime", "datetime") + "C\x0a\x07\xee\x01\x02\x03\x04\x05\x00\x00\x00" + sg("pytz", "_p") + short("Europe/Paris") + "\x85R\x86R"),
			"pytz._UTC with an argument":             p4(sg("pytz", "_UTC") + "N\x85R"),
			"datetime.timezone with a name":          p4(sg("datetime", "timezone") + sg("datetime", "timedelta") + "K\x00K\x00K\x00\x87R" + short("UTC") + "\x86R"),
			"a timedelta other than zero":            p4(sg("datetime", "timedelta") + "K\x01K\x00K\x00\x87R"),
			"REDUCE with a list of arguments":        p4(sg("pytz", "_UTC") + "]R"),
		}},
		{"the allowed globals outside their one form", map[string][]byte{
			"a bare datetime.datetime":          p4(sg("datetime", "datetime")),
			"a timezone as a value":             p4(sg("pytz", "_UTC") + ")R"),
			"a timedelta(0) as a value":         p4(sg("datetime", "timedelta") + "K\x00K\x00K\x00\x87R"),
			"a datetime as a dict key":          []byte("\x80\x04}" + sg("datetime", "datetime") + "C\x0a\x07\xee\x01\x02\x03\x04\x05\x00\x00\x00\x85R" + short("v") + "s."),
			"a whole pickle that is a datetime": []byte("\x80\x04" + sg("datetime", "datetime") + "C\x0a\x07\xee\x01\x02\x03\x04\x05\x00\x00\x00\x85R."),
		}},
		{"GLOBAL and STACK_GLOBAL of any other name", map[string][]byte{
			"os.system":                           p4(g("os", "system")),
			"copyreg._reconstructor":              p4(sg("copyreg", "_reconstructor")),
			"datetime.date":                       p4(sg("datetime", "date")),
			"datetime.time":                       p4(g("datetime", "time")),
			"pytz.timezone":                       p4(sg("pytz", "timezone")),
			"_codecs.encode (protocol 2's bytes)": unhex(t, "80027d71005801000000787101635f636f646563730a656e636f64650a710258020000006162710358060000006c6174696e317104867105527106732e"),
			"a name with a trailing space":        p4(g("datetime", "datetime ")),
			"django.contrib.auth.models.User":     p4(sg("django.contrib.auth.models", "User")),
		}},
		{"object building: BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX", map[string][]byte{
			"BUILD":     p4("}}b"),
			"INST":      p4("(ios\nsystem\n"),
			"OBJ":       p4("(" + sg("os", "system") + "o"),
			"NEWOBJ":    p4("})\x81"),
			"NEWOBJ_EX": p4("})}\x92"),
		}},
		{"the extension registry: EXT1, EXT2, EXT4", map[string][]byte{
			"EXT1": p4("\x82\x01"),
			"EXT2": p4("\x83\x01\x00"),
			"EXT4": p4("\x84\x01\x00\x00\x00"),
		}},
		{"persistent ids: PERSID, BINPERSID", map[string][]byte{
			"PERSID":    p4("Pobject-id\n"),
			"BINPERSID": p4(short("object-id") + "Q"),
		}},
		{"types a session value cannot be: sets, bytearray, buffers", map[string][]byte{
			"EMPTY_SET and ADDITEMS (Python's pickle of {1, 2})": unhex(t, "80049510000000000000007d948c0178948f94284b014b0290732e"),
			"FROZENSET":       p4("(K\x01\x91"),
			"BYTEARRAY8":      p4("\x96\x01\x00\x00\x00\x00\x00\x00\x00x"),
			"NEXT_BUFFER":     p4("\x97"),
			"READONLY_BUFFER": p4("C\x01x\x98"),
		}},
		{"the text opcodes of protocols 0 and 1", map[string][]byte{
			"INT":             p4("I1\n"),
			"LONG":            p4("L1L\n"),
			"FLOAT":           p4("F1.5\n"),
			"STRING":          p4("S'x'\n"),
			"UNICODE":         p4("Vx\n"),
			"BINSTRING":       p4("T\x01\x00\x00\x00x"),
			"SHORT_BINSTRING": p4("U\x01x"),
			"PUT and GET":     p4("Np0\n0g0\n"),
			"POP":             p4("NN0"),
			"POP_MARK":        p4("N(N1"),
			"DUP":             p4("N2s" + short("w")),
		}},
		{"limits", map[string][]byte{
			"nesting deeper than MaxDepth": p4(strings.Repeat("]", pickle.MaxDepth+1) + strings.Repeat("a", pickle.MaxDepth)),
			"a billion laughs of shared lists": func() []byte {
				// [l0, l1, ... l20] with l0 = [None]*8 and l(i+1) = [li]*8:
				// 8^21 values once expanded, from 400 bytes.
				b := "](" + "]\x94(" + strings.Repeat("N", 8) + "e"
				for i := range 20 {
					b += "]\x94(" + strings.Repeat("h"+string(rune(i)), 8) + "e"
				}
				return p4(b + "e")
			}(),
			"an int of more than 4300 digits": p4("\x8b\x00\x08\x00\x00" + strings.Repeat("\x11", 2048)),
			"a list that contains itself":     p4("]\x94h\x00a"),
		}},
	}
	for _, f := range families {
		t.Run(f.family, func(t *testing.T) {
			for name, data := range f.cases {
				t.Run(name, func(t *testing.T) { wantRefused(t, data) })
			}
		})
	}
}

// TestProtocolZeroPayloadIsNotAPickleOfOurs: the classic protocol 0
// payload has no PROTO header, so it is another format altogether.
func TestProtocolZeroPayloadIsNotAPickleOfOurs(t *testing.T) {
	_, err := pickle.Codec{}.Decode([]byte("cos\nsystem\n(S'echo pwned'\ntR."))
	if !errors.Is(err, session.ErrCodecMismatch) || errors.Is(err, session.ErrCorrupt) {
		t.Fatalf("Decode = %v, want ErrCodecMismatch", err)
	}
}

// TestAllocationIsBoundedByTheInput decodes inputs built to make a decoder
// allocate: huge declared lengths, shared references that expand, deep
// nesting. None may allocate more than a small multiple of its size.
func TestAllocationIsBoundedByTheInput(t *testing.T) {
	laughs := "](" + "]\x94(" + strings.Repeat("N", 8) + "e"
	for i := range 30 {
		laughs += "]\x94(" + strings.Repeat("h"+string(rune(i)), 8) + "e"
	}
	for name, data := range map[string][]byte{
		"a str of 2^63 bytes":       []byte("\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f"),
		"bytes of 4 GiB":            []byte("\x80\x04B\xff\xff\xff\xff"),
		"a LONG4 of 2 GiB":          []byte("\x80\x04\x8b\xff\xff\xff\x7f"),
		"a frame of 2^63 bytes":     []byte("\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x7f"),
		"a memo index of 4 billion": []byte("\x80\x04N\x72\xff\xff\xff\xff}."),
		"shared lists, 8^31 values": p4(laughs + "e"),
		"ten thousand nested lists": p4(strings.Repeat("]", 10000) + strings.Repeat("a", 9999)),
		"ten thousand marks":        p4(strings.Repeat("(", 10000)),
	} {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := pickle.Codec{}.Decode(data)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("Decode accepted it")
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > uint64(200*len(data)+64<<10) {
				t.Errorf("Decode of %d bytes allocated %d bytes", len(data), n)
			}
		})
	}
}
