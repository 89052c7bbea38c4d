// Package djangotest runs the project's Django helper script (djhelper.py)
// against the real Django that Debian's python3-django installs, so that
// tests can compare what Go writes and reads with what Django writes and
// reads.
//
// The script is embedded in the test binary, so it works from any package's
// tests. It prints one JSON object per call; see the docstring at the top of
// djhelper.py for its subcommands and conventions (every text flag --x also
// has a --x-json spelling that takes a JSON string literal: use [JSONString]
// to pass values with non-ASCII or control characters). Pass a value that
// may start with "-" in the --flag=value form, or argparse takes it for a
// flag.
//
// When no Python with Django is found, the tests that need it are skipped
// under a bare "go test ./..." and fail under the full test command
// (testservers.Full), which installs python3-django first.
package djangotest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testservers"
)

//go:embed djhelper.py
var script []byte

// DefaultPython is the interpreter used when $DJSESSION_DJANGO_PYTHON is
// empty: Debian's own, which sees python3-django.
const DefaultPython = "/usr/bin/python3"

// Timeout bounds one run of the helper script.
const Timeout = 2 * time.Minute

var probe struct {
	once    sync.Once
	python  string
	version string
	err     error
}

// Python returns the path of a Python interpreter that can import Django.
// It uses $DJSESSION_DJANGO_PYTHON when set and /usr/bin/python3 otherwise,
// and checks once per test binary that "import django" works. When it does
// not, the test fails under the full test command and is skipped otherwise,
// with a message naming "make test".
func Python(t testing.TB) string {
	t.Helper()
	probe.once.Do(func() {
		probe.python = os.Getenv(testservers.EnvDjangoPython)
		if probe.python == "" {
			probe.python = DefaultPython
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, probe.python, "-c",
			"import django; print(django.get_version())").CombinedOutput()
		if err != nil {
			probe.err = fmt.Errorf("%s cannot import django: %v: %s", probe.python, err, bytes.TrimSpace(out))
			return
		}
		probe.version = strings.TrimSpace(string(out))
	})
	if probe.err != nil {
		if testservers.Full() {
			t.Fatalf("djangotest: %v (the full test command installs python3-django)", probe.err)
		}
		t.Skipf("djangotest: %v: run %q to test against the real Django", probe.err, testservers.FullCommand)
	}
	return probe.python
}

// Version returns the version of the Django that Python found, such as
// "3.2.25". Like Python, it skips or fails the test when there is none.
func Version(t testing.TB) string {
	t.Helper()
	Python(t)
	return probe.version
}

// Run runs "djhelper.py args..." and returns its JSON result, decoded with
// encoding/json (numbers are float64: compare exact values through the
// result's *_json fields). Results that Django reports as errors come back
// with "ok": false; a non-zero exit status (bad arguments, a crash) fails the
// test with the script's stderr.
func Run(t testing.TB, args ...string) map[string]any {
	t.Helper()
	out := RunRaw(t, args...)
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("djangotest: %v: output is not a JSON object: %v\n%s", args, err, out)
	}
	return res
}

// RunRaw is Run without the decoding: it returns the script's stdout.
func RunRaw(t testing.TB, args ...string) []byte {
	t.Helper()
	return run(t, nil, args)
}

// RunBatch runs several calls in one Python process, which saves about half
// a second per call, and returns their results in order. Each call is the
// argument list that Run would take. Commands that need their own database
// (make-db, read-db, clearsessions, middleware) cannot be batched.
func RunBatch(t testing.TB, calls ...[]string) []map[string]any {
	t.Helper()
	if calls == nil {
		calls = [][]string{}
	}
	input, err := json.Marshal(calls)
	if err != nil {
		t.Fatalf("djangotest: encoding the batch: %v", err)
	}
	out := run(t, input, []string{"batch"})
	var res struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("djangotest: batch output is not JSON: %v\n%s", err, out)
	}
	if len(res.Results) != len(calls) {
		t.Fatalf("djangotest: batch of %d calls gave %d results", len(calls), len(res.Results))
	}
	return res.Results
}

func run(t testing.TB, stdin []byte, args []string) []byte {
	t.Helper()
	python := Python(t)
	path := filepath.Join(t.TempDir(), "djhelper.py")
	if err := os.WriteFile(path, script, 0o600); err != nil {
		t.Fatalf("djangotest: writing the helper script: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("djangotest: djhelper.py %s: exit status %d\n%s", quoteArgs(args), exit.ExitCode(), stderr.Bytes())
		}
		t.Fatalf("djangotest: djhelper.py %s: %v\n%s", quoteArgs(args), err, stderr.Bytes())
	}
	return stdout.Bytes()
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = JSONString(a)
	}
	return strings.Join(q, " ")
}

// JSONString returns s as a JSON string literal in pure ASCII, for the
// helper's --x-json flags: every non-ASCII code point and control character
// is escaped, so the value reaches Django intact whatever it holds. s must be
// valid UTF-8 (Django's strings are Unicode); invalid bytes become U+FFFD.
func JSONString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		default:
			escapeRune(&b, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// JSON returns v encoded with encoding/json and then made pure ASCII (every
// non-ASCII code point escaped), for the helper's --json flags. It fails the
// test when v cannot be encoded.
func JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("djangotest: encoding %#v: %v", v, err)
	}
	// Outside strings JSON is ASCII, so escaping every non-ASCII rune in
	// place keeps the document valid and its meaning unchanged.
	var out strings.Builder
	for _, r := range string(b) {
		switch {
		case r < 0x80:
			out.WriteRune(r)
		default:
			escapeRune(&out, r)
		}
	}
	return out.String()
}

// escapeRune writes r as a JSON \uXXXX escape, as a surrogate pair above U+FFFF.
func escapeRune(b *strings.Builder, r rune) {
	if r > 0xffff {
		r -= 0x10000
		fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		return
	}
	fmt.Fprintf(b, `\u%04x`, r)
}

// OK fails the test unless res reports success, showing Django's error.
func OK(t testing.TB, res map[string]any) map[string]any {
	t.Helper()
	if res["ok"] != true {
		t.Fatalf("djangotest: Django reported %v: %v", res["error"], res["message"])
	}
	return res
}

// String returns res[key] as a string and fails the test when it is not one.
func String(t testing.TB, res map[string]any, key string) string {
	t.Helper()
	s, ok := res[key].(string)
	if !ok {
		t.Fatalf("djangotest: result field %q is %T (%v), not a string; result: %v", key, res[key], res[key], res)
	}
	return s
}

// RulesScenario is one request for the helper's response-rules subcommand:
// what the request carries, what the view does to request.session, and the
// response the view returns. See the docstring of djhelper.py.
type RulesScenario struct {
	// Cookie is the request's session cookie: "none" (or ""), "valid" (a
	// stored session holding Data), "unknown" (a well-formed key that is not
	// stored), "malformed" ("not a key!", a key to Django, which accepts any
	// 8 characters or more) or "short" ("abc12", a key to neither).
	Cookie string `json:"cookie,omitempty"`
	// Data is the valid session's data; nil means {"a": 1}.
	Data map[string]any `json:"data,omitempty"`
	// Actions are the view's operations on request.session, in order:
	// ["read", k], ["set", k, v], ["clear"], ["flush"], ["cycle_key"],
	// ["delete"] (the record only), ["set_expiry", n], ["save"].
	Actions [][]any `json:"actions"`
	// Status is the view's status code; 0 means 200.
	Status int `json:"status,omitempty"`
	// Settings are Django settings among SESSION_SAVE_EVERY_REQUEST,
	// SESSION_EXPIRE_AT_BROWSER_CLOSE, SESSION_COOKIE_SECURE and
	// SESSION_COOKIE_DOMAIN; the others keep Django's defaults.
	Settings map[string]any `json:"settings,omitempty"`
	// Headers are set on the view's response (Cache-Control, Vary...).
	Headers map[string]string `json:"headers,omitempty"`
}

// Malformed and short session cookie values of RulesScenario.Cookie.
const (
	RulesMalformedCookie = "not a key!"
	RulesShortCookie     = "abc12"
)

// RulesOutcome is what Django's SessionMiddleware.process_response (and
// Django's exception handler after it) did with a RulesScenario.
type RulesOutcome struct {
	Status int `json:"status"`
	// Exception is the class the middleware raised ("SessionInterrupted"),
	// or "".
	Exception string `json:"exception"`
	// Writes are the INSERT, UPDATE and DELETE statements on django_session
	// during the request, in order: "insert", "update", "delete".
	Writes []string `json:"writes"`
	// ActionErrors are the class names of the exceptions the view's actions
	// raised (the view carries on after each).
	ActionErrors  []string `json:"action_errors"`
	RequestCookie string   `json:"request_cookie"` // the cookie's value, "" for none
	// Cookie is "set", "delete" or "none"; the fields below describe the
	// session's Set-Cookie line when there is one.
	Cookie    string `json:"cookie"`
	SetCookie string `json:"set_cookie"`
	// CookieValueIs is "request" (the request's key), "new" (another key) or
	// "" (deleted); CookieValue is the value itself.
	CookieValueIs string `json:"cookie_value_is"`
	CookieValue   string `json:"cookie_value"`
	MaxAge        *int   `json:"max_age"` // nil when absent
	Expires       string `json:"expires"`
	Secure        bool   `json:"secure"`
	HTTPOnly      bool   `json:"httponly"`
	Domain        string `json:"domain"`
	Path          string `json:"path"`
	SameSite      string `json:"samesite"`
	Vary          string `json:"vary"`          // "" when absent
	CacheControl  string `json:"cache_control"` // "" when absent
}

// ResponseRules runs each scenario through Django's SessionMiddleware with
// the clock frozen at now (Unix seconds), all in one Python process, and
// returns the outcomes in order. A scenario the helper cannot run fails the
// test.
func ResponseRules(t testing.TB, now int64, scenarios ...RulesScenario) []RulesOutcome {
	t.Helper()
	calls := make([][]string, len(scenarios))
	for i, sc := range scenarios {
		if sc.Actions == nil {
			sc.Actions = [][]any{}
		}
		calls[i] = []string{"response-rules", "--now", fmt.Sprint(now), "--scenario", JSON(t, sc)}
	}
	results := RunBatch(t, calls...)
	out := make([]RulesOutcome, len(results))
	for i, res := range results {
		OK(t, res)
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatalf("djangotest: re-encoding a response-rules result: %v", err)
		}
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatalf("djangotest: response-rules result %s: %v", b, err)
		}
	}
	return out
}
