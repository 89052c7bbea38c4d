package signing

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/internal/pyjson"
)

// These tests run the real Django 3.2 through internal/djangotest: they skip
// on a bare machine and never skip under the full test command (make test).

const interopNow = 1700000000

var interopValues = []struct{ name, value string }{
	{"ASCII", "hello world"},
	{"the empty string", ""},
	{"separators inside the value", "a:b:c:"},
	{"latin-1", "café crème"},
	{"an emoji", "😀 and 🇫🇷"},
	{"CJK", "清風明月"},
	{"control characters", "\x00\x01\t\n\r\x1f\x7f"},
	{"quotes and backslashes", `"\'`},
	{"a long value", strings.Repeat("0123456789", 300)},
}

var interopObjects = []struct {
	name string
	v    any
}{
	{"a session-like object", map[string]any{"_auth_user_id": "42", "cart": []any{1, 2, 3}, "ratio": 0.5, "big": uint64(1) << 63}},
	{"non-ASCII keys and values", map[string]any{"clé": "清風 😀", "\x00": "\x7f"}},
	{"floats Python writes in exponent form", []any{1e16, 1.5e-5, -0.0, 1.0}},
	{"a long repetitive object that compresses", map[string]any{"log": strings.Repeat("login;logout;", 200)}},
	{"a bare string", "just text"},
}

func hexArg(b []byte) string { return hex.EncodeToString(b) }

func TestGoSignedValuesVerifyInDjango(t *testing.T) {
	key := []byte("interop key \x00\xff binary")
	var calls [][]string
	type check struct {
		name string
		want string // Django's value (JSON text for objects)
		json bool
	}
	var checks []check
	add := func(name, want string, isJSON bool, args ...string) {
		checks = append(checks, check{name, want, isJSON})
		calls = append(calls, args)
	}
	clock := fixedClock(interopNow)
	for _, v := range interopValues {
		s := Signer{SecretKey: key, Salt: "interop"}
		add("Signer: "+v.name, v.value, false,
			"unsign", "--key-hex", hexArg(key), "--salt", "interop", "--signed-json", djangotest.JSONString(s.Sign(v.value)))

		ts := TimestampSigner{Signer: Signer{SecretKey: key}, Now: clock}
		add("TimestampSigner: "+v.name, v.value, false, "unsign", "--timestamp", "--key-hex", hexArg(key),
			"--signed-json", djangotest.JSONString(ts.Sign(v.value)), "--max-age", "60", "--now", strconv.Itoa(interopNow+60))

		cookie := CookieSigner([]byte("cookie secret"), nil, "prefs"+"extra")
		cookie.Now = clock
		add("signed cookie: "+v.name, v.value, false, "unsign-cookie", "--name", "prefs", "--salt", "extra",
			"--secret", "cookie secret", "--cookie-value-json", djangotest.JSONString(cookie.Sign(v.value)))
	}
	for _, alg := range []string{"sha1", "sha224", "sha256", "sha384", "sha512"} {
		s := Signer{SecretKey: key, Algorithm: alg, Sep: "/"}
		add("Signer with "+alg, "v:1", false, "unsign", "--key-hex", hexArg(key), "--signer-algorithm", alg, "--sep", "/",
			"--signed", s.Sign("v:1"))
	}
	for _, o := range interopObjects {
		want, err := pyjson.Marshal(o.v)
		if err != nil {
			t.Fatal(err)
		}
		for _, compress := range []bool{false, true} {
			signed, err := Dumps(o.v, key, "interop.dumps", compress)
			if err != nil {
				t.Fatal(err)
			}
			add(fmt.Sprintf("Dumps (compress=%v): %s", compress, o.name), string(want), true,
				"signing-loads", "--key-hex", hexArg(key), "--salt", "interop.dumps", "--signed", signed)
		}
		if m, ok := o.v.(map[string]any); ok {
			session := TimestampSigner{Signer: Signer{SecretKey: []byte("session secret"), Salt: sessionSalt}, Now: clock}
			data, err := session.SignObject(m, true)
			if err != nil {
				t.Fatal(err)
			}
			add("session data: "+o.name, string(want), true, "decode-session", "--secret", "session secret", "--data", data)
		}
	}
	// Key rotation the other way round: Go signs with the old secret, and
	// Django (emulating SECRET_KEY_FALLBACKS) verifies with the new one and
	// the old one among its fallbacks.
	old := CookieSigner([]byte("old secret"), nil, "remember")
	add("rotation: an old-secret cookie verifies through Django's fallbacks", "me", false,
		"unsign-cookie", "--name", "remember", "--secret", "new secret", "--fallback-secret", "other", "--fallback-secret", "old secret",
		"--cookie-value", old.Sign("me"))

	results := djangotest.RunBatch(t, calls...)
	for i, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			res := results[i]
			if c.json {
				field := "value_json"
				if _, ok := res["decoded_json"]; ok {
					field = "decoded_json"
				}
				if res["ok"] != true || res[field] != c.want {
					t.Fatalf("Django read %v (%v), want %s", res[field], res, c.want)
				}
				return
			}
			if res["ok"] != true || res["value"] != c.want {
				t.Fatalf("Django: %v", res)
			}
		})
	}
}

func TestDjangoSignedValuesVerifyInGo(t *testing.T) {
	key := []byte("django-signed \x01\xfe")
	type item struct {
		name   string
		args   []string
		verify func(t *testing.T, res map[string]any)
	}
	clock := fixedClock(interopNow + 30)
	var items []item
	for _, v := range interopValues {
		v := v
		items = append(items, item{"Signer: " + v.name,
			[]string{"sign", "--key-hex", hexArg(key), "--salt", "s", "--value-json", djangotest.JSONString(v.value)},
			func(t *testing.T, res map[string]any) {
				s := Signer{SecretKey: key, Salt: "s"}
				signed := djangotest.String(t, res, "signed")
				if got, err := s.Unsign(signed); err != nil || got != v.value {
					t.Fatalf("Unsign(%q) = %q, %v", signed, got, err)
				}
				if s.Sign(v.value) != signed {
					t.Fatalf("Go signs %q differently: %q", v.value, s.Sign(v.value))
				}
			}})
		items = append(items, item{"TimestampSigner: " + v.name,
			[]string{"sign", "--timestamp", "--key-hex", hexArg(key), "--value-json", djangotest.JSONString(v.value), "--now", strconv.Itoa(interopNow)},
			func(t *testing.T, res map[string]any) {
				ts := TimestampSigner{Signer: Signer{SecretKey: key}, Now: clock}
				signed := djangotest.String(t, res, "signed")
				if got, err := ts.Unsign(signed, 30*time.Second); err != nil || got != v.value {
					t.Fatalf("Unsign(%q) = %q, %v", signed, got, err)
				}
				if _, err := ts.Unsign(signed, 29*time.Second); !errors.Is(err, ErrExpired) {
					t.Fatalf("29 s max age, 30 s old: %v, want ErrExpired", err)
				}
			}})
		items = append(items, item{"signed cookie: " + v.name,
			[]string{"sign-cookie", "--name", "c", "--salt", "x", "--value-json", djangotest.JSONString(v.value), "--secret-hex", hexArg(key), "--now", strconv.Itoa(interopNow)},
			func(t *testing.T, res map[string]any) {
				ts := CookieSigner(key, nil, "cx")
				if got, err := ts.Unsign(djangotest.String(t, res, "signed"), 0); err != nil || got != v.value {
					t.Fatalf("Unsign = %q, %v", got, err)
				}
			}})
	}
	for _, o := range interopObjects {
		o := o
		text := djangotest.JSON(t, o.v)
		for _, compress := range []bool{false, true} {
			args := []string{"signing-dumps", "--key-hex", hexArg(key), "--json=" + text, "--now", strconv.Itoa(interopNow)}
			if compress {
				args = append(args, "--compress")
			}
			items = append(items, item{fmt.Sprintf("dumps (compress=%v): %s", compress, o.name), args,
				func(t *testing.T, res map[string]any) {
					signed := djangotest.String(t, res, "signed")
					if compress && strings.Contains(o.name, "compresses") && signed[0] != '.' {
						t.Fatalf("Django did not compress: %q", signed)
					}
					got, err := Loads(signed, key, "", 0)
					if err != nil {
						t.Fatalf("Loads(%q): %v", signed, err)
					}
					// Django wrote the JSON text it read; Go reads it back
					// to the same value.
					want, err := pyjson.Unmarshal([]byte(djangotest.String(t, res, "payload_json")))
					if err != nil {
						t.Fatal(err)
					}
					a, _ := pyjson.Marshal(got)
					b, _ := pyjson.Marshal(want)
					if string(a) != string(b) {
						t.Fatalf("Loads = %s, Django wrote %s", a, b)
					}
				}})
		}
	}
	// Key rotation: Django signs with the old secret; Go verifies with the
	// new key and the old one among the fallbacks, and fails without it.
	items = append(items, item{"rotation: an old-secret cookie from Django",
		[]string{"sign-cookie", "--name", "remember", "--value", "me", "--secret", "old secret"},
		func(t *testing.T, res map[string]any) {
			signed := djangotest.String(t, res, "signed")
			rotated := CookieSigner([]byte("new secret"), [][]byte{[]byte("older"), []byte("old secret")}, "remember")
			if got, err := rotated.Unsign(signed, 0); err != nil || got != "me" {
				t.Fatalf("with the fallback: %q, %v", got, err)
			}
			if _, err := CookieSigner([]byte("new secret"), nil, "remember").Unsign(signed, 0); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("without the fallback: %v, want ErrBadSignature", err)
			}
		}})
	items = append(items, item{"rotation: old-secret session data from Django",
		[]string{"encode-session", "--json", `{"a":1}`, "--secret", "old secret"},
		func(t *testing.T, res map[string]any) {
			data := djangotest.String(t, res, "session_data")
			rotated := TimestampSigner{Signer: Signer{SecretKey: []byte("new secret"), FallbackKeys: [][]byte{[]byte("old secret")}, Salt: sessionSalt}}
			if _, err := rotated.UnsignObject(data, 0); err != nil {
				t.Fatalf("with the fallback: %v", err)
			}
			rotated.FallbackKeys = nil
			if _, err := rotated.UnsignObject(data, 0); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("without the fallback: %v, want ErrBadSignature", err)
			}
		}})
	calls := make([][]string, len(items))
	for i, it := range items {
		calls[i] = it.args
	}
	results := djangotest.RunBatch(t, calls...)
	for i, it := range items {
		t.Run(it.name, func(t *testing.T) {
			it.verify(t, djangotest.OK(t, results[i]))
		})
	}
}

// TestGoAndDjangoAgreeOnEdgeCases sends the same inputs to both and
// compares the verdicts: expiry at the boundary, tampered values, the
// legacy SHA-1 signature, separators and base62.
func TestGoAndDjangoAgreeOnEdgeCases(t *testing.T) {
	key := []byte("edge key")
	ts := TimestampSigner{Signer: Signer{SecretKey: key}, Now: fixedClock(interopNow)}
	signed := ts.Sign("value")
	type item struct {
		name   string
		args   []string
		goErr  error // nil: Go accepts
		goSays string
	}
	var items []item
	for _, tt := range []struct {
		name    string
		at      string
		maxAge  string
		expired bool
	}{
		{"age equal to max age", strconv.Itoa(interopNow + 10), "10", false},
		{"a fraction past max age", strconv.Itoa(interopNow+10) + ".25", "10", true},
		{"a second past max age", strconv.Itoa(interopNow + 11), "10", true},
		{"signed in the future", strconv.Itoa(interopNow - 100), "10", false},
	} {
		at, _ := strconv.ParseFloat(tt.at, 64)
		maxAge, _ := strconv.Atoi(tt.maxAge)
		checker := TimestampSigner{Signer: Signer{SecretKey: key}, Now: func() time.Time { return time.Unix(0, int64(at*1e9)) }}
		_, err := checker.Unsign(signed, time.Duration(maxAge)*time.Second)
		items = append(items, item{"expiry: " + tt.name,
			[]string{"unsign", "--timestamp", "--key-hex", hexArg(key), "--signed", signed, "--max-age", tt.maxAge, "--now", tt.at},
			err, ""})
	}
	// Tampered values: flip bytes at several places.
	for _, i := range []int{0, 4, 5, 6, 10, 12, len(signed) - 1} {
		b := []byte(signed)
		b[i] ^= 0x01
		_, err := ts.Unsign(string(b), 0)
		items = append(items, item{fmt.Sprintf("tampered at byte %d", i),
			[]string{"unsign", "--timestamp", "--no-legacy", "--key-hex", hexArg(key), "--signed-json", djangotest.JSONString(string(b))}, err, ""})
	}
	// Django 3.2 accepts this SHA-1 signature; 4.0 does not, nor does Go.
	legacy := "hello:1r31eq:5ccqWOrtx-twTnzdSbXAhqVvisY"
	_, lerr := CookieSigner([]byte("django-insecure-test-key"), nil, "c").Unsign(legacy, 0)
	items = append(items, item{"the legacy SHA-1 signature, with Django 4.0's rule",
		[]string{"unsign-cookie", "--no-legacy", "--name", "c", "--secret", "django-insecure-test-key", "--cookie-value", legacy}, lerr, ""})
	for _, sep := range []string{":", "/", "::", "a:", "\n\n", "é", " ", "a", "_", "`", "[", "=", "-", "0", "abc", "\n", "a\n"} {
		s := Signer{SecretKey: key, Sep: sep}
		err := s.Validate()
		signedHere := ""
		if err == nil {
			signedHere = s.Sign("v")
		}
		items = append(items, item{fmt.Sprintf("separator %q", sep),
			[]string{"sign", "--key-hex", hexArg(key), "--value", "v", "--sep-json", djangotest.JSONString(sep)}, err, signedHere})
	}
	results := djangotest.RunBatch(t, argLists(items, func(it item) []string { return it.args })...)
	for i, it := range items {
		t.Run(it.name, func(t *testing.T) {
			res := results[i]
			djangoOK := res["ok"] == true
			if djangoOK != (it.goErr == nil) {
				t.Fatalf("Django ok=%v (%v), Go error %v", djangoOK, res["message"], it.goErr)
			}
			if !djangoOK && res["error"] == "SignatureExpired" && !errors.Is(it.goErr, ErrExpired) {
				t.Fatalf("Django says expired, Go says %v", it.goErr)
			}
			if it.goSays != "" && res["signed"] != it.goSays {
				t.Fatalf("Django signed %q, Go %q", res["signed"], it.goSays)
			}
		})
	}
	// base62, both ways.
	var encodeArgs []string
	nums := []int64{0, 1, 61, 62, -1, -62, 1700000000, 1<<62 + 12345, -(1 << 62)}
	for _, n := range nums {
		encodeArgs = append(encodeArgs, "--encode="+strconv.FormatInt(n, 10))
	}
	strs := []string{"0", "z", "10", "-", "-0", "000a", "", "!", "1r31eq", "-8M0kX", "a-b", "AzL8n0Y58m7"}
	for _, s := range strs {
		encodeArgs = append(encodeArgs, "--decode-json", djangotest.JSONString(s))
	}
	res := djangotest.OK(t, djangotest.Run(t, append([]string{"base62"}, encodeArgs...)...))
	for i, n := range nums {
		if got := B62Encode(n); got != res["encoded"].([]any)[i] {
			t.Errorf("B62Encode(%d) = %q, Django %q", n, got, res["encoded"].([]any)[i])
		}
	}
	for i, s := range strs {
		d := res["decoded"].([]any)[i].(map[string]any)
		n, err := B62Decode(s)
		if (d["ok"] == true) != (err == nil) {
			t.Errorf("B62Decode(%q) = %d, %v; Django %v", s, n, err, d)
			continue
		}
		if err == nil && float64(n) != d["value"] {
			t.Errorf("B62Decode(%q) = %d, Django %v", s, n, d["value"])
		}
	}
}

func argLists[T any](items []T, args func(T) []string) [][]string {
	out := make([][]string, len(items))
	for i, it := range items {
		out[i] = args(it)
	}
	return out
}

// TestDjangoReadsBothSidesOfMinCompressLen signs session data just below
// MinCompressLen (plain, even when zlib would have shrunk it) and above it
// (compressed when that saves two bytes), and has Django read each.
func TestDjangoReadsBothSidesOfMinCompressLen(t *testing.T) {
	session := TimestampSigner{Signer: Signer{SecretKey: []byte("session secret"), Salt: sessionSalt}, Now: fixedClock(interopNow)}
	const token = "q8Zr0xLk2VbN7mWp4TyG1sHdJ9fUcE3aX5oIYw6nRBMtKPjvA7eQ0uZs1Dg2Fh3Ci4Hl5Ju6Kx7Ly8Mz9NaObPcQdRe"
	cases := []struct {
		name        string
		v           map[string]any
		short       bool // shorter than MinCompressLen
		zlibShrinks bool // by two bytes or more
	}{
		{"the benchmarks' 75-byte session", map[string]any{"cart": []any{"apple", "pear", "plum"}, "user_id": int64(42), "username": "alice", "visits": int64(1)}, true, false},
		{"a short run", map[string]any{"x": strings.Repeat("a", MinCompressLen-9)}, true, true},
		{"a short digit string", map[string]any{"d": strings.Repeat("3141592653", 7)}, true, true},
		{"a run of MinCompressLen bytes", map[string]any{"x": strings.Repeat("a", MinCompressLen-8)}, false, true},
		{"a long repetitive session", map[string]any{"_auth_user_id": "42", "log": strings.Repeat("login;logout;", 20)}, false, true},
		{"a long random token", map[string]any{"t": token}, false, false},
	}
	var calls [][]string
	var wants []string
	for _, c := range cases {
		js, err := pyjson.Marshal(c.v)
		if err != nil {
			t.Fatal(err)
		}
		if short, shrinks := len(js) < MinCompressLen, zlibLen(js) < len(js)-1; short != c.short || shrinks != c.zlibShrinks {
			t.Fatalf("%s: %d bytes of JSON, zlib makes %d: short %v, shrinks %v; the case is not what it says", c.name, len(js), zlibLen(js), short, shrinks)
		}
		data, err := session.SignObject(c.v, true)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := data[0] == '.', !c.short && c.zlibShrinks; got != want {
			t.Fatalf("%s (%d bytes of JSON): compressed = %v, want %v", c.name, len(js), got, want)
		}
		calls = append(calls, []string{"decode-session", "--secret", "session secret", "--data", data})
		wants = append(wants, string(js))
	}
	results := djangotest.RunBatch(t, calls...)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := results[i]
			if res["ok"] != true || res["decoded_json"] != wants[i] {
				t.Fatalf("Django read %v, want %s", res, wants[i])
			}
		})
	}
}
