// Package signing is Django's django.core.signing for Go: values signed here
// verify in Django and values Django signs verify here, given the same
// secret.
//
// # Wire format
//
// A signed value is the value, a separator (":" by default) and a signature:
//
//	value:SIGNATURE
//
// SIGNATURE is the unpadded base64url encoding of HMAC-H(K, value), where H
// is the signer's hash (SHA-256 unless chosen otherwise) and the HMAC key K
// is itself a digest, K = H(salt + "signer" + key). The salt names the
// purpose, so that a value signed for one purpose does not verify for
// another. Verification splits at the last separator, so values may contain
// the separator.
//
// A timestamped value adds the signing time, in whole seconds since the
// epoch, written in base62 (0-9A-Za-z), before signing:
//
//	value:TIMESTAMP:SIGNATURE
//
// The signature covers "value:TIMESTAMP". A maximum age is checked as
// Django does: the value has expired when now - TIMESTAMP > maxAge, with now
// a fractional time, so an age of exactly maxAge is still valid. Timestamps
// in the future are accepted.
//
// Dumps writes a JSON document (Python's json.dumps output, see
// internal/pyjson), optionally zlib-compressed (only when that saves more
// than one byte), base64url-encoded without padding, with a leading "." when
// compressed, and timestamp-signed:
//
//	[.]PAYLOAD:TIMESTAMP:SIGNATURE
//
// # Mapping to Django
//
//	Django                                   this package
//	Signer(key, sep, salt, algorithm)        Signer{Key, Sep, Salt, Algorithm}
//	Signer(fallback_keys=...)                Signer.FallbackKeys (Django 4.1+)
//	Signer.sign / unsign / signature         Signer.Sign / Unsign / Signature
//	TimestampSigner.sign / unsign(max_age)   TimestampSigner.Sign / Unsign
//	TimestampSigner.sign_object              TimestampSigner.SignObject, SignPayload
//	TimestampSigner.unsign_object            TimestampSigner.UnsignObject, UnsignPayload
//	dumps / loads                            Dumps / Loads
//	get_cookie_signer(salt)                  CookieSigner
//	salted_hmac                              SaltedHMAC
//	baseconv.base62 / b62_encode, b62_decode B62Encode / B62Decode
//	BadSignature                             ErrBadSignature
//	SignatureExpired                         ErrExpired (also matches ErrBadSignature)
//
// # Deliberate differences
//
//   - Django 3.2 also accepts a SHA-1 signature whatever the algorithm
//     (its "legacy" fallback, removed in Django 4.0). This package does not:
//     only the configured algorithm verifies.
//   - There is no global SECRET_KEY: an empty key is an error. An empty Sep
//     or Salt means the default (Django refuses an empty separator and
//     treats an empty salt as the default too).
//   - A value whose signature is valid but whose timestamp or payload is
//     broken is ErrMalformed (Django raises ValueError, zlib.error or a JSON
//     error). Base64 is decoded strictly (no padding, no CR or LF, which
//     Python's decoder skips), and a timestamp beyond int64 is
//     ErrMalformed; Django's own signers never write either.
//   - Decompression is bounded by TimestampSigner.MaxPayload: a small
//     signed payload that inflates past it is ErrTooLarge, not an
//     out-of-memory.
//   - A maxAge of 0 means no limit (Django's max_age=None).
//   - zlib is written at level 1 (Python uses 6): compressed bytes differ
//     from Python's whatever the level, Django reads any level, and level 1
//     costs a third as much for about the same size on session data.
//
// Derived HMAC keys are cached (a small bounded table shared by all
// signers), so signing and verifying cost one HMAC and no key derivation on
// the hot path, and a Signer or TimestampSigner may be a plain struct value
// used from many goroutines at once, as long as its fields are not changed
// meanwhile.
package signing
