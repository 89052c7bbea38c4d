package session

import (
	"crypto/rand"
	"sync"
)

// keyAlphabet is Django's session key alphabet: lower-case ASCII letters and digits.
const keyAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// KeyLength is the length of the keys this package generates: 32 characters
// of [a-z0-9] (about 165 bits), as Django's get_random_string(32, ...).
const KeyLength = 32

// Bounds on the length of a key accepted from a cookie. Django accepts any key
// of 8 characters or more; the upper bound keeps oversized input away from
// the store.
const (
	minKeyLength = 8
	maxKeyLength = 64
)

// ValidKey reports whether key may name a session: 8 to 64 characters, each
// a lower-case ASCII letter or a digit. Keys this package generates always
// have KeyLength characters. A cookie value that is not a valid key is treated
// as no session at all and never reaches the Store.
func ValidKey(key string) bool {
	if len(key) < minKeyLength || len(key) > maxKeyLength {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// NewKey returns a new random session key: KeyLength characters drawn
// uniformly from [a-z0-9] with crypto/rand. It does not check that the key is
// unused; Manager relies on Store.Save with mustCreate for that.
func NewKey() string {
	var out [KeyLength]byte
	var buf [48]byte
	n := 0
	for n < len(out) {
		keyRandom.read(buf[:])
		for _, b := range buf {
			// 252 = 7*36: rejecting the last 4 byte values keeps the
			// distribution uniform.
			if b >= 252 {
				continue
			}
			out[n] = keyAlphabet[b%36]
			n++
			if n == len(out) {
				break
			}
		}
	}
	clear(buf[:])
	return string(out[:])
}

// keyRandom hands out crypto/rand's bytes in pieces: one call to
// crypto/rand.Read (a getrandom system call on Linux, which costs more than
// the rest of a key) fills the buffer for about 20 keys. Every byte is used
// once and zeroed as it is handed out, so the buffer never holds a byte of
// a key that was already made.
var keyRandom randomBuffer

type randomBuffer struct {
	mu   sync.Mutex
	buf  [1024]byte
	left int // the unused bytes are the last left of buf
}

func (r *randomBuffer) read(dst []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.left < len(dst) {
		// crypto/rand.Read never returns an error (Go 1.24+): it crashes
		// the program if the system's source of randomness fails.
		_, _ = rand.Read(r.buf[:])
		r.left = len(r.buf)
	}
	used := r.buf[len(r.buf)-r.left:][:len(dst)]
	copy(dst, used)
	clear(used)
	r.left -= len(dst)
}
