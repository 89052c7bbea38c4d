package cookie

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/djsession/djsession/signing"
)

// FuzzGetSigned signs a value, sends it back in a Cookie header that the
// fuzzer may change at one byte and surround with other cookies, and checks
// that the reader never panics, that an unchanged cookie always verifies, and
// that a changed one either fails or yields the very value that was signed.
func FuzzGetSigned(f *testing.F) {
	f.Add("hello", "a=1", uint(0), byte(0))
	f.Add("清風;x", "", uint(5), byte(1))
	f.Add("a:b:c", "c=junk", uint(12), byte(0x20))
	f.Add("", `c="\`, uint(3), byte(0xff))
	f.Fuzz(func(t *testing.T, value, extra string, pos uint, delta byte) {
		s := Signer{SecretKey: testSecret, Salt: "fuzz", MaxAge: 0, Now: clock(frozen)}
		signed, err := s.Sign("c", value)
		must(t, err)
		if !utf8.ValidString(value) || len(signed) > 1000 {
			// Not writable (Set refuses it) or needlessly long; still read
			// the fuzzer's header for panics.
			_, _ = s.Get(request(extra), "c")
			return
		}
		header := "c=" + string(appendEncoded(nil, signed))
		if got, err := s.Get(request(header), "c"); err != nil || got != value {
			t.Fatalf("unchanged %q: Get = %q, %v", header, got, err)
		}
		b := []byte(header)
		b[2+int(pos%uint(len(b)-2))] ^= delta
		for _, h := range []string{string(b), extra + ";" + string(b), string(b) + ";" + extra} {
			got, err := s.Get(request(h), "c")
			if err == nil && got != value {
				t.Fatalf("header %q verified as %q, but only %q was signed", h, got, value)
			}
			// A change to the name or to the '=' may hide the cookie.
			if err != nil && !errors.Is(err, signing.ErrBadSignature) && !errors.Is(err, signing.ErrMalformed) && !errors.Is(err, ErrNoCookie) {
				t.Fatalf("header %q: unexpected error %v", h, err)
			}
		}
	})
}
