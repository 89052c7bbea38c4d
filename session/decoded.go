package session

import (
	"github.com/djsession/djsession/internal/decoded"
	"github.com/djsession/djsession/internal/pyjson"
)

// The Manager's cache of decoded sessions, for byte stores (Config.
// DecodedCacheEntries): the values a record decoded to, kept under the
// record's exact bytes. A read-only request whose record has not changed
// since it was last read or saved then costs no signature check and no
// decoding, as with the memory store's decoded snapshots. The cache is
// filled by the reads that decode and by the saves of existing sessions,
// never by the creation of one: a visitor who never comes back (a crawler
// makes one session per request) would only push out the sessions that are
// in use. The maps are immutable snapshots, which the Session copies
// before writing (type values).

// DefaultDecodedCacheEntries is Config.DecodedCacheEntries' default. Each
// entry counts at most 8 KiB of record and JSON (8 MiB by default), and no
// session of over 16 KiB of JSON is kept (internal/decoded's bounds).
const DefaultDecodedCacheEntries = decoded.DefaultEntries

// maxDecodedJSON is the largest session the cache keeps, in bytes of JSON.
const maxDecodedJSON = decoded.MaxJSON

// PureCodec is a Codec whose Decode depends on the bytes alone: the same
// bytes always decode to the same values (no clock, no other state), and
// Decode(Encode(v)) is v in its JSON form (pyjson's Normalize). The Manager
// keeps decoded sessions (Config.DecodedCacheEntries) only for such a
// codec. DjangoCodec, JSONCodec and the pickle codec are; a Codec of your
// own is not cached unless it says so.
type PureCodec interface {
	Codec
	// PureDecode does nothing: it marks the codec.
	PureDecode()
}

// PureDecode marks DjangoCodec as a PureCodec: Decode checks no timestamp.
func (*DjangoCodec) PureDecode() {}

// PureDecode marks JSONCodec as a PureCodec.
func (JSONCodec) PureDecode() {}

// newDecodedCache returns the cache for a Manager with store and codec, or
// nil when the Manager keeps none.
func newDecodedCache(entries int, vstore ValueStore, dkstore DataKeyedStore, codec Codec) *decoded.Cache[map[string]any] {
	if _, ok := codec.(PureCodec); !ok || vstore != nil || dkstore != nil {
		return nil
	}
	return decoded.NewSized[map[string]any](entries)
}

// keepDecoded caches vals, just decoded from data, when they are small
// enough, and reports whether it did (vals is then a shared snapshot),
// with the cache's key.
func (m *Manager) keepDecoded(data []byte, vals map[string]any) (bool, string) {
	if m.decoded == nil {
		return false, ""
	}
	n, err := jsonLen(vals, 0)
	if err != nil || n > maxDecodedJSON {
		return false, ""
	}
	key := string(data)
	m.decoded.Put(key, vals, 2*n)
	return true, key
}

// keepSaved caches the values of s, just saved as data whose JSON is jlen
// bytes, in place of the version the request loaded, and hands the map
// over to the cache (the session copies it before its next write). The
// values are first put in their JSON form, what a load gives back.
func (s *Session) keepSaved(data []byte, jlen int) {
	if s.m.decoded == nil || jlen > maxDecodedJSON || s.data.m == nil {
		return
	}
	if !s.data.shared && normalizeOwned(&s.data) != nil {
		return
	}
	key := string(data)
	s.m.decoded.Replace(s.record, key, s.data.m, 2*jlen)
	s.data.handedOver()
	s.record = key
}

// normalizeOwned puts the values of v that are not in their JSON form
// (values.inJSONForm) into it.
func normalizeOwned(v *values) error {
	for k, x := range v.m {
		if v.inJSONForm(k, x) {
			continue
		}
		n, err := pyjson.Normalize(x)
		if err != nil {
			return err
		}
		v.m[k] = n
	}
	return nil
}
