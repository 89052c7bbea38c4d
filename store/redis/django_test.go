package redis_test

import (
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/internal/interoptest"
	"github.com/djsession/djsession/internal/testservers"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	redisstore "github.com/djsession/djsession/store/redis"
)

// setup is the Django and Go sides on one Redis: Django 3.2's
// SessionMiddleware on the cache engine, with django-redis on the same
// Redis, KEY_PREFIX and VERSION as the Go store, and the Go service on the
// Redis store with the pickle codec.
func setup(t *testing.T) (interoptest.Django, *redisstore.Store, interoptest.GoSide) {
	addr := testservers.Require(t, testservers.EnvRedisAddr)
	djangotest.Python(t)
	prefix := uniquePrefix(t)
	c := sharedClient(t)
	st := newStore(t, c, redisstore.Options{KeyPrefix: prefix, Version: 2, LoadExpiry: true})
	d := interoptest.Django{T: t, Args: []string{"--engine", "cache", "--redis-url", "redis://" + addr + "/0",
		"--cache-key-prefix", prefix, "--cache-version", "2", "--db-path", filepath.Join(t.TempDir(), "django.sqlite3")}}
	return d, st, interoptest.NewGoSide(t, st, pickle.Codec{})
}

func TestDjangoSessionLoadsInGo(t *testing.T) {
	d, st, g := setup(t)
	ops, want := interoptest.SetTyped(interoptest.PickleValues)
	expiry := time.Date(2031, 5, 6, 7, 8, 9, 123456000, time.UTC)
	// Django 3.2's set_expiry(datetime): a datetime with pytz UTC in the pickle.
	ops = append(ops, []any{"set_expiry_datetime", "2031-05-06T07:08:09.123456", "pytz"})
	want[session.ExpiryKey] = "2031-05-06T07:08:09.123456+00:00"
	res := d.Request("", ops...)
	key := djangotest.String(t, res, "session_key")
	stored, _ := res["stored"].(map[string]any)
	if got := stored["redis_key"]; got != st.Key(key) {
		t.Errorf("Django's Redis key is %v, Go's %v", got, st.Key(key))
	}

	s, err := g.Manager.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Go cannot open Django's session: %v", err)
	}
	got := map[string]any{}
	for k, v := range s.All() {
		got[k] = v
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Go reads\n%#v\nwant\n%#v", got, want)
	}
	if !s.ExpiryDate().Equal(expiry) {
		t.Errorf("ExpiryDate = %v, want %v", s.ExpiryDate(), expiry)
	}
	if left := time.Until(s.LoadedExpiry()); left < time.Until(expiry)-time.Minute || left > time.Until(expiry)+time.Minute {
		t.Errorf("the key's TTL is %v, want about %v", left, time.Until(expiry))
	}
	// Go changes it; Django reads the change and still the datetime.
	s.Set("visits", 1)
	if err := s.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	res = d.Request(key, []any{"get", "visits"}, []any{"get_expiry_date"}, []any{"get", "v00"})
	if interoptest.OpResult(t, res, 0) != 1.0 || interoptest.OpResult(t, res, 1) != "2031-05-06T07:08:09.123456+00:00" || interoptest.OpResult(t, res, 2) != "héllo ☃ 😀" {
		t.Errorf("Django reads Go's update as %v", res["op_results"])
	}
}

func TestGoSessionLoadsInDjango(t *testing.T) {
	d, _, g := setup(t)
	s, err := g.Manager.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"str": "héllo ☃ 😀", "int": int64(42), "big": json.Number("-123456789012345678901234567890"),
		"float": 1.0, "bool": false, "none": nil, "list": []any{int64(1), "two"},
		"dict": map[string]any{"a": []any{}}, "cart": []string{"apple", "pear"},
	}
	for k, v := range values {
		s.Set(k, v)
	}
	expiry := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	s.SetExpiryTime(expiry)
	if err := s.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	res := d.Request(s.Key(), []any{"items_typed"}, []any{"get_expiry_date"}, []any{"get_expiry_age"})
	got := interoptest.TypedItems(t, res, 0)
	want := map[string]any{
		"str": "héllo ☃ 😀", "int": json.Number("42"), "big": json.Number("-123456789012345678901234567890"),
		"float": map[string]any{"__float_bits__": "3ff0000000000000"}, "bool": false, "none": nil,
		"list": []any{json.Number("1"), "two"}, "dict": map[string]any{"a": []any{}}, "cart": []any{"apple", "pear"},
		session.ExpiryKey: map[string]any{"__datetime__": "2031-05-06T07:08:09", "__tz__": "utc"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Django reads\n%v\nwant\n%v", got, want)
	}
	if date := interoptest.OpResult(t, res, 1); date != "2031-05-06T07:08:09+00:00" {
		t.Errorf("Django's get_expiry_date = %v", date)
	}
	if age, _ := interoptest.OpResult(t, res, 2).(float64); math.Abs(age-time.Until(expiry).Seconds()) > 60 {
		t.Errorf("Django's get_expiry_age = %v, want about %v", age, time.Until(expiry).Seconds())
	}
}

func TestLoginAndLogoutAcrossDjangoAndGo(t *testing.T) {
	d, st, g := setup(t)
	c := sharedClient(t)
	gone := func(t *testing.T, key string) {
		t.Helper()
		if n, err := c.Exists(t.Context(), st.Key(key)).Result(); err != nil || n != 0 {
			t.Errorf("the session's key is still in Redis: %d, %v", n, err)
		}
	}
	interoptest.LoginAndLogout(t, d, g, gone)
}
