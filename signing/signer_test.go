package signing

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"testing"
)

// referenceSignature computes Django's Signer.signature the long way, as
// Django's signing.Signer computes it, to check the cached fast path against.
func referenceSignature(newHash func() hash.Hash, key []byte, salt, value string) string {
	k := newHash()
	k.Write([]byte(salt + "signer"))
	k.Write(key)
	m := hmac.New(newHash, k.Sum(nil))
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestSignerSignsAsDjangoDoes(t *testing.T) {
	key := []byte("predictable-secret")
	tests := []struct {
		name   string
		signer Signer
		value  string
		want   string
	}{
		// Expected values printed by Django 3.2 (djhelper.py sign).
		{"the default salt and SHA-256", Signer{SecretKey: key}, "foo", "foo:jZQoX_FtSO70jX9HLRGg2A_2s4kdDBxz1QoO_OpEQb0"},
		{"SHA-1", Signer{SecretKey: key, Algorithm: "sha1"}, "foo", "foo:sH9B01cZcJ9FoT_jEVkRkNULrl8"},
		{"SHA-224", Signer{SecretKey: key, Algorithm: "sha224"}, "foo", "foo:wcWaMJpSEWmp24BeM_SNb0c1ffCeXCd538Q5iQ"},
		{"SHA-384", Signer{SecretKey: key, Algorithm: "sha384"}, "foo", "foo:zcjjjAJmksI1nFGCpfk0cI982vtL3wXa8bRU1FbR-_dfDRolslmpWBh3iDbEnzfn"},
		{"SHA-512", Signer{SecretKey: key, Algorithm: "sha512"}, "foo",
			"foo:rn83isxVOJKrSbtDsr8GkqH6KNsG0P41Yt1UW5El7M9ilHQsamV50sAiT3iQgNfQIAjvadTffJoVZxXXZMKt6w"},
		{"a custom salt and separator", Signer{SecretKey: []byte("k"), Salt: "s", Sep: "/"}, "a:b", "a:b/7yYvsqzYM0_6YO67f_mWtgzvcnFe4_tfx5_3jGrykYY"},
		{"a two-newline separator", Signer{SecretKey: []byte("k"), Sep: "\n\n"}, "v", "v\n\nk4enFurzlQROEtUd-hRryEVuIseVMeDQ1XZiY5F3juM"},
		{"a binary key", Signer{SecretKey: []byte{0xe7}}, "foo", "foo:EE4qGC5MEKyQG5msxYA0sBohAxLC0BJf8uRhemh0BGU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.signer.Sign(tt.value); got != tt.want {
				t.Fatalf("Sign(%q) = %q, want %q", tt.value, got, tt.want)
			}
			got, err := tt.signer.Unsign(tt.want)
			if err != nil || got != tt.value {
				t.Fatalf("Unsign(%q) = %q, %v", tt.want, got, err)
			}
			sep := tt.signer.Sep
			if sep == "" {
				sep = ":"
			}
			if sig := tt.signer.Signature(tt.value); tt.want != tt.value+sep+sig {
				t.Fatalf("Signature(%q) = %q does not end %q", tt.value, sig, tt.want)
			}
		})
	}
}

func TestSignatureMatchesTheDefinitionForEveryAlgorithm(t *testing.T) {
	hashes := map[string]func() hash.Hash{
		"sha1": sha1.New, "sha224": sha256.New224, "sha256": sha256.New, "sha384": sha512.New384, "sha512": sha512.New,
	}
	for name, h := range hashes {
		for _, value := range []string{"", "x", "value:with:colons", strings.Repeat("long ", 100), "é😀\x00"} {
			t.Run(fmt.Sprintf("%s of %.10q", name, value), func(t *testing.T) {
				s := Signer{SecretKey: []byte("a key"), Salt: "a salt", Algorithm: name}
				want := referenceSignature(h, s.SecretKey, s.Salt, value)
				if got := s.Signature(value); got != want {
					t.Fatalf("Signature = %q, want %q", got, want)
				}
			})
		}
	}
}

func TestTheSaltSeparatesPurposes(t *testing.T) {
	a := Signer{SecretKey: []byte("k"), Salt: "purpose-a"}
	b := Signer{SecretKey: []byte("k"), Salt: "purpose-b"}
	if _, err := b.Unsign(a.Sign("v")); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("a value signed for one salt verified under another: %v", err)
	}
	// The default salts of Signer and TimestampSigner differ too.
	ts := TimestampSigner{Signer: Signer{SecretKey: []byte("k")}}
	plain := Signer{SecretKey: []byte("k")}
	if _, err := plain.Unsign(ts.Sign("v")); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("a TimestampSigner value verified with a Signer's default salt: %v", err)
	}
}

func TestUnsignSplitsAtTheLastSeparator(t *testing.T) {
	s := Signer{SecretKey: []byte("k")}
	for _, v := range []string{"a:b:c", ":", "::", "", "trailing:"} {
		got, err := s.Unsign(s.Sign(v))
		if err != nil || got != v {
			t.Errorf("round trip of %q = %q, %v", v, got, err)
		}
	}
}

func TestValidateReportsBadConfiguration(t *testing.T) {
	tests := []struct {
		name   string
		signer Signer
		want   error
	}{
		{"an empty key", Signer{}, ErrNoKey},
		{"an unknown algorithm", Signer{SecretKey: []byte("k"), Algorithm: "md5"}, ErrUnknownAlgorithm},
		{"a letter as separator", Signer{SecretKey: []byte("k"), Sep: "a"}, ErrUnsafeSep},
		{"a digit as separator", Signer{SecretKey: []byte("k"), Sep: "0"}, ErrUnsafeSep},
		{"an underscore as separator", Signer{SecretKey: []byte("k"), Sep: "_"}, ErrUnsafeSep},
		{"a backtick, inside A-z, as separator", Signer{SecretKey: []byte("k"), Sep: "`"}, ErrUnsafeSep},
		{"a bracket, inside A-z, as separator", Signer{SecretKey: []byte("k"), Sep: "["}, ErrUnsafeSep},
		{"an equals sign as separator", Signer{SecretKey: []byte("k"), Sep: "="}, ErrUnsafeSep},
		{"a dash as separator", Signer{SecretKey: []byte("k"), Sep: "-"}, ErrUnsafeSep},
		{"several letters as separator", Signer{SecretKey: []byte("k"), Sep: "abc"}, ErrUnsafeSep},
		{"a lone newline, which Python's $ lets through the pattern", Signer{SecretKey: []byte("k"), Sep: "\n"}, ErrUnsafeSep},
		{"a letter and a final newline", Signer{SecretKey: []byte("k"), Sep: "a\n"}, ErrUnsafeSep},
		{"the default", Signer{SecretKey: []byte("k")}, nil},
		{"a slash", Signer{SecretKey: []byte("k"), Sep: "/"}, nil},
		{"a letter with a colon", Signer{SecretKey: []byte("k"), Sep: "a:"}, nil},
		{"two newlines", Signer{SecretKey: []byte("k"), Sep: "\n\n"}, nil},
		{"a non-ASCII character", Signer{SecretKey: []byte("k"), Sep: "é"}, nil},
		{"a space", Signer{SecretKey: []byte("k"), Sep: " "}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.signer.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Validate() = %v, want %v", err, tt.want)
			}
			if _, uerr := tt.signer.Unsign("v:sig"); !errors.Is(uerr, tt.want) {
				t.Fatalf("Unsign on a bad signer = %v, want %v", uerr, tt.want)
			}
			ts := TimestampSigner{Signer: tt.signer}
			if _, uerr := ts.UnsignPayload("v:0:sig", 0); !errors.Is(uerr, tt.want) {
				t.Fatalf("UnsignPayload on a bad signer = %v, want %v", uerr, tt.want)
			}
			if _, serr := ts.SignObject(1, false); !errors.Is(serr, tt.want) {
				t.Fatalf("SignObject on a bad signer = %v, want %v", serr, tt.want)
			}
			mustPanic(t, "Sign", func() { tt.signer.Sign("v") })
			mustPanic(t, "TimestampSigner.Sign", func() { ts.Sign("v") })
			mustPanic(t, "SignPayload", func() { ts.SignPayload(nil, false) })
		})
	}
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r == nil {
			t.Fatalf("%s on a misconfigured signer did not panic", what)
		} else if !strings.Contains(fmt.Sprint(r), "Validate") {
			t.Fatalf("%s panicked with %v, which does not point at Validate", what, r)
		}
	}()
	f()
}

// signedSamples are valid signed values of every kind this package makes.
func signedSamples(t *testing.T) map[string]struct {
	signed string
	verify func(string) error
} {
	t.Helper()
	key := []byte("tamper-test-key")
	s := Signer{SecretKey: key}
	ts := TimestampSigner{Signer: Signer{SecretKey: key}, Now: fixedClock(1700000000)}
	obj := map[string]any{"user": "42", "cart": []any{1, 2, 3}}
	dumped, err := Dumps(obj, key, "", false)
	if err != nil {
		t.Fatal(err)
	}
	compressed, err := Dumps(map[string]any{"padding": strings.Repeat("abc", 50)}, key, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if compressed[0] != '.' {
		t.Fatalf("the compressed sample is not compressed: %q", compressed)
	}
	cookie := CookieSigner(key, nil, "sessionid")
	cookie.Now = ts.Now
	return map[string]struct {
		signed string
		verify func(string) error
	}{
		"a plain signed value": {s.Sign("hello:world"), func(v string) error { _, err := s.Unsign(v); return err }},
		"a timestamped value":  {ts.Sign("hello"), func(v string) error { _, err := ts.Unsign(v, 0); return err }},
		"a Dumps value":        {dumped, func(v string) error { _, err := Loads(v, key, "", 0); return err }},
		"a compressed Dumps value": {compressed, func(v string) error {
			_, err := Loads(v, key, "", 0)
			return err
		}},
		"a signed cookie value": {cookie.Sign("é value"), func(v string) error { _, err := cookie.Unsign(v, 0); return err }},
	}
}

func TestEverySingleByteChangeIsRejected(t *testing.T) {
	for name, sample := range signedSamples(t) {
		t.Run(name, func(t *testing.T) {
			if err := sample.verify(sample.signed); err != nil {
				t.Fatalf("the untouched value does not verify: %v", err)
			}
			in := []byte(sample.signed)
			for i := range in {
				orig := in[i]
				for b := range 256 {
					if byte(b) == orig {
						continue
					}
					in[i] = byte(b)
					if err := sample.verify(string(in)); err == nil {
						t.Fatalf("byte %d changed from %q to %q still verifies: %q", i, orig, byte(b), in)
					}
				}
				in[i] = orig
			}
		})
	}
}

func TestTruncationsAndInsertionsAreRejected(t *testing.T) {
	for name, sample := range signedSamples(t) {
		t.Run(name, func(t *testing.T) {
			s := sample.signed
			for i := range len(s) {
				if err := sample.verify(s[:i]); err == nil {
					t.Fatalf("the prefix %q verifies", s[:i])
				}
				if err := sample.verify(s[i+1:]); err == nil {
					t.Fatalf("the suffix %q verifies", s[i+1:])
				}
				if err := sample.verify(s[:i] + s[i+1:]); err == nil {
					t.Fatalf("deleting byte %d verifies", i)
				}
				if err := sample.verify(s[:i] + "x" + s[i:]); err == nil {
					t.Fatalf("inserting a byte at %d verifies", i)
				}
			}
			if err := sample.verify(s + ":"); err == nil {
				t.Fatal("a trailing separator verifies")
			}
		})
	}
}

func TestSplicesOfTwoValidValuesAreRejected(t *testing.T) {
	key := []byte("splice-key")
	ts := TimestampSigner{Signer: Signer{SecretKey: key}, Now: fixedClock(1700000000)}
	a, b := ts.Sign("alice"), ts.Sign("bob")
	later := TimestampSigner{Signer: Signer{SecretKey: key}, Now: fixedClock(1800000000)}
	aLater := later.Sign("alice")
	parts := func(s string) []string { return strings.Split(s, ":") }
	pa, pb, pl := parts(a), parts(b), parts(aLater)
	for _, tt := range []struct{ name, value string }{
		{"value of one, signature of the other", pa[0] + ":" + pa[1] + ":" + pb[2]},
		{"value of one, timestamp and signature of the other", pa[0] + ":" + pb[1] + ":" + pb[2]},
		{"an old timestamp with a new signature", pl[0] + ":" + pa[1] + ":" + pl[2]},
		{"a new timestamp with an old signature", pa[0] + ":" + pl[1] + ":" + pa[2]},
		{"the two values concatenated", a + b},
		{"one value inside the other", pa[0] + ":" + b},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if v, err := ts.Unsign(tt.value, 0); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("Unsign(%q) = %q, %v; want ErrBadSignature", tt.value, v, err)
			}
		})
	}
}

func TestFallbackKeysVerifyButNeverSign(t *testing.T) {
	oldKey, newKey, otherKey := []byte("old secret"), []byte("new secret"), []byte("other secret")
	old := Signer{SecretKey: oldKey}
	rotated := Signer{SecretKey: newKey, FallbackKeys: [][]byte{otherKey, oldKey}}
	t.Run("a value signed with the old key verifies through the fallback list", func(t *testing.T) {
		if v, err := rotated.Unsign(old.Sign("v")); err != nil || v != "v" {
			t.Fatalf("Unsign = %q, %v", v, err)
		}
	})
	t.Run("without the fallback it does not verify", func(t *testing.T) {
		if _, err := (&Signer{SecretKey: newKey}).Unsign(old.Sign("v")); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("Unsign = %v, want ErrBadSignature", err)
		}
	})
	t.Run("signing uses the new key only", func(t *testing.T) {
		signed := rotated.Sign("v")
		if _, err := (&Signer{SecretKey: newKey}).Unsign(signed); err != nil {
			t.Fatalf("the new key alone does not verify a fresh value: %v", err)
		}
		if _, err := old.Unsign(signed); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("the old key verifies a fresh value: %v", err)
		}
	})
	t.Run("every fallback is tried, in any position", func(t *testing.T) {
		other := Signer{SecretKey: otherKey}
		if v, err := rotated.Unsign(other.Sign("w")); err != nil || v != "w" {
			t.Fatalf("Unsign = %q, %v", v, err)
		}
	})
	t.Run("an empty fallback key is skipped", func(t *testing.T) {
		s := Signer{SecretKey: newKey, FallbackKeys: [][]byte{nil, {}}}
		if _, err := s.Unsign(old.Sign("v")); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("Unsign = %v, want ErrBadSignature", err)
		}
	})
	t.Run("cookie signers prefix every fallback as Django does", func(t *testing.T) {
		oldCookie := CookieSigner(oldKey, nil, "name")
		newCookie := CookieSigner(newKey, [][]byte{oldKey}, "name")
		if v, err := newCookie.Unsign(oldCookie.Sign("v"), 0); err != nil || v != "v" {
			t.Fatalf("Unsign = %q, %v", v, err)
		}
		if string(newCookie.FallbackKeys[0]) != "django.http.cookiesold secret" {
			t.Fatalf("fallback key %q", newCookie.FallbackKeys[0])
		}
	})
	t.Run("an expired value signed with a fallback key is expired, not bad", func(t *testing.T) {
		then := TimestampSigner{Signer: Signer{SecretKey: oldKey}, Now: fixedClock(1000)}
		now := TimestampSigner{Signer: Signer{SecretKey: newKey, FallbackKeys: [][]byte{oldKey}}, Now: fixedClock(2000)}
		if _, err := now.Unsign(then.Sign("v"), 10*1e9); !errors.Is(err, ErrExpired) {
			t.Fatalf("Unsign = %v, want ErrExpired", err)
		}
	})
}

func TestCookieSignerIsDjangosGetCookieSigner(t *testing.T) {
	ts := CookieSigner([]byte("django-insecure-test-key"), nil, "cextra")
	ts.Now = fixedClock(1700000000)
	// set_signed_cookie('c', 'hello', salt='extra') in Django 3.2.
	if got, want := ts.Sign("hello"), "hello:1r31eq:tlonain9QVR-3VVKWmoPGr5x6ppjVrLETYLIfyaYA40"; got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if err := CookieSigner(nil, nil, "c").Validate(); !errors.Is(err, ErrNoKey) {
		t.Fatalf("an empty secret: Validate = %v, want ErrNoKey", err)
	}
}

func TestSaltedHMACIsDjangosSaltedHMAC(t *testing.T) {
	tests := []struct {
		name                  string
		keySalt, value, key   string
		algorithm, wantHexMAC string
	}{
		// Values printed by Django 3.2's salted_hmac and get_session_auth_hash.
		{"the default algorithm is SHA-1, as in Django", "a", "b", "c", "", "0ccc8faa7d8df99a07b18657f122b06b8e0b89da"},
		{"SHA-256", "a", "b", "c", "sha256", "3732d15f17f36eb0bdacb8c88ba762f6e982f849c098eda589cbe111bb113f28"},
		{"the session auth hash of a password hash", "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
			"pbkdf2_sha256$260000$abc$def", "s", "sha256", "15032bfa900e10f900da1af340d8de809ae02795bfa196c080eba45478da4389"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hex.EncodeToString(SaltedHMAC(tt.keySalt, []byte(tt.value), []byte(tt.key), tt.algorithm))
			if got != tt.wantHexMAC {
				t.Fatalf("SaltedHMAC = %s, want %s", got, tt.wantHexMAC)
			}
		})
	}
	if SaltedHMAC("a", nil, nil, "md5") != nil {
		t.Fatal("an unknown algorithm gave a MAC")
	}
}

func TestSignersAreSafeForConcurrentUseAcrossManySalts(t *testing.T) {
	// More salts than the derived-key cache has slots: entries are evicted
	// and derived again while other goroutines use them.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 400 {
				salt := fmt.Sprintf("salt-%d", (i*7+g)%300)
				s := Signer{SecretKey: []byte("shared key"), Salt: salt}
				signed := s.Sign("value")
				if want := "value:" + referenceSignature(sha256.New, s.SecretKey, salt, "value"); signed != want {
					errs <- fmt.Errorf("salt %s: Sign = %q, want %q", salt, signed, want)
					return
				}
				if _, err := s.Unsign(signed); err != nil {
					errs <- err
					return
				}
				other := Signer{SecretKey: []byte("shared key"), Salt: salt + "x"}
				if _, err := other.Unsign(signed); err == nil {
					errs <- fmt.Errorf("salt %s: verified under salt %sx", salt, salt)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestChangingTheKeyOfAStructTakesEffect(t *testing.T) {
	s := Signer{SecretKey: []byte("first")}
	first := s.Sign("v")
	s.SecretKey = []byte("second")
	if s.Sign("v") == first {
		t.Fatal("a cached derived key outlived the key it came from")
	}
	key := []byte("mutable")
	s = Signer{SecretKey: key}
	before := s.Sign("v")
	key[0] = 'M' // changed in place
	if s.Sign("v") == before {
		t.Fatal("a key changed in place still signs as before")
	}
}

func TestVerifyingDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	s := Signer{SecretKey: []byte("k"), FallbackKeys: [][]byte{[]byte("old")}}
	ts := TimestampSigner{Signer: Signer{SecretKey: []byte("k")}, Now: fixedClock(1700000000)}
	signed, tsSigned := s.Sign("some value"), ts.Sign("some value")
	bad := signed[:len(signed)-1] + "A"
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"Signer.Unsign of a good value", func() { s.Unsign(signed) }},
		{"Signer.Unsign of a forged value, every key tried", func() { s.Unsign(bad) }},
		{"TimestampSigner.Unsign with a max age", func() { ts.Unsign(tsSigned, 1e9*3600) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, tt.f); n > 0 {
				t.Fatalf("%.0f allocations per call", n)
			}
		})
	}
}
