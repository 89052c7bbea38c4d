package memcache

import (
	"fmt"

	"github.com/djsession/djsession/session"
)

// The flags pymemcache's serde (pymemcache.serde, which Django's
// PyMemcacheCache uses) writes beside a value to say what Python type it
// was.
const (
	FlagBytes      uint32 = 0      // bytes, stored as they are
	FlagPickle     uint32 = 1 << 0 // any other object, pickled
	FlagInteger    uint32 = 1 << 1 // int, as its decimal digits
	FlagLong       uint32 = 1 << 2 // Python 2's long
	FlagCompressed uint32 = 1 << 3 // python-memcached's zlib (pymemcache never writes it)
	FlagText       uint32 = 1 << 4 // str, UTF-8
)

// EncodeFlags returns the flags to store data with: FlagPickle for a pickle
// (protocol 2 or later: the PROTO opcode 0x80 and a protocol number 2 to 5,
// what pickle.Codec writes and Python's pickle.dumps of a dict starts
// with), so that pymemcache unpickles it; FlagBytes for anything else.
func EncodeFlags(data []byte) uint32 {
	if len(data) >= 2 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5 {
		return FlagPickle
	}
	return FlagBytes
}

// DecodeValue returns the session bytes of an item read with flags: the
// value itself for FlagBytes and FlagPickle (the codec decodes it). Any
// other flag is a value that is not a session (a str, an int, a compressed
// value): an error matching session.ErrCorrupt. pymemcache tests the flags
// in the order text, integer, long, pickle; so does DecodeValue.
func DecodeValue(value []byte, flags uint32) ([]byte, error) {
	switch {
	case flags == FlagBytes:
		return value, nil
	case flags&FlagText != 0:
		return nil, fmt.Errorf("%w: the memcached item is a Python str (flags %d), not a session", session.ErrCorrupt, flags)
	case flags&(FlagInteger|FlagLong) != 0:
		return nil, fmt.Errorf("%w: the memcached item is a Python int (flags %d), not a session", session.ErrCorrupt, flags)
	case flags&FlagCompressed != 0:
		return nil, fmt.Errorf("%w: the memcached item is compressed (flags %d), which pymemcache does not write", session.ErrCorrupt, flags)
	case flags&FlagPickle != 0:
		return value, nil
	}
	return nil, fmt.Errorf("%w: the memcached item has flags %d, which pymemcache does not write", session.ErrCorrupt, flags)
}
