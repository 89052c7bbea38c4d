// Package hashers checks and makes passwords in the format of Django's
// default password hasher (django.contrib.auth.hashers), so that a Go
// service can log in the users of a Django auth_user table, and a password
// set from Go logs in on the Django site:
//
//	pbkdf2_sha256$<iterations>$<salt>$<base64 of the PBKDF2-HMAC-SHA256 key>
//
// Check is Django's check_password for the pbkdf2_sha256 hasher and its
// pbkdf2_sha1 variant, comparing in constant time; Make is make_password
// with a random 22-character salt and the iteration count you choose
// (Django32Iterations and the 5.x defaults are named). MustUpdate says when
// Django would hash a checked password again (a new iteration count, a
// short salt, another hasher), and IsUsable recognises Django's unusable
// passwords ("!…", set_unusable_password). Other Django hashers (argon2,
// bcrypt, scrypt, the unsalted legacy ones) are not read: Check returns
// ErrUnknownAlgorithm for them.
//
// Checking a password against the auth_user table of a Django site, and
// hashing it again when Django would:
//
//	func checkPassword(ctx context.Context, db *sql.DB, username, password string) (bool, error) {
//		var stored string
//		err := db.QueryRowContext(ctx, "SELECT password FROM auth_user WHERE username = $1", username).Scan(&stored)
//		if err != nil {
//			return false, err // sql.ErrNoRows for an unknown user
//		}
//		ok, err := hashers.Check(password, stored)
//		if err != nil || !ok {
//			return false, err // a wrong password (err == nil), or a hash this package cannot read
//		}
//		if hashers.MustUpdate(stored, hashers.DefaultIterations) {
//			again, err := hashers.Make(password, hashers.DefaultIterations)
//			if err == nil {
//				_, err = db.ExecContext(ctx, "UPDATE auth_user SET password = $1 WHERE username = $2", again, username)
//			}
//			if err != nil {
//				log.Printf("storing a new hash for %s: %v", username, err) // the login still succeeds
//			}
//		}
//		return true, nil
//	}
//
// The password is hashed as its UTF-8 bytes, as Django does; the empty
// password is a password like any other (Django refuses None, not "").
package hashers

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
	"math"
	"strconv"
	"strings"
)

// PBKDF2 iteration counts of Django's PBKDF2PasswordHasher, by release.
// A hash records its own count, so Check reads a hash of any of them; the
// count only matters to Make and MustUpdate.
const (
	// Django32Iterations is Django 3.2's default (the Debian release the
	// tests run against).
	Django32Iterations = 260_000
	// Django50Iterations is Django 5.0's default.
	Django50Iterations = 720_000
	// Django51Iterations is Django 5.1's default.
	Django51Iterations = 870_000
	// Django52Iterations is Django 5.2's default.
	Django52Iterations = 1_000_000
	// DefaultIterations is what Make uses for an iteration count of 0:
	// Django 5.2's default.
	DefaultIterations = Django52Iterations
)

// MaxIterations bounds the iteration count Check and Encode accept, so that
// a stored hash cannot make one login attempt take minutes.
const MaxIterations = 100_000_000

// Algorithm is the algorithm name Make and Encode write (Django's
// PBKDF2PasswordHasher.algorithm).
const Algorithm = "pbkdf2_sha256"

// UnusablePrefix starts the password field of a user with no usable
// password (Django's UNUSABLE_PASSWORD_PREFIX).
const UnusablePrefix = "!"

// Errors returned by Make, Encode and Check. A wrong password is not an
// error: Check returns false and a nil error.
var (
	// ErrMalformed means the encoded string is not algorithm$iterations$salt$hash.
	ErrMalformed = errors.New("hashers: malformed password hash")
	// ErrUnknownAlgorithm means the hash names an algorithm other than
	// pbkdf2_sha256 or pbkdf2_sha1 (argon2, bcrypt_sha256...), or is
	// Django's unusable password ("!..." or empty).
	ErrUnknownAlgorithm = errors.New("hashers: unsupported password hasher")
	// ErrBadSalt means a salt is empty or contains "$".
	ErrBadSalt = errors.New("hashers: salt must be non-empty and must not contain '$'")
	// ErrBadIterations means an iteration count is below 1 or above MaxIterations.
	ErrBadIterations = errors.New("hashers: iteration count out of range")
)

// saltChars is Django's RANDOM_STRING_CHARS.
const saltChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// saltLength is the length of Django's salts: 128 bits of entropy in
// characters of saltChars (Django's salt_entropy).
const saltLength = 22

// saltEntropy is Django's BasePasswordHasher.salt_entropy, in bits.
const saltEntropy = 128

// Make hashes password as Django's make_password does with its default
// hasher: pbkdf2_sha256 with a random 22-character salt from crypto/rand,
// and the given iteration count (0 means DefaultIterations; pass
// Django32Iterations for hashes that match what a Django 3.2 site makes).
// The result goes into the password column of auth_user as it is.
func Make(password string, iterations int) (string, error) {
	if iterations == 0 {
		iterations = DefaultIterations
	}
	salt, err := NewSalt()
	if err != nil {
		return "", err
	}
	return Encode(password, salt, iterations)
}

// NewSalt returns a random 22-character salt of ASCII letters and digits,
// as Django's hashers make, read from crypto/rand.
func NewSalt() (string, error) {
	var b [saltLength]byte
	max := byte(256 - 256%len(saltChars)) // reject bytes that would bias the choice
	for i := 0; i < len(b); {
		var one [32]byte
		if _, err := rand.Read(one[:]); err != nil {
			return "", fmt.Errorf("hashers: reading random salt: %w", err)
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
	return encode(Algorithm, sha256.New, password, salt, iterations)
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
		return "", fmt.Errorf("hashers: %w", err)
	}
	return algorithm + "$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(key), nil
}

// decoded is an encoded hash split into its fields.
type decoded struct {
	algorithm  string
	h          func() hash.Hash
	iterations int
	salt       string
}

// decode splits encoded as Django's PBKDF2PasswordHasher.decode does and
// checks that this package can hash with its fields.
func decode(encoded string) (decoded, error) {
	algorithm, rest, ok := strings.Cut(encoded, "$")
	if !ok {
		if encoded == "" || !IsUsable(encoded) {
			return decoded{}, ErrUnknownAlgorithm
		}
		return decoded{}, ErrMalformed
	}
	d := decoded{algorithm: algorithm}
	switch algorithm {
	case "pbkdf2_sha256":
		d.h = sha256.New
	case "pbkdf2_sha1":
		d.h = sha1.New
	default:
		return decoded{}, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, algorithm)
	}
	parts := strings.SplitN(rest, "$", 3)
	if len(parts) != 3 {
		return decoded{}, ErrMalformed
	}
	n, err := strconv.Atoi(parts[0])
	if err != nil {
		return decoded{}, fmt.Errorf("%w: iterations %q", ErrMalformed, parts[0])
	}
	if n < 1 || n > MaxIterations {
		return decoded{}, fmt.Errorf("%w: %d", ErrBadIterations, n)
	}
	if parts[1] == "" {
		return decoded{}, ErrBadSalt
	}
	d.iterations, d.salt = n, parts[1]
	return d, nil
}

// Check reports whether password matches the encoded hash, as Django's
// check_password does for the pbkdf2_sha256 and pbkdf2_sha1 hashers: the
// password is hashed again with the stored salt and iteration count and the
// two encoded strings are compared in constant time (hmac.Equal). A wrong
// password gives false and a nil error; a hash this package cannot read
// gives false and an error matching ErrMalformed, ErrUnknownAlgorithm (an
// unusable password among them), ErrBadSalt or ErrBadIterations.
//
// The time Check takes depends on the stored iteration count, which is no
// secret (it is in the hash). To keep the time of a login the same whether
// or not the user exists, check the password against a dummy hash made
// with the same count when there is no user, as Django's ModelBackend does.
func Check(password, encoded string) (bool, error) {
	d, err := decode(encoded)
	if err != nil {
		return false, err
	}
	again, err := encode(d.algorithm, d.h, password, d.salt, d.iterations)
	if err != nil {
		return false, err
	}
	return hmac.Equal([]byte(again), []byte(encoded)), nil
}

// MustUpdate reports whether Django, after checking a password against
// encoded successfully, would hash the password again and store the new
// hash (check_password's setter): when encoded was made by another hasher
// than pbkdf2_sha256, with an iteration count other than iterations (0
// means DefaultIterations), or with a salt of less than 128 bits of
// entropy (Django 3.2's rule for salts made before it). It is false for a
// hash this package cannot read and for an unusable password.
func MustUpdate(encoded string, iterations int) bool {
	if iterations == 0 {
		iterations = DefaultIterations
	}
	d, err := decode(encoded)
	if err != nil {
		return false
	}
	if d.algorithm != Algorithm {
		return true
	}
	return d.iterations != iterations || float64(len(d.salt))*math.Log2(float64(len(saltChars))) < saltEntropy
}

// IsUsable reports whether encoded is a usable password field, as Django's
// is_password_usable does: false for one that set_unusable_password made
// (it starts with UnusablePrefix). Django counts the empty string as
// usable, though no password checks against it; so does IsUsable.
func IsUsable(encoded string) bool {
	return !strings.HasPrefix(encoded, UnusablePrefix)
}
