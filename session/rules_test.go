package session

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestDecideResponse(t *testing.T) {
	storeErr := errors.New("store down")
	set := responseDecision{cookie: cookieSet, save: true, vary: true, private: true}
	del := responseDecision{cookie: cookieDelete, vary: true, private: true}
	for _, tc := range []struct {
		name   string
		st     responseState
		status int
		want   responseDecision
	}{
		{"untouched, no cookie", responseState{}, 200, responseDecision{}},
		{"untouched, a valid-looking cookie", responseState{hadCookie: true, validCookie: true}, 200, responseDecision{}},
		{"untouched, a malformed cookie is deleted", responseState{hadCookie: true}, 200, del},
		{"untouched, a malformed cookie is deleted on a 500 too", responseState{hadCookie: true}, 500, del},
		{"read only", responseState{touched: true, hadCookie: true, accessed: true}, 200, responseDecision{vary: true}},
		{"modified", responseState{touched: true, accessed: true, modified: true, needsSave: true}, 200, set},
		{"modified, 302", responseState{touched: true, accessed: true, modified: true, needsSave: true}, 302, set},
		{"modified, 404", responseState{touched: true, accessed: true, modified: true, needsSave: true}, 404, set},
		{"modified, 500: no save", responseState{touched: true, accessed: true, modified: true, needsSave: true}, 500, responseDecision{vary: true}},
		{"modified, 503: no save", responseState{touched: true, accessed: true, modified: true, needsSave: true}, 503, responseDecision{vary: true}},
		{"flushed: the cookie is deleted", responseState{touched: true, hadCookie: true, accessed: true, modified: true, empty: true}, 200, del},
		{"flushed without a cookie: nothing", responseState{touched: true, accessed: true, modified: true, empty: true}, 200, responseDecision{vary: true}},
		{"saved explicitly, clean: cookie only", responseState{touched: true, accessed: true, modified: true, saved: true}, 200,
			responseDecision{cookie: cookieSet, vary: true, private: true}},
		{"saved explicitly then changed: saved again", responseState{touched: true, accessed: true, modified: true, saved: true, needsSave: true}, 200, set},
		{"SaveEveryRequest, untouched session", responseState{touched: true, hadCookie: true, everyRequest: true, needsSave: true}, 200,
			responseDecision{cookie: cookieSet, save: true, private: true}},
		{"SaveEveryRequest, empty: nothing", responseState{touched: true, everyRequest: true, empty: true}, 200, responseDecision{}},
		{"load error: the error handler answers", responseState{touched: true, accessed: true, loadErr: storeErr}, 200, responseDecision{vary: true, fail: storeErr}},
		{"load error seen by the handler: its response", responseState{touched: true, accessed: true, loadErr: storeErr, errSeen: true}, 200, responseDecision{vary: true}},
		{"load error seen, then modified: the error handler", responseState{touched: true, accessed: true, loadErr: storeErr, errSeen: true, modified: true}, 200, responseDecision{vary: true, fail: storeErr}},
		{"load error on a 5xx: logged", responseState{touched: true, accessed: true, loadErr: storeErr}, 502, responseDecision{vary: true, logOnly: storeErr}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decideResponse(tc.st, tc.status); got != tc.want {
				t.Errorf("decideResponse = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPreventSharedCachingReadsDirectivesAsRFC9111Does(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		kept bool // already strict: left as it is
	}{
		{nil, false},
		{[]string{"private"}, true},
		{[]string{"no-store"}, true},
		{[]string{"No-Store"}, true},
		{[]string{"public, max-age=60"}, false},
		{[]string{"max-age=0, private"}, true},
		{[]string{`public, max-age=3600, no-cache="X-A, private, X-B"`}, false},
		{[]string{`no-cache="no-store"`}, false},
		{[]string{`no-cache="a\", private, \"b"`}, false},
		{[]string{`private="Set-Cookie"`}, false},
		{[]string{`private = "Set-Cookie"`}, false},
		{[]string{`no-cache="x", no-store`}, true},
		{[]string{"public", "private"}, true},
		{[]string{` , private`}, true},
		{[]string{`no-cache="unterminated, private`}, false},
	} {
		h := http.Header{}
		if tc.in != nil {
			h["Cache-Control"] = append([]string(nil), tc.in...)
		}
		preventSharedCaching(h, nil)
		got := h["Cache-Control"]
		kept := len(got) == len(tc.in) && (len(got) == 0 || got[0] == tc.in[0])
		if kept != tc.kept || (!tc.kept && (len(got) != 1 || got[0] != "private, no-store")) {
			t.Errorf("Cache-Control %q became %q; kept=%v, want %v", tc.in, got, kept, tc.kept)
		}
	}
}

// FuzzNextDirective checks that reading directives always ends, consumes
// the input, and finds the bare private or no-store only where a plain
// comma split of the unquoted parts finds it.
func FuzzNextDirective(f *testing.F) {
	for _, s := range []string{"private", `no-cache="a, private", public`, `a="\"", no-store`, `x="`, ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rest := s
		for n := 0; rest != ""; n++ {
			if n > len(s)+1 {
				t.Fatalf("no progress on %q", s)
			}
			var next string
			_, _, next = nextDirective(rest)
			if len(next) >= len(rest) {
				t.Fatalf("nextDirective(%q) did not consume anything", rest)
			}
			rest = next
		}
		if !strings.Contains(s, `"`) {
			// Without quotes, RFC 9111 reading is a plain comma split.
			strict := false
			for _, tok := range strings.Split(s, ",") {
				tok = strings.Trim(tok, " \t")
				if strings.EqualFold(tok, "private") || strings.EqualFold(tok, "no-store") {
					strict = true
				}
			}
			h := http.Header{"Cache-Control": {s}}
			preventSharedCaching(h, nil)
			if kept := h.Get("Cache-Control") == s; kept != strict && s != "private, no-store" {
				t.Fatalf("%q: kept=%v, want %v", s, kept, strict)
			}
		}
	})
}
