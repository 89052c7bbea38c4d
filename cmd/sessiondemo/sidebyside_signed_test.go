package main

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/signing"
)

// TestSideBySideSignedCookies: a signed cookie that the Django site sets
// with set_signed_cookie reads in Go with the same SECRET_KEY and salt, and
// one Go signs reads in Django's get_signed_cookie; another salt is a bad
// signature on both sides. (The demo itself signs nothing with the site's
// key on a visitor's behalf, so the Go side here is the library's
// cookie.SetSigned and cookie.GetSigned.)
func TestSideBySideSignedCookies(t *testing.T) {
	requireSideBySide(t)
	site := startDjangoSite(t, djangoEnv(map[string]string{"DJSITE_ENGINE": "signed_cookies", "DJSITE_DATABASE": sqliteFile(t)}))
	// Latin-1 letters, which Django writes in its quoted, octal-escaped form;
	// a character beyond U+00FF makes Django's response unsendable on a WSGI
	// server (its header is Latin-1), so none is used.
	value := "dark, grüß"

	t.Run("set by Django, read by Go", func(t *testing.T) {
		b := newBrowser(t)
		r := b.get(site.base + "/signed/set/?" + url.Values{"name": {"theme"}, "value": {value}, "salt": {"prefs"}}.Encode())
		if r.status != 200 {
			t.Fatalf("Django's signed/set: %d", r.status)
		}
		// The cookie as Django wrote it (quoted, octal escapes), which
		// net/http's cookie parser would refuse: sent back byte for byte.
		raw := rawCookie(t, r.header, "theme")
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", "theme="+raw)
		for _, tc := range []struct {
			salt    string
			want    string
			wantErr error
		}{
			{"prefs", value, nil},
			{"other", "", signing.ErrBadSignature},
		} {
			got, err := cookie.GetSigned(req, "theme", []byte(testKey), nil, tc.salt, 0)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("salt %q: Go reads %q, %v; want %q, %v", tc.salt, got, err, tc.want, tc.wantErr)
			}
		}
	})
	t.Run("set by Go, read by Django", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := cookie.SetSigned(rec, "theme", value, []byte(testKey), "prefs", cookie.Options{HttpOnly: true}); err != nil {
			t.Fatal(err)
		}
		raw := rawCookie(t, rec.Header(), "theme")
		for _, tc := range []struct{ salt, want string }{
			{"prefs", `{"ok": true, "value": "` + "dark, gr\\u00fc\\u00df" + `"}`},
			{"other", `{"ok": false, "error": "BadSignature"}`},
		} {
			req, err := http.NewRequest("GET", site.base+"/signed/get/?"+url.Values{"name": {"theme"}, "salt": {tc.salt}}.Encode(), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Cookie", "theme="+raw)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || string(body) != tc.want {
				t.Errorf("salt %q: Django reads %d %s; want %s", tc.salt, res.StatusCode, body, tc.want)
			}
		}
	})
	t.Run("a value beyond Latin-1, set by Go, read by Django", func(t *testing.T) {
		// Django can read it but cannot send it: its response header would
		// not encode on a WSGI server (see docs/compatibility.md).
		rec := httptest.NewRecorder()
		if err := cookie.SetSigned(rec, "theme", "🎉 日本", []byte(testKey), "prefs", cookie.Options{}); err != nil {
			t.Fatal(err)
		}
		raw := rawCookie(t, rec.Header(), "theme")
		req, err := http.NewRequest("GET", site.base+"/signed/get/?name=theme&salt=prefs", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Cookie", "theme="+raw)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := `{"ok": true, "value": "\ud83c\udf89 \u65e5\u672c"}`; string(body) != want {
			t.Errorf("Django reads %s from %s; want %s", body, raw, want)
		}
	})
	t.Run("Django cannot send a value beyond Latin-1", func(t *testing.T) {
		// Django's server fails while writing the headers and may leave the
		// connection hanging: a short timeout.
		c := &http.Client{Timeout: 2 * time.Second}
		res, err := c.Get(site.base + "/signed/set/?" + url.Values{"name": {"theme"}, "value": {"🎉"}, "salt": {"prefs"}}.Encode())
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 && res.Header.Get("Set-Cookie") != "" {
				t.Errorf("Django set the cookie: %v (docs/compatibility.md says it cannot)", res.Header.Values("Set-Cookie"))
			}
			t.Logf("Django answers %d", res.StatusCode)
		} else {
			t.Logf("Django's server fails: %v", err)
		}
	})
}

// rawCookie returns the value of name's Set-Cookie line in h as it was
// written (quotes and escapes included).
func rawCookie(t *testing.T, h http.Header, name string) string {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(line, name+"="); ok {
			// A quoted value may hold "; " itself: cut after the closing quote.
			if strings.HasPrefix(v, `"`) {
				for i := 1; i < len(v); i++ {
					if v[i] == '\\' {
						i++
						continue
					}
					if v[i] == '"' {
						return v[:i+1]
					}
				}
			}
			v, _, _ = strings.Cut(v, ";")
			return v
		}
	}
	t.Fatalf("no Set-Cookie for %s in %v", name, h.Values("Set-Cookie"))
	return ""
}
