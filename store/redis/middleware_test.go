package redis_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	redisstore "github.com/djsession/djsession/store/redis"
)

// TestLogoutIsNotUndoneByASlowRequest: a request that loaded the session
// before another request logged out (deleted the record) must not write
// the session back: SET XX fails, the request is answered as Django
// answers an interrupted session (400), and the key stays gone.
func TestLogoutIsNotUndoneByASlowRequest(t *testing.T) {
	for _, codec := range []struct {
		name  string
		codec session.Codec
	}{{"JSON", session.JSONCodec{}}, {"pickle", pickle.Codec{}}} {
		t.Run(codec.name, func(t *testing.T) {
			c := sharedClient(t)
			st := newStore(t, c, redisstore.Options{KeyPrefix: uniquePrefix(t)})
			m, err := session.New(st, session.Config{
				SecretKey: []byte("a secret key for this test only, long enough"),
				Codec:     codec.codec,
				Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.FromRequest(r)
				switch r.URL.Path {
				case "/login":
					s.Set("user", "alice")
				case "/slow":
					s.Get("user")
					// Meanwhile, another request logs out.
					if err := st.Delete(r.Context(), s.Key()); err != nil {
						t.Error(err)
					}
					s.Set("cart", []any{"apple"})
				}
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
			var key string
			for _, ck := range rec.Result().Cookies() {
				key = ck.Value
			}
			if key == "" {
				t.Fatal("no session cookie")
			}
			req := httptest.NewRequest("GET", "/slow", nil)
			req.Header.Set("Cookie", "sessionid="+key)
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Errorf("the slow request answered %d, want 400 (session interrupted)", rec.Code)
			}
			if n, err := c.Exists(t.Context(), st.Key(key)).Result(); err != nil || n != 0 {
				t.Errorf("the logged-out session exists again: %d, %v", n, err)
			}
		})
	}
}

// TestAnotherCodecsRecordIsNeverOverwritten: a Django session (a pickle)
// read by a store configured with the JSON codec is an error the handler
// sees, and the record stays as Django wrote it.
func TestAnotherCodecsRecordIsNeverOverwritten(t *testing.T) {
	c := sharedClient(t)
	st := newStore(t, c, redisstore.Options{KeyPrefix: uniquePrefix(t)})
	key := session.NewKey()
	django, err := pickle.Codec{}.Encode(map[string]any{"_auth_user_id": "1", "cart": []any{"apple"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Save(t.Context(), key, django, time.Now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	m, err := session.New(st, session.Config{
		SecretKey: []byte("a secret key for this test only, long enough"),
		Codec:     session.JSONCodec{},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Open(t.Context(), key); !errors.Is(err, session.ErrCodecMismatch) {
		t.Errorf("Open = %v, want ErrCodecMismatch", err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.FromRequest(r).Set("visits", 1)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", "sessionid="+key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("a write answered %d, want 500", rec.Code)
	}
	got, err := c.Get(t.Context(), st.Key(key)).Bytes()
	if err != nil || !bytes.Equal(got, django) {
		t.Errorf("the record is now %q, %v; want Django's pickle untouched", got, err)
	}
}
