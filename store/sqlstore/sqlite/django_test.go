package sqlite_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/internal/interoptest"
	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

const djangoSecret = "shared-secret-between-django-and-go"

// interopExpiries are the SetExpiry forms that Django 3.2 can store and
// read: none (the default age), a number of seconds, and 0 (until the
// browser closes, stored with the default age).
var interopExpiries = []struct {
	name    string
	seconds *int64
	wantAge time.Duration
}{
	{"the default expiry", nil, 14 * 24 * time.Hour},
	{"an expiry in seconds", ptr(int64(3600)), time.Hour},
	{"expiry at browser close", ptr(int64(0)), 14 * 24 * time.Hour},
	{"a long expiry", ptr(int64(90 * 24 * 3600)), 90 * 24 * time.Hour},
}

func ptr[T any](v T) *T { return &v }

// newManager returns a Manager on the SQLite file at path, sharing
// Django's secret key.
func newManager(t *testing.T, path string) (*session.Manager, *sqlstore.Store) {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := sqlite.New(db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateTable(context.Background()); err != nil { // a no-op on Django's table
		t.Fatal(err)
	}
	m, err := session.New(store, session.Config{SecretKey: []byte(djangoSecret)})
	if err != nil {
		t.Fatal(err)
	}
	return m, store
}

// djangoExpireDate reads the expire_date that Django's row shows
// (str(datetime), aware, UTC).
func djangoExpireDate(t *testing.T, row map[string]any) time.Time {
	t.Helper()
	s, _ := row["expire_date"].(string)
	for _, layout := range []string{"2006-01-02 15:04:05.999999-07:00", "2006-01-02 15:04:05.999999"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d.UTC()
		}
	}
	t.Fatalf("Django's expire_date %q does not parse", s)
	return time.Time{}
}

// TestDjangoWritesGoReads saves sessions with Django's own db engine
// (migrate + SessionStore.save on a SQLite file) and reads them through the
// Go middleware on the same file: same data, same expiry.
func TestDjangoWritesGoReads(t *testing.T) {
	for _, exp := range interopExpiries {
		t.Run("with "+exp.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "django.sqlite3")
			args := []string{"make-db", "--path", path, "--json", interoptest.JSONValues, "--secret", djangoSecret}
			if exp.seconds != nil {
				args = append(args, "--expiry", strconv.FormatInt(*exp.seconds, 10))
			}
			res := djangotest.OK(t, djangotest.Run(t, args...))
			key := djangotest.String(t, res, "session_key")
			row, _ := res["row"].(map[string]any)
			wantExpiry := djangoExpireDate(t, row)

			m, store := newManager(t, path)
			// The store reads Django's row and expire_date.
			data, expiry, found, err := store.Load(context.Background(), key)
			if err != nil || !found {
				t.Fatalf("Load = found %v, %v", found, err)
			}
			if string(data) != row["session_data"] || !expiry.Equal(wantExpiry) {
				t.Fatalf("Load = %q, %v; Django's row has %q, %v", data, expiry, row["session_data"], wantExpiry)
			}
			// The middleware decodes Django's data.
			var got map[string]any
			var age time.Duration
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.FromRequest(r)
				got = map[string]any{}
				for k, v := range s.All() {
					got[k] = v
				}
				age = s.ExpiryAge()
			}))
			req := httptest.NewRequest("GET", "/", nil)
			req.AddCookie(&http.Cookie{Name: "sessionid", Value: key})
			h.ServeHTTP(httptest.NewRecorder(), req)
			if want := interoptest.WantJSON(t, exp.seconds); !reflect.DeepEqual(got, want) {
				t.Fatalf("Go read\n%#v\nDjango wrote\n%#v", got, want)
			}
			if age != exp.wantAge {
				t.Fatalf("ExpiryAge = %v, want %v", age, exp.wantAge)
			}
		})
	}
}

// TestGoWritesDjangoReads saves sessions through the Go middleware into a
// table made by CreateTable, then loads them with Django's db engine.
func TestGoWritesDjangoReads(t *testing.T) {
	for _, exp := range interopExpiries {
		t.Run("with "+exp.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "go.sqlite3")
			m, store := newManager(t, path)
			values := interoptest.WantJSON(t, nil)
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.FromRequest(r)
				s.Update(values)
				if exp.seconds != nil {
					s.SetExpiry(int(*exp.seconds))
				}
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			var key string
			for _, c := range rec.Result().Cookies() {
				if c.Name == "sessionid" {
					key = c.Value
				}
			}
			if key == "" {
				t.Fatalf("no session cookie: %v", rec.Result().Header)
			}
			_, goExpiry, found, err := store.Load(context.Background(), key)
			if err != nil || !found {
				t.Fatalf("Go cannot load its own session: %v, %v", found, err)
			}

			res := djangotest.OK(t, djangotest.Run(t, "read-db", "--path", path, "--session-key", key, "--secret", djangoSecret))
			if res["found"] != true {
				t.Fatalf("Django did not find the session: %v", res)
			}
			got, err := pyjson.UnmarshalObject([]byte(djangotest.String(t, res, "decoded_json")))
			if err != nil {
				t.Fatal(err)
			}
			if want := interoptest.WantJSON(t, exp.seconds); !reflect.DeepEqual(got, want) {
				t.Fatalf("Django read\n%#v\nGo wrote\n%#v", got, want)
			}
			if a, _ := res["expiry_age"].(float64); time.Duration(a)*time.Second != exp.wantAge {
				t.Fatalf("Django's expiry age %v, want %v", res["expiry_age"], exp.wantAge)
			}
			row, _ := res["row"].(map[string]any)
			if d := djangoExpireDate(t, row); !d.Equal(goExpiry) {
				t.Fatalf("Django reads expire_date %v, Go wrote %v", d, goExpiry)
			}
		})
	}
}
