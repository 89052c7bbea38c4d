package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cookiestore"
)

// cookieValue makes a session cookie value of a cookie engine, signed (or
// sealed) at now.
func cookieValue(t *testing.T, cfg session.Config, encrypted bool, values map[string]any, now time.Time) string {
	t.Helper()
	cfg.SecretKey = []byte(testSecret)
	cfg.Now = func() time.Time { return now }
	st, err := cookiestore.New(cfg, cookiestore.Options{Encrypted: encrypted})
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.SaveKey(context.Background(), values, now.Add(session.DefaultCookieAge))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestInspectDecodesACookieValue(t *testing.T) {
	env := map[string]string{"SECRET_KEY": testSecret}
	now := time.Now().Truncate(time.Second)
	values := map[string]any{"user": "élodie", "ratio": 1.0, "big": int64(1) << 60}
	signed := cookieValue(t, session.Config{}, false, values, now)
	sealed := cookieValue(t, session.Config{CookieName: "app_session"}, true, values, now)
	old := cookieValue(t, session.Config{}, false, values, now.Add(-session.DefaultCookieAge-time.Minute))
	short := cookieValue(t, session.Config{}, false, map[string]any{"u": "a", session.ExpiryKey: int64(60)}, now.Add(-2*time.Minute))

	tests := []struct {
		name      string
		args      []string
		code      int
		stdoutHas string
		stderrHas string
	}{
		{"a signed cookie", []string{"--engine", "cookie", "inspect", signed}, 0, `"user": "\u00e9lodie"`, ""},
		{"an encrypted cookie with its name", []string{"inspect", "--engine", "cookie-encrypted", "--cookie-name", "app_session", sealed}, 0, `"ratio": 1.0`, ""},
		{"an encrypted cookie under another name", []string{"inspect", "--engine", "cookie-encrypted", sealed}, 1, "", `cookie name "sessionid"`},
		{"a signed cookie given to the encrypted engine", []string{"inspect", "--engine", "cookie-encrypted", signed}, 1, "", "does not verify"},
		{"a tampered cookie", []string{"inspect", "--engine", "cookie", "A" + signed[1:]}, 1, "", "does not verify"},
		{"a cookie older than the cookie age", []string{"inspect", "--engine", "cookie", old}, 1, "", "expired"},
		{"a cookie older than a longer --cookie-age is live", []string{"inspect", "--engine", "cookie", "--cookie-age", "720h", old}, 0, `"user"`, ""},
		{"a cookie past its own expiry", []string{"inspect", "--engine", "cookie", short}, 1, "", "expired"},
		{"a bad --cookie-age", []string{"inspect", "--engine", "cookie", "--cookie-age", "soon", signed}, 2, "", "--cookie-age"},
		{"migrate has nothing to do", []string{"--engine", "cookie", "migrate"}, 2, "", "no table"},
		{"clearsessions has nothing to do", []string{"--engine", "cookie-encrypted", "clearsessions"}, 2, "", "no table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, sessionctl(t, env, tt.args...), tt.code, tt.stdoutHas, tt.stderrHas)
		})
	}
	t.Run("the document carries the value and the expiry", func(t *testing.T) {
		r := sessionctl(t, env, "--engine", "cookie", "inspect", signed)
		var got inspected
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		if got.SessionKey != signed || got.ExpireDate != now.Add(session.DefaultCookieAge).UTC().Format(time.RFC3339Nano) {
			t.Errorf("inspect printed key %.20q…, expiry %s", got.SessionKey, got.ExpireDate)
		}
	})
}
