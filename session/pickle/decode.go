package pickle

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/djsession/djsession/session"
)

// The opcodes of Python's pickle (Lib/pickletools.py), those Decode reads
// and those it names when it refuses them.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opFloat          = 'F'
	opInt            = 'I'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opLong           = 'L'
	opBinInt2        = 'M'
	opNone           = 'N'
	opPersID         = 'P'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opString         = 'S'
	opBinString      = 'T'
	opShortBinString = 'U'
	opUnicode        = 'V'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opGet            = 'g'
	opBinGet         = 'h'
	opInst           = 'i'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opObj            = 'o'
	opPut            = 'p'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	opProto          = 0x80
	opNewObj         = 0x81
	opExt1           = 0x82
	opExt2           = 0x83
	opExt4           = 0x84
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opLong4          = 0x8b
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opBinBytes8      = 0x8e
	opEmptySet       = 0x8f
	opAddItems       = 0x90
	opFrozenSet      = 0x91
	opNewObjEx       = 0x92
	opStackGlobal    = 0x93
	opMemoize        = 0x94
	opFrame          = 0x95
	opByteArray8     = 0x96
	opNextBuffer     = 0x97
	opReadonlyBuffer = 0x98
)

// refusedOps names the opcodes that Decode knows and never runs.
var refusedOps = map[byte]string{
	opPop: "POP", opPopMark: "POP_MARK", opDup: "DUP", opFloat: "FLOAT", opInt: "INT",
	opLong: "LONG", opPersID: "PERSID", opBinPersID: "BINPERSID", opString: "STRING",
	opBinString: "BINSTRING", opShortBinString: "SHORT_BINSTRING", opUnicode: "UNICODE",
	opBuild: "BUILD", opGet: "GET", opInst: "INST", opObj: "OBJ", opPut: "PUT",
	opNewObj: "NEWOBJ", opExt1: "EXT1", opExt2: "EXT2", opExt4: "EXT4",
	opEmptySet: "EMPTY_SET", opAddItems: "ADDITEMS", opFrozenSet: "FROZENSET",
	opNewObjEx: "NEWOBJ_EX", opByteArray8: "BYTEARRAY8", opNextBuffer: "NEXT_BUFFER",
	opReadonlyBuffer: "READONLY_BUFFER",
}

// The items of the unpickler's stack besides the final values (string,
// int64, json.Number, float64, bool and nil).
type (
	// pyBytes is a Python bytes object.
	pyBytes string
	// pyGlobal is one of the four names a pickle may mention: a marker,
	// never something that is looked up or called.
	pyGlobal uint8
	// zeroDelta is datetime.timedelta(0), a timezone's offset.
	zeroDelta struct{}
	// utcZone is datetime.timezone.utc or pytz.utc.
	utcZone struct{}
	// pyDatetime is a datetime.datetime, already in its isoformat() form.
	pyDatetime string
)

const (
	globalDatetime pyGlobal = iota + 1
	globalTimezone
	globalTimedelta
	globalPytzUTC
)

func (g pyGlobal) String() string {
	switch g {
	case globalDatetime:
		return "datetime.datetime"
	case globalTimezone:
		return "datetime.timezone"
	case globalTimedelta:
		return "datetime.timedelta"
	}
	return "pytz._UTC"
}

// lookupGlobal returns the marker of an allowed global, or 0.
func lookupGlobal(module, name string) pyGlobal {
	switch module + "." + name {
	case "datetime.datetime":
		return globalDatetime
	case "datetime.timezone":
		return globalTimezone
	case "datetime.timedelta":
		return globalTimedelta
	case "pytz._UTC":
		return globalPytzUTC
	}
	return 0
}

// container kinds.
const (
	kindList uint8 = iota
	kindTuple
	kindDict
)

// conversion states of a container.
const (
	fresh uint8 = iota
	visiting
	converted
)

// container is a list, a tuple or a dict under construction. The memo
// holds pointers, so that a list appended to after it was memoized is seen
// complete through every reference, as in Python.
type container struct {
	kind  uint8
	state uint8
	items []any          // list and tuple
	m     map[string]any // dict
}

// decoder is one run of the unpickler.
type decoder struct {
	data []byte
	text string // data as one string, which every str and bytes slices

	pos      int
	stack    []item
	marks    []int
	memo     []item
	memoFar  map[uint32]item // indices beyond len(memo), which Python never writes
	budget   int             // values the conversion may still produce
	stackBuf [12]item
	markBuf  [4]int
}

// item is one entry of the stack or the memo: a str kept as it is (a dict
// key needs no interface value, and module and global names never leave
// the stack), or any other value.
type item struct {
	s   string
	v   any
	str bool
}

// value is the item as a value of a list, a tuple or a dict.
func (it item) value() any {
	if it.str {
		return it.s
	}
	return it.v
}

// decoders keeps decoders and their buffers between calls.
var decoders = sync.Pool{New: func() any { return new(decoder) }}

// release drops every reference the decoder holds and returns it to the
// pool (buffers that grew large are dropped too).
func (d *decoder) release() {
	clear(d.stack[:cap(d.stack)])
	clear(d.memo[:cap(d.memo)])
	if cap(d.memo) > 1024 {
		d.memo = nil
	}
	d.data, d.text, d.stack, d.marks, d.memoFar = nil, "", nil, nil, nil
	decoders.Put(d)
}

func corrupt(pos int, format string, args ...any) error {
	return fmt.Errorf("%w: pickle: %s at byte %d", session.ErrCorrupt, fmt.Sprintf(format, args...), pos)
}

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", session.ErrCodecMismatch, ErrRefused, fmt.Sprintf(format, args...))
}

// unmarshal decodes a pickled session dict.
func unmarshal(data []byte) (map[string]any, error) {
	if len(data) < 2 || data[0] != opProto {
		return nil, notPickle(data)
	}
	if data[1] < 2 || data[1] > 5 {
		return nil, fmt.Errorf("%w: pickle protocol %d: only protocols 2 to 5 are read", session.ErrCodecMismatch, data[1])
	}
	d := decoders.Get().(*decoder)
	defer d.release()
	d.data, d.text, d.pos, d.budget = data, string(data), 2, 4*len(data)+4096
	d.stack, d.marks, d.memo, d.memoFar = d.stackBuf[:0], d.markBuf[:0], d.memo[:0], nil
	top, err := d.run()
	if err != nil {
		return nil, err
	}
	c, ok := top.(*container)
	if !ok || c.kind != kindDict {
		return nil, refused("the pickle holds %s, not a dict", describe(top))
	}
	v, err := d.convert(top, 0)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// notPickle is the error for data that does not start with PROTO: another
// codec's framing, or something else.
func notPickle(data []byte) error {
	what := "not a pickle of protocol 2 or later"
	switch t := bytes.TrimLeft(data, " \t\r\n"); {
	case len(t) > 0 && t[0] == '{':
		what = "a JSON object (session.JSONCodec), not a pickle"
	case bytes.Count(data, []byte(":")) >= 2 && !bytes.ContainsAny(data, " \n\x00"):
		what = "Django's signed form (session.DjangoCodec), not a pickle"
	}
	return fmt.Errorf("%w: the data is %s", session.ErrCodecMismatch, what)
}

// describe names a stack item in errors, never its content.
func describe(v any) string {
	switch x := v.(type) {
	case *container:
		return [...]string{"a list", "a tuple", "a dict"}[x.kind]
	case pyGlobal:
		return "the global " + x.String()
	case utcZone:
		return "a timezone"
	case zeroDelta:
		return "a timedelta"
	case pyBytes:
		return "bytes"
	case pyDatetime:
		return "a datetime"
	case nil:
		return "None"
	}
	return fmt.Sprintf("a %T", v)
}

func (d *decoder) read(n int) ([]byte, error) {
	if n < 0 || n > len(d.data)-d.pos {
		return nil, corrupt(d.pos, "truncated: %d bytes wanted, %d left", n, len(d.data)-d.pos)
	}
	b := d.data[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

func (d *decoder) readLen(width int) (int, error) {
	b, err := d.read(width)
	if err != nil {
		return 0, err
	}
	var n uint64
	switch width {
	case 1:
		n = uint64(b[0])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(b))
	default:
		n = binary.LittleEndian.Uint64(b)
	}
	if n > uint64(len(d.data)-d.pos) {
		return 0, corrupt(d.pos, "truncated: a length of %d with %d bytes left", n, len(d.data)-d.pos)
	}
	return int(n), nil
}

func (d *decoder) push(v any) { d.stack = append(d.stack, item{v: v}) }

func (d *decoder) pushStr(s string) { d.stack = append(d.stack, item{s: s, str: true}) }

func (d *decoder) pop() (item, error) {
	if len(d.stack) == 0 || (len(d.marks) > 0 && len(d.stack) == d.marks[len(d.marks)-1]) {
		return item{}, corrupt(d.pos-1, "stack underflow")
	}
	v := d.stack[len(d.stack)-1]
	d.stack = d.stack[:len(d.stack)-1]
	return v, nil
}

func (d *decoder) peek() (item, error) {
	if len(d.stack) == 0 || (len(d.marks) > 0 && len(d.stack) == d.marks[len(d.marks)-1]) {
		return item{}, corrupt(d.pos-1, "stack underflow")
	}
	return d.stack[len(d.stack)-1], nil
}

// values returns the items as values, in a new slice.
func values(items []item) []any {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it.value()
	}
	return out
}

// popMark returns the items above the topmost MARK and removes them and
// the mark. The slice aliases the stack: copy what is kept.
func (d *decoder) popMark() ([]item, error) {
	if len(d.marks) == 0 {
		return nil, corrupt(d.pos-1, "no MARK on the stack")
	}
	at := d.marks[len(d.marks)-1]
	d.marks = d.marks[:len(d.marks)-1]
	items := d.stack[at:]
	d.stack = d.stack[:at]
	return items, nil
}

func (d *decoder) memoize(idx uint32, v item) {
	switch {
	case int(idx) < len(d.memo):
		d.memo[idx] = v
	case int(idx) == len(d.memo):
		d.memo = append(d.memo, v)
	default:
		if d.memoFar == nil {
			d.memoFar = make(map[uint32]item)
		}
		d.memoFar[idx] = v
	}
}

func (d *decoder) recall(idx uint32) error {
	if int(idx) < len(d.memo) {
		d.stack = append(d.stack, d.memo[idx])
		return nil
	}
	if v, ok := d.memoFar[idx]; ok {
		d.stack = append(d.stack, v)
		return nil
	}
	return corrupt(d.pos, "memo index %d was never stored", idx)
}

func (d *decoder) run() (any, error) {
	for {
		if d.pos >= len(d.data) {
			return nil, corrupt(d.pos, "truncated: no STOP")
		}
		op := d.data[d.pos]
		d.pos++
		switch op {
		case opStop:
			if len(d.marks) > 0 {
				return nil, corrupt(d.pos-1, "STOP with a MARK left")
			}
			if len(d.stack) != 1 {
				return nil, corrupt(d.pos-1, "STOP with %d items on the stack", len(d.stack))
			}
			if d.pos != len(d.data) {
				return nil, corrupt(d.pos, "%d bytes after STOP", len(d.data)-d.pos)
			}
			return d.stack[0].value(), nil
		case opFrame:
			if _, err := d.readLen(8); err != nil {
				return nil, err
			}
		case opMark:
			d.marks = append(d.marks, len(d.stack))
		case opNone:
			d.push(nil)
		case opNewTrue:
			d.push(true)
		case opNewFalse:
			d.push(false)
		case opBinInt1:
			b, err := d.read(1)
			if err != nil {
				return nil, err
			}
			d.push(int64(b[0]))
		case opBinInt2:
			b, err := d.read(2)
			if err != nil {
				return nil, err
			}
			d.push(int64(binary.LittleEndian.Uint16(b)))
		case opBinInt:
			b, err := d.read(4)
			if err != nil {
				return nil, err
			}
			d.push(int64(int32(binary.LittleEndian.Uint32(b))))
		case opLong1, opLong4:
			width := 1
			if op == opLong4 {
				width = 4
			}
			n, err := d.readLen(width)
			if err != nil {
				return nil, err
			}
			// 4300 decimal digits need at most 1786 bytes.
			if n > 1786 {
				return nil, refused("an int of %d bytes: more than Python's %d digits", n, maxIntDigits)
			}
			b, _ := d.read(n)
			v, err := decodeLong(b)
			if err != nil {
				return nil, err
			}
			d.push(v)
		case opBinFloat:
			b, err := d.read(8)
			if err != nil {
				return nil, err
			}
			d.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
		case opShortBinUni, opBinUnicode, opBinUnicode8:
			n, err := d.readLen(lenWidth(op))
			if err != nil {
				return nil, err
			}
			d.pushStr(pyString(d.text[d.pos : d.pos+n]))
			d.pos += n
		case opShortBinBytes, opBinBytes, opBinBytes8:
			n, err := d.readLen(lenWidth(op))
			if err != nil {
				return nil, err
			}
			d.push(pyBytes(d.text[d.pos : d.pos+n]))
			d.pos += n
		case opEmptyDict:
			d.push(&container{kind: kindDict}) // its map is made at the first SETITEMS, at its size
		case opEmptyList:
			d.push(&container{kind: kindList})
		case opEmptyTuple:
			d.push(&container{kind: kindTuple})
		case opDict:
			items, err := d.popMark()
			if err != nil {
				return nil, err
			}
			c := &container{kind: kindDict, m: make(map[string]any, len(items)/2)}
			if err := d.setItems(c, items); err != nil {
				return nil, err
			}
			d.push(c)
		case opList, opTuple:
			items, err := d.popMark()
			if err != nil {
				return nil, err
			}
			kind := kindList
			if op == opTuple {
				kind = kindTuple
			}
			d.push(&container{kind: kind, items: values(items)})
		case opTuple1, opTuple2, opTuple3:
			n := int(op-opTuple1) + 1
			if len(d.stack)-n < 0 || (len(d.marks) > 0 && len(d.stack)-n < d.marks[len(d.marks)-1]) {
				return nil, corrupt(d.pos-1, "stack underflow")
			}
			items := values(d.stack[len(d.stack)-n:])
			d.stack = d.stack[:len(d.stack)-n]
			d.push(&container{kind: kindTuple, items: items})
		case opAppend:
			v, err := d.pop()
			if err != nil {
				return nil, err
			}
			c, err := d.target(kindList, "APPEND")
			if err != nil {
				return nil, err
			}
			c.items = append(c.items, v.value())
		case opAppends:
			items, err := d.popMark()
			if err != nil {
				return nil, err
			}
			c, err := d.target(kindList, "APPENDS")
			if err != nil {
				return nil, err
			}
			if c.items == nil {
				c.items = make([]any, 0, len(items))
			}
			for _, it := range items {
				c.items = append(c.items, it.value())
			}
		case opSetItem:
			v, err := d.pop()
			if err != nil {
				return nil, err
			}
			k, err := d.pop()
			if err != nil {
				return nil, err
			}
			c, err := d.target(kindDict, "SETITEM")
			if err != nil {
				return nil, err
			}
			if err := d.setItem(c, k, v); err != nil {
				return nil, err
			}
		case opSetItems:
			items, err := d.popMark()
			if err != nil {
				return nil, err
			}
			c, err := d.target(kindDict, "SETITEMS")
			if err != nil {
				return nil, err
			}
			if err := d.setItems(c, items); err != nil {
				return nil, err
			}
		case opMemoize:
			v, err := d.peek()
			if err != nil {
				return nil, err
			}
			d.memoize(uint32(len(d.memo)), v)
		case opBinPut, opLongBinPut:
			width := 1
			if op == opLongBinPut {
				width = 4
			}
			b, err := d.read(width)
			if err != nil {
				return nil, err
			}
			v, err := d.peek()
			if err != nil {
				return nil, err
			}
			d.memoize(memoIndex(b), v)
		case opBinGet, opLongBinGet:
			width := 1
			if op == opLongBinGet {
				width = 4
			}
			b, err := d.read(width)
			if err != nil {
				return nil, err
			}
			if err := d.recall(memoIndex(b)); err != nil {
				return nil, err
			}
		case opGlobal:
			module, err := d.line()
			if err != nil {
				return nil, err
			}
			name, err := d.line()
			if err != nil {
				return nil, err
			}
			if err := d.pushGlobal(module, name, "GLOBAL"); err != nil {
				return nil, err
			}
		case opStackGlobal:
			nv, err := d.pop()
			if err != nil {
				return nil, err
			}
			mv, err := d.pop()
			if err != nil {
				return nil, err
			}
			module, name := mv.s, nv.s
			if !mv.str || !nv.str {
				return nil, corrupt(d.pos-1, "STACK_GLOBAL of %s and %s", describe(mv.value()), describe(nv.value()))
			}
			if err := d.pushGlobal(module, name, "STACK_GLOBAL"); err != nil {
				return nil, err
			}
		case opReduce:
			args, err := d.pop()
			if err != nil {
				return nil, err
			}
			fn, err := d.pop()
			if err != nil {
				return nil, err
			}
			v, err := reduce(fn.value(), args.value())
			if err != nil {
				return nil, err
			}
			d.push(v)
		case opProto:
			return nil, corrupt(d.pos-1, "PROTO after the start")
		default:
			if name, ok := refusedOps[op]; ok {
				return nil, refused("the opcode %s (0x%02x) at byte %d", name, op, d.pos-1)
			}
			return nil, corrupt(d.pos-1, "unknown opcode 0x%02x", op)
		}
	}
}

func lenWidth(op byte) int {
	switch op {
	case opShortBinUni, opShortBinBytes:
		return 1
	case opBinUnicode, opBinBytes:
		return 4
	}
	return 8
}

func memoIndex(b []byte) uint32 {
	if len(b) == 1 {
		return uint32(b[0])
	}
	return binary.LittleEndian.Uint32(b)
}

// quoteName writes a global's name for an error, clipped and quoted.
func quoteName(module, name string) string {
	s := module + "." + name
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}

// line reads a GLOBAL argument: text up to a newline.
func (d *decoder) line() (string, error) {
	i := bytes.IndexByte(d.data[d.pos:], '\n')
	if i < 0 {
		return "", corrupt(d.pos, "truncated: GLOBAL without a newline")
	}
	s := string(d.data[d.pos : d.pos+i])
	d.pos += i + 1
	return s, nil
}

// target returns the container below the top of the stack that APPEND or
// SETITEM(S) adds to.
func (d *decoder) target(kind uint8, op string) (*container, error) {
	it, err := d.peek()
	if err != nil {
		return nil, err
	}
	c, ok := it.v.(*container)
	if !ok || c.kind != kind {
		if kind == kindList {
			return nil, refused("%s on %s: only lists are appended to", op, describe(it.value()))
		}
		return nil, refused("%s on %s: only dicts get items", op, describe(it.value()))
	}
	return c, nil
}

// setItems stores key, value pairs in a dict; keys must be str.
func (d *decoder) setItems(c *container, items []item) error {
	if len(items)%2 != 0 {
		return corrupt(d.pos-1, "an odd number of items for a dict")
	}
	if c.m == nil {
		c.m = make(map[string]any, len(items)/2)
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.setItem(c, items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// setItem stores one key, value pair in a dict; the key must be a str.
func (d *decoder) setItem(c *container, k, v item) error {
	if !k.str {
		return refused("a dict key that is %s: only str keys are read", describe(k.value()))
	}
	if c.m == nil {
		c.m = make(map[string]any, 1)
	}
	c.m[k.s] = v.value()
	return nil
}

// pyString is a str read from its UTF-8 bytes (a slice of the input,
// copied once for all). Python writes lone surrogates with
// "surrogatepass", which Go strings cannot hold: they become U+FFFD.
func pyString(b string) string {
	if utf8.ValidString(b) {
		return b
	}
	return strings.ToValidUTF8(b, "\uFFFD")
}

// decodeLong reads LONG1/LONG4's little-endian two's complement integer.
func decodeLong(b []byte) (any, error) {
	if len(b) <= 8 {
		var u uint64
		for i := len(b) - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		if len(b) > 0 && len(b) < 8 && b[len(b)-1]&0x80 != 0 {
			u |= ^uint64(0) << (8 * len(b)) // sign-extend
		}
		return int64(u), nil
	}
	be := make([]byte, len(b))
	for i, c := range b {
		be[len(b)-1-i] = c
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if n.IsInt64() {
		return n.Int64(), nil
	}
	s := n.String()
	if digits := len(strings.TrimPrefix(s, "-")); digits > maxIntDigits {
		return nil, refused("an int of %d digits: more than Python's %d", digits, maxIntDigits)
	}
	return json.Number(s), nil
}

// reduce is REDUCE on one of the allowed globals, with exactly the
// arguments Python's pickler writes for a datetime and its UTC zones. It
// calls nothing: the result is data.
func reduce(fn, args any) (any, error) {
	g, ok := fn.(pyGlobal)
	if !ok {
		return nil, refused("REDUCE on %s: only datetime.datetime and its UTC zones are read", describe(fn))
	}
	t, ok := args.(*container)
	if !ok || t.kind != kindTuple {
		return nil, refused("REDUCE of %s with %s, not a tuple", g, describe(args))
	}
	a := t.items
	switch g {
	case globalDatetime:
		if len(a) < 1 || len(a) > 2 {
			return nil, refused("datetime.datetime with %d arguments: only its pickled state is read", len(a))
		}
		state, ok := a[0].(pyBytes)
		if !ok || len(state) != 10 {
			return nil, refused("datetime.datetime of %s: only its 10 state bytes are read", describe(a[0]))
		}
		aware := false
		if len(a) == 2 {
			if _, ok := a[1].(utcZone); !ok {
				return nil, refused("a datetime with %s as tzinfo: only UTC (datetime.timezone.utc, pytz.utc) or none is read", describe(a[1]))
			}
			aware = true
		}
		s, err := datetimeString(string(state), aware)
		if err != nil {
			return nil, err
		}
		return pyDatetime(s), nil
	case globalTimedelta:
		if len(a) != 3 || a[0] != int64(0) || a[1] != int64(0) || a[2] != int64(0) {
			return nil, refused("a datetime.timedelta other than timedelta(0), the offset of UTC")
		}
		return zeroDelta{}, nil
	case globalTimezone:
		if len(a) != 1 {
			return nil, refused("datetime.timezone with %d arguments: only timezone.utc is read", len(a))
		}
		if _, ok := a[0].(zeroDelta); !ok {
			return nil, refused("datetime.timezone of %s: only timezone.utc is read", describe(a[0]))
		}
		return utcZone{}, nil
	default: // pytz._UTC
		if len(a) != 0 {
			return nil, refused("pytz._UTC with %d arguments", len(a))
		}
		return utcZone{}, nil
	}
}

// datetimeString checks a datetime's state bytes (Python's
// _PyDateTime_DATETIME_DATASIZE layout: year in two bytes, month with the
// fold bit, day, hour, minute, second, microseconds in three bytes, big
// endian) and writes the datetime as isoformat() does.
func datetimeString(b string, aware bool) (string, error) {
	year := int(b[0])<<8 | int(b[1])
	month := int(b[2] & 0x7f) // the top bit is fold, which UTC never needs
	day, hour, minute, second := int(b[3]), int(b[4]), int(b[5]), int(b[6])
	micro := int(b[7])<<16 | int(b[8])<<8 | int(b[9])
	if year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 23 || minute > 59 || second > 59 || micro > 999999 {
		return "", refused("a datetime whose state bytes are out of range")
	}
	buf := make([]byte, 0, 32)
	buf = appendPadded(buf, year, 4)
	buf = append(buf, '-')
	buf = appendPadded(buf, month, 2)
	buf = append(buf, '-')
	buf = appendPadded(buf, day, 2)
	buf = append(buf, 'T')
	buf = appendPadded(buf, hour, 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, minute, 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, second, 2)
	if micro != 0 {
		buf = append(buf, '.')
		buf = appendPadded(buf, micro, 6)
	}
	if aware {
		buf = append(buf, "+00:00"...)
	}
	return string(buf), nil
}

func appendPadded(buf []byte, n, width int) []byte {
	var tmp [8]byte
	for i := width - 1; i >= 0; i-- {
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	return append(buf, tmp[:width]...)
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// convert turns a stack item into its JSON-form value. Lists, tuples and
// dicts are converted in place; one reached a second time (a shared
// reference) is copied, within the budget; one reached while it is being
// converted is a cycle, which no JSON form has.
func (d *decoder) convert(v any, depth int) (any, error) {
	d.budget--
	if d.budget < 0 {
		return nil, refused("shared references expand to more values than the input can hold")
	}
	switch x := v.(type) {
	case string, int64, json.Number, float64, bool, nil:
		return v, nil
	case pyDatetime:
		return string(x), nil
	case pyBytes:
		if !utf8.ValidString(string(x)) {
			return nil, refused("bytes that are not UTF-8: a session value has no such form")
		}
		return string(x), nil
	case *container:
		if depth >= MaxDepth {
			return nil, refused("nesting deeper than %d", MaxDepth)
		}
		switch x.state {
		case visiting:
			return nil, refused("%s that contains itself", describe(x))
		case converted:
			return d.copyConverted(x, depth)
		}
		x.state = visiting
		if x.kind == kindDict {
			if x.m == nil {
				x.m = map[string]any{}
			}
			for k, e := range x.m {
				c, err := d.convert(e, depth+1)
				if err != nil {
					return nil, err
				}
				x.m[k] = c
			}
			x.state = converted
			return x.m, nil
		}
		for i, e := range x.items {
			c, err := d.convert(e, depth+1)
			if err != nil {
				return nil, err
			}
			x.items[i] = c
		}
		x.state = converted
		if x.items == nil {
			x.items = []any{}
		}
		return x.items, nil
	}
	return nil, refused("%s where a session value is expected", describe(v))
}

// copyConverted returns a deep copy of a container already converted, so
// that no two places of the session share a list or a dict.
func (d *decoder) copyConverted(c *container, depth int) (any, error) {
	if c.kind == kindDict {
		return d.copyValue(c.m, depth)
	}
	return d.copyValue(c.items, depth)
}

func (d *decoder) copyValue(v any, depth int) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if depth >= MaxDepth {
			return nil, refused("nesting deeper than %d", MaxDepth)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := d.copyElem(e, depth)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		if depth >= MaxDepth {
			return nil, refused("nesting deeper than %d", MaxDepth)
		}
		out := make([]any, len(x))
		for i, e := range x {
			c, err := d.copyElem(e, depth)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return v, nil
}

// copyElem copies one element of a container at depth, counting it
// against the decoder's budget.
func (d *decoder) copyElem(e any, depth int) (any, error) {
	d.budget--
	if d.budget < 0 {
		return nil, refused("shared references expand to more values than the input can hold")
	}
	return d.copyValue(e, depth+1)
}

// pushGlobal pushes the one kind of global this package reads (see
// lookupGlobal), and refuses every other name, saying which opcode asked.
func (d *decoder) pushGlobal(module, name, op string) error {
	g := lookupGlobal(module, name)
	if g == 0 {
		return refused("the global %s (%s): only datetime.datetime and its UTC zones are read", quoteName(module, name), op)
	}
	d.push(g)
	return nil
}
