package memory_test

// Tests that pin behaviours of the store that no other test checked, before
// a refactor. Each one was seen to fail with a bug planted in memory.go.

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// pinOps are the two ways to write and read a record: encoded bytes, and
// the values path (session.ValueStore) that session.Manager uses with this
// store.
var pinOps = []struct {
	name string
	save func(s *memory.Store, key string, exp time.Time, mustCreate bool) error
	read func(s *memory.Store, key string) bool // reports found
}{
	{
		name: "bytes",
		save: func(s *memory.Store, key string, exp time.Time, mustCreate bool) error {
			return s.Save(bg, key, []byte(`{"v":"`+key+`"}`), exp, mustCreate)
		},
		read: func(s *memory.Store, key string) bool {
			_, _, found, _ := s.Load(bg, key)
			return found
		},
	},
	{
		name: "values",
		save: func(s *memory.Store, key string, exp time.Time, mustCreate bool) error {
			return s.SaveValues(bg, key, map[string]any{"v": key}, exp, mustCreate)
		},
		read: func(s *memory.Store, key string) bool {
			_, _, found, _ := s.LoadValues(bg, key)
			return found
		},
	},
}

func TestPinEveryReadRefreshesRecency(t *testing.T) {
	for _, w := range pinOps {
		for _, r := range pinOps {
			t.Run(fmt.Sprintf("written as %s, read as %s", w.name, r.name), func(t *testing.T) {
				s := memory.New(memory.Options{MaxEntries: 3, CullFrequency: 3})
				exp := time.Now().Add(time.Hour)
				for _, k := range []string{"aaaaaaaa", "bbbbbbbb", "cccccccc"} {
					if err := w.save(s, k, exp, true); err != nil {
						t.Fatal(err)
					}
				}
				// Reading a makes b the least recently used: the cull that
				// makes room for d drops b, not a.
				if !r.read(s, "aaaaaaaa") {
					t.Fatal("a not found")
				}
				if err := w.save(s, "dddddddd", exp, true); err != nil {
					t.Fatal(err)
				}
				for k, want := range map[string]bool{"aaaaaaaa": true, "bbbbbbbb": false, "cccccccc": true, "dddddddd": true} {
					if got, _ := s.Exists(bg, k); got != want {
						t.Errorf("Exists(%s) = %v, want %v", k, got, want)
					}
				}
			})
		}
	}
}

// TestPinSessionReadThroughManagerRefreshesRecency checks the same through
// session.Manager, which reads this store through LoadValues: of three
// sessions in a full store, the one a user just read survives the cull that
// a fourth login causes.
func TestPinSessionReadThroughManagerRefreshesRecency(t *testing.T) {
	store := memory.New(memory.Options{MaxEntries: 3, CullFrequency: 3})
	m, err := session.New(store, session.Config{SecretKey: []byte("djsession-test-secret-key-of-at-least-32-bytes")})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		switch r.URL.Path {
		case "/login":
			s.Set("user", r.URL.Query().Get("u"))
		case "/whoami":
			io.WriteString(w, s.GetDefault("user", "anonymous").(string))
		}
	}))
	do := func(path, key string) (body, newKey string) {
		req := httptest.NewRequest("GET", path, nil)
		if key != "" {
			req.Header.Set("Cookie", "sessionid="+key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		for _, c := range rec.Result().Cookies() {
			if c.Name == "sessionid" {
				newKey = c.Value
			}
		}
		return rec.Body.String(), newKey
	}
	keys := map[string]string{}
	login := func(u string) {
		if _, keys[u] = do("/login?u="+u, ""); !session.ValidKey(keys[u]) {
			t.Fatalf("login of %s: session cookie %q", u, keys[u])
		}
	}
	for _, u := range []string{"ann", "bob", "cat"} {
		login(u)
	}
	if body, _ := do("/whoami", keys["ann"]); body != "ann" {
		t.Fatalf("ann reads %q", body)
	}
	login("dan") // the store is full: a cull drops the least recently used
	for u, want := range map[string]string{"ann": "ann", "bob": "anonymous", "cat": "cat", "dan": "dan"} {
		if body, _ := do("/whoami", keys[u]); body != want {
			t.Errorf("%s after the cull reads %q, want %q", u, body, want)
		}
	}
	if n := store.Len(); n != 3 {
		t.Errorf("Len = %d, want 3", n)
	}
}

func TestPinResavingKeepsExpiryOrder(t *testing.T) {
	tests := []struct {
		name    string
		resave  string        // the key saved again
		newLife time.Duration // its new lifetime, from the start
		advance time.Duration
		want    []string // the keys left after ClearExpired
	}{
		// a, b, c expire after 10s, 20s, 30s.
		{"the first to expire, pushed back, outlives the others", "aaaaaaaa", time.Hour, 35 * time.Second, []string{"aaaaaaaa"}},
		{"the first to expire, pushed back a little, still goes before the last", "aaaaaaaa", 25 * time.Second, 27 * time.Second, []string{"cccccccc"}},
		{"a middle one, pushed back, outlives the others", "bbbbbbbb", time.Hour, 35 * time.Second, []string{"bbbbbbbb"}},
		{"the last to expire, brought forward, goes first", "cccccccc", 5 * time.Second, 7 * time.Second, []string{"aaaaaaaa", "bbbbbbbb"}},
	}
	for _, op := range pinOps {
		for _, tc := range tests {
			t.Run(op.name+": "+tc.name, func(t *testing.T) {
				clk := &clock{t: time.Unix(1700000000, 0)}
				start := clk.Now()
				s := memory.New(memory.Options{Now: clk.Now})
				for i, k := range []string{"aaaaaaaa", "bbbbbbbb", "cccccccc"} {
					if err := op.save(s, k, start.Add(time.Duration(i+1)*10*time.Second), true); err != nil {
						t.Fatal(err)
					}
				}
				clk.Advance(time.Second)
				if err := op.save(s, tc.resave, start.Add(tc.newLife), false); err != nil {
					t.Fatalf("re-save: %v", err)
				}
				clk.Advance(tc.advance - time.Second)
				if err := s.ClearExpired(bg); err != nil {
					t.Fatal(err)
				}
				// Len counts what is held, reclaimed or not: ClearExpired
				// must have found every expired record through the heap.
				if got := s.Len(); got != len(tc.want) {
					t.Errorf("Len after ClearExpired = %d, want %d", got, len(tc.want))
				}
				for _, k := range tc.want {
					if !op.read(s, k) {
						t.Errorf("%s is gone, want it kept", k)
					}
				}
			})
		}
	}
}

func TestPinCullRemovesSomethingWhenMaxEntriesIsBelowCullFrequency(t *testing.T) {
	tests := []struct {
		max, cull int
	}{
		{1, 3},
		{2, 3},
		{2, 0}, // DefaultCullFrequency, 3
		{4, 10},
	}
	for _, op := range pinOps {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s: MaxEntries %d, CullFrequency %d", op.name, tc.max, tc.cull), func(t *testing.T) {
				s := memory.New(memory.Options{MaxEntries: tc.max, CullFrequency: tc.cull})
				exp := time.Now().Add(time.Hour)
				for i := range 3 * tc.max {
					key := fmt.Sprintf("key%05d", i)
					if err := op.save(s, key, exp, true); err != nil {
						t.Fatal(err)
					}
					if got := s.Len(); got > tc.max {
						t.Fatalf("after %d inserts Len = %d, above MaxEntries %d", i+1, got, tc.max)
					}
					if !op.read(s, key) {
						t.Fatalf("the record just written, %s, is gone", key)
					}
				}
			})
		}
	}
}

func TestPinExistsIsFalseForAnExpiredRecord(t *testing.T) {
	for _, op := range pinOps {
		t.Run(op.name, func(t *testing.T) {
			clk := &clock{t: time.Unix(1700000000, 0)}
			s := memory.New(memory.Options{Now: clk.Now})
			if err := op.save(s, "kkkkkkkk", clk.Now().Add(time.Minute), true); err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				advance time.Duration
				want    bool
			}{
				{0, true},
				{time.Minute - time.Nanosecond, true},
				{time.Nanosecond, false}, // at its expiry: expired
				{time.Hour, false},
			}
			for _, st := range steps {
				clk.Advance(st.advance)
				// Nothing has reclaimed the record: no write, no ClearExpired.
				if got, err := s.Exists(bg, "kkkkkkkk"); err != nil || got != st.want {
					t.Fatalf("at +%v: Exists = %v, %v; want %v", clk.Now().Sub(time.Unix(1700000000, 0)), got, err, st.want)
				}
			}
		})
	}
}
