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
	"github.com/djsession/djsession/internal/interoptest"
	"github.com/djsession/djsession/store/cacheddb"
)

type interop struct {
	c  aCache
	d  interoptest.Django
	st *cacheddb.Store
	g  interoptest.GoSide
}

// setups are the Django and Go sides on one SQLite file, for each cache:
// Django's PyMemcacheCache on memcached, django-redis on Redis.
func setups(t *testing.T) []func(t *testing.T) interop {
	djangotest.Python(t)
	var out []func(t *testing.T) interop
	for _, c := range sharedCaches(t) {
		out = append(out, func(t *testing.T) interop {
			path := tempDB(t)
			// Django 3.2's SessionMiddleware on the cached_db engine, on the
			// same SQLite file and cache (KEY_PREFIX) as the Go side.
			prefix := uniquePrefix(t)
			d := interoptest.Django{T: t, Args: append([]string{"--engine", "cached_db", "--db-path", path,
				"--cache-key-prefix", prefix}, c.django...)}
			d.Request("") // Django migrates its tables first
			if err := os.Chmod(path, 0o600); err != nil {
				t.Fatal(err)
			}
			db, _ := sqliteDB(t, path)
			st := newStore(t, db, c.cache, cacheddb.Options{KeyPrefix: prefix})
			return interop{c: c, d: d, st: st, g: newGoSide(t, st)}
		})
	}
	return out
}

// values Django's cached_db keeps in both places: its database form is
// JSON (SESSION_SERIALIZER), so only JSON's types, and a tuple, which the
// cache keeps as a tuple and the database as a list.
var pyValues = []interoptest.PyValue{
	{Name: "str", Python: "héllo ☃ 😀", Go: "héllo ☃ 😀"},
	{Name: "int", Python: 42, Go: int64(42)},
	{Name: "negative int", Python: -7, Go: int64(-7)},
	{Name: "int beyond int64", Python: json.Number("123456789012345678901234567890"),
		Go: json.Number("123456789012345678901234567890")},
	{Name: "float", Python: map[string]any{"__float_bits__": fmt.Sprintf("%016x", math.Float64bits(1.5))}, Go: 1.5},
	{Name: "bool", Python: true, Go: true},
	{Name: "None", Python: nil, Go: nil},
	{Name: "list", Python: []any{1, "two", []any{3}}, Go: []any{int64(1), "two", []any{int64(3)}}},
	{Name: "tuple (a list in the database)", Python: map[string]any{"__tuple__": []any{1, "x"}},
		Go: []any{int64(1), "x"}},
	{Name: "dict", Python: map[string]any{"a": map[string]any{"b": []any{}}},
		Go: map[string]any{"a": map[string]any{"b": []any{}}}},
}

func (x interop) open(t *testing.T, key string) map[string]any {
	t.Helper()
	s, err := x.g.Manager.Open(context.Background(), key)
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
			ops, want := interoptest.SetTyped(pyValues)
			res := x.d.Request("", ops...)
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
			s, err := x.g.Manager.Open(context.Background(), key)
			if err != nil {
				t.Fatal(err)
			}
			s.Set("visits", 1)
			if err := s.Save(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, where := range []string{"cache", "database"} {
				res = x.d.Request(key, []any{"get", "visits"}, []any{"get", "v00"})
				if interoptest.OpResult(t, res, 0) != 1.0 || interoptest.OpResult(t, res, 1) != "héllo ☃ 😀" {
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
			s, err := x.g.Manager.Open(context.Background(), "")
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
				res := x.d.Request(s.Key(), []any{"items_typed"})
				got := interoptest.TypedItems(t, res, 0)
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
			interoptest.LoginAndLogout(t, x.d, x.g, gone)
		})
	}
}
