package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/url"
	"strings"
	"testing"
)

func TestMessagesComeFromTheSessionOnce(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	c := d.client()
	// A query claims nothing any more.
	if body := d.do(c, "GET", "/session/?done=flush", nil).body; strings.Contains(body, "flushed") || strings.Contains(body, `class="msg`) {
		t.Error("/session/?done=flush shows a message about a flush that did not happen")
	}
	for _, action := range []string{"cycle", "clear", "flush", "nonsense"} {
		r := d.do(c, "POST", "/session/", url.Values{"action": {action}})
		if r.status != 303 || r.header.Get("Location") != "/session/" {
			t.Fatalf("POST %s: %d to %q", action, r.status, r.header.Get("Location"))
		}
		want := map[string]string{
			"cycle":    `class="msg success" role="status" data-level="success">Same data, new session key`,
			"clear":    `class="msg success" role="status" data-level="success">Every key was removed`,
			"flush":    `class="msg success" role="status" data-level="success">Session flushed`,
			"nonsense": `class="msg error" role="status" data-level="error">That request could not be understood`,
		}[action]
		if body := d.do(c, "GET", "/session/", nil).body; !strings.Contains(body, want) {
			t.Errorf("after %s the page lacks %q", action, want)
		}
		if body := d.do(c, "GET", "/session/", nil).body; strings.Contains(body, `class="msg`) {
			t.Errorf("after %s a reload shows the message again", action)
		}
	}
	// The messages are not shown among the session's items.
	d.do(c, "POST", "/session/", url.Values{"action": {"cycle"}})
	if body := d.do(c, "GET", "/session/", nil).body; strings.Contains(body, ">"+messagesKey+"</code>") {
		t.Error("the session page lists the messages key as an item")
	}
}

func TestFlushAndClearEndTheLoginCookieToo(t *testing.T) {
	for _, action := range []string{"flush", "clear"} {
		t.Run(action, func(t *testing.T) {
			d := newDemo(t, config{Engine: "memory"})
			c := d.client()
			d.login(c, "alice", "wonderland", "")
			if r := d.do(c, "GET", "/members/", nil); r.status != 200 {
				t.Fatalf("/members/ after login: %d", r.status)
			}
			r := d.do(c, "POST", "/session/", url.Values{"action": {action}})
			if !strings.HasPrefix(setCookieFor(r.header, loginCookie), loginCookie+`=""; expires=Thu, 01 Jan 1970`) {
				t.Errorf("%s did not delete the login cookie: %q", action, r.header.Values("Set-Cookie"))
			}
			body := d.do(c, "GET", "/session/", nil).body
			if !strings.Contains(body, "Not signed in") || !strings.Contains(body, "the demo deleted the cookie too") {
				t.Errorf("after %s the page does not say the login cookie went too", action)
			}
			if r := d.do(c, "GET", "/members/", nil); r.status != 302 {
				t.Errorf("/members/ still opens after %s (%d)", action, r.status)
			}
		})
	}
}

func TestLogoutTakesAPost(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	c := d.client()
	d.login(c, "alice", "wonderland", "")
	r := d.do(c, "GET", "/accounts/logout/", nil)
	if r.status != 405 || r.header.Get("Allow") != "POST" || !strings.Contains(r.body, "Log out button") {
		t.Errorf("GET /accounts/logout/: %d, Allow %q, hint shown %v", r.status, r.header.Get("Allow"), strings.Contains(r.body, "Log out button"))
	}
	if r := d.do(c, "GET", "/private/", nil); r.status != 200 {
		t.Errorf("a GET of the logout URL logged out (%d)", r.status)
	}
	r = d.do(c, "POST", "/accounts/logout/", nil)
	if r.status != 302 || r.header.Get("Location") != "/" {
		t.Errorf("logout: %d to %q", r.status, r.header.Get("Location"))
	}
	if body := d.do(c, "GET", "/", nil).body; !strings.Contains(body, "You have been logged out") {
		t.Error("the home page after logout does not say so")
	}
	if body := d.do(c, "GET", "/?logged_out=1", nil).body; strings.Contains(body, "You have been logged out") {
		t.Error("a query still claims a logout")
	}
}

func TestWelcomeBackOnlyForAReturningUser(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	c := d.client()
	d.login(c, "bob", "builder", "")
	if body := d.do(c, "GET", "/private/", nil).body; !strings.Contains(body, "Welcome, bob") || !strings.Contains(body, "first login") {
		t.Error("bob's first login does not say Welcome")
	}
	d.do(c, "POST", "/accounts/logout/", nil)
	d.login(c, "bob", "builder", "")
	if body := d.do(c, "GET", "/private/", nil).body; !strings.Contains(body, "Welcome back, bob") || !strings.Contains(body, "previous login was at") {
		t.Error("bob's second login does not say Welcome back")
	}
}

func TestHelpExitsZero(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, &bytes.Buffer{}, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run --help: %v", err)
	}
	if code := exitCode(err, &stderr); code != 0 {
		t.Errorf("--help exits %d", code)
	}
	if !strings.Contains(stderr.String(), "-engine") {
		t.Errorf("--help printed %q", stderr.String())
	}
	var out bytes.Buffer
	if code := exitCode(errors.New("boom"), &out); code != 1 || !strings.Contains(out.String(), "sessiondemo: boom") {
		t.Errorf("an error exits %d with %q", code, out.String())
	}
}

func TestFooterSaysHowTheEngineKeepsTheData(t *testing.T) {
	for engine, want := range map[string]string{
		"memory": "not in Django&#39;s signed format",
		"sqlite": "a row of Django&#39;s django_session table, its data in Django&#39;s signed JSON format",
	} {
		d := newDemo(t, config{Engine: engine})
		body := d.do(d.client(), "GET", "/", nil).body
		if !strings.Contains(body, want) {
			t.Errorf("the %s footer lacks %q", engine, want)
		}
		if engine == "memory" && strings.Contains(body, "every value is stored in Django") {
			t.Error("the memory footer claims Django's signed format")
		}
	}
}

func TestPasswordChange(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	d.srv.users.setIterations(1000) // keep the test quick
	here, elsewhere := d.client(), d.client()
	d.login(here, "alice", "wonderland", "")
	d.login(elsewhere, "alice", "wonderland", "")
	if r := d.do(here, "GET", "/accounts/password/", nil); r.status != 200 || !strings.Contains(r.body, "password-form") {
		t.Fatalf("the password form: %d", r.status)
	}
	for _, tc := range []struct{ old, new1, new2, want string }{
		{"wrong", "looking-glass", "looking-glass", "old password was entered incorrectly"},
		{"wonderland", "looking-glass", "looking-glas", "didn&#39;t match"},
		{"wonderland", "short", "short", "too short"},
	} {
		r := d.do(here, "POST", "/accounts/password/", url.Values{"old_password": {tc.old}, "new_password1": {tc.new1}, "new_password2": {tc.new2}})
		if r.status != 200 || !strings.Contains(r.body, tc.want) {
			t.Errorf("%v: %d, no %q", tc, r.status, tc.want)
		}
	}
	before := sessionCookie(t, here, d.ts.URL)
	r := d.do(here, "POST", "/accounts/password/", url.Values{"old_password": {"wonderland"}, "new_password1": {"looking-glass"}, "new_password2": {"looking-glass"}})
	if r.status != 303 || r.header.Get("Location") != "/private/" {
		t.Fatalf("the password change: %d to %q", r.status, r.header.Get("Location"))
	}
	if after := sessionCookie(t, here, d.ts.URL); after == before {
		t.Error("the session key was not cycled")
	}
	if r := d.do(here, "GET", "/private/", nil); r.status != 200 || !strings.Contains(r.body, "Password changed") {
		t.Errorf("the browser that changed the password: %d", r.status)
	}
	if r := d.do(here, "GET", "/members/", nil); r.status != 200 {
		t.Errorf("its login cookie stopped working (%d)", r.status)
	}
	if r := d.do(elsewhere, "GET", "/private/", nil); r.status != 302 {
		t.Errorf("the other browser is still logged in (%d)", r.status)
	}
	if r := d.do(elsewhere, "GET", "/members/", nil); r.status != 302 {
		t.Errorf("the other browser's login cookie still opens /members/ (%d)", r.status)
	}
	if r := d.login(d.client(), "alice", "wonderland", ""); r.status != 200 {
		t.Errorf("the old password still logs in (%d)", r.status)
	}
	if r := d.login(d.client(), "alice", "looking-glass", ""); r.status != 302 {
		t.Errorf("the new password does not log in (%d)", r.status)
	}
	if body := d.do(d.client(), "GET", "/", nil).body; strings.Contains(body, "wonderland") || !strings.Contains(body, "password changed") {
		t.Error("the home page still shows alice's old password")
	}
	if r := d.do(d.client(), "GET", "/accounts/password/", nil); r.status != 302 {
		t.Errorf("the password page opens without a login (%d)", r.status)
	}
}

func TestCycleKeySaysWhatItDoesOnEachEngine(t *testing.T) {
	tests := []struct{ engine, want string }{
		{"memory", "the old key no longer exists in the store"},
		{"cookie", "a copy of the old cookie stays valid until it expires"},
		{"cookie-encrypted", "a copy of the old cookie stays valid until it expires"},
	}
	for _, tt := range tests {
		t.Run(tt.engine, func(t *testing.T) {
			d := newDemo(t, config{Engine: tt.engine})
			c := d.client()
			d.do(c, "POST", "/session/", url.Values{"action": {"set"}, "key": {"k"}, "value": {"v"}})
			d.do(c, "POST", "/session/", url.Values{"action": {"cycle"}})
			if body := d.do(c, "GET", "/session/", nil).body; !strings.Contains(body, tt.want) {
				t.Errorf("after CycleKey on %s the page lacks %q", tt.engine, tt.want)
			}
		})
	}
}
