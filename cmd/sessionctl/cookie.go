package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cookiestore"
)

// cookieEngine reports whether engine names one of the cookie engines,
// whose sessions live in the cookie itself (no database), and whether it
// is the encrypted one.
func cookieEngine(engine string) (cookie, encrypted bool) {
	switch strings.ToLower(strings.TrimSpace(engine)) {
	case "cookie", "signed_cookies", "signed-cookies":
		return true, false
	case "cookie-encrypted":
		return true, true
	}
	return false, false
}

// inspectCookie decodes a session cookie value of a cookie engine: the
// value is the whole session, signed (Django's signed_cookies) or sealed.
func inspectCookie(o *opts, value string, secret []byte, fallbacks [][]byte, encrypted bool, stdout, stderr io.Writer) int {
	age, err := parseMaxAge(o.cookieAge)
	if err != nil {
		return usageError(stderr, "inspect", fmt.Sprintf("--cookie-age %q: %v", o.cookieAge, err))
	}
	cfg := session.Config{SecretKey: secret, FallbackKeys: fallbacks, CookieName: o.cookieName, CookieAge: age, Logger: quiet}
	st, err := cookiestore.New(cfg, cookiestore.Options{Encrypted: encrypted})
	if err != nil {
		return usageError(stderr, "inspect", err.Error())
	}
	values, exp, err := st.Decode(value)
	switch {
	case errors.Is(err, cookiestore.ErrExpired):
		fmt.Fprintf(stderr, "sessionctl inspect: the session cookie has expired: %v\n", err)
		return exitNo
	case err != nil:
		what := "this SECRET_KEY or its fallbacks"
		if encrypted {
			what += ", and the cookie name " + fmt.Sprintf("%q", st.CookieName())
		}
		fmt.Fprintf(stderr, "sessionctl inspect: the cookie value does not verify with %s (wrong key, another engine, or altered): %v\n", what, err)
		return exitNo
	}
	out, err := inspectJSON(value, exp, values)
	if err != nil {
		fmt.Fprintf(stderr, "sessionctl inspect: printing the data: %v\n", err)
		return exitStoreErr
	}
	stdout.Write(out)
	return exitOK
}
