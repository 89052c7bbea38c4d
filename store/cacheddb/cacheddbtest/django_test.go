package cacheddbtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/store/cacheddb"
)

// djangoSide runs requests through Django 3.2's SessionMiddleware on the
// cached_db engine, on the same SQLite file and cache (KEY_PREFIX) as the
// Go side.
type djangoSide struct {
	t          *testing.T
	db, prefix string
	cache      []string
}

func (d djangoSide) request(key string, ops ...[]any) map[string]any {
	d.t.Helper()
	if ops == nil {
		ops = [][]any{}
	}
	args := append([]string{"middleware", "--engine", "cached_db", "--db-path", d.db, "--cache-key-prefix", d.prefix,
		"--secret", secret, "--ops", djangotest.JSON(d.t, ops)}, d.cache...)
	if key != "" {
		args = append(args, "--cookie", "sessionid="+key)
	}
	return djangotest.OK(d.t, djangotest.Run(d.t, args...))
}

func opResult(t *testing.T, res map[string]any, i int) any {
	t.Helper()
	ops, _ := res["op_results"].([]any)
	if i >= len(ops) {
		t.Fatalf("no result for op %d: %v", i, res)
	}
	if m, ok := ops[i].(map[string]any); ok && m["exception"] != nil {
		t.Fatalf("op %d raised %v: %v", i, m["exception"], m["message"])
	}
	return ops[i]
}

type interop struct {
	c  aCache
	d  djangoSide
	st *cacheddb.Store
	g  goSide
}

// setups are the Django and Go sides on one SQLite file, for each cache:
// Django's PyMemcacheCache on memcached, django-redis on Redis.
func setups(t *testing.T) []func(t *testing.T) interop {
	djangotest.Python(t)
	var out []func(t *testing.T) interop
	for _, c := range sharedCaches(t) {
		out = append(out, func(t *testing.T) interop {
			path := tempDB(t)
			d := djangoSide{t: t, db: path, prefix: uniquePrefix(t), cache: c.django}
			d.request("") // Django migrates its tables first
			if err := os.Chmod(path, 0o600); err != nil {
				t.Fatal(err)
			}
			db, _ := sqliteDB(t, path)
			st := newStore(t, db, c.cache, cacheddb.Options{KeyPrefix: d.prefix})
			return interop{c: c, d: d, st: st, g: newGoSide(t, st)}
		})
	}
	return out
}

// values Django's cached_db keeps in both places: its database form is
// JSON (SESSION_SERIALIZER), so only JSON's types, and a tuple, which the
// cache keeps as a tuple and the database as a list.
var pyValues = []struct {
	python any
	goes   any
}{
	{"héllo ☃ 😀", "héllo ☃ 😀"},
	{42, int64(42)},
	{-7, int64(-7)},
	{json.Number("123456789012345678901234567890"), json.Number("123456789012345678901234567890")},
	{map[string]any{"__float_bits__": fmt.Sprintf("%016x", math.Float64bits(1.5))}, 1.5},
	{true, true},
	{nil, nil},
	{[]any{1, "two", []any{3}}, []any{int64(1), "two", []any{int64(3)}}},
	{map[string]any{"__tuple__": []any{1, "x"}}, []any{int64(1), "x"}},
	{map[string]any{"a": map[string]any{"b": []any{}}}, map[string]any{"a": map[string]any{"b": []any{}}}},
}

func (x interop) open(t *testing.T, key string) map[string]any {
	t.Helper()
	s, err := x.g.m.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Go cannot open the session: %v", err)
	}
	got := map[string]any{}
	for k, v := range s.All() {
		got[k] = v
	}
	return got
}

func (x interop) dropCache(t *testing.T, key string) {
	t.Helper()
	if err := x.c.cache.Delete(context.Background(), x.st.CacheKey(key)); err != nil {
		t.Fatal(err)
	}
}

func TestDjangoSessionLoadsInGo(t *testing.T) {
	for _, setup := range setups(t) {
		x := setup(t)
		t.Run(x.c.name, func(t *testing.T) {
			ops := [][]any{}
			want := map[string]any{}
			for i, v := range pyValues {
				k := fmt.Sprintf("v%02d", i)
				ops = append(ops, []any{"set_typed", k, v.python})
				want[k] = v.goes
			}
			res := x.d.request("", ops...)
			key := djangotest.String(t, res, "session_key")
			stored, _ := res["stored"].(map[string]any)
			if ck := stored["cache_key"]; !strings.HasSuffix(x.st.CacheKey(key), fmt.Sprint(ck)) {
				t.Errorf("Django's cache key %v, Go's %v", ck, x.st.CacheKey(key))
			}
			if !x.c.has(t, x.st.CacheKey(key)) {
				t.Fatalf("Django's session is not under Go's cache key %q", x.st.CacheKey(key))
			}
			if got := x.open(t, key); !reflect.DeepEqual(got, want) {
				t.Errorf("Go reads from the cache\n%#v\nwant\n%#v", got, want)
			}
			x.dropCache(t, key)
			if got := x.open(t, key); !reflect.DeepEqual(got, want) {
				t.Errorf("Go reads from the database\n%#v\nwant\n%#v", got, want)
			}
			if !x.c.has(t, x.st.CacheKey(key)) {
				t.Error("Go's database read did not fill the cache")
			}
			s, err := x.g.m.Open(context.Background(), key)
			if err != nil {
				t.Fatal(err)
			}
			s.Set("visits", 1)
			if err := s.Save(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, where := range []string{"cache", "database"} {
				res = x.d.request(key, []any{"get", "visits"}, []any{"get", "v00"})
				if opResult(t, res, 0) != 1.0 || opResult(t, res, 1) != "héllo ☃ 😀" {
					t.Errorf("Django reads Go's update from the %s as %v", where, res["op_results"])
				}
				x.dropCache(t, key)
			}
		})
	}
}

func TestGoSessionLoadsInDjango(t *testing.T) {
	for _, setup := range setups(t) {
		x := setup(t)
		t.Run(x.c.name, func(t *testing.T) {
			s, err := x.g.m.Open(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			values := map[string]any{
				"str": "héllo ☃ 😀", "int": int64(42), "big": json.Number("-123456789012345678901234567890"),
				"float": 1.5, "bool": false, "none": nil, "list": []any{int64(1), "two"},
				"dict": map[string]any{"a": []any{}},
			}
			for k, v := range values {
				s.Set(k, v)
			}
			if err := s.Save(context.Background()); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"str": "héllo ☃ 😀", "int": json.Number("42"), "big": json.Number("-123456789012345678901234567890"),
				"float": map[string]any{"__float_bits__": "3ff8000000000000"}, "bool": false, "none": nil,
				"list": []any{json.Number("1"), "two"}, "dict": map[string]any{"a": []any{}},
			}
			for _, where := range []string{"cache", "database"} {
				res := x.d.request(s.Key(), []any{"items_typed"})
				typedJSON, _ := opResult(t, res, 0).(map[string]any)["typed_json"].(string)
				var got map[string]any
				dec := json.NewDecoder(strings.NewReader(typedJSON))
				dec.UseNumber()
				if err := dec.Decode(&got); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Django reads from the %s\n%v\nwant\n%v", where, got, want)
				}
				x.dropCache(t, s.Key())
			}
		})
	}
}

func TestLoginAndLogoutAcrossDjangoAndGo(t *testing.T) {
	for _, setup := range setups(t) {
		x := setup(t)
		t.Run(x.c.name, func(t *testing.T) {
			gone := func(t *testing.T, key string) {
				t.Helper()
				if x.c.has(t, x.st.CacheKey(key)) {
					t.Error("the session is still in the cache")
				}
				if _, _, found, err := x.st.Load(context.Background(), key); err != nil || found {
					t.Errorf("the session is still in the database: %v, %v", found, err)
				}
			}
			t.Run("a login on Django is seen in Go; a logout in Go ends it for Django", func(t *testing.T) {
				res := x.d.request("", []any{"login", "alice", alice.hash})
				key := djangotest.String(t, res, "session_key")
				if body, _ := x.g.ok(t, "/whoami", key); body != "user=1" {
					t.Fatalf("Go sees %q after Django's login", body)
				}
				if _, cookie := x.g.ok(t, "/logout", key); cookie != "-" {
					t.Errorf("Go's logout did not delete the cookie: %q", cookie)
				}
				gone(t, key)
				res = x.d.request(key, []any{"user"})
				if u := opResult(t, res, 0); u != nil {
					t.Errorf("Django still sees %v after Go's logout", u)
				}
			})
			t.Run("a login in Go is seen by Django; a logout on Django ends it for Go", func(t *testing.T) {
				_, key := x.g.ok(t, "/login", "")
				res := x.d.request(key, []any{"user"})
				if u := opResult(t, res, 0); u != "alice" {
					t.Fatalf("Django sees %v after Go's login, want alice", u)
				}
				x.d.request(key, []any{"logout"})
				gone(t, key)
				if body, _ := x.g.ok(t, "/whoami", key); body != "user=" {
					t.Errorf("Go sees %q after Django's logout", body)
				}
			})
		})
	}
}
