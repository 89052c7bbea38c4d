package session_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	"github.com/djsession/djsession/store/memory"
)

// countingCodec counts the Decode calls of the codec it wraps.
type countingCodec struct {
	session.Codec
	decodes atomic.Int64
}

func (c *countingCodec) Decode(b []byte) (map[string]any, error) {
	c.decodes.Add(1)
	return c.Codec.Decode(b)
}

// pureCounting is countingCodec declared a PureCodec.
type pureCounting struct{ *countingCodec }

func (pureCounting) PureDecode() {}

// bytesStore hides the memory store's ValueStore methods: a byte store.
type bytesStore struct{ session.Store }

func TestDecodedCache(t *testing.T) {
	ctx := context.Background()
	// Each step opens the session (a read), perhaps changes and saves it;
	// want is how many times the codec decoded at the end of the step.
	type step struct {
		name   string
		change bool
		want   int64
	}
	cached := []step{
		{"first read after the session was created", false, 1}, // a creation is not cached
		{"second read, the same record", false, 1},
		{"modified and saved", true, 1},
		{"read after the save", false, 1}, // the save put the new version in
		{"read again", false, 1},
	}
	uncached := []step{
		{"first read", false, 1},
		{"second read", false, 2},
		{"modified and saved", true, 3},
		{"read after the save", false, 4},
		{"read again", false, 5},
	}
	tests := []struct {
		name    string
		entries int
		pure    bool
		steps   []step
	}{
		{"a pure codec, the default size", 0, true, cached},
		{"a pure codec, the cache turned off", -1, true, uncached},
		{"a codec that is not declared pure", 0, false, uncached},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := &countingCodec{Codec: session.NewDjangoCodec(testSecret, nil, nil)}
			var codec session.Codec = cc
			if tt.pure {
				codec = pureCounting{cc}
			}
			m, err := session.New(bytesStore{memory.New(memory.Options{})}, session.Config{
				SecretKey: testSecret, Codec: codec, DecodedCacheEntries: tt.entries,
			})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := m.Open(ctx, "")
			s.Set("visits", 1)
			s.Set("cart", []string{"apple"})
			if err := s.Save(ctx); err != nil {
				t.Fatal(err)
			}
			key := s.Key()
			visits := int64(1)
			for _, st := range tt.steps {
				s, err := m.Open(ctx, key)
				if err != nil {
					t.Fatalf("%s: Open: %v", st.name, err)
				}
				n, _, err := s.GetInt("visits")
				if err != nil || n != visits {
					t.Fatalf("%s: visits = %d, %v; want %d", st.name, n, err, visits)
				}
				if st.change {
					visits++
					s.Set("visits", visits)
					if err := s.Save(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if got := cc.decodes.Load(); got != st.want {
					t.Errorf("%s: %d decodes, want %d", st.name, got, st.want)
				}
			}
		})
	}
}

// A value that the handler changes in place, or a Set, never reaches the
// cached snapshot that other requests read.
func TestDecodedCacheSnapshotsDoNotChange(t *testing.T) {
	ctx := context.Background()
	m, err := session.New(bytesStore{memory.New(memory.Options{})}, session.Config{SecretKey: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.Open(ctx, "")
	s.Set("cart", []any{"apple"})
	s.Set("profile", map[string]any{"name": "alice"})
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	key := s.Key()
	for _, reader := range []string{"the reader that decoded the record", "a reader served from the cache"} {
		a, _ := m.Open(ctx, key) // the first time, decodes and caches
		cart, _ := a.Get("cart")
		cart.([]any)[0] = "changed in place"
		prof, _ := a.Get("profile")
		prof.(map[string]any)["name"] = "mallory"
		a.Set("added", true)
		a.Delete("cart")
		b, _ := m.Open(ctx, key)
		want := map[string]any{"cart": []any{"apple"}, "profile": map[string]any{"name": "alice"}}
		if got := items(b); !reflect.DeepEqual(got, want) {
			t.Errorf("after %s changed its session, another reader sees %v, want %v", reader, got, want)
		}
	}
	// A saved change is what the next reader sees, from the cache.
	a, _ := m.Open(ctx, key)
	prof, _ := a.Get("profile")
	prof.(map[string]any)["name"] = "mallory"
	a.Set("added", true)
	a.Delete("cart")
	if err := a.Save(ctx); err != nil {
		t.Fatal(err)
	}
	a.Set("after the save", 1) // the saved snapshot is not this map any more
	prof.(map[string]any)["name"] = "eve"
	c, _ := m.Open(ctx, key)
	want := map[string]any{"profile": map[string]any{"name": "mallory"}, "added": true}
	if got := items(c); !reflect.DeepEqual(got, want) {
		t.Errorf("after the save, a reader sees %v, want %v", got, want)
	}
}

func items(s *session.Session) map[string]any {
	out := map[string]any{}
	for _, it := range s.Items() {
		out[it.Key] = it.Value
	}
	return out
}

// Another writer (a Django site on the same database) replaces the record:
// the next read decodes the new bytes; bytes that were tampered with fail
// as without the cache.
func TestDecodedCacheFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	mem := memory.New(memory.Options{})
	m, err := session.New(bytesStore{mem}, session.Config{SecretKey: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.Open(ctx, "")
	s.Set("user", "alice")
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	key := s.Key()
	for range 2 {
		if _, err := m.Open(ctx, key); err != nil { // cached from here
			t.Fatal(err)
		}
	}
	other, _ := session.NewDjangoCodec(testSecret, nil, nil).Encode(map[string]any{"user": "bob"})
	if err := mem.Save(ctx, key, other, time.Now().Add(time.Hour), false); err != nil {
		t.Fatal(err)
	}
	s, err = m.Open(ctx, key)
	if u, _, _ := s.GetString("user"); err != nil || u != "bob" {
		t.Fatalf("after another writer: user %q, %v; want bob", u, err)
	}
	tampered := append([]byte(nil), other...)
	tampered[3] ^= 1
	if err := mem.Save(ctx, key, tampered, time.Now().Add(time.Hour), false); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Open(ctx, key); !errors.Is(err, session.ErrCorrupt) {
		t.Fatalf("a tampered record: %v, want ErrCorrupt", err)
	}
}

// What a save puts in the cache is what decoding the saved bytes gives,
// for every PureCodec and every kind of value a handler sets: a read from
// the cache and a read that decodes see the same values, of the same types.
func TestDecodedCacheHoldsWhatDecodingGives(t *testing.T) {
	ctx := context.Background()
	type point struct {
		X int `json:"x"`
	}
	vals := map[string]any{
		"int": 7, "int8": int8(-3), "uint64": uint64(math.MaxUint64), "big": json.Number("123456789012345678901234567890"),
		"float": 1.0, "float32": float32(0.5), "nan": math.NaN(), "inf": math.Inf(-1),
		"string": "naïve ☃ \U0001F600", "bool": true, "nil": nil,
		"strings": []string{"a", "b"}, "ints": []int{1, 2}, "nested": map[string]any{"list": []any{1, map[string]any{"k": "v"}}},
		"struct": point{X: 3}, "map of ints": map[string]int{"a": 1},
		"time": time.Date(2026, 12, 1, 15, 0, 0, 123456000, time.UTC),
	}
	codecs := []struct {
		name  string
		codec session.Codec
	}{
		{"DjangoCodec", session.NewDjangoCodec(testSecret, nil, nil)},
		{"JSONCodec", session.JSONCodec{}},
		{"pickle", pickle.Codec{}},
	}
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := c.codec.(session.PureCodec); !ok {
				t.Fatalf("%T is not a PureCodec", c.codec)
			}
			newManager := func(entries int) *session.Manager {
				m, err := session.New(bytesStore{memory.New(memory.Options{})}, session.Config{SecretKey: testSecret, Codec: c.codec, DecodedCacheEntries: entries})
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			var got [2]map[string]any
			for i, m := range []*session.Manager{newManager(0), newManager(-1)} {
				s, _ := m.Open(ctx, "")
				s.Set("first", 1)
				if err := s.Save(ctx); err != nil {
					t.Fatal(err)
				}
				s, _ = m.Open(ctx, s.Key())
				for k, v := range vals {
					s.Set(k, v)
				}
				if err := s.Save(ctx); err != nil { // an update: cached when on
					t.Fatal(err)
				}
				s, _ = m.Open(ctx, s.Key())
				got[i] = items(s)
			}
			// NaN is not equal to itself: compare it apart.
			for _, g := range got {
				if f, ok := g["nan"].(float64); !ok || !math.IsNaN(f) {
					t.Fatalf("nan read back as %#v", g["nan"])
				}
				delete(g, "nan")
			}
			if !reflect.DeepEqual(got[0], got[1]) {
				for k := range got[1] {
					if !reflect.DeepEqual(got[0][k], got[1][k]) {
						t.Errorf("%q: from the cache %#v (%T), decoded %#v (%T)", k, got[0][k], got[0][k], got[1][k], got[1][k])
					}
				}
			}
		})
	}
}
