// Package djpassword hashes and checks passwords in Django's PBKDF2 format,
// "pbkdf2_sha256$<iterations>$<salt>$<base64 hash>", with the standard
// library's crypto/pbkdf2. A hash copied from the password column of a
// Django auth_user table checks here, and a hash made here logs in on a
// Django site. pbkdf2_sha1 hashes (Django's second default hasher) are
// checked too; other Django hashers (argon2, bcrypt, scrypt) are not.
package djpassword

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// DefaultIterations is the PBKDF2 iteration count Make uses: Django 5.2's
// default. Django 3.2 used 260000; its hashes still check.
const DefaultIterations = 1_000_000

// MaxIterations bounds the iteration count Check accepts, so that a stored
// hash cannot make one login attempt take minutes.
const MaxIterations = 100_000_000

// Errors returned by Encode and Check. A wrong password is not an error:
// Check returns false and a nil error.
var (
	// ErrMalformed means the encoded string is not algorithm$iterations$salt$hash.
	ErrMalformed = errors.New("djpassword: malformed password hash")
	// ErrUnknownAlgorithm means the hash names an algorithm other than
	// pbkdf2_sha256 or pbkdf2_sha1 (for example argon2, or "!" for
	// Django's unusable password).
	ErrUnknownAlgorithm = errors.New("djpassword: unsupported password hasher")
	// ErrBadSalt means a salt is empty or contains "$".
	ErrBadSalt = errors.New("djpassword: salt must be non-empty and must not contain '$'")
	// ErrBadIterations means an iteration count is below 1 or above MaxIterations.
	ErrBadIterations = errors.New("djpassword: iteration count out of range")
)

// saltChars is Django's RANDOM_STRING_CHARS.
const saltChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// saltLength is the length of Django's salts: 128 bits of entropy in
// characters of saltChars.
const saltLength = 22

// Make hashes password as Django's make_password does with the default
// PBKDF2PasswordHasher: pbkdf2_sha256, DefaultIterations and a random
// 22-character salt from crypto/rand. The password is used as its UTF-8
// bytes; the empty password is hashed like any other.
func Make(password string) (string, error) {
	salt, err := NewSalt()
	if err != nil {
		return "", err
	}
	return Encode(password, salt, DefaultIterations)
}

// NewSalt returns a random 22-character salt of ASCII letters and digits,
// as Django's hashers make, read from crypto/rand.
func NewSalt() (string, error) {
	var b [saltLength]byte
	max := byte(256 - 256%len(saltChars)) // reject bytes that would bias the choice
	for i := 0; i < len(b); {
		var one [32]byte
		if _, err := rand.Read(one[:]); err != nil {
			return "", fmt.Errorf("djpassword: reading random salt: %w", err)
		}
		for _, c := range one {
			if c < max && i < len(b) {
				b[i] = saltChars[int(c)%len(saltChars)]
				i++
			}
		}
	}
	return string(b[:]), nil
}

// Encode returns the pbkdf2_sha256 hash of password with the given salt
// and iteration count, byte for byte what Django's
// PBKDF2PasswordHasher.encode returns. The salt must be non-empty and free
// of "$"; iterations must be between 1 and MaxIterations.
func Encode(password, salt string, iterations int) (string, error) {
	return encode("pbkdf2_sha256", sha256.New, password, salt, iterations)
}

func encode(algorithm string, h func() hash.Hash, password, salt string, iterations int) (string, error) {
	if salt == "" || strings.Contains(salt, "$") {
		return "", ErrBadSalt
	}
	if iterations < 1 || iterations > MaxIterations {
		return "", fmt.Errorf("%w: %d", ErrBadIterations, iterations)
	}
	key, err := pbkdf2.Key(h, password, []byte(salt), iterations, h().Size())
	if err != nil {
		return "", fmt.Errorf("djpassword: %w", err)
	}
	return algorithm + "$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(key), nil
}

// Check reports whether password matches the encoded hash, as Django's
// check_password does for the pbkdf2_sha256 and pbkdf2_sha1 hashers: the
// password is hashed again with the stored salt and iteration count and the
// two encoded strings are compared in constant time. A wrong password gives
// false and a nil error; a hash this package cannot read gives false and
// ErrMalformed, ErrUnknownAlgorithm, ErrBadSalt or ErrBadIterations.
func Check(password, encoded string) (bool, error) {
	algorithm, rest, ok := strings.Cut(encoded, "$")
	if !ok {
		if encoded == "" || strings.HasPrefix(encoded, "!") {
			return false, ErrUnknownAlgorithm
		}
		return false, ErrMalformed
	}
	var h func() hash.Hash
	switch algorithm {
	case "pbkdf2_sha256":
		h = sha256.New
	case "pbkdf2_sha1":
		h = sha1.New
	default:
		return false, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, algorithm)
	}
	parts := strings.SplitN(rest, "$", 3)
	if len(parts) != 3 {
		return false, ErrMalformed
	}
	iterations, err := strconv.Atoi(parts[0])
	if err != nil {
		return false, fmt.Errorf("%w: iterations %q", ErrMalformed, parts[0])
	}
	again, err := encode(algorithm, h, password, parts[1], iterations)
	if err != nil {
		return false, err
	}
	return hmac.Equal([]byte(again), []byte(encoded)), nil
}
