package signing_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/signing"
)

// frozen is a clock for reproducible output: 2023-11-14T22:13:20Z.
func frozen() time.Time { return time.Unix(1700000000, 0) }

func ExampleSigner_Sign() {
	s := signing.Signer{SecretKey: []byte("predictable-secret")}
	// The same string as Django's Signer(key='predictable-secret').sign('foo').
	fmt.Println(s.Sign("foo"))
	// Output: foo:jZQoX_FtSO70jX9HLRGg2A_2s4kdDBxz1QoO_OpEQb0
}

func ExampleSigner_Unsign() {
	s := signing.Signer{SecretKey: []byte("predictable-secret")}
	v, err := s.Unsign("foo:jZQoX_FtSO70jX9HLRGg2A_2s4kdDBxz1QoO_OpEQb0")
	fmt.Printf("%q %v\n", v, err)

	_, err = s.Unsign("fOo:jZQoX_FtSO70jX9HLRGg2A_2s4kdDBxz1QoO_OpEQb0")
	fmt.Println(errors.Is(err, signing.ErrBadSignature))
	// Output:
	// "foo" <nil>
	// true
}

func ExampleSigner_Signature() {
	s := signing.Signer{SecretKey: []byte("predictable-secret"), Salt: "my-purpose"}
	fmt.Println(len(s.Signature("foo")), "characters of base64url for SHA-256")
	// Output: 43 characters of base64url for SHA-256
}

func ExampleSigner_Validate() {
	for _, s := range []signing.Signer{
		{SecretKey: []byte("k")},
		{SecretKey: nil},
		{SecretKey: []byte("k"), Sep: "_"},
		{SecretKey: []byte("k"), Algorithm: "md5"},
	} {
		fmt.Println(s.Validate())
	}
	// Output:
	// <nil>
	// signing: empty key
	// signing: unsafe separator: "_" (cannot be empty or consist of only A-z0-9-_=)
	// signing: unknown algorithm: "md5" (want sha1, sha224, sha256, sha384 or sha512)
}

func ExampleSigner_fallbackKeys() {
	old := signing.Signer{SecretKey: []byte("old secret")}
	signed := old.Sign("remember me")

	// After rotating the secret, values signed with the old one still
	// verify, while new values are signed with the new one.
	s := signing.Signer{SecretKey: []byte("new secret"), FallbackKeys: [][]byte{[]byte("old secret")}}
	v, err := s.Unsign(signed)
	fmt.Println(v, err)
	_, err = old.Unsign(s.Sign("fresh"))
	fmt.Println(errors.Is(err, signing.ErrBadSignature))
	// Output:
	// remember me <nil>
	// true
}

func ExampleTimestampSigner_Sign() {
	ts := signing.TimestampSigner{Signer: signing.Signer{SecretKey: []byte("predictable-key")}, Now: frozen}
	// Django 3.2's TimestampSigner(key='predictable-key').sign('hello') at
	// the same instant gives the same string.
	fmt.Println(ts.Sign("hello"))
	// Output: hello:1r31eq:6aarmvvrkzknCUHNvV1r5pVTF1uDQ-OsKtnSya9lXFI
}

func ExampleTimestampSigner_Unsign() {
	ts := signing.TimestampSigner{Signer: signing.Signer{SecretKey: []byte("predictable-key")}, Now: frozen}
	signed := ts.Sign("hello")

	// Ten minutes later:
	ts.Now = func() time.Time { return frozen().Add(10 * time.Minute) }
	v, err := ts.Unsign(signed, time.Hour)
	fmt.Println(v, err)
	_, err = ts.Unsign(signed, 5*time.Minute)
	fmt.Println(err)
	fmt.Println(errors.Is(err, signing.ErrExpired), errors.Is(err, signing.ErrBadSignature))
	// Output:
	// hello <nil>
	// signing: signature expired: signature age 10m0s > 5m0s
	// true true
}

func ExampleTimestampSigner_UnsignTime() {
	ts := signing.TimestampSigner{Signer: signing.Signer{SecretKey: []byte("k")}, Now: frozen}
	_, at, err := ts.UnsignTime(ts.Sign("v"), 0)
	fmt.Println(at.UTC(), err)
	// Output: 2023-11-14 22:13:20 +0000 UTC <nil>
}

func ExampleTimestampSigner_Signature() {
	ts := signing.TimestampSigner{Signer: signing.Signer{SecretKey: []byte("predictable-key")}, Now: frozen}
	// Sign is value + ":" + timestamp, then ":" and the signature of both.
	fmt.Println(ts.Sign("hello") == "hello:1r31eq:"+ts.Signature("hello:1r31eq"))
	// Output: true
}

func ExampleTimestampSigner_Validate() {
	ts := signing.TimestampSigner{}
	fmt.Println(ts.Validate())
	// Output: signing: empty key
}

func ExampleTimestampSigner_SignPayload() {
	ts := signing.TimestampSigner{Signer: signing.Signer{SecretKey: []byte("k"), Salt: "s"}, Now: frozen}
	fmt.Println(ts.SignPayload([]byte("[1,2,3]"), true)) // too short to gain from zlib
	// Output: WzEsMiwzXQ:1r31eq:Dbqu6XfZdKoFEZhmI7FcKrnlwP0oPxRKC32blkG6YjU
}

func ExampleTimestampSigner_UnsignPayload() {
	ts := signing.TimestampSigner{Signer: signing.Signer{SecretKey: []byte("k"), Salt: "s"}, Now: frozen}
	data, err := ts.UnsignPayload("WzEsMiwzXQ:1r31eq:Dbqu6XfZdKoFEZhmI7FcKrnlwP0oPxRKC32blkG6YjU", 0)
	fmt.Println(string(data), err)
	// Output: [1,2,3] <nil>
}

func ExampleTimestampSigner_SignObject() {
	// Django's session data: the salt of SessionBase.key_salt, compressed
	// when that is shorter.
	ts := signing.TimestampSigner{
		Signer: signing.Signer{SecretKey: []byte("django-insecure-test-key"), Salt: "django.contrib.sessions.SessionStore"},
		Now:    frozen,
	}
	data, err := ts.SignObject(map[string]any{"a": 1}, true)
	fmt.Println(data, err)
	// Output: eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY <nil>
}

func ExampleTimestampSigner_UnsignObject() {
	ts := signing.TimestampSigner{
		Signer: signing.Signer{SecretKey: []byte("django-insecure-test-key"), Salt: "django.contrib.sessions.SessionStore"},
	}
	// session_data written by Django 3.2.
	v, err := ts.UnsignObject(".eJyrVkpUslKqoC1QqgUASkcupA:1r31eq:c2cG248xzS_RzuW12NqSyTvZYIT3nNyYycZ8Ul_LJyU", 0)
	fmt.Println(len(v.(map[string]any)["a"].(string)), err)
	// Output: 95 <nil>
}

func ExampleDumps() {
	s, err := signing.Dumps(map[string]any{"user": 42, "name": "Zoë"}, []byte("secret"), "", false)
	if err != nil {
		panic(err)
	}
	v, err := signing.Loads(s, []byte("secret"), "", time.Hour)
	fmt.Println(v, err)
	// Output: map[name:Zoë user:42] <nil>
}

func ExampleLoads() {
	// signing.dumps([1, 2, 3], key='k', salt='s') from Django, read back.
	v, err := signing.Loads("WzEsMiwzXQ:1r31eq:Dbqu6XfZdKoFEZhmI7FcKrnlwP0oPxRKC32blkG6YjU", []byte("k"), "s", 0)
	fmt.Println(v, err)

	_, err = signing.Loads("WzEsMiwzXQ:1r31eq:Dbqu6XfZdKoFEZhmI7FcKrnlwP0oPxRKC32blkG6YjU", []byte("k"), "other", 0)
	fmt.Println(err)
	// Output:
	// [1 2 3] <nil>
	// signing: bad signature: signature does not match
}

func ExampleSaltedHMAC() {
	// Django's AbstractBaseUser.get_session_auth_hash for a password hash.
	mac := signing.SaltedHMAC("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
		[]byte("pbkdf2_sha256$260000$abc$def"), []byte("s"), "sha256")
	fmt.Println(hex.EncodeToString(mac))
	// Output: 15032bfa900e10f900da1af340d8de809ae02795bfa196c080eba45478da4389
}

func ExampleCookieSigner() {
	// response.set_signed_cookie('c', 'hello', salt='extra') in Django: the
	// cookie name comes first in the salt.
	ts := signing.CookieSigner([]byte("django-insecure-test-key"), nil, "c"+"extra")
	ts.Now = frozen
	fmt.Println(ts.Sign("hello"))
	// Output: hello:1r31eq:tlonain9QVR-3VVKWmoPGr5x6ppjVrLETYLIfyaYA40
}

func ExampleB62Encode() {
	fmt.Println(signing.B62Encode(1700000000), signing.B62Encode(0), signing.B62Encode(-62))
	// Output: 1r31eq 0 -10
}

func ExampleB62Decode() {
	n, err := signing.B62Decode("1r31eq")
	fmt.Println(n, err)
	_, err = signing.B62Decode("1r31eq!")
	fmt.Println(err)
	// Output:
	// 1700000000 <nil>
	// base62: invalid character '!' in "1r31eq!"
}
