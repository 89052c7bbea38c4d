package session

import (
	"fmt"
	"sync"
	"time"

	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/signing"
)

// DjangoSalt is the salt Django signs session data with:
// "django.contrib.sessions." plus the engine class name, which is
// SessionStore for every built-in engine.
const DjangoSalt = "django.contrib.sessions.SessionStore"

// DjangoCodec is Django's session data format (SessionBase.encode/decode):
// signing.dumps(data, salt=DjangoSalt, compress=True) with JSON written by
// Python's rules, so that a Django site with the same SECRET_KEY and a
// shared db or file store reads what this package writes, and the other
// way round. The timestamp in the signed value is not checked on Decode
// (Django's decode has no max_age): stores keep the expiry.
type DjangoCodec struct {
	signer signing.TimestampSigner
}

// NewDjangoCodec returns Django's codec signing with secretKey and
// verifying with secretKey, then each of fallbackKeys in order. now is the
// clock for the signature's timestamp (nil means time.Now).
func NewDjangoCodec(secretKey []byte, fallbackKeys [][]byte, now func() time.Time) *DjangoCodec {
	c := &DjangoCodec{}
	c.signer.SecretKey = secretKey
	c.signer.FallbackKeys = fallbackKeys
	c.signer.Salt = DjangoSalt
	c.signer.Now = now
	return c
}

// Encode returns the JSON of values, zlib-compressed when that is shorter,
// base64url-encoded, timestamped and signed: Django's session_data. Data
// shorter than signing.MinCompressLen is not compressed (zlib is not even
// tried: it cannot save anything on typical session data that short);
// Django reads either form.
func (c *DjangoCodec) Encode(values map[string]any) ([]byte, error) {
	out, _, err := c.encodeMeasured(values)
	return out, err
}

// encodeMeasured is Encode that also returns the length of the JSON text.
func (c *DjangoCodec) encodeMeasured(values map[string]any) ([]byte, int, error) {
	js := getJSONBuf()
	defer putJSONBuf(js)
	var err error
	*js, err = pyjson.AppendMarshal((*js)[:0], values)
	if err != nil {
		return nil, 0, fmt.Errorf("session: encoding the session data: %w", err)
	}
	out := make([]byte, 0, c.signer.SignedPayloadLen(len(*js)))
	return c.signer.AppendSignPayload(out, *js, true), len(*js), nil
}

// Decode checks the signature of data and returns the object it holds. A
// bad signature (another secret key, tampering), a malformed value or a
// payload that is not a JSON object is an error matching ErrCorrupt; a
// pickle or an unsigned JSON object (another codec's data) is an error
// matching ErrCodecMismatch.
func (c *DjangoCodec) Decode(data []byte) (map[string]any, error) {
	js, err := c.signer.UnsignPayloadBytes(data, 0)
	if err != nil {
		if e := mismatch(data, frameSigned); e != nil {
			return nil, e
		}
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	// js is a new slice, ours: the decoded strings may share it.
	m, err := pyjson.UnmarshalObjectOwned(js)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return m, nil
}

// jsonBufs are the scratch buffers of Encode's JSON text.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getJSONBuf() *[]byte { return jsonBufs.Get().(*[]byte) }

func putJSONBuf(b *[]byte) {
	if cap(*b) > 64<<10 {
		return // do not keep huge buffers alive
	}
	jsonBufs.Put(b)
}
