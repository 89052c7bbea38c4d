package signing

import (
	"fmt"
	"time"
)

// DefaultMaxPayload is a TimestampSigner's MaxPayload when it is zero or
// negative: 1 MiB.
const DefaultMaxPayload = 1 << 20

// TimestampSigner signs values together with the time of signing, as
// Django's TimestampSigner does, so that a maximum age can be enforced when
// they come back. It also carries Django's sign_object/unsign_object (the
// engine of Dumps and Loads). The zero value is not usable: Key must be
// set. Salt defaults to DefaultTimestampSalt; the methods of the embedded
// Signer, called directly (ts.Signer.Sign), default to DefaultSalt instead,
// as Django's do for a Signer.
type TimestampSigner struct {
	Signer
	// Now is the clock; nil means time.Now. Signatures hold whole seconds.
	Now func() time.Time
	// MaxPayload bounds the bytes UnsignPayload and UnsignObject return,
	// after decompression; zero or negative means DefaultMaxPayload.
	// Decompression stops as soon as it is exceeded.
	MaxPayload int
}

func (s *TimestampSigner) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *TimestampSigner) maxPayload() int {
	if s.MaxPayload > 0 {
		return s.MaxPayload
	}
	return DefaultMaxPayload
}

// Validate reports whether the signer can be used; see Signer.Validate.
func (s *TimestampSigner) Validate() error {
	_, err := s.params(DefaultTimestampSalt)
	return err
}

// Signature returns the signature of value (which, to verify, must already
// end with the separator and a timestamp) under the TimestampSigner's salt.
// It panics if the signer is misconfigured (see Validate).
func (s *TimestampSigner) Signature(value string) string {
	p := s.mustParams(DefaultTimestampSalt)
	b := getBuf()
	defer putBuf(b)
	*b = append((*b)[:0], value...)
	var sig [base64Max]byte
	return string(appendSignature(sig[:0], p, s.SecretKey, *b))
}

// Sign returns value:TIMESTAMP:SIGNATURE with the current time: Django's
// TimestampSigner.sign. It panics if the signer is misconfigured (see
// Validate).
func (s *TimestampSigner) Sign(value string) string {
	p := s.mustParams(DefaultTimestampSalt)
	b := getBuf()
	defer putBuf(b)
	buf := append((*b)[:0], value...)
	buf = s.appendTimestampAndSign(buf, 0, p)
	*b = buf
	return string(buf)
}

// appendTimestampAndSign turns buf[start:], holding a value, into the
// signed form.
func (s *TimestampSigner) appendTimestampAndSign(buf []byte, start int, p params) []byte {
	buf = append(buf, p.sep...)
	buf = appendB62(buf, s.now().Unix())
	n := len(buf)
	buf = append(buf, p.sep...)
	return appendSignature(buf, p, s.SecretKey, buf[start:n])
}

// Unsign checks signed and returns its value: Django's
// TimestampSigner.unsign(value, max_age). A bad signature is an error
// matching ErrBadSignature; a valid one older than maxAge (strictly: an age
// of exactly maxAge is valid) matches ErrExpired and ErrBadSignature; a
// valid one with a missing or non-base62 timestamp matches ErrMalformed.
// maxAge 0 means no limit; a negative maxAge rejects every value signed in
// the past.
func (s *TimestampSigner) Unsign(signed string, maxAge time.Duration) (string, error) {
	v, _, err := s.UnsignTime(signed, maxAge)
	return v, err
}

// UnsignTime is Unsign that also returns the signing time.
func (s *TimestampSigner) UnsignTime(signed string, maxAge time.Duration) (string, time.Time, error) {
	p, err := s.params(DefaultTimestampSalt)
	if err != nil {
		return "", time.Time{}, err
	}
	b := getBuf()
	defer putBuf(b)
	*b = append((*b)[:0], signed...)
	n, signedAt, err := s.unsignBytes(p, *b, maxAge)
	if err != nil {
		return "", time.Time{}, err
	}
	return signed[:n], signedAt, nil
}

// unsignBytes is UnsignTime on bytes, which it neither keeps nor modifies:
// it returns the length of the value before the timestamp.
func (s *TimestampSigner) unsignBytes(p params, signed []byte, maxAge time.Duration) (int, time.Time, error) {
	n, err := s.verifyBytes(p, signed)
	if err != nil {
		return 0, time.Time{}, err
	}
	withTS := signed[:n]
	i := lastIndex(withTS, p.sep)
	if i < 0 {
		return 0, time.Time{}, errNoTimestamp
	}
	ts, err := b62Decode(withTS[i+len(p.sep):])
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("%w: timestamp: %w", ErrMalformed, err)
	}
	signedAt := time.Unix(ts, 0)
	if maxAge != 0 {
		// Sub saturates, so timestamps far from now cannot wrap around.
		if age := s.now().Sub(signedAt); age > maxAge {
			return 0, time.Time{}, fmt.Errorf("%w: signature age %v > %v", ErrExpired, age, maxAge)
		}
	}
	return i, signedAt, nil
}

// --- base62 -----------------------------------------------------------------

// maxB62Len is the longest base62 int64: "-" and 11 digits.
const maxB62Len = 12

const b62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// B62Encode writes n in Django's base62: digits 0-9A-Za-z, most significant
// first, "0" for zero and a leading "-" for negative numbers.
func B62Encode(n int64) string {
	var buf [16]byte
	return string(appendB62(buf[:0], n))
}

func appendB62(dst []byte, n int64) []byte {
	u := uint64(n)
	if n < 0 {
		dst = append(dst, '-')
		u = -u
	}
	if u == 0 {
		return append(dst, '0')
	}
	var tmp [12]byte // 62^11 > 2^64
	i := len(tmp)
	for u > 0 {
		i--
		tmp[i] = b62Digits[u%62]
		u /= 62
	}
	return append(dst, tmp[i:]...)
}

// B62Decode reads Django's base62, accepting what Django accepts: an
// optional leading "-" and digits from 0-9A-Za-z, leading zeros included. A
// lone "-" is 0, as in Django. The empty string, any other character and a
// number outside int64 are errors.
func B62Decode(s string) (int64, error) { return b62Decode(s) }

func b62Decode[T string | []byte](s T) (int64, error) {
	if len(s) == 0 {
		return 0, fmt.Errorf("base62: empty string")
	}
	neg := s[0] == '-'
	digits := s
	if neg {
		digits = s[1:]
	}
	var u uint64
	for i := 0; i < len(digits); i++ {
		d := b62Value(digits[i])
		if d < 0 {
			return 0, fmt.Errorf("base62: invalid character %q in %q", digits[i], truncate(s))
		}
		if u > (1<<64-1-uint64(d))/62 {
			return 0, fmt.Errorf("base62: %q is out of range", truncate(s))
		}
		u = u*62 + uint64(d)
	}
	switch {
	case !neg && u <= 1<<63-1:
		return int64(u), nil
	case neg && u <= 1<<63:
		return int64(-u), nil // two's complement: -(1<<63) is MinInt64
	}
	return 0, fmt.Errorf("base62: %q is out of range", truncate(s))
}

func b62Value(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// truncate keeps error messages short whatever an attacker sends.
func truncate[T string | []byte](s T) string {
	if len(s) > 32 {
		return string(s[:32]) + "..."
	}
	return string(s)
}
