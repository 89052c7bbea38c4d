package file_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/internal/interoptest"
	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/file"
)

// The real Django 3.2 (Debian's python3-django, through djhelper.py) and
// this store on one directory, with one SECRET_KEY.

const djangoSecret = "shared-secret-between-django-and-go-files"

// interopExpiries are the set_expiry forms both sides write and read:
// none (the cookie age), seconds, 0 (browser close, stored with the cookie
// age), and a long one.
var interopExpiries = []struct {
	name    string
	seconds *int64
	age     time.Duration
	close   bool
}{
	{"the default expiry", nil, 14 * 24 * time.Hour, false},
	{"an expiry in seconds", ptr(int64(3600)), time.Hour, false},
	{"expiry at browser close", ptr(int64(0)), 14 * 24 * time.Hour, true},
	{"a long expiry", ptr(int64(90 * 24 * 3600)), 90 * 24 * time.Hour, false},
}

func ptr[T any](v T) *T { return &v }

// sharedStore returns a store and a Manager on dir with Django's secret.
func sharedStore(t *testing.T, dir string) (*file.Store, *session.Manager) {
	t.Helper()
	st := newStore(t, file.Options{Dir: dir, SecretKey: []byte(djangoSecret)})
	m, err := session.New(st, session.Config{SecretKey: []byte(djangoSecret), Logger: (&logBuffer{}).logger()})
	if err != nil {
		t.Fatal(err)
	}
	return st, m
}

func djangoFile(t *testing.T, args ...string) map[string]any {
	t.Helper()
	return djangotest.Run(t, append(args, "--secret", djangoSecret)...)
}

func number(t *testing.T, res map[string]any, key string) float64 {
	t.Helper()
	f, ok := res[key].(float64)
	if !ok {
		t.Fatalf("Django's %s = %#v, want a number: %v", key, res[key], res)
	}
	return f
}

func unixFloat(f float64) time.Time {
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9))
}

// near fails unless a and b are within a second.
func near(t *testing.T, what string, a, b time.Time) {
	t.Helper()
	if d := a.Sub(b); d > time.Second || d < -time.Second {
		t.Errorf("%s: %v and %v differ by %v", what, a, b, d)
	}
}

// within fails unless got is in [lo, hi], give or take the microsecond
// Django's isoformat keeps. Django's get_expiry_date is its clock at the
// call plus the age, so it lies between the save and the end of the call.
func within(t *testing.T, what string, got, lo, hi time.Time) {
	t.Helper()
	if got.Before(lo.Add(-time.Millisecond)) || got.After(hi.Add(time.Millisecond)) {
		t.Errorf("%s: %v, want between %v and %v", what, got, lo, hi)
	}
}

// TestDjangoWritesGoReads saves sessions with Django's file engine and
// loads them in Go from the same directory: the same values, of every
// type, and the same expiry (age, date and browser close).
func TestDjangoWritesGoReads(t *testing.T) {
	dirs := make([]string, len(interopExpiries))
	var calls [][]string
	for i, exp := range interopExpiries {
		dirs[i] = t.TempDir()
		args := []string{"file-save", "--file-dir", dirs[i], "--json", interoptest.JSONValues, "--secret", djangoSecret}
		if exp.seconds != nil {
			args = append(args, "--expiry", strconv.FormatInt(*exp.seconds, 10))
		}
		calls = append(calls, args)
	}
	results := djangotest.RunBatch(t, calls...)
	done := time.Now()
	for i, exp := range interopExpiries {
		t.Run("with "+exp.name, func(t *testing.T) {
			dir, res := dirs[i], djangotest.OK(t, results[i])
			key := djangotest.String(t, res, "session_key")
			if res["file"] != "sessionid"+key || number(t, res, "mode") != 0o600 {
				t.Fatalf("Django's file %v mode %o", res["file"], int(number(t, res, "mode")))
			}
			djangoDate, err := time.Parse(time.RFC3339Nano, djangotest.String(t, res, "expiry_date"))
			if err != nil {
				t.Fatal(err)
			}

			st, m := sharedStore(t, dir)
			vals, expiry, found, err := st.LoadValues(bg, key)
			if err != nil || !found {
				t.Fatalf("LoadValues = found %v, %v", found, err)
			}
			if want := interoptest.WantJSON(t, exp.seconds); !reflect.DeepEqual(vals, want) {
				t.Fatalf("Go reads %v\nDjango wrote %v", vals, want)
			}
			info, err := os.Stat(fileNameIn(dir, key))
			if err != nil {
				t.Fatal(err)
			}
			mtime := info.ModTime()
			near(t, "the file's mtime and Django's", mtime, unixFloat(number(t, res, "mtime")))
			if !expiry.Equal(mtime.Add(exp.age)) {
				t.Errorf("expiry %v, want the mtime %v plus %v", expiry, mtime, exp.age)
			}
			within(t, "Django's get_expiry_date after its save", djangoDate, expiry, done.Add(exp.age))

			s, err := m.Open(bg, key)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.ExpiryAge(); got != exp.age || int64(got/time.Second) != int64(number(t, res, "expiry_age")) {
				t.Errorf("ExpiryAge %v; Django's get_expiry_age %v", got, res["expiry_age"])
			}
			if got := s.ExpireAtBrowserClose(); got != exp.close || got != res["expire_at_browser_close"] {
				t.Errorf("ExpireAtBrowserClose %v; Django %v", got, res["expire_at_browser_close"])
			}
			if n, _, err := s.GetInt("big"); err != nil || n != 9007199254740993 {
				t.Errorf("GetInt(big) = %d, %v", n, err)
			}
		})
	}
}

// TestGoWritesDjangoReads saves sessions through the Go middleware (each
// SetExpiry form) and loads them with Django's file engine: the same
// values and the same expiry API answers, and Django's load changes
// nothing in the directory.
func TestGoWritesDjangoReads(t *testing.T) {
	type saved struct {
		dir, key string
		info     os.FileInfo
	}
	var all []saved
	var calls [][]string
	for _, exp := range interopExpiries {
		dir := t.TempDir()
		_, m := sharedStore(t, dir)
		want := interoptest.WantJSON(t, exp.seconds)
		key := saveThroughMiddleware(t, m, func(s *session.Session) {
			for k, v := range want {
				if k != session.ExpiryKey {
					s.Set(k, v)
				}
			}
			if exp.seconds != nil {
				s.SetExpiry(int(*exp.seconds))
			}
		})
		info, err := os.Stat(fileNameIn(dir, key))
		if err != nil || info.Mode() != 0o600 {
			t.Fatalf("the session file: %v, %v", info, err)
		}
		all = append(all, saved{dir, key, info})
		calls = append(calls, []string{"file-load", "--file-dir", dir, "--session-key", key, "--secret", djangoSecret})
	}
	results := djangotest.RunBatch(t, calls...)
	done := time.Now()
	for i, exp := range interopExpiries {
		t.Run("with "+exp.name, func(t *testing.T) {
			res := djangotest.OK(t, results[i])
			if found, _ := res["found"].(bool); !found {
				t.Fatalf("Django does not find the session: %v", res)
			}
			got, err := pyjson.UnmarshalObject([]byte(djangotest.String(t, res, "decoded_json")))
			if err != nil {
				t.Fatal(err)
			}
			if want := interoptest.WantJSON(t, exp.seconds); !reflect.DeepEqual(got, want) {
				t.Fatalf("Django reads %v\nGo wrote %v", got, want)
			}
			if age := int64(number(t, res, "expiry_age")); age != int64(exp.age/time.Second) {
				t.Errorf("Django's get_expiry_age = %d, want %v", age, exp.age)
			}
			if res["expire_at_browser_close"] != exp.close {
				t.Errorf("Django's get_expire_at_browser_close = %v, want %v", res["expire_at_browser_close"], exp.close)
			}
			djangoDate, err := time.Parse(time.RFC3339Nano, djangotest.String(t, res, "expiry_date"))
			if err != nil {
				t.Fatal(err)
			}
			within(t, "Django's get_expiry_date at its load", djangoDate, all[i].info.ModTime().Add(exp.age), done.Add(exp.age))
			if !reflect.DeepEqual(res["files_before"], res["files_after"]) {
				t.Errorf("Django's load changed the directory: %v -> %v", res["files_before"], res["files_after"])
			}
		})
	}
}

// TestSessionsUpdatedOnBothSides: Django updates a session Go created, Go
// updates it again, and each side reads the other's last write.
func TestSessionsUpdatedOnBothSides(t *testing.T) {
	dir := t.TempDir()
	st, m := sharedStore(t, dir)
	key := saveThroughMiddleware(t, m, func(s *session.Session) { s.Set("by", "go"); s.Set("n", 1) })
	djangotest.OK(t, djangoFile(t, "file-save", "--file-dir", dir, "--session-key", key, "--json", `{"by":"django","n":2}`))
	wantValues(t, st, key, map[string]any{"by": "django", "n": int64(2)})
	s, err := m.Open(bg, key)
	if err != nil {
		t.Fatal(err)
	}
	s.Set("n", 3)
	if err := s.Save(bg); err != nil {
		t.Fatal(err)
	}
	res := djangotest.OK(t, djangoFile(t, "file-load", "--file-dir", dir, "--session-key", key))
	if res["decoded_json"] != `{"by":"django","n":3}` {
		t.Errorf("Django reads %v", res["decoded_json"])
	}
}

// TestISODateBreaksDjango32 pins the known difference: Go stores
// SetExpiryTime as an ISO-8601 string in _session_expiry (as Django 5
// does), which Django 3.2's file engine cannot load (its expiry check
// compares the string with 0 and raises TypeError). Newer Django reads it.
func TestISODateBreaksDjango32(t *testing.T) {
	dir := t.TempDir()
	_, m := sharedStore(t, dir)
	when := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	key := saveThroughMiddleware(t, m, func(s *session.Session) {
		s.Set("a", 1)
		s.SetExpiryTime(when)
	})
	res := djangoFile(t, "file-load", "--file-dir", dir, "--session-key", key)
	if strings.HasPrefix(djangotest.Version(t), "3.") {
		if res["ok"] != false || res["error"] != "TypeError" {
			t.Fatalf("Django 3.2 loads an ISO _session_expiry: %v (docs/compatibility.md says it cannot)", res)
		}
		return
	}
	if res["found"] != true {
		t.Fatalf("Django %s does not load an ISO _session_expiry: %v", djangotest.Version(t), res)
	}
}

// TestDjango32FileQuirks pins the two behaviours of Django 3.2's file
// engine that this store does not copy, side by side with what Go does on
// the same files: a positive integer expiry never expires in 3.2 (here it
// does, that many seconds after the save), and 3.2's load of an expired
// file deletes it and creates a new session file (here a load writes
// nothing).
func TestDjango32FileQuirks(t *testing.T) {
	if !strings.HasPrefix(djangotest.Version(t), "3.") {
		t.Skipf("Django %s: these are Django 3.2's behaviours", djangotest.Version(t))
	}
	t.Run("an integer expiry: never expires in 3.2, expires here", func(t *testing.T) {
		dir := t.TempDir()
		res := djangotest.OK(t, djangoFile(t, "file-save", "--file-dir", dir, "--json", `{"a":1}`, "--expiry", "300"))
		key := djangotest.String(t, res, "session_key")
		past := time.Now().Add(-time.Hour)
		if err := os.Chtimes(fileNameIn(dir, key), past, past); err != nil {
			t.Fatal(err)
		}
		st, _ := sharedStore(t, dir)
		if _, _, found, err := st.LoadValues(bg, key); found || err != nil {
			t.Errorf("Go: a set_expiry(300) saved an hour ago is found (%v); want expired", err)
		}
		res = djangotest.OK(t, djangoFile(t, "file-load", "--file-dir", dir, "--session-key", key))
		if res["found"] != true {
			t.Errorf("Django 3.2 no longer keeps it: %v (update the compatibility notes)", res)
		}
	})
	t.Run("loading an expired file: 3.2 replaces it with a new one, Go writes nothing", func(t *testing.T) {
		dir := t.TempDir()
		res := djangotest.OK(t, djangoFile(t, "file-save", "--file-dir", dir, "--json", `{"a":1}`))
		key := djangotest.String(t, res, "session_key")
		past := time.Now().Add(-15 * 24 * time.Hour)
		if err := os.Chtimes(fileNameIn(dir, key), past, past); err != nil {
			t.Fatal(err)
		}
		st, _ := sharedStore(t, dir)
		before := listing(t, dir)
		if _, _, found, err := st.LoadValues(bg, key); found || err != nil {
			t.Fatalf("Go: an expired file is found (%v)", err)
		}
		if after := listing(t, dir); !reflect.DeepEqual(after, before) {
			t.Errorf("Go's load changed the directory: %v -> %v", before, after)
		}
		res = djangotest.OK(t, djangoFile(t, "file-load", "--file-dir", dir, "--session-key", key))
		after, _ := res["files_after"].(map[string]any)
		if res["found"] != false || len(after) != 1 || after["sessionid"+key] != nil {
			t.Errorf("Django 3.2's load of an expired file: %v; expected it deleted and one new file created", res)
		}
	})
}

// TestClearsessionsBothWays runs each side's clearing on the other's
// files: Go's ClearExpired on sessions Django wrote, and Django's
// clearsessions on sessions and a leftover temporary file Go wrote.
func TestClearsessionsBothWays(t *testing.T) {
	t.Run("Go clears Django's files", func(t *testing.T) {
		dir := t.TempDir()
		live := djangotest.String(t, djangotest.OK(t, djangoFile(t, "file-save", "--file-dir", dir, "--json", `{"a":1}`)), "session_key")
		old := djangotest.String(t, djangotest.OK(t, djangoFile(t, "file-save", "--file-dir", dir, "--json", `{"a":2}`)), "session_key")
		past := time.Now().Add(-15 * 24 * time.Hour)
		if err := os.Chtimes(fileNameIn(dir, old), past, past); err != nil {
			t.Fatal(err)
		}
		st, _ := sharedStore(t, dir)
		if n, err := st.ClearExpiredCount(bg); err != nil || n != 1 {
			t.Fatalf("ClearExpiredCount = %d, %v; want 1", n, err)
		}
		if got := names(t, dir); !reflect.DeepEqual(got, []string{"sessionid" + live}) {
			t.Errorf("left %v, want only the live session", got)
		}
	})
	t.Run("Django clears Go's files", func(t *testing.T) {
		dir := t.TempDir()
		st, m := sharedStore(t, dir)
		live := saveThroughMiddleware(t, m, func(s *session.Session) { s.Set("a", 1) })
		old := newKey()
		if err := st.SaveValues(bg, old, map[string]any{"a": int64(2)}, time.Now().Add(-time.Hour), true); err != nil {
			t.Fatal(err)
		}
		leftover := "sessionid" + live + file.TempInfix + "crashedwrite"
		if err := os.WriteFile(dir+"/"+leftover, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		res := djangotest.OK(t, djangoFile(t, "clearsessions", "--engine", "file", "--file-dir", dir))
		after, _ := res["after"].([]any)
		want := []any{"sessionid" + live, leftover}
		if !reflect.DeepEqual(after, want) {
			t.Errorf("Django's clearsessions left %v, want %v (the expired one gone, the temporary file skipped)", after, want)
		}
	})
}

// aliceUser is the user of the login tests, as both sides store it.
type aliceUser struct{}

const (
	alicePK   = 7
	aliceHash = "pbkdf2_sha256$260000$djsessionsalt$eNj7iaCyCkyxRRN2gO+uF4t4V5YDIwHpcNzS9zaUB3E="
)

func (aliceUser) ID() string           { return strconv.Itoa(alicePK) }
func (aliceUser) Backend() string      { return "" }
func (aliceUser) PasswordHash() string { return aliceHash }

// TestLoginSharedWithDjango: a login made with django.contrib.auth.login
// on the file engine is the Go side's logged-in user, and a login made by
// auth.Login in Go is one Django's get_user accepts (same id, backend and
// session auth hash).
func TestLoginSharedWithDjango(t *testing.T) {
	dir := t.TempDir()
	_, m := sharedStore(t, dir)
	a, err := auth.New(auth.Config{
		SecretKey: []byte(djangoSecret),
		LookupUser: func(_ context.Context, id string) (auth.User, error) {
			if id == strconv.Itoa(alicePK) {
				return aliceUser{}, nil
			}
			return nil, auth.ErrUserNotFound
		},
		Logger: (&logBuffer{}).logger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Login(w, r, aliceUser{}); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, auth.UserID(r))
	})
	srv := httptest.NewServer(m.Middleware(a.Middleware(mux)))
	defer srv.Close()
	djangoUser := []string{"--file-dir", dir, "--user-pk", strconv.Itoa(alicePK), "--username", "alice", "--password-hash", aliceHash}

	t.Run("a login made by Django is seen by Go", func(t *testing.T) {
		res := djangotest.OK(t, djangoFile(t, append([]string{"file-auth", "--action", "login"}, djangoUser...)...))
		key := djangotest.String(t, res, "session_key")
		if body, _ := get(t, srv.URL+"/whoami", key); body != strconv.Itoa(alicePK) {
			t.Errorf("Go sees user %q on Django's login, want %d", body, alicePK)
		}
	})
	t.Run("a login made by Go is seen by Django", func(t *testing.T) {
		_, key := get(t, srv.URL+"/login", "")
		if key == "" {
			t.Fatal("no session cookie after the login")
		}
		res := djangotest.OK(t, djangoFile(t, append([]string{"file-auth", "--action", "get-user", "--session-key", key}, djangoUser...)...))
		if res["authenticated"] != true || res["username"] != "alice" {
			t.Errorf("Django's get_user on Go's login: %v", res)
		}
	})
}

// get sends a GET with the session cookie (when key is not empty) and
// returns the body and the session key of the response's cookie.
func get(t *testing.T, url, key string) (body, newKey string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.AddCookie(&http.Cookie{Name: "sessionid", Value: key})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	for _, c := range res.Cookies() {
		if c.Name == "sessionid" {
			newKey = c.Value
		}
	}
	return string(b), newKey
}

// saveThroughMiddleware runs fill on a new session in one request through
// m's middleware and returns the key of the session it saved.
func saveThroughMiddleware(t *testing.T, m *session.Manager, fill func(s *session.Session)) string {
	t.Helper()
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fill(session.FromRequest(r))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == "sessionid" && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("no session cookie: status %d, %v", rec.Code, rec.Result().Header)
	return ""
}

func fileNameIn(dir, key string) string { return dir + "/sessionid" + key }
