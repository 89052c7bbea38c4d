package signing

import (
	"errors"
	"fmt"
)

var (
	// ErrBadSignature reports a value whose signature does not verify with
	// the key or any fallback key, or that has no separator to split at
	// (Django's BadSignature). Errors matching ErrExpired match it too.
	ErrBadSignature = errors.New("signing: bad signature")

	// ErrExpired reports a validly signed value older than the maximum age
	// (Django's SignatureExpired). As in Django, where SignatureExpired is a
	// subclass of BadSignature, it also matches ErrBadSignature.
	ErrExpired error = expiredError{}

	// ErrMalformed reports a value whose signature is valid but whose
	// content is not: a missing or non-base62 timestamp, a payload that is
	// not base64, not zlib or not JSON. Only a holder of the key can produce
	// one. It does not match ErrBadSignature (Django raises ValueError).
	ErrMalformed = errors.New("signing: malformed signed value")

	// ErrTooLarge reports a payload longer than the signer's MaxPayload,
	// before or after decompression.
	ErrTooLarge = errors.New("signing: payload too large")

	// ErrNoKey reports a signer with an empty key.
	ErrNoKey = errors.New("signing: empty key")

	// ErrUnsafeSep reports a separator made only of characters that can
	// appear in a signature or timestamp (Django's "Unsafe Signer
	// separator"). An empty Sep is not an error: it means ":".
	ErrUnsafeSep = errors.New("signing: unsafe separator")

	// ErrUnknownAlgorithm reports an Algorithm this package does not know.
	ErrUnknownAlgorithm = errors.New("signing: unknown algorithm")
)

type expiredError struct{}

func (expiredError) Error() string { return "signing: signature expired" }

// Is makes ErrExpired match ErrBadSignature.
func (expiredError) Is(target error) bool { return target == ErrBadSignature }

// Errors without dynamic parts are made once: rejecting a forged value
// allocates nothing.
var (
	errNoSep       = fmt.Errorf("%w: separator not found", ErrBadSignature)
	errMismatch    = fmt.Errorf("%w: signature does not match", ErrBadSignature)
	errNoTimestamp = fmt.Errorf("%w: no timestamp before the signature", ErrMalformed)
	errBadBase64   = fmt.Errorf("%w: payload is not base64url", ErrMalformed)
)
