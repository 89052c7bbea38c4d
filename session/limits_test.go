package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
	"github.com/djsession/djsession/store/memory"
)

// deepJSON is a JSON object nested n levels deep.
func deepJSON(n int) string {
	return `{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
}

func TestUnreadableStoredDataIsAnErrorAndIsNeverOverwritten(t *testing.T) {
	// A record with a valid signature over a session nested deeper than the
	// decoder accepts, as a Django site may write one.
	ts := &signing.TimestampSigner{Signer: signing.Signer{SecretKey: testSecret, Salt: session.DjangoSalt}}
	deep := []byte(ts.SignPayload([]byte(deepJSON(300)), true))
	f := newFixture(t, "bytes", session.Config{})
	ctx := context.Background()
	key := session.NewKey()
	exp := f.clock.Now().Add(time.Hour)
	if err := f.store.Save(ctx, key, deep, exp, true); err != nil {
		t.Fatal(err)
	}
	loadErr := make(chan error, 1)
	f.handle("/page", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		loadErr <- s.Load(r.Context())
		s.Set("visits", 1) // would overwrite the record with a fresh session
	})
	f.handle("/logout", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		if err := s.Flush(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	r := f.raw("/page", "sessionid="+key)
	if err := <-loadErr; !errors.Is(err, session.ErrUnreadable) {
		t.Errorf("Load = %v, want ErrUnreadable", err)
	}
	if r.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d, want 500 (the error handler)", r.StatusCode)
	}
	if !strings.Contains(f.logs.String(), "the stored session cannot be read") {
		t.Errorf("log: %s", f.logs.String())
	}
	data, _, found, _ := f.store.Load(ctx, key)
	if !found || string(data) != string(deep) {
		t.Fatal("the unreadable record was overwritten or lost")
	}
	// The user can still log out: the record goes, the cookie is deleted.
	r = f.raw("/logout", "sessionid="+key)
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Set-Cookie"), `sessionid=""`) {
		t.Errorf("logout: %d %q", r.StatusCode, r.Header.Get("Set-Cookie"))
	}
	if _, _, found, _ := f.store.Load(ctx, key); found {
		t.Error("logout left the unreadable record")
	}
	// Read and then flushed in one request (a page that checks the login,
	// then logs out): the record goes too.
	if err := f.store.Save(ctx, key, deep, exp, true); err != nil {
		t.Fatal(err)
	}
	f.handle("/check-then-logout", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		_ = s.Load(r.Context())
		s.Flush(r.Context())
	})
	f.raw("/check-then-logout", "sessionid="+key)
	if _, _, found, _ := f.store.Load(ctx, key); found {
		t.Error("a flush after a failed load left the unreadable record")
	}
	// Open reports it too.
	if err := f.store.Save(ctx, key, deep, exp, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Open(ctx, key); !errors.Is(err, session.ErrUnreadable) {
		t.Errorf("Open = %v, want ErrUnreadable", err)
	}
}

func TestABadSignatureIsStillAnEmptySession(t *testing.T) {
	f := newFixture(t, "bytes", session.Config{})
	ctx := context.Background()
	key := session.NewKey()
	other := &signing.TimestampSigner{Signer: signing.Signer{SecretKey: []byte("another key, 32 bytes or longer!!"), Salt: session.DjangoSalt}}
	if err := f.store.Save(ctx, key, []byte(other.SignPayload([]byte(`{"a":1}`), false)), f.clock.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	f.handle("/page", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
		if err := s.Load(r.Context()); err != nil {
			t.Errorf("Load of foreign data = %v, want nil (an empty session)", err)
		}
		w.Write([]byte(s.Key()))
	})
	if r := f.raw("/page", "sessionid="+key); r.StatusCode != 200 || !strings.Contains(f.logs.String(), "session data corrupted") {
		t.Errorf("%d, log %s", r.StatusCode, f.logs.String())
	}
}

func TestAValueThatCannotBeEncodedIsNamed(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		for _, tc := range []struct {
			name  string
			value any
			typ   string
		}{
			{"a channel", make(chan int), "chan int"},
			{"a function", func() {}, "func()"},
			{"a channel inside a list", []any{1, make(chan bool)}, "chan bool"},
			{"a complex number", complex(1, 2), "complex128"},
			{"an invalid UTF-8 string", "\xff", "string"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t, kind, session.Config{})
				saveErr := make(chan error, 1)
				f.handle("/set", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
					s.Set("ok", 1)
					s.Set("ch", tc.value)
					saveErr <- s.Save(r.Context())
				})
				r := f.get("/set")
				err := <-saveErr
				var enc *session.EncodingError
				if !errors.As(err, &enc) || enc.Key != "ch" || enc.Type != tc.typ {
					t.Fatalf("Save = %v (%#v), want an EncodingError for key ch, type %s", err, enc, tc.typ)
				}
				if strings.Contains(err.Error(), "pyjson") || strings.Contains(f.logs.String(), "pyjson") {
					t.Errorf("an internal package name in %q / %q", err, f.logs.String())
				}
				if r.StatusCode != 500 || !strings.Contains(f.logs.String(), "a session value cannot be stored") || !strings.Contains(f.logs.String(), "key=ch") {
					t.Errorf("%d, log %s", r.StatusCode, f.logs.String())
				}
			})
		}
	})
}

func TestSessionsOverTheSizeLimitAreRefusedAndNothingIsLost(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, session.Config{})
		saveErr := make(chan error, 1)
		f.handle("/set", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			n := 0
			fmtN := r.URL.Query().Get("n")
			for _, c := range fmtN {
				n = n*10 + int(c-'0')
			}
			s.Set("small", "kept")
			s.Set("upload", strings.Repeat("x", n))
			saveErr <- s.Save(r.Context())
		})
		f.handle("/get", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
			v, _, _ := s.GetString("upload")
			w.Write([]byte(strconvItoa(len(v))))
		})
		// Just under the limit: written, and read back whole.
		under := session.DefaultMaxSize - 100
		f.get("/set?n=" + strconvItoa(under))
		if err := <-saveErr; err != nil {
			t.Fatalf("a session under the limit: %v", err)
		}
		if r := f.get("/get"); r.body != strconvItoa(under) {
			t.Fatalf("read back %s bytes, want %d", r.body, under)
		}
		// Over it: refused, named, and the stored session is untouched.
		r := f.get("/set?n=" + strconvItoa(2<<20))
		err := <-saveErr
		var size *session.SizeError
		if !errors.As(err, &size) || size.Limit != session.DefaultMaxSize || len(size.Largest) == 0 || size.Largest[0].Key != "upload" {
			t.Fatalf("Save = %v, want a SizeError naming upload first", err)
		}
		if !strings.Contains(err.Error(), `"upload"`) || r.StatusCode != 500 || !strings.Contains(f.logs.String(), "too large to save") {
			t.Errorf("%d; %v; log %s", r.StatusCode, err, f.logs.String())
		}
		if r := f.get("/get"); r.body != strconvItoa(under) {
			t.Errorf("after the refused save the session reads %s bytes, want the earlier %d", r.body, under)
		}
	})
}

func strconvItoa(n int) string { return fmt.Sprint(n) }

// smallStore declares a limit of its own.
type smallStore struct{ minimalStore }

func (smallStore) MaxSessionSize() int { return 100 }

func TestAStoresOwnSizeLimitApplies(t *testing.T) {
	m, err := session.New(smallStore{minimalStore{memory.New(memory.Options{})}}, session.Config{SecretKey: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.Open(context.Background(), "")
	s.Set("a", strings.Repeat("y", 200))
	var size *session.SizeError
	if err := s.Save(context.Background()); !errors.As(err, &size) || size.Limit != 100 || !strings.Contains(size.What, "smallStore") {
		t.Errorf("Save = %v, want the store's limit of 100", err)
	}
	for _, bad := range []int{-1, session.MaxSizeLimit + 1} {
		if _, err := session.New(memory.New(memory.Options{}), session.Config{SecretKey: testSecret, MaxSize: bad}); !errors.Is(err, session.ErrConfig) {
			t.Errorf("MaxSize %d: %v, want ErrConfig", bad, err)
		}
	}
}

// TestTheSizeLimitCountsFloatsAtTheirLongestOnEveryPath pins what the one
// measuring pass of a save must keep: Config.MaxSize counts a float as the
// longest text it can have (24 bytes), whichever path the save takes (a
// ValueStore's, or the codec's for a byte store, which checks the limit
// from the encoder's output when that proves the session small enough).
func TestTheSizeLimitCountsFloatsAtTheirLongestOnEveryPath(t *testing.T) {
	floats := make([]any, 20) // "0.0" each: 79 bytes of JSON, 20*24+21 measured
	for i := range floats {
		floats[i] = 0.0
	}
	measured, _ := session.SizeOf(map[string]any{"f": floats})
	tests := []struct {
		name    string
		maxSize int
		wantErr bool
	}{
		{"measured size over the limit, exact JSON under it", measured - 1, true},
		{"measured size at the limit", measured, false},
		{"limit far above both", 1 << 16, false},
	}
	forEachStore(t, func(t *testing.T, kind string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newFixture(t, kind, session.Config{MaxSize: tt.maxSize})
				s, _ := f.m.Open(context.Background(), "")
				s.Set("f", floats)
				err := s.Save(context.Background())
				var size *session.SizeError
				switch {
				case tt.wantErr && (!errors.As(err, &size) || size.Size != measured):
					t.Errorf("Save = %v, want a SizeError of %d bytes", err, measured)
				case !tt.wantErr && err != nil:
					t.Errorf("Save = %v, want it saved", err)
				}
			})
		}
	})
}
