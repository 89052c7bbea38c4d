package cookiestore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

var secret = []byte("cookiestore-internal-test-secret-key-0123456789")

func mustNew(t testing.TB, cfg session.Config, opts Options) *Store {
	t.Helper()
	if cfg.SecretKey == nil {
		cfg.SecretKey = secret
	}
	s, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTheSealKeyIsDerivedForThisPurposeAlone: the AES key is
// signing.PurposeKey(secret, sealPurpose), not the secret itself nor a key
// of another purpose, and the additional data is the version byte and the
// cookie name.
func TestTheSealKeyIsDerivedForThisPurposeAlone(t *testing.T) {
	st := mustNew(t, session.Config{}, Options{Encrypted: true})
	v, err := st.SaveKey(context.Background(), map[string]any{"a": "b"}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b64.DecodeString(strings.TrimPrefix(v, sealPrefix))
	if err != nil {
		t.Fatal(err)
	}
	open := func(key []byte, aad string) bool {
		block, err := aes.NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := cipher.NewGCMWithRandomNonce(block)
		_, err = a.Open(nil, nil, sealed, []byte(aad))
		return err == nil
	}
	tests := []struct {
		name string
		key  []byte
		aad  string
		want bool
	}{
		{"the purpose key and the name", signing.PurposeKey(secret, sealPurpose), "\x01sessionid", true},
		{"the raw secret", secret[:32], "\x01sessionid", false},
		{"another purpose's key", signing.PurposeKey(secret, "djsession.auth login cookie"), "\x01sessionid", false},
		{"without the version byte", signing.PurposeKey(secret, sealPurpose), "sessionid", false},
		{"without the name", signing.PurposeKey(secret, sealPurpose), "\x01", false},
	}
	for _, tt := range tests {
		if got := open(tt.key, tt.aad); got != tt.want {
			t.Errorf("%s: opens = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// roundTrip checks the fuzz property on a value that decodes: it re-encodes
// and decodes to the same values.
func roundTrip(t *testing.T, st *Store, value string) {
	values, exp, err := st.Decode(value)
	if err != nil {
		return
	}
	again, err := st.SaveKey(context.Background(), values, exp)
	if err != nil {
		// A session that decodes may still not fit once re-encoded (another
		// zlib level, a longer JSON form of its numbers): only a size error
		// is allowed.
		if _, ok := err.(*session.SizeError); ok {
			return
		}
		t.Fatalf("re-encoding %v: %v", values, err)
	}
	got, _, err := st.Decode(again)
	if err != nil {
		t.Fatalf("the re-encoded session does not decode: %v", err)
	}
	if !reflect.DeepEqual(got, values) {
		t.Fatalf("round trip changed the values: %#v, then %#v", values, got)
	}
}

// FuzzDecode feeds the decoders what a client can send, and what only the
// key's holder could make (any payload, signed or sealed with the key):
// nothing panics, and whatever decodes re-encodes and decodes to the same
// values.
func FuzzDecode(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	signed := mustNew(f, session.Config{Now: clock}, Options{})
	sealed := mustNew(f, session.Config{Now: clock}, Options{Encrypted: true})
	ctx := context.Background()
	for _, v := range []map[string]any{
		{},
		{"a": int64(1), "b": 1.0, "c": []any{"x", nil, true}},
		{session.ExpiryKey: int64(300), "u": "élodie"},
		{session.ExpiryKey: "2030-01-02T03:04:05+00:00", "big": strings.Repeat("ab", 300)},
	} {
		for _, st := range []*Store{signed, sealed} {
			k, err := st.SaveKey(ctx, v, now.Add(time.Hour))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(k, []byte(nil), false)
		}
	}
	f.Add("eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk", []byte(`{"a":1}`), true)
	f.Add("e1.", []byte(`{"a":[1,2,{"b":null}]}`), false)
	f.Add("", []byte("\x00\x00\x00\x00\x00\x00\x00\x00[]"), false)
	f.Add(".eJw:1:"+strings.Repeat("A", 43), []byte(`{"_session_expiry":"soon"}`), true)
	f.Fuzz(func(t *testing.T, value string, payload []byte, compress bool) {
		// What a client sends.
		for _, st := range []*Store{signed, sealed} {
			_ = st.ValidKey(value)
			_, _, _, _ = st.LoadValues(ctx, value)
			roundTrip(t, st, value)
		}
		// What the key's holder could make: any bytes, signed in Django's
		// form, and any bytes sealed (the first eight are the expiry).
		roundTrip(t, signed, signed.signer.SignPayload(payload, compress))
		roundTrip(t, sealed, sealPrefix+b64.EncodeToString(sealed.aeads[0].Seal(nil, nil, payload, sealed.aad)))
	})
}

func TestTheCacheIsBounded(t *testing.T) {
	const entries = 10
	maxBytes := entries * cacheBytesPerEntry
	c := newCache(entries)
	for i := range 100 {
		e := &entry{size: 100}
		c.Put(strings.Repeat("k", i+1), e, e.size)
		if c.Len() > entries || c.Bytes() > maxBytes {
			t.Fatalf("after %d puts: %d entries, %d bytes", i+1, c.Len(), c.Bytes())
		}
	}
	// Entries that take the whole budget evict the others.
	c.Put("big", &entry{}, maxBytes-3)
	if c.Len() != 1 || c.Bytes() != maxBytes {
		t.Fatalf("%d entries, %d bytes of %d", c.Len(), c.Bytes(), maxBytes)
	}
	c.Drop("big")
	if c.Len() != 0 || c.Bytes() != 0 {
		t.Fatalf("after drop: %d entries, %d bytes", c.Len(), c.Bytes())
	}
	if newCache(-1) != nil {
		t.Fatal("a negative size does not turn the cache off")
	}
}

func TestTheCacheKeepsOnlyVerifiedSessionsOfModestSize(t *testing.T) {
	st := mustNew(t, session.Config{}, Options{})
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	small, _ := st.SaveKey(ctx, map[string]any{"a": "b"}, exp)
	big, _ := st.SaveKey(ctx, map[string]any{"a": strings.Repeat("ab", maxCachedJSON)}, exp)
	for _, k := range []string{small, big, small[:len(small)-1] + "A", "garbage"} {
		st.LoadValues(ctx, k)
	}
	if _, ok := st.cache.Get(small); st.cache.Len() != 1 || !ok {
		t.Fatalf("the cache holds %d entries; want only the small verified session", st.cache.Len())
	}
}
