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

func TestEveryBatchableSubcommandAnswers(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		field string
		want  any
	}{
		{"url-has-allowed-host refuses a scheme-relative URL to another host",
			[]string{"url-has-allowed-host", "--url", "//evil.com", "--allowed-host", "example.com"}, "allowed", false},
		{"url-has-allowed-host accepts a relative path",
			[]string{"url-has-allowed-host", "--url-json", JSONString("/next?a=é"), "--allowed-host", "example.com"}, "allowed", true},
		{"session-auth-hash is salted_hmac with SHA-256",
			[]string{"session-auth-hash", "--password-hash", "pbkdf2_sha256$260000$abc$def", "--secret", "s"},
			"hash", "15032bfa900e10f900da1af340d8de809ae02795bfa196c080eba45478da4389"},
		// PBKDF2-SHA256("secret", "saltsalt", 1000), computed independently
		// with hashlib.pbkdf2_hmac.
		{"make-password with a chosen salt and iteration count",
			[]string{"make-password", "--password", "secret", "--salt", "saltsalt", "--iterations", "1000"},
			"encoded", "pbkdf2_sha256$1000$saltsalt$hgR9HsqtKupWxpnv8y99TrPDajTT/9PcSTlNafpdLXQ="},
		{"check-password accepts the right password",
			[]string{"check-password", "--password", "secret", "--encoded", "pbkdf2_sha256$1000$saltsalt$hgR9HsqtKupWxpnv8y99TrPDajTT/9PcSTlNafpdLXQ="},
			"valid", true},
		{"check-password refuses a wrong one",
			[]string{"check-password", "--password", "Secret", "--encoded", "pbkdf2_sha256$1000$saltsalt$hgR9HsqtKupWxpnv8y99TrPDajTT/9PcSTlNafpdLXQ="},
			"valid", false},
		{"set-cookie-header with every option",
			[]string{"set-cookie-header", "--name", "c", "--value", "v", "--max-age", "60", "--path", "/app", "--domain", "example.com",
				"--secure", "--httponly", "--samesite", "Strict", "--now", "1700000000"},
			"header", "c=v; Domain=example.com; expires=Tue, 14 Nov 2023 22:14:20 GMT; HttpOnly; Max-Age=60; Path=/app; SameSite=Strict; Secure"},
		{"set-cookie-header with an expires string and no path",
			[]string{"set-cookie-header", "--name", "c", "--value", "v", "--expires", "Wed, 21 Oct 2015 07:28:00 GMT", "--no-path"},
			"header", "c=v; expires=Wed, 21 Oct 2015 07:28:00 GMT"},
		{"set-cookie-header with an aware expires datetime",
			[]string{"set-cookie-header", "--name", "c", "--value", "x", "--expires-datetime", "2023-11-15T02:00:00+02:00", "--now", "1700000000"},
			"header", "c=x; expires=Wed, 15 Nov 2023 00:00:01 GMT; Max-Age=6401; Path=/"},
		{"delete-cookie-header adds Secure for a __Host- name",
			[]string{"delete-cookie-header", "--name", "__Host-c", "--samesite", "None"},
			"header", `__Host-c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=None; Secure`},
		{"parse-cookie keeps the last duplicate and unquotes",
			[]string{"parse-cookie", "--header", `a=1; sessionid=x; sessionid="b\054c"`}, "cookies", map[string]any{"a": "1", "sessionid": "b,c"}},
		{"encode-session writes Django's session_data",
			[]string{"encode-session", "--json", `{"a":1}`, "--secret", "django-insecure-test-key", "--now", "1700000000"},
			"session_data", "eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY"},
		{"decode-session reads it with the old secret among the fallbacks",
			[]string{"decode-session", "--data", "eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY", "--secret", "new",
				"--fallback-secret", "django-insecure-test-key"}, "decoded_json", `{"a":1}`},
		{"signed-cookies-encode writes the signed_cookies engine's cookie",
			[]string{"signed-cookies-encode", "--json", `{"a":1}`, "--secret", "django-insecure-test-key", "--now", "1700000000"},
			"cookie_value", "eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk"},
		{"signed-cookies-decode rejects an expired cookie",
			[]string{"signed-cookies-decode", "--cookie-value", "eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk",
				"--secret", "django-insecure-test-key", "--now", "1701209601"}, "rejected", true},
		{"json-dumps writes Python's compact form",
			[]string{"json-dumps", "--json", `{"f":1e16,"s":"\u00e9\u007f"}`}, "dumped", `{"f":1e+16,"s":"\u00e9\u007f"}`},
		{"json-loads reads bytes as latin-1",
			[]string{"json-loads", "--data-hex", "22c3a922"}, "value", "Ã©"},
		{"salted-hmac defaults to SHA-1",
			[]string{"salted-hmac", "--key-salt", "a", "--value", "b", "--secret", "c"}, "hex", "0ccc8faa7d8df99a07b18657f122b06b8e0b89da"},
		{"pickle-dumps writes Python's pickle in the protocol asked for",
			[]string{"pickle-dumps", "--json", `{"a":1}`, "--protocol", "2"}, "pickle_hex", "80027d710058010000006171014b01732e"},
		{"pickle-loads reports tuples and bytes in the typed form",
			[]string{"pickle-loads", "--data-hex", "80049510000000000000007d948c0174944b01430178948694732e"},
			"typed_json", `{"t":{"__tuple__":[1,{"__bytes_hex__":"78"}]}}`},
		{"signing-loads with a fallback key",
			[]string{"signing-loads", "--key", "new", "--fallback-key", "k", "--salt", "s", "--signed", "WzEsMiwzXQ:1r31eq:Dbqu6XfZdKoFEZhmI7FcKrnlwP0oPxRKC32blkG6YjU"},
			"value_json", "[1,2,3]"},
	}
	calls := make([][]string, len(tests))
	for i, tt := range tests {
		calls[i] = tt.args
	}
	results := RunBatch(t, calls...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := OK(t, results[i])
			if fmt.Sprint(res[tt.field]) != fmt.Sprint(tt.want) {
				t.Fatalf("%s = %#v, want %#v", tt.field, res[tt.field], tt.want)
			}
		})
	}
}

func TestDatabaseSubcommandsShareOneSQLiteFile(t *testing.T) {
	db := t.TempDir() + "/db.sqlite3"
	made := OK(t, Run(t, "make-db", "--path", db, "--json", `{"a":1}`, "--expiry", "3600", "--session-key", "abcdefgh12345678",
		"--secret", "s", "--now", "1700000000"))
	if made["session_key"] != "abcdefgh12345678" {
		t.Fatalf("make-db: %v", made)
	}
	read := OK(t, Run(t, "read-db", "--path", db, "--session-key", "abcdefgh12345678", "--secret", "s", "--now", "1700000100"))
	if read["found"] != true || read["decoded_json"] != `{"a":1,"_session_expiry":3600}` {
		t.Fatalf("read-db: %v", read)
	}
	cleared := OK(t, Run(t, "clearsessions", "--path", db, "--secret", "s", "--now", "1700003601"))
	if fmt.Sprint(cleared["before"]) != "[abcdefgh12345678]" || fmt.Sprint(cleared["after"]) != "[]" {
		t.Fatalf("clearsessions: %v", cleared)
	}
	mw := OK(t, Run(t, "middleware", "--engine", "db", "--db-path", db, "--secret", "s", "--now", "1700000000",
		"--cookie", "sessionid=attackerchosen12345", "--ops", `[["set","a",1],["get","a"]]`))
	key, _ := mw["session_key"].(string)
	if len(key) != 32 || key == "attackerchosen12345" || mw["vary"] != "Cookie" {
		t.Fatalf("middleware adopted the client's key or forgot Vary: %v", mw)
	}
	again := OK(t, Run(t, "middleware", "--engine", "db", "--db-path", db, "--secret", "s", "--now", "1700000100",
		"--cookie", "sessionid="+key, "--ops", `[["get","a"]]`))
	if fmt.Sprint(again["op_results"]) != "[1]" || len(again["set_cookie"].([]any)) != 0 {
		t.Fatalf("reading the session back: %v", again)
	}
}

func TestResponseRulesReportsWhatSessionMiddlewareDid(t *testing.T) {
	got := ResponseRules(t, 1700000000,
		RulesScenario{Cookie: "valid", Actions: [][]any{{"set", "b", 2}}, Headers: map[string]string{"Vary": "Accept"}},
		RulesScenario{Cookie: "valid", Actions: [][]any{{"read", "a"}, {"delete"}, {"set", "b", 2}}},
	)
	saved := got[0]
	if saved.Status != 200 || saved.Exception != "" || fmt.Sprint(saved.Writes) != "[update]" || saved.Cookie != "set" ||
		saved.CookieValueIs != "request" || saved.CookieValue != saved.RequestCookie || saved.MaxAge == nil ||
		*saved.MaxAge != 1209600 || saved.Expires != "Tue, 28 Nov 2023 22:13:20 GMT" || !saved.HTTPOnly || saved.Secure ||
		saved.Domain != "" || saved.Path != "/" || saved.SameSite != "Lax" || saved.Vary != "Accept, Cookie" || saved.CacheControl != "" {
		t.Errorf("a write to a live session: %+v", saved)
	}
	interrupted := got[1]
	if interrupted.Status != 400 || interrupted.Exception != "SessionInterrupted" ||
		fmt.Sprint(interrupted.Writes) != "[delete update]" || interrupted.Cookie != "none" || len(interrupted.ActionErrors) != 0 {
		t.Errorf("a write after the record was deleted: %+v", interrupted)
	}
}

// TestFileSubcommandsFollowTheirDirectory runs the file engine's commands
// on two directories in one batch: Django's file engine caches
// SESSION_FILE_PATH per class, and the helper must drop it per call.
func TestFileSubcommandsFollowTheirDirectory(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	saved := RunBatch(t,
		[]string{"file-save", "--file-dir", a, "--json", `{"in":"a"}`, "--expiry", "300"},
		[]string{"file-save", "--file-dir", b, "--json", `{"in":"b"}`},
	)
	ka, kb := String(t, OK(t, saved[0]), "session_key"), String(t, OK(t, saved[1]), "session_key")
	if saved[0]["expiry_age"] != 300.0 || saved[1]["expiry_age"] != 1209600.0 {
		t.Fatalf("file-save expiry ages: %v, %v", saved[0]["expiry_age"], saved[1]["expiry_age"])
	}
	loaded := RunBatch(t,
		[]string{"file-load", "--file-dir", a, "--session-key", ka},
		[]string{"file-load", "--file-dir", b, "--session-key", kb},
		[]string{"file-load", "--file-dir", b, "--session-key", ka},
	)
	if OK(t, loaded[0])["decoded_json"] != `{"in":"a","_session_expiry":300}` || OK(t, loaded[1])["decoded_json"] != `{"in":"b"}` {
		t.Fatalf("file-load: %v, %v", loaded[0], loaded[1])
	}
	if OK(t, loaded[2])["found"] != false {
		t.Fatalf("a key of directory a found in b: %v", loaded[2])
	}
}
