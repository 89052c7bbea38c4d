package session_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
)

// hexStore is a toy DataKeyedStore: the key is "v1_" and the hex of the
// JSON of the values and the expiry (unsigned: for this test only).
type hexStore struct{ now func() time.Time }

type hexRecord struct {
	V map[string]any `json:"v"`
	E int64          `json:"e"`
}

func (hexStore) ValidKey(key string) bool {
	rest, ok := strings.CutPrefix(key, "v1_")
	_, err := hex.DecodeString(rest)
	return ok && err == nil && rest != ""
}

func (s hexStore) SaveKey(ctx context.Context, values map[string]any, exp time.Time) (string, error) {
	b, err := json.Marshal(hexRecord{values, exp.Unix()})
	if err != nil {
		return "", err
	}
	return "v1_" + hex.EncodeToString(b), nil
}

func (s hexStore) LoadValues(ctx context.Context, key string) (map[string]any, time.Time, bool, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(key, "v1_"))
	if err != nil {
		return nil, time.Time{}, false, nil
	}
	var r hexRecord
	if json.Unmarshal(b, &r) != nil || !time.Unix(r.E, 0).After(s.now()) {
		return nil, time.Time{}, false, nil
	}
	if r.V == nil {
		r.V = map[string]any{}
	}
	return r.V, time.Unix(r.E, 0), true, nil
}

func (hexStore) SaveValues(ctx context.Context, key string, v map[string]any, exp time.Time, mustCreate bool) error {
	return errors.New("hexStore: SaveValues is never called for a DataKeyedStore")
}
func (s hexStore) Load(ctx context.Context, key string) ([]byte, time.Time, bool, error) {
	return nil, time.Time{}, false, errors.New("hexStore: Load is never called for a ValueStore")
}
func (hexStore) Save(ctx context.Context, key string, data []byte, exp time.Time, mustCreate bool) error {
	return errors.New("hexStore: Save is never called for a ValueStore")
}
func (hexStore) Delete(ctx context.Context, key string) error { return nil }

func TestDataKeyedStore(t *testing.T) {
	c := newClock()
	m, err := session.New(hexStore{now: c.Now}, session.Config{SecretKey: testSecret, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		session.FromRequest(r).Set(r.URL.Query().Get("k"), r.URL.Query().Get("v"))
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		v, _, _ := session.FromRequest(r).GetString(r.URL.Query().Get("k"))
		w.Write([]byte(v))
	})
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		session.FromRequest(r).Flush(r.Context())
	})
	mux.HandleFunc("/cycle", func(w http.ResponseWriter, r *http.Request) {
		if err := session.FromRequest(r).CycleKey(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	base := httpTestServer(t, m.Middleware(mux))
	get := func(path, cookie string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", "sessionid="+cookie)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 512)
		for {
			n, err := res.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return res, b.String()
	}
	cookieOf := func(res *http.Response) string {
		for _, c := range res.Cookies() {
			if c.Name == "sessionid" {
				return c.Value
			}
		}
		return ""
	}
	res, _ := get("/set?k=a&v=1", "")
	k1 := cookieOf(res)
	if !strings.HasPrefix(k1, "v1_") {
		t.Fatalf("the key %q was not made by the store", k1)
	}
	if _, body := get("/get?k=a", k1); body != "1" {
		t.Errorf("read back %q", body)
	}
	res, _ = get("/set?k=b&v=2", k1)
	k2 := cookieOf(res)
	if k2 == "" || k2 == k1 {
		t.Errorf("a modified session keeps its key %q", k2)
	}
	if _, body := get("/get?k=a", k2); body != "1" {
		t.Errorf("the new key lost a: %q", body)
	}
	res, _ = get("/cycle", k2)
	if k3 := cookieOf(res); k3 == "" {
		t.Error("CycleKey sent no new cookie")
	}
	res, _ = get("/flush", k2)
	if sc := res.Header.Get("Set-Cookie"); !strings.HasPrefix(sc, `sessionid=""; expires=Thu, 01 Jan 1970`) {
		t.Errorf("Flush sent %q, want the cookie deleted", sc)
	}
	// A key in the package's form is no key of this store: deleted untouched.
	res, _ = get("/nothing", session.NewKey())
	if sc := res.Header.Get("Set-Cookie"); !strings.HasPrefix(sc, `sessionid=""`) {
		t.Errorf("a foreign key: %q", sc)
	}
	// Expired data is an empty session.
	c.Advance(15 * 24 * time.Hour)
	if _, body := get("/get?k=a", k2); body != "" {
		t.Errorf("an expired data key still reads %q", body)
	}
	if _, err := m.Exists(context.Background(), k2); !errors.Is(err, session.ErrNotSupported) {
		t.Errorf("Exists = %v, want ErrNotSupported", err)
	}
	s, err := m.Open(context.Background(), k1)
	if !errors.Is(err, session.ErrNotFound) || s != nil {
		t.Errorf("Open of an expired data key = %v, %v", s, err)
	}
}
