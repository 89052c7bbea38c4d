package signing

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// Defaults, as in Django.
const (
	// DefaultSalt is a Signer's salt when Salt is empty.
	DefaultSalt = "django.core.signing.Signer"
	// DefaultTimestampSalt is a TimestampSigner's salt when Salt is empty.
	DefaultTimestampSalt = "django.core.signing.TimestampSigner"
	// DumpsSalt is the salt of Dumps and Loads when salt is empty.
	DumpsSalt = "django.core.signing"
	// DefaultSep is the separator when Sep is empty.
	DefaultSep = ":"
	// DefaultAlgorithm is the hash when Algorithm is empty.
	DefaultAlgorithm = "sha256"
	// CookieKeyPrefix is what Django's get_cookie_signer puts before the
	// secret key (and before each fallback key).
	CookieKeyPrefix = "django.http.cookies"
)

// algorithm is one hash that Django's hashlib-based signing can use.
type algorithm struct {
	id   uint64
	name string
	new  func() hash.Hash
	size int // digest size in bytes
}

var algorithms = []*algorithm{
	{1, "sha1", sha1.New, sha1.Size},
	{2, "sha224", sha256.New224, sha256.Size224},
	{3, "sha256", sha256.New, sha256.Size},
	{4, "sha384", sha512.New384, sha512.Size384},
	{5, "sha512", sha512.New, sha512.Size},
}

func lookupAlgorithm(name string) *algorithm {
	if name == "" {
		return algorithms[2]
	}
	for _, a := range algorithms {
		if a.name == name {
			return a
		}
	}
	return nil
}

// Signer signs and verifies strings as Django's Signer does. The zero value
// is not usable: SecretKey must be set. A Signer may be used from several
// goroutines at once as long as its fields are not changed meanwhile.
type Signer struct {
	// SecretKey is the secret (Django's key argument or SECRET_KEY). It must not be
	// empty.
	SecretKey []byte
	// FallbackKeys verify, in order, values that SecretKey does not (Django 4.1's
	// fallback_keys and SECRET_KEY_FALLBACKS): put old keys here while
	// rotating. Signing always uses SecretKey.
	FallbackKeys [][]byte
	// Salt separates purposes; empty means DefaultSalt for a Signer and
	// DefaultTimestampSalt for a TimestampSigner, as in Django.
	Salt string
	// Sep separates value, timestamp and signature; empty means ":". It must
	// contain a character outside A-z (which includes [\]^_ and the
	// backtick), 0-9, "-" and "=".
	Sep string
	// Algorithm is the hash of the HMAC and of the key derivation: "sha1",
	// "sha224", "sha256" (the default when empty), "sha384" or "sha512".
	Algorithm string
}

// params is a Signer's configuration with the defaults applied.
type params struct {
	alg  *algorithm
	salt string
	sep  string
}

// Validate reports whether the signer can be used: an error matching
// ErrNoKey, ErrUnsafeSep or ErrUnknownAlgorithm, or nil. Sign, Signature and
// SignPayload panic on a signer that Validate rejects (a programming error);
// the methods that return an error return Validate's.
func (s *Signer) Validate() error {
	_, err := s.params(DefaultSalt)
	return err
}

func (s *Signer) params(defaultSalt string) (params, error) {
	p := params{alg: lookupAlgorithm(s.Algorithm), salt: s.Salt, sep: s.Sep}
	if p.alg == nil {
		return p, fmt.Errorf("%w: %q (want sha1, sha224, sha256, sha384 or sha512)", ErrUnknownAlgorithm, s.Algorithm)
	}
	if len(s.SecretKey) == 0 {
		return p, ErrNoKey
	}
	if p.salt == "" {
		p.salt = defaultSalt
	}
	if p.sep == "" {
		p.sep = DefaultSep
	}
	if unsafeSep(s.Sep) {
		return p, fmt.Errorf("%w: %q (cannot be empty or consist of only A-z0-9-_=)", ErrUnsafeSep, s.Sep)
	}
	return p, nil
}

func (s *Signer) mustParams(defaultSalt string) params {
	p, err := s.params(defaultSalt)
	if err != nil {
		panic(fmt.Sprintf("signing: misconfigured signer (check it with Validate): %v", err))
	}
	return p
}

// unsafeSep is Django's _SEP_UNSAFE.match(sep), the regular expression
// ^[A-z0-9-_=]*$, including Python's "$" matching before a final newline.
// The empty Sep (meaning the default ":") is safe.
func unsafeSep(sep string) bool {
	if sep == "" {
		return false
	}
	sep = strings.TrimSuffix(sep, "\n")
	for i := 0; i < len(sep); i++ {
		c := sep[i]
		if !(c >= 'A' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '=') {
			return false
		}
	}
	return true
}

// Signature returns the base64url signature of value with Key: Django's
// Signer.signature. It panics if the signer is misconfigured (see Validate).
func (s *Signer) Signature(value string) string {
	p := s.mustParams(DefaultSalt)
	b := getBuf()
	defer putBuf(b)
	*b = append((*b)[:0], value...)
	var sig [base64Max]byte
	return string(appendSignature(sig[:0], p, s.SecretKey, *b))
}

// Sign returns value + Sep + Signature(value): Django's Signer.sign. It
// panics if the signer is misconfigured (see Validate).
func (s *Signer) Sign(value string) string {
	p := s.mustParams(DefaultSalt)
	b := getBuf()
	defer putBuf(b)
	buf := append((*b)[:0], value...)
	buf = append(buf, p.sep...)
	buf = appendSignature(buf, p, s.SecretKey, buf[:len(value)])
	*b = buf
	return string(buf)
}

// Unsign checks signed and returns the value before the last separator:
// Django's Signer.unsign, trying Key and then each of FallbackKeys. A value
// without a separator or with a signature that no key produces is an error
// matching ErrBadSignature. A misconfigured signer returns Validate's error.
func (s *Signer) Unsign(signed string) (string, error) {
	p, err := s.params(DefaultSalt)
	if err != nil {
		return "", err
	}
	return s.verify(p, signed)
}

// verify splits signed at the last separator and checks the signature with
// each key in turn.
func (s *Signer) verify(p params, signed string) (string, error) {
	b := getBuf()
	defer putBuf(b)
	*b = append((*b)[:0], signed...)
	n, err := s.verifyBytes(p, *b)
	if err != nil {
		return "", err
	}
	return signed[:n], nil
}

// verifyBytes is verify on bytes, which it neither keeps nor modifies: it
// returns the length of the value before the last separator.
func (s *Signer) verifyBytes(p params, signed []byte) (int, error) {
	i := lastIndex(signed, p.sep)
	if i < 0 {
		return 0, errNoSep
	}
	value, sig := signed[:i], signed[i+len(p.sep):]
	if len(sig) != base64.RawURLEncoding.EncodedLen(p.alg.size) {
		// No key of this algorithm makes a signature of another length;
		// lengths are public, as in Python's compare_digest.
		return 0, errMismatch
	}
	if matches(p, s.SecretKey, value, sig) {
		return i, nil
	}
	for _, k := range s.FallbackKeys {
		if len(k) > 0 && matches(p, k, value, sig) {
			return i, nil
		}
	}
	return 0, errMismatch
}

// lastIndex is bytes.LastIndex for a string separator, without converting
// it.
func lastIndex(b []byte, sep string) int {
	if len(sep) == 1 {
		return bytes.LastIndexByte(b, sep[0])
	}
	for i := len(b) - len(sep); i >= 0; i-- {
		if string(b[i:i+len(sep)]) == sep {
			return i
		}
	}
	return -1
}

// matches reports in constant time whether sig is the signature of msg
// with key.
func matches(p params, key, msg, sig []byte) bool {
	var want [base64Max]byte
	w := appendSignature(want[:0], p, key, msg)
	return subtle.ConstantTimeCompare(w, sig) == 1
}

// base64Max is the longest signature: a SHA-512 digest in unpadded base64.
const base64Max = (sha512.Size*8 + 5) / 6

// appendSignature appends base64url(HMAC(K, msg)) to dst, where K is the key
// derived from the salt and key.
func appendSignature(dst []byte, p params, key, msg []byte) []byte {
	d := derive(p.alg, p.salt, key)
	m := d.get()
	m.h.Write(msg)
	sum := m.h.Sum(m.sum[:0])
	dst = base64.RawURLEncoding.AppendEncode(dst, sum)
	d.put(m)
	return dst
}

// SaltedHMAC is Django's salted_hmac(key_salt, value, secret, algorithm):
// HMAC-H(H(keySalt + secret), value). An empty algorithm means "sha1", the
// default of Django's function (Signer passes its own algorithm). It returns
// nil for an algorithm it does not know.
func SaltedHMAC(keySalt string, value, secret []byte, algorithm string) []byte {
	if algorithm == "" {
		algorithm = "sha1"
	}
	a := lookupAlgorithm(algorithm)
	if a == nil {
		return nil
	}
	h := a.new()
	h.Write([]byte(keySalt))
	h.Write(secret)
	mac := hmac.New(a.new, h.Sum(nil))
	mac.Write(value)
	return mac.Sum(nil)
}

// CookieSigner returns the signer of Django's signed cookies,
// get_cookie_signer(salt): a TimestampSigner whose key is CookieKeyPrefix +
// secret, whose fallback keys are CookieKeyPrefix + each fallback, and whose
// salt is salt (Django's set_signed_cookie passes the cookie name followed by
// its salt argument). Validate reports an empty secret.
func CookieSigner(secret []byte, fallbacks [][]byte, salt string) *TimestampSigner {
	ts := &TimestampSigner{}
	ts.Salt = salt
	if len(secret) > 0 {
		ts.SecretKey = cookieKey(secret)
	}
	if len(fallbacks) > 0 {
		ts.FallbackKeys = make([][]byte, 0, len(fallbacks))
		for _, f := range fallbacks {
			if len(f) > 0 {
				ts.FallbackKeys = append(ts.FallbackKeys, cookieKey(f))
			}
		}
	}
	return ts
}

func cookieKey(secret []byte) []byte {
	k := make([]byte, 0, len(CookieKeyPrefix)+len(secret))
	k = append(k, CookieKeyPrefix...)
	return append(k, secret...)
}

// --- derived keys -----------------------------------------------------------

// A derivedKey holds, for one (algorithm, salt, key), a pool of HMAC states
// keyed with H(salt + "signer" + key). Deriving costs a hash and keying an
// HMAC two more blocks; the cache keeps both off the hot path.
type derivedKey struct {
	alg  *algorithm
	salt string
	key  []byte // a copy
	pool sync.Pool
}

type macState struct {
	h   hash.Hash
	sum [sha512.Size]byte
}

func (d *derivedKey) get() *macState {
	if m, ok := d.pool.Get().(*macState); ok {
		m.h.Reset()
		return m
	}
	k := d.alg.new()
	k.Write([]byte(d.salt))
	k.Write([]byte("signer"))
	k.Write(d.key)
	return &macState{h: hmac.New(d.alg.new, k.Sum(nil))}
}

func (d *derivedKey) put(m *macState) { d.pool.Put(m) }

// derivedKeys is a small direct-mapped cache: a slot holds the last
// (algorithm, salt, key) that hashed to it. A process uses a handful of
// salts and keys, so collisions are rare; when they happen the loser is
// simply derived again. Entries are compared in full, never trusted on the
// hash alone.
var (
	derivedKeys [256]atomic.Pointer[derivedKey]
	cacheSeed   = maphash.MakeSeed()
)

func derive(alg *algorithm, salt string, key []byte) *derivedKey {
	h := maphash.String(cacheSeed, salt) ^ maphash.Bytes(cacheSeed, key)*0x9e3779b97f4a7c15
	h ^= alg.id * 0xbf58476d1ce4e5b9
	slot := &derivedKeys[(h^h>>32)%uint64(len(derivedKeys))]
	if d := slot.Load(); d != nil && d.alg == alg && d.salt == salt && bytes.Equal(d.key, key) {
		return d
	}
	d := &derivedKey{alg: alg, salt: salt, key: bytes.Clone(key)}
	slot.Store(d)
	return d
}

// --- scratch buffers --------------------------------------------------------

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > 64<<10 {
		return // do not keep huge buffers alive
	}
	bufPool.Put(b)
}
