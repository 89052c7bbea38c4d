package cookiestore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// The signed form is Django's: [.]PAYLOAD:TIMESTAMP:SIGNATURE, with
// PAYLOAD the base64url of the JSON (zlib-compressed when flagged by the
// "."), TIMESTAMP in base62 and SIGNATURE the base64url of an HMAC-SHA256.
const (
	sigLen       = 43 // base64url of 32 bytes, unpadded
	maxStampLen  = 11 // base62 of any int64
	minSignedLen = len("e30") + 1 + 1 + 1 + sigLen
)

// isB64 and isB62 are the alphabets of the parts.
var isB64, isB62 = func() (b64, b62 [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" {
		b64[c], b62[c] = true, true
	}
	b64['-'], b64['_'] = true, true
	return
}()

// validSigned checks the form of a signed value: a payload of base64url
// characters (after an optional "."), a base62 timestamp, and a signature
// of the length SHA-256 gives.
func validSigned(v string) bool {
	if len(v) < minSignedLen {
		return false
	}
	sig := v[len(v)-sigLen:]
	rest := v[:len(v)-sigLen]
	if rest[len(rest)-1] != ':' {
		return false
	}
	rest = rest[:len(rest)-1]
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return false
	}
	payload, stamp := rest[:i], rest[i+1:]
	if len(stamp) == 0 || len(stamp) > maxStampLen || !all(stamp, &isB62) {
		return false
	}
	payload = strings.TrimPrefix(payload, ".")
	return payload != "" && all(payload, &isB64) && all(sig, &isB64)
}

func all(s string, set *[256]bool) bool {
	for i := 0; i < len(s); i++ {
		if !set[s[i]] {
			return false
		}
	}
	return true
}

// sign is Django's _get_session_key: signing.dumps of the session, with
// the session salt, compressed when shorter.
func (s *Store) sign(values map[string]any) (string, error) {
	js, err := pyjson.Marshal(values)
	if err != nil {
		return "", fmt.Errorf("cookiestore: encoding the session: %w", err)
	}
	return s.signer.SignPayload(js, true), nil
}

// unsign is Django's load, with the session's own expiry checked as well:
// the signature, then its age against the cookie age (Django's max_age,
// the same rule), then the JSON, then the ExpiryKey counted from the
// signing time.
func (s *Store) unsign(v string) (*entry, error) {
	js, err := s.signer.UnsignPayload(v, s.cookieAge)
	if err != nil {
		if errors.Is(err, signing.ErrExpired) {
			return nil, fmt.Errorf("%w: signed longer ago than the cookie age %v", ErrExpired, s.cookieAge)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	values, err := pyjson.UnmarshalObject(js)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	// The signature verified: the timestamp is the one between the last
	// two separators, and well-formed.
	rest := v[:len(v)-sigLen-1]
	n, err := signing.B62Decode(rest[strings.LastIndexByte(rest, ':')+1:])
	if err != nil {
		return nil, fmt.Errorf("%w: timestamp: %w", ErrInvalid, err)
	}
	signedAt := time.Unix(n, 0)
	limit := signedAt.Add(s.cookieAge)
	exp := session.StoredExpiry(values, signedAt, s.cookieAge)
	if !exp.Before(limit) {
		// No expiry of its own sooner than the cookie age, which the
		// signature's check applied by Django's rule (an age of exactly
		// the cookie age is still valid).
		return &entry{values: values, exp: limit, until: limit, inclusive: true, size: len(js)}, nil
	}
	if !exp.After(s.now()) {
		return nil, fmt.Errorf("%w: the session's own expiry (%s) has passed", ErrExpired, session.ExpiryKey)
	}
	return &entry{values: values, exp: exp, until: exp, size: len(js)}, nil
}
