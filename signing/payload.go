package signing

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/djsession/djsession/internal/pyjson"
)

// b64 is Django's b64_encode/b64_decode alphabet without padding, decoded
// strictly (Django's own encoder never writes anything else).
var b64 = base64.RawURLEncoding.Strict()

// SignPayload signs data as Django's sign_object does after serialising:
// when compress is true and zlib saves more than one byte, the compressed
// form is used and flagged with a leading "."; the result is
// [.]base64url(data):TIMESTAMP:SIGNATURE. Data shorter than MinCompressLen
// is never compressed (zlib is not even tried; see MinCompressLen). It
// panics if the signer is misconfigured (see Validate).
func (s *TimestampSigner) SignPayload(data []byte, compress bool) string {
	p := s.mustParams(DefaultTimestampSalt)
	b := getBuf()
	defer putBuf(b)
	*b = s.appendPayload((*b)[:0], p, data, compress)
	return string(*b)
}

// AppendSignPayload appends SignPayload(data, compress) to dst and returns
// the extended slice. With room in dst (see SignedPayloadLen), it does not
// allocate.
func (s *TimestampSigner) AppendSignPayload(dst, data []byte, compress bool) []byte {
	p := s.mustParams(DefaultTimestampSalt)
	return s.appendPayload(dst, p, data, compress)
}

// SignedPayloadLen is the most bytes SignPayload writes for n bytes of
// data, compressed or not: room for AppendSignPayload.
func (s *TimestampSigner) SignedPayloadLen(n int) int {
	alg := lookupAlgorithm(s.Algorithm)
	if alg == nil {
		alg = algorithms[len(algorithms)-1]
	}
	sep := max(len(s.Sep), len(DefaultSep))
	// A compressed payload is used only when it is at least two bytes
	// shorter: its "." and base64 take no more room than the plain form.
	return b64.EncodedLen(n) + 2*sep + maxB62Len + base64.RawURLEncoding.EncodedLen(alg.size)
}

// MinCompressLen is the shortest data that SignPayload, SignObject and
// Dumps try to compress: below it they write the plain form without trying
// zlib, which costs several microseconds whatever the size (most of it
// building Huffman tables), for nothing on typical session data.
//
// No length can guarantee that zlib loses: it never writes fewer than 9
// bytes (2 of header, 4 of checksum, at least 3 of deflate), so only data
// of up to 10 bytes is certain not to shrink by the two bytes Django
// requires, and a run of one character shrinks from 39 bytes on. The
// threshold is therefore measured, on a corpus of generated session data
// (TestMinCompressLenCostsNothingOnSessionData pins the figures). Below 128
// bytes, zlib at level 1 codes bytes one by one with a Huffman table (it
// looks for repeated strings only in longer input), and data that mixes
// keys, words, numbers and tokens, as session data does, shrinks by two
// bytes only from 84 bytes on: skipping zlib below 80 bytes costs nothing
// there. Data made of a few distinct characters shrinks sooner: below 80
// bytes, a digit or hex string, a list of small integers or of one
// repeated word, or boolean flags lose up to 11 bytes (15%) to the rule,
// and a run of one character up to 37 bytes. Django reads both forms, so
// the rule changes sizes, never what Django reads.
const MinCompressLen = 80

func (s *TimestampSigner) appendPayload(buf []byte, p params, data []byte, compress bool) []byte {
	start := len(buf)
	if compress && len(data) >= MinCompressLen {
		z := getDeflater()
		defer putDeflater(z)
		z.w.Write(data)
		z.w.Close()
		if c := z.buf.Bytes(); len(c) < len(data)-1 {
			buf = append(buf, '.')
			data = c
		}
	}
	buf = b64.AppendEncode(buf, data)
	return s.appendTimestampAndSign(buf, start, p)
}

// UnsignPayload checks a value made by SignPayload (or Django's dumps) and
// returns the bytes it carries, decompressed if flagged. Signature and age
// errors are Unsign's. A payload that is not base64url or not zlib is
// ErrMalformed; one longer than MaxPayload, before or after decompression,
// is ErrTooLarge, and decompression stops at that limit.
func (s *TimestampSigner) UnsignPayload(signed string, maxAge time.Duration) ([]byte, error) {
	p, err := s.params(DefaultTimestampSalt)
	if err != nil {
		return nil, err
	}
	b := getBuf()
	defer putBuf(b)
	*b = append((*b)[:0], signed...)
	return s.unsignPayload(p, *b, maxAge)
}

// UnsignPayloadBytes is UnsignPayload for a value held in bytes, which it
// neither keeps nor modifies. The result is a new slice, the caller's.
func (s *TimestampSigner) UnsignPayloadBytes(signed []byte, maxAge time.Duration) ([]byte, error) {
	p, err := s.params(DefaultTimestampSalt)
	if err != nil {
		return nil, err
	}
	return s.unsignPayload(p, signed, maxAge)
}

func (s *TimestampSigner) unsignPayload(p params, signed []byte, maxAge time.Duration) ([]byte, error) {
	n, _, err := s.unsignBytes(p, signed, maxAge)
	if err != nil {
		return nil, err
	}
	payload := signed[:n]
	compressed := len(payload) > 0 && payload[0] == '.'
	if compressed {
		payload = payload[1:]
	}
	// Go's base64 decoder skips CR and LF even in Strict mode; the
	// package promises strict decoding, so refuse them here.
	if bytes.IndexByte(payload, '\r') >= 0 || bytes.IndexByte(payload, '\n') >= 0 {
		return nil, errBadBase64
	}
	limit := s.maxPayload()
	if n := b64.DecodedLen(len(payload)); n > limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n, limit)
	}
	if !compressed {
		out := make([]byte, b64.DecodedLen(len(payload)))
		n, err := b64.Decode(out, payload)
		if err != nil {
			return nil, errBadBase64
		}
		return out[:n], nil
	}
	raw := getBuf()
	defer putBuf(raw)
	*raw, err = b64.AppendDecode((*raw)[:0], payload)
	if err != nil {
		return nil, errBadBase64
	}
	return inflate(*raw, limit)
}

// inflate decompresses a zlib stream, refusing to produce more than limit
// bytes: the output grows only as far as the data really goes.
func inflate(compressed []byte, limit int) ([]byte, error) {
	zr := getInflater(compressed)
	if zr.err != nil {
		return nil, fmt.Errorf("%w: zlib: %w", ErrMalformed, zr.err)
	}
	defer putInflater(zr)
	// The buffer never grows past limit+1 bytes: reading one byte more than
	// the limit is how a bomb is told from a payload of exactly the limit.
	out := make([]byte, 0, min(limit+1, max(512, 4*len(compressed))))
	for {
		if len(out) == cap(out) {
			grown := make([]byte, len(out), min(2*cap(out), limit+1))
			copy(grown, out)
			out = grown
		}
		n, err := zr.r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if len(out) > limit {
			return nil, fmt.Errorf("%w: inflates past %d bytes", ErrTooLarge, limit)
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: zlib: %w", ErrMalformed, err)
		}
	}
}

// SignObject serialises v as Django's JSONSerializer does (see
// internal/pyjson) and signs it with SignPayload: Django's
// TimestampSigner.sign_object. A value with no JSON form is an error from
// pyjson; a misconfigured signer returns Validate's error.
func (s *TimestampSigner) SignObject(v any, compress bool) (string, error) {
	p, err := s.params(DefaultTimestampSalt)
	if err != nil {
		return "", err
	}
	js := getBuf()
	defer putBuf(js)
	*js, err = pyjson.AppendMarshal((*js)[:0], v)
	if err != nil {
		return "", fmt.Errorf("signing: serialising: %w", err)
	}
	b := getBuf()
	defer putBuf(b)
	*b = s.appendPayload((*b)[:0], p, *js, compress)
	return string(*b), nil
}

// UnsignObject checks a value made by SignObject (or Django's dumps) and
// returns the JSON value it holds, as pyjson.Unmarshal reads it. Errors are
// UnsignPayload's; a payload that is not JSON is ErrMalformed as well.
func (s *TimestampSigner) UnsignObject(signed string, maxAge time.Duration) (any, error) {
	data, err := s.UnsignPayload(signed, maxAge)
	if err != nil {
		return nil, err
	}
	// data is a new slice, not used again: the strings may share it.
	v, err := pyjson.UnmarshalOwned(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return v, nil
}

// Dumps returns v as a signed JSON string timestamped with time.Now(), as
// Django's signing.dumps(v, key=key, salt=salt, compress=compress) (for
// another clock, use TimestampSigner.SignObject). An empty salt
// means DumpsSalt, dumps's default (to match a Django call that passes an
// empty salt explicitly, pass DefaultTimestampSalt). Errors are
// SignObject's.
func Dumps(v any, key []byte, salt string, compress bool) (string, error) {
	return dumpsSigner(key, salt).SignObject(v, compress)
}

// Loads reverses Dumps: Django's signing.loads(s, key=key, salt=salt,
// max_age=maxAge). maxAge 0 means no limit. Errors are UnsignObject's.
func Loads(s string, key []byte, salt string, maxAge time.Duration) (any, error) {
	return dumpsSigner(key, salt).UnsignObject(s, maxAge)
}

func dumpsSigner(key []byte, salt string) *TimestampSigner {
	if salt == "" {
		salt = DumpsSalt
	}
	return &TimestampSigner{Signer: Signer{SecretKey: key, Salt: salt}}
}

// --- zlib state pools ----------------------------------------------------------

// Writers and readers hold hundreds of KiB of state: both are reused.
type deflater struct {
	buf bytes.Buffer
	w   *zlib.Writer
}

// compressionLevel is zlib's fastest level. Python's zlib.compress uses 6,
// but the bytes never match Python's anyway (another deflate
// implementation), Django inflates any level, and on session-sized data
// level 1 compresses about as well at a third of the cost: resetting Go's
// level-6 compressor clears over half a MiB of tables on every call.
const compressionLevel = zlib.BestSpeed

var deflaters = sync.Pool{New: func() any {
	z := &deflater{}
	z.w, _ = zlib.NewWriterLevel(&z.buf, compressionLevel)
	return z
}}

func getDeflater() *deflater {
	z := deflaters.Get().(*deflater)
	z.buf.Reset()
	z.w.Reset(&z.buf)
	return z
}

func putDeflater(z *deflater) {
	if z.buf.Cap() > 64<<10 {
		z.buf = bytes.Buffer{}
	}
	deflaters.Put(z)
}

type inflater struct {
	src bytes.Reader
	r   io.ReadCloser
	err error
}

var inflaters sync.Pool

func getInflater(compressed []byte) *inflater {
	z, _ := inflaters.Get().(*inflater)
	if z == nil {
		z = &inflater{}
		z.src.Reset(compressed)
		z.r, z.err = zlib.NewReader(&z.src)
		return z
	}
	z.src.Reset(compressed)
	z.err = z.r.(zlib.Resetter).Reset(&z.src, nil)
	return z
}

func putInflater(z *inflater) {
	if z.r != nil && z.err == nil {
		z.src.Reset(nil)
		inflaters.Put(z)
	}
}
