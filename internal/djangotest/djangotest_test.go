package djangotest

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestJSONStringRoundTripsThroughAJSONReader(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and backslash \`, "tab\tnewline\nnul\x00del\x7f",
		"é€", "😀 emoji", "清風", "a:b é", "\u2028\u2029", "<>&/",
	} {
		t.Run(fmt.Sprintf("%q comes back unchanged", s), func(t *testing.T) {
			lit := JSONString(s)
			for i := 0; i < len(lit); i++ {
				if lit[i] < 0x20 || lit[i] >= 0x7f {
					t.Fatalf("JSONString(%q) = %q has a byte 0x%02x outside printable ASCII", s, lit, lit[i])
				}
			}
			var got string
			if err := json.Unmarshal([]byte(lit), &got); err != nil {
				t.Fatalf("JSONString(%q) = %q is not a JSON string: %v", s, lit, err)
			}
			if got != s {
				t.Fatalf("JSONString(%q) decodes to %q", s, got)
			}
		})
	}
}

func TestJSONIsASCIIAndMeansTheSame(t *testing.T) {
	in := map[string]any{"emoji": "😀", "cjk": "清風", "n": 1.5, "list": []any{"é", nil, true}}
	out := JSON(t, in)
	for i := 0; i < len(out); i++ {
		if out[i] >= 0x80 {
			t.Fatalf("JSON output %q is not ASCII", out)
		}
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(back) != fmt.Sprint(in) {
		t.Fatalf("JSON(%v) = %s decodes to %v", in, out, back)
	}
}

func TestRunBatchAnswersWithDjangosOwnVectors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		field string
		want  string
	}{
		{"a plain Signer signs as in Django's test suite",
			[]string{"sign", "--key", "predictable-secret", "--value", "foo"},
			"signed", "foo:jZQoX_FtSO70jX9HLRGg2A_2s4kdDBxz1QoO_OpEQb0"},
		{"a binary key is accepted as hex",
			[]string{"sign", "--key-hex", "e7", "--value", "foo"},
			"signed", "foo:EE4qGC5MEKyQG5msxYA0sBohAxLC0BJf8uRhemh0BGU"},
		{"a TimestampSigner uses the frozen clock",
			[]string{"sign", "--timestamp", "--key", "predictable-key", "--value", "hello", "--now", "123456789"},
			"signed", "hello:8M0kX:0pJB1_TN9Bno2aK29thnZKKHn76ngzcQVnIrp_DNs5M"},
		{"a signed cookie binds its name into the salt",
			[]string{"sign-cookie", "--name", "c", "--value", "hello", "--secret", "django-insecure-test-key", "--now", "1700000000"},
			"signed", "hello:1r31eq:6_ATJSSLW2CnbfPinKmlzDD3lHKu2OhDpIlUTrJ5gPs"},
		{"a JSON-spelled value carries non-ASCII",
			[]string{"sign-cookie", "--name", "pref", "--value-json", JSONString("a:b é"), "--secret", "django-insecure-test-key", "--now", "1700000000"},
			"signed", "a:b é:1r31eq:pb5XglqSzQgSU7_ofy5Km1yHODC9xTiwuQuelKh7Wsg"},
		{"dumps writes compact JSON",
			[]string{"signing-dumps", "--key", "k", "--salt", "s", "--json", "[1,2,3]", "--compress", "--now", "1700000000"},
			"signed", "WzEsMiwzXQ:1r31eq:Dbqu6XfZdKoFEZhmI7FcKrnlwP0oPxRKC32blkG6YjU"},
		{"set-cookie-header sorts the attributes as Python's Morsel does",
			[]string{"set-cookie-header", "--name", "sessionid", "--value", "abc", "--max-age", "1209600", "--domain", "example.com",
				"--secure", "--httponly", "--samesite", "Lax", "--now", "1700000000"},
			"header", "sessionid=abc; Domain=example.com; expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax; Secure"},
	}
	calls := make([][]string, len(tests))
	for i, tt := range tests {
		calls[i] = tt.args
	}
	results := RunBatch(t, calls...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := OK(t, results[i])
			if got := String(t, res, tt.field); got != tt.want {
				t.Fatalf("%s = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
}

func TestRunReportsDjangosErrorsAsData(t *testing.T) {
	res := Run(t, "unsign-cookie", "--name", "c", "--cookie-value", "hello:1r31eq:6_ATJSSLW2CnbfPinKmlzDD3lHKu2OhDpIlUTrJ5gPs",
		"--max-age", "10", "--secret", "django-insecure-test-key", "--now", "1700000011")
	if res["ok"] != false || res["error"] != "SignatureExpired" {
		t.Fatalf("an expired cookie gave %v, want ok=false error=SignatureExpired", res)
	}
}

func TestRunBatchKeepsTheOrderAndThePerCallSettings(t *testing.T) {
	got := RunBatch(t,
		[]string{"sign-cookie", "--name", "c", "--value", "hello", "--secret", "django-insecure-test-key", "--now", "1700000000"},
		[]string{"sign", "--key", "predictable-secret", "--value", "foo"},
		[]string{"unsign-cookie", "--name", "c", "--cookie-value", "hello:1r31eq:6_ATJSSLW2CnbfPinKmlzDD3lHKu2OhDpIlUTrJ5gPs",
			"--secret", "new-secret", "--fallback-secret", "django-insecure-test-key"},
	)
	if s := String(t, got[0], "signed"); s != "hello:1r31eq:6_ATJSSLW2CnbfPinKmlzDD3lHKu2OhDpIlUTrJ5gPs" {
		t.Errorf("first call signed %q", s)
	}
	if s := String(t, got[1], "signed"); s != "foo:jZQoX_FtSO70jX9HLRGg2A_2s4kdDBxz1QoO_OpEQb0" {
		t.Errorf("second call signed %q", s)
	}
	if got[2]["ok"] != true || got[2]["matched_key_index"] != float64(1) {
		t.Errorf("the fallback secret did not verify: %v", got[2])
	}
}

// fatalRecorder is a testing.TB whose Fatal records the message and stops
// the goroutine, so a test can check that Run fails the way it should.
type fatalRecorder struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fatalRecorder) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

func TestRunFailsTheTestOnBadArguments(t *testing.T) {
	Python(t)
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(rec, "sign", "--no-such-flag")
	}()
	<-done
	if !strings.Contains(rec.msg, "exit status 2") || !strings.Contains(rec.msg, "unrecognized arguments") {
		t.Fatalf("Run with a bad flag failed with %q, want the exit status and Python's usage error", rec.msg)
	}
}
