package signing

import (
	"crypto/hkdf"
	"crypto/sha256"
)

// purposeSalt is HKDF's extract salt for PurposeKey: it names this library
// and the version of the derivation.
const purposeSalt = "djsession purpose key v1"

// PurposeKey derives, from secret, a 32-byte key for one purpose alone:
// HKDF-SHA256 with the salt "djsession purpose key v1" and purpose as the
// info. Use the result as the Key of a Signer (or the Secret of a
// cookie.Signer) for values that only Go reads and that must never be
// confused with anything else signed with the same secret.
//
// No Django call derives its keys this way (Django keys every HMAC with
// H(salt + secret)), so no signer of a Django site, nor any Signer of this
// package given secret itself, can produce a value that verifies under a
// purpose key; and two purposes give unrelated keys. An empty secret gives
// nil, which every Signer refuses (ErrNoKey).
func PurposeKey(secret []byte, purpose string) []byte {
	if len(secret) == 0 {
		return nil
	}
	k, err := hkdf.Key(sha256.New, secret, []byte(purposeSalt), purpose, 32)
	if err != nil {
		// Only a length over 255*32 bytes can fail; 32 cannot.
		panic("signing: PurposeKey: " + err.Error())
	}
	return k
}

// PurposeKeys is PurposeKey applied to each non-empty key of keys, for
// fallback keys: an empty fallback key is dropped, never derived.
func PurposeKeys(keys [][]byte, purpose string) [][]byte {
	var out [][]byte
	for _, k := range keys {
		if len(k) > 0 {
			out = append(out, PurposeKey(k, purpose))
		}
	}
	return out
}
