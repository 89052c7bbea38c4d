package memcache_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/djsession/djsession/session"
	memcachestore "github.com/djsession/djsession/store/memcache"
)

// FuzzDecodeValue checks the flags decoder: it never panics; bytes (flags
// 0) and pickles come back unchanged, a pickle being any flags with
// FLAG_PICKLE and none of str, int, long or compressed (pymemcache
// unpickles whatever has FLAG_PICKLE after those tests, whatever other bits
// are set); everything else is ErrCorrupt; and what EncodeFlags writes,
// DecodeValue reads back.
func FuzzDecodeValue(f *testing.F) {
	f.Add([]byte("\x80\x04}\x94."), uint32(1))
	f.Add([]byte(`{"a":1}`), uint32(0))
	f.Add([]byte("42"), uint32(2))
	f.Add([]byte("text"), uint32(16))
	f.Add([]byte("x"), uint32(9))
	f.Fuzz(func(t *testing.T, value []byte, flags uint32) {
		got, err := memcachestore.DecodeValue(value, flags)
		other := memcachestore.FlagText | memcachestore.FlagInteger | memcachestore.FlagLong | memcachestore.FlagCompressed
		session := flags == memcachestore.FlagBytes || (flags&memcachestore.FlagPickle != 0 && flags&other == 0)
		switch {
		case session && (err != nil || !bytes.Equal(got, value)):
			t.Fatalf("DecodeValue(flags %d) = %q, %v; want the value back", flags, got, err)
		case !session && !errors.Is(err, sessionErrCorrupt):
			t.Fatalf("DecodeValue(flags %d) = %q, %v; want ErrCorrupt", flags, got, err)
		}
		back, err := memcachestore.DecodeValue(value, memcachestore.EncodeFlags(value))
		if err != nil || !bytes.Equal(back, value) {
			t.Fatalf("DecodeValue(EncodeFlags(v)) = %q, %v", back, err)
		}
	})
}

var sessionErrCorrupt = session.ErrCorrupt
