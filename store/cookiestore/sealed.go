package cookiestore

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/djsession/djsession/internal/pyjson"
)

// The encrypted form, version 1:
//
//	e1.BASE64URL(nonce[12] || AES-256-GCM(key, nonce, plaintext, aad) || tag[16])
//	plaintext = expiry (Unix milliseconds, int64 big-endian) || JSON of the session
//	aad       = 0x01 || cookie name
//
// key = signing.PurposeKey(secret, sealPurpose); the nonce is random for
// every seal (cipher.NewGCMWithRandomNonce).
const (
	sealPrefix  = "e1."
	sealVersion = 1
	expiryLen   = 8
	// sealOverhead is the nonce and the tag (cipher.NewGCMWithRandomNonce's
	// Overhead).
	sealOverhead = 12 + 16
	// minSealed is the shortest sealed payload: an expiry and "{}".
	minSealed = sealOverhead + expiryLen + len("{}")
)

var b64 = base64.RawURLEncoding.Strict()

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("cookiestore: %w", err)
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// validSealed checks the form of a sealed value: the prefix, then
// base64url of at least the shortest payload.
func validSealed(v string) bool {
	rest, ok := strings.CutPrefix(v, sealPrefix)
	if !ok || len(rest) < b64.EncodedLen(minSealed) {
		return false
	}
	// Unpadded base64 never leaves a single character in its last group.
	return len(rest)%4 != 1 && all(rest, &isB64)
}

// seal encrypts the expiry and the JSON of values with the current key.
func (s *Store) seal(values map[string]any, exp time.Time) (string, error) {
	buf := make([]byte, expiryLen, 256)
	binary.BigEndian.PutUint64(buf, uint64(exp.UnixMilli()))
	buf, err := pyjson.AppendMarshal(buf, values)
	if err != nil {
		return "", fmt.Errorf("cookiestore: encoding the session: %w", err)
	}
	sealed := s.aeads[0].Seal(nil, nil, buf, s.aad)
	out := make([]byte, 0, len(sealPrefix)+b64.EncodedLen(len(sealed)))
	out = append(out, sealPrefix...)
	out = b64.AppendEncode(out, sealed)
	return string(out), nil
}

// open decrypts v with the current key, then each fallback key, and
// checks the expiry it carries.
func (s *Store) open(v string) (*entry, error) {
	sealed, err := b64.DecodeString(v[len(sealPrefix):])
	if err != nil || len(sealed) < minSealed {
		return nil, fmt.Errorf("%w: not base64url of a sealed session", ErrInvalid)
	}
	var plain []byte
	for _, a := range s.aeads {
		if p, err := a.Open(nil, nil, sealed, s.aad); err == nil {
			plain = p
			break
		}
	}
	if plain == nil {
		return nil, fmt.Errorf("%w: it does not decrypt with this secret key, its fallbacks and the cookie name %q", ErrInvalid, s.name)
	}
	exp := time.UnixMilli(int64(binary.BigEndian.Uint64(plain)))
	if !exp.After(s.now()) {
		return nil, fmt.Errorf("%w: the sealed expiry has passed", ErrExpired)
	}
	values, err := pyjson.UnmarshalObject(plain[expiryLen:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return &entry{values: values, exp: exp, until: exp, size: len(plain)}, nil
}
