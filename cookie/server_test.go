package cookie

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The values that the server tests send through real HTTP: plain, quoted
// with nothing to escape, and quoted with escapes.
var serverValues = map[string]string{
	"plain":   "v1",
	"spaced":  "a b",
	"escaped": `a;b,"c"\é 清`,
}

// cookieServer sets the serverValues with Set before answering in the way
// the path names (/page, /json, /redirect), deletes "gone", and on /echo
// answers with what Get reads from the request, as JSON.
func cookieServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	setAll := func(w http.ResponseWriter) bool {
		for _, name := range []string{"plain", "spaced", "escaped"} {
			if err := Set(w, name, serverValues[name], Options{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return false
			}
		}
		if err := Delete(w, "gone", DeleteOptions{}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return false
		}
		return true
	}
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		if setAll(w) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!doctype html><title>page</title><p>hello</p>")
		}
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		if setAll(w) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]bool{"ok": true})
		}
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		if setAll(w) {
			http.Redirect(w, r, "/echo", http.StatusFound)
		}
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(All(r))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestCookiesOnEveryResponseKind(t *testing.T) {
	t.Parallel()
	srv := cookieServer(t)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var want []string
	for _, name := range []string{"plain", "spaced", "escaped"} {
		line, err := Format(name, serverValues[name], Options{HttpOnly: true, SameSite: http.SameSiteLaxMode})
		must(t, err)
		want = append(want, line)
	}
	want = append(want, `gone=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`)
	tests := []struct {
		name, path  string
		status      int
		contentType string
	}{
		{"a page carries the cookies", "/page", http.StatusOK, "text/html"},
		{"a JSON response carries the cookies", "/json", http.StatusOK, "application/json"},
		{"a redirect carries the cookies", "/redirect", http.StatusFound, "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := client.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) {
				t.Fatalf("status %d, Content-Type %q, body %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, want) {
				t.Errorf("Set-Cookie:\n got %q\nwant %q", got, want)
			}
			if tt.status == http.StatusFound && resp.Header.Get("Location") != "/echo" {
				t.Errorf("Location %q", resp.Header.Get("Location"))
			}
		})
	}
}

// TestValuesComeBackAsBrowsersSendThem returns each cookie the way a browser
// does (the name=value of the Set-Cookie, quotes and escapes included) and
// checks that Get on the server reads the original value.
func TestValuesComeBackAsBrowsersSendThem(t *testing.T) {
	t.Parallel()
	srv := cookieServer(t)
	resp, err := srv.Client().Get(srv.URL + "/page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var pairs []string
	for _, line := range resp.Header.Values("Set-Cookie") {
		pair, _, _ := strings.Cut(line, "; ")
		if !strings.HasPrefix(pair, "gone=") {
			pairs = append(pairs, pair)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/echo", nil)
	req.Header.Set("Cookie", strings.Join(pairs, "; "))
	got := echo(t, srv.Client(), req)
	for name, v := range serverValues {
		if got[name] != v {
			t.Errorf("cookie %s came back as %q, want %q", name, got[name], v)
		}
	}
}

// TestGoCookieJar runs the cookies through net/http's own client jar. Go's
// jar keeps quoted values that need no escapes but drops any value holding a
// backslash, so Django's escaped form does not survive it; browsers keep it
// (checked in Chromium by the browser tests).
func TestGoCookieJar(t *testing.T) {
	t.Parallel()
	srv := cookieServer(t)
	jar, err := cookiejar.New(nil)
	must(t, err)
	client := srv.Client()
	client.Jar = jar
	resp, err := client.Get(srv.URL + "/redirect") // follows to /echo with the jar's cookies
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	must(t, err)
	for _, name := range []string{"plain", "spaced"} {
		if got[name] != serverValues[name] {
			t.Errorf("through Go's jar, %s came back as %q, want %q", name, got[name], serverValues[name])
		}
	}
	if _, ok := got["gone"]; ok {
		t.Error("the deleted cookie came back")
	}
	u, _ := url.Parse(srv.URL)
	t.Logf("Go's jar holds %d cookies; the escaped value came back: %v", len(jar.Cookies(u)), got["escaped"] == serverValues["escaped"])
}

func echo(t *testing.T, c *http.Client, req *http.Request) map[string]string {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	return got
}
