package session_test

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

type vectorFile struct {
	SecretKey string `json:"secret_key"`
	NowEpoch  int64  `json:"now_epoch"`
	Vectors   []struct {
		Name       string          `json:"name"`
		OracleArgs []string        `json:"oracle_args"`
		Output     json.RawMessage `json:"output"`
	} `json:"vectors"`
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	raw, err := os.ReadFile("../testdata/django-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func argValue(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func TestDjangoCodecReadsDjangoVectors(t *testing.T) {
	v := loadVectors(t)
	n := 0
	for _, vec := range v.Vectors {
		if !strings.HasPrefix(vec.Name, "encode-session") {
			continue
		}
		n++
		t.Run(vec.Name, func(t *testing.T) {
			var out struct {
				SessionData string `json:"session_data"`
			}
			if err := json.Unmarshal(vec.Output, &out); err != nil {
				t.Fatal(err)
			}
			// The oracle's argument is UTF-8 text, not Django's latin-1 bytes:
			// read it with encoding/json, then take its JSON form.
			dec := json.NewDecoder(strings.NewReader(argValue(vec.OracleArgs, "--json")))
			dec.UseNumber()
			var raw map[string]any
			if err := dec.Decode(&raw); err != nil {
				t.Fatal(err)
			}
			norm, err := pyjson.Normalize(raw)
			if err != nil {
				t.Fatal(err)
			}
			want := norm.(map[string]any)
			codec := session.NewDjangoCodec([]byte(argValue(vec.OracleArgs, "--secret")), nil, nil)
			got, err := codec.Decode([]byte(out.SessionData))
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("Decode = %#v, %v; want %#v", got, err, want)
			}
			// Uncompressed values are byte-exact when written at Django's time,
			// up to key order (Go sorts keys).
			if !strings.HasPrefix(out.SessionData, ".") && len(want) == 1 {
				codec := session.NewDjangoCodec([]byte(argValue(vec.OracleArgs, "--secret")), nil,
					func() time.Time { return time.Unix(v.NowEpoch, 0) })
				enc, err := codec.Encode(want)
				if err != nil || string(enc) != out.SessionData {
					t.Fatalf("Encode = %s, %v; want %s", enc, err, out.SessionData)
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("no encode-session vectors in testdata")
	}
	t.Run("another secret reads as corrupt", func(t *testing.T) {
		_, err := session.NewDjangoCodec([]byte("other-secret"), nil, nil).Decode([]byte("eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY"))
		if !errors.Is(err, session.ErrCorrupt) {
			t.Fatalf("Decode = %v, want ErrCorrupt", err)
		}
	})
}

func TestDjangoReadsGoSessionData(t *testing.T) {
	secret := "django-insecure-test-key"
	values := map[string]any{
		"_auth_user_id":   "42",
		"big":             int64(1<<53 + 1),
		"one":             1.0,
		"text":            "héllo \u2603 \U0001F600 <&>",
		"list":            []any{true, nil, int64(-3), 2.5},
		"long":            strings.Repeat("compressible ", 50),
		"_session_expiry": int64(300),
	}
	codec := session.NewDjangoCodec([]byte(secret), nil, nil)
	enc, err := codec.Encode(values)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(enc), ".") {
		t.Errorf("repetitive data was not compressed: %.40s", enc)
	}
	res := djangotest.OK(t, djangotest.Run(t, "decode-session", "--secret", secret, "--data", string(enc)))
	got, err := pyjson.UnmarshalObject([]byte(djangotest.String(t, res, "decoded_json")))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, values) {
		t.Fatalf("Django decoded %#v, want %#v", got, values)
	}
}

// TestDjangoReadsGoSessionDataOnBothSidesOfMinCompressLen: a small session
// is stored plain, even one that zlib would shrink (it is shorter than
// signing.MinCompressLen), a longer repetitive one compressed; Django reads
// both.
func TestDjangoReadsGoSessionDataOnBothSidesOfMinCompressLen(t *testing.T) {
	secret := "django-insecure-test-key"
	codec := session.NewDjangoCodec([]byte(secret), nil, nil)
	for _, tc := range []struct {
		name        string
		values      map[string]any
		zlibShrinks bool // by the two bytes Django requires
		compressed  bool
	}{
		{"the benchmarks' session", map[string]any{"user_id": int64(42), "username": "alice", "cart": []any{"apple", "pear", "plum"}, "visits": int64(1)}, false, false},
		{"a short session that zlib would shrink", map[string]any{"ids": []any{int64(11), int64(12), int64(11), int64(13), int64(12), int64(11), int64(12), int64(13), int64(11), int64(12), int64(13), int64(11), int64(12), int64(13), int64(11), int64(12), int64(13), int64(11)}}, true, false},
		{"a long repetitive session", map[string]any{"_auth_user_id": "42", "history": strings.Repeat("/page/visited;", 20)}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js, _ := pyjson.Marshal(tc.values)
			var z bytes.Buffer
			w, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
			w.Write(js)
			w.Close()
			if (len(js) >= signing.MinCompressLen) != tc.compressed || (z.Len() < len(js)-1) != tc.zlibShrinks {
				t.Fatalf("%d bytes of JSON, %d compressed: the case is not what it says", len(js), z.Len())
			}
			enc, err := codec.Encode(tc.values)
			if err != nil {
				t.Fatal(err)
			}
			if got := enc[0] == '.'; got != tc.compressed {
				t.Fatalf("compressed = %v, want %v: %.40s", got, tc.compressed, enc)
			}
			res := djangotest.OK(t, djangotest.Run(t, "decode-session", "--secret", secret, "--data", string(enc)))
			got, err := pyjson.UnmarshalObject([]byte(djangotest.String(t, res, "decoded_json")))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.values) {
				t.Fatalf("Django decoded %#v, want %#v", got, tc.values)
			}
			back, err := codec.Decode(enc)
			if err != nil || !reflect.DeepEqual(back, tc.values) {
				t.Fatalf("Decode = %#v, %v", back, err)
			}
		})
	}
}

func TestFallbackKeysReadDjangoDataSignedWithAnOldSecret(t *testing.T) {
	res := djangotest.OK(t, djangotest.Run(t, "encode-session", "--secret", "old-secret", "--json", `{"user":"alice"}`))
	data := []byte(djangotest.String(t, res, "session_data"))
	rotated := session.NewDjangoCodec([]byte("new-secret"), [][]byte{[]byte("older"), []byte("old-secret")}, nil)
	got, err := rotated.Decode(data)
	if err != nil || got["user"] != "alice" {
		t.Fatalf("Decode with the old secret as a fallback = %v, %v", got, err)
	}
	if _, err := session.NewDjangoCodec([]byte("new-secret"), nil, nil).Decode(data); !errors.Is(err, session.ErrCorrupt) {
		t.Fatalf("Decode without the fallback = %v, want ErrCorrupt", err)
	}
	// Data written with the rotated codec is signed with the new secret.
	enc, err := rotated.Encode(map[string]any{"x": int64(1)})
	if err != nil {
		t.Fatal(err)
	}
	res = djangotest.OK(t, djangotest.Run(t, "decode-session", "--secret", "new-secret", "--data", string(enc)))
	if djangotest.String(t, res, "decoded_json") != `{"x":1}` {
		t.Fatalf("Django read %v", res["decoded_json"])
	}
}

// TestMiddlewareMatchesDjango runs scenarios through Django's
// SessionMiddleware and through Middleware at the same instant, and compares
// status, Vary and the session Set-Cookie attribute by attribute.
func TestMiddlewareMatchesDjango(t *testing.T) {
	const now = 1700000000
	tests := []struct {
		name   string
		cookie string // {live} is replaced by a live key, {unknown} by an unknown one
		ops    string
		status int
		cfg    session.Config
		flags  []string
	}{
		{name: "an untouched request without a cookie", ops: `[]`},
		{name: "a read without a cookie", ops: `[["get","a"]]`},
		{name: "a write without a cookie", ops: `[["set","a",1]]`},
		{name: "a write with SetExpiry(300)", ops: `[["set","a",1],["set_expiry",300]]`},
		{name: "a write with SetExpiry(0)", ops: `[["set","a",1],["set_expiry",0]]`},
		{name: "a write with ExpireAtBrowserClose", ops: `[["set","a",1]]`, cfg: session.Config{ExpireAtBrowserClose: true}, flags: []string{"--expire-at-browser-close"}},
		{name: "a write answered with 500", ops: `[["set","a",1]]`, status: 500},
		{name: "an invalid cookie on an untouched request", cookie: "sessionid=abc", ops: `[]`},
		{name: "an unknown key that is read", cookie: "sessionid={unknown}", ops: `[["get","a"]]`},
		{name: "an unknown key that is not touched", cookie: "sessionid={unknown}", ops: `[]`},
		{name: "a flush with an unknown key", cookie: "sessionid={unknown}", ops: `[["flush"]]`},
		{name: "a flush without a cookie", ops: `[["flush"]]`},
		{name: "a secure strict cookie with a domain and path", ops: `[["set","a",1]]`,
			cfg:   session.Config{CookieSecure: true, CookieSameSite: 3, CookieDomain: "example.com", CookiePath: "/app"},
			flags: []string{"--secure-cookie", "--samesite", "Strict", "--cookie-domain", "example.com", "--cookie-path", "/app"}},
		{name: "a cookie without HttpOnly", ops: `[["set","a",1]]`, cfg: session.Config{DisableHTTPOnly: true}, flags: []string{"--no-httponly"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			unknown := session.NewKey()
			cookie := strings.ReplaceAll(tc.cookie, "{unknown}", unknown)
			status := tc.status
			if status == 0 {
				status = 200
			}
			args := []string{"middleware", "--engine", "cache", "--now", strconv.Itoa(now), "--ops", tc.ops, "--status", strconv.Itoa(status)}
			if cookie != "" {
				args = append(args, "--cookie="+cookie)
			}
			dj := djangotest.OK(t, djangotest.Run(t, append(args, tc.flags...)...))

			f := newFixture(t, "values", tc.cfg)
			f.clock.mu.Lock()
			f.clock.t = time.Unix(now, 0)
			f.clock.mu.Unlock()
			var ops [][]any
			if err := json.Unmarshal([]byte(tc.ops), &ops); err != nil {
				t.Fatal(err)
			}
			f.handle("/", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
				for _, op := range ops {
					switch op[0] {
					case "get":
						s.Get(op[1].(string))
					case "set":
						s.Set(op[1].(string), op[2])
					case "set_expiry":
						s.SetExpiry(int(op[1].(float64)))
					case "flush":
						if err := s.Flush(r.Context()); err != nil {
							t.Error(err)
						}
					}
				}
				w.WriteHeader(status)
			})
			var res response
			if cookie != "" {
				res = f.raw("/", cookie)
			} else {
				res = f.raw("/")
			}

			if res.StatusCode != int(dj["status"].(float64)) {
				t.Errorf("status %d, Django %v", res.StatusCode, dj["status"])
			}
			djVary, _ := dj["vary"].(string)
			if got := res.Header.Get("Vary"); got != djVary {
				t.Errorf("Vary %q, Django %q", got, djVary)
			}
			name := f.m.Config().CookieName
			ours := res.sessionCookies(name)
			theirs := dj["set_cookie_parsed"].([]any)
			if len(ours) != len(theirs) {
				t.Fatalf("Set-Cookie %q, Django %v", ours, dj["set_cookie"])
			}
			for i, line := range ours {
				_, value, attrs := parseSetCookie(line)
				want := theirs[i].(map[string]any)
				wantValue := want["value"].(string)
				if session.ValidKey(wantValue) {
					// Both made a new random key.
					if !session.ValidKey(value) || len(value) != len(wantValue) {
						t.Errorf("value %q, Django made %q", value, wantValue)
					}
				} else if value != wantValue {
					t.Errorf("value %q, Django %q", value, wantValue)
				}
				wantAttrs := map[string]string{}
				for k, v := range want["attributes"].(map[string]any) {
					if b, ok := v.(bool); ok && b {
						v = ""
					}
					wantAttrs[k] = v.(string)
				}
				if !reflect.DeepEqual(attrs, wantAttrs) {
					t.Errorf("attributes %v, Django %v", attrs, wantAttrs)
				}
			}
		})
	}
}
