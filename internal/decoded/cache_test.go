package decoded

import (
	"fmt"
	"testing"
)

func TestCacheBounds(t *testing.T) {
	tests := []struct {
		name              string
		entries, maxBytes int
		puts              int
		size              int
		wantLen           int
	}{
		{"entries bound", 4, 1 << 20, 10, 10, 4},
		{"bytes bound", 100, 100, 10, 20, 4}, // 20 + 5 of key each: 4 fit in 100
		{"under both bounds", 100, 1 << 20, 10, 10, 10},
		{"larger than the byte budget", 10, 50, 3, 60, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New[int](tt.entries, tt.maxBytes)
			for i := range tt.puts {
				c.Put(fmt.Sprintf("k%04d", i), i, tt.size)
				if c.Len() > tt.entries || c.Bytes() > tt.maxBytes {
					t.Fatalf("after %d puts: %d entries, %d bytes; bounds %d, %d", i+1, c.Len(), c.Bytes(), tt.entries, tt.maxBytes)
				}
			}
			if got := c.Len(); got != tt.wantLen {
				t.Errorf("Len = %d, want %d", got, tt.wantLen)
			}
			// The newest entry is always kept when it fits.
			last := fmt.Sprintf("k%04d", tt.puts-1)
			if v, ok := c.Get(last); (tt.wantLen > 0) != ok || (ok && v != tt.puts-1) {
				t.Errorf("Get(newest) = %d, %v", v, ok)
			}
		})
	}
}

func TestCacheReplaceDropsTheOldVersion(t *testing.T) {
	c := New[string](10, 1<<20)
	c.Put("v1", "one", 10)
	c.Replace("v1", "v2", "two", 10)
	if _, ok := c.Get("v1"); ok {
		t.Error("the superseded version is still cached")
	}
	if v, k, ok := c.Lookup([]byte("v2")); !ok || v != "two" || k != "v2" {
		t.Errorf("Lookup(v2) = %q, %q, %v", v, k, ok)
	}
	if got, want := c.Bytes(), 12; got != want {
		t.Errorf("Bytes = %d, want %d", got, want)
	}
	c.Put("v2", "again", 3) // the same key again: counted once
	if got, want := c.Bytes(), 5; got != want || c.Len() != 1 {
		t.Errorf("after re-putting: %d bytes, %d entries; want %d, 1", got, c.Len(), want)
	}
	c.Drop("v2")
	if c.Len() != 0 || c.Bytes() != 0 {
		t.Errorf("after Drop: %d entries, %d bytes", c.Len(), c.Bytes())
	}
}

func TestNilCacheIsOff(t *testing.T) {
	c := New[int](0, 100)
	if c != nil {
		t.Fatal("New with 0 entries is not nil")
	}
	c.Put("k", 1, 1)
	c.Replace("k", "j", 1, 1)
	c.Drop("k")
	if _, ok := c.Get("k"); ok {
		t.Error("a nil cache found something")
	}
	if _, _, ok := c.Lookup([]byte("j")); ok {
		t.Error("a nil cache found something")
	}
	if c.Len() != 0 || c.Bytes() != 0 {
		t.Error("a nil cache is not empty")
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	c := New[int](10, 1<<20)
	c.Put("some encoded session", 1, 1)
	key := []byte("some encoded session")
	if n := testing.AllocsPerRun(100, func() { c.Lookup(key) }); n != 0 {
		t.Errorf("Lookup allocates %v times", n)
	}
}

func TestNewSized(t *testing.T) {
	if c := NewSized[int](-1); c != nil {
		t.Error("a negative size is not off")
	}
	c := NewSized[int](0)
	for i := range DefaultEntries + 10 {
		c.Put(fmt.Sprint(i), i, 1)
	}
	if c.Len() != DefaultEntries {
		t.Errorf("the default cache holds %d entries, want %d", c.Len(), DefaultEntries)
	}
	c = NewSized[int](2)
	c.Put("big", 1, 2*BytesPerEntry-3) // 3 bytes of key: exactly the budget
	if _, ok := c.Get("big"); !ok {
		t.Error("an entry of the whole budget was not kept")
	}
}
