package memory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// check verifies the store's bookkeeping: the map, the heap and the
// recency list hold the same entries; no counted decoded entry comes before
// s.cold; decoded counts them and is within maxDecoded after every call;
// an entry has data or values.
func check(t *testing.T, s *Store) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.heap) != len(s.entries) {
		t.Fatalf("heap %d, map %d", len(s.heap), len(s.entries))
	}
	for i, e := range s.heap {
		if int(e.hidx) != i || s.entries[e.key] != e {
			t.Fatalf("heap[%d] is %q with index %d", i, e.key, e.hidx)
		}
		if l, r := 2*i+1, 2*i+2; l < len(s.heap) && s.heap[l].exp < e.exp || r < len(s.heap) && s.heap[r].exp < e.exp {
			t.Fatalf("heap order broken at %d", i)
		}
	}
	n, decoded, beforeCold := 0, 0, true
	if s.cold == &s.lru {
		beforeCold = true
	}
	for e := s.lru.next; e != &s.lru; e = e.next {
		n++
		if e == s.cold {
			beforeCold = false
		}
		if s.entries[e.key] != e {
			t.Fatalf("%q is in the list, not in the map", e.key)
		}
		if !e.hasData && e.values == nil {
			t.Fatalf("%q has neither data nor values", e.key)
		}
		if e.values != nil && !e.pinned {
			decoded++
			if beforeCold {
				t.Fatalf("%q is decoded but before the cold mark", e.key)
			}
		}
	}
	if s.cold != &s.lru && beforeCold {
		t.Fatalf("the cold mark %q is not in the list", s.cold.key)
	}
	if n != len(s.entries) {
		t.Fatalf("list %d, map %d", n, len(s.entries))
	}
	if decoded != s.decoded || decoded > s.maxDecoded {
		t.Fatalf("%d decoded entries, counted %d, at most %d", decoded, s.decoded, s.maxDecoded)
	}
}

func TestBookkeepingUnderRandomOperations(t *testing.T) {
	for _, maxDecoded := range []int{-1, 1, 3, 1000} {
		t.Run(fmt.Sprint("MaxDecoded ", maxDecoded), func(t *testing.T) {
			now := time.Unix(1700000000, 0)
			s := New(Options{MaxEntries: 12, MaxDecoded: maxDecoded, Now: func() time.Time { return now }})
			r := rand.New(rand.NewPCG(1, uint64(maxDecoded+10)))
			ctx := context.Background()
			// want is what every key must read back as, while it lives.
			want := map[string]string{}
			for range 5000 {
				key := fmt.Sprintf("key%02d", r.IntN(20))
				exp := now.Add(time.Duration(1+r.IntN(50)) * time.Second)
				switch op := r.IntN(10); {
				case op < 3:
					v := fmt.Sprint(r.IntN(1000))
					if s.SaveValues(ctx, key, map[string]any{"v": v}, exp, r.IntN(2) == 0) == nil {
						want[key] = `{"v":"` + v + `"}`
					}
				case op < 4:
					v := fmt.Sprint(r.IntN(1000))
					if s.Save(ctx, key, []byte(`{"v":"`+v+`"}`), exp, r.IntN(2) == 0) == nil {
						want[key] = `{"v":"` + v + `"}`
					}
				case op < 6:
					m, _, found, err := s.LoadValues(ctx, key)
					if err != nil {
						t.Fatal(err)
					}
					if found && `{"v":"`+m["v"].(string)+`"}` != want[key] {
						t.Fatalf("LoadValues(%s) = %v, want %s", key, m, want[key])
					}
				case op < 7:
					data, _, found, err := s.Load(ctx, key)
					if err != nil {
						t.Fatal(err)
					}
					if found && string(data) != want[key] {
						t.Fatalf("Load(%s) = %s, want %s", key, data, want[key])
					}
				case op < 8:
					s.Delete(ctx, key)
				case op < 9:
					now = now.Add(time.Duration(r.IntN(5)) * time.Second)
				default:
					s.ClearExpired(ctx)
				}
				check(t, s)
			}
		})
	}
}
