package cookiestore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cookiestore"
)

// Django's signed_cookies engine: give the store and the Manager the same
// Config. A Django site with the same SECRET_KEY and
// SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies" reads
// these sessions, and this one reads Django's.
func ExampleNew() {
	cfg := session.Config{SecretKey: []byte("a-long-random-secret-from-your-configuration")}
	store, err := cookiestore.New(cfg, cookiestore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := session.New(store, cfg)
	if err != nil {
		log.Fatal(err)
	}
	h := sessions.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.FromRequest(r).Set("user", "alice")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	line := rec.Result().Header.Get("Set-Cookie")
	// The whole session is the cookie: its JSON, base64url, timestamped
	// and signed.
	fmt.Println(strings.HasPrefix(line, "sessionid=eyJ1c2VyIjoiYWxpY2UifQ:"))
	// Output: true
}

// The encrypted form: the client cannot read the session, and a cookie
// sealed under another name does not open. Django cannot read it either.
func ExampleNew_encrypted() {
	cfg := session.Config{SecretKey: []byte("a-long-random-secret-from-your-configuration"), CookieName: "app_session"}
	store, err := cookiestore.New(cfg, cookiestore.Options{Encrypted: true})
	if err != nil {
		log.Fatal(err)
	}
	value, err := store.SaveKey(context.Background(), map[string]any{"user": "alice"}, time.Now().Add(time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(value, "e1."), strings.Contains(value, "alice"))

	other, _ := cookiestore.New(session.Config{SecretKey: cfg.SecretKey, CookieName: "other"}, cookiestore.Options{Encrypted: true})
	_, _, err = other.Decode(value)
	fmt.Println(errors.Is(err, cookiestore.ErrInvalid))
	// Output:
	// true false
	// true
}

// A session that would not fit in the 4096-byte cookie is an error that
// names its largest values; nothing is sent.
func ExampleStore_SaveKey_tooLarge() {
	store, _ := cookiestore.New(session.Config{SecretKey: []byte("a-long-random-secret-from-your-configuration")}, cookiestore.Options{Encrypted: true})
	_, err := store.SaveKey(context.Background(), map[string]any{
		"history": strings.Repeat("x", 5000),
		"user":    "alice",
	}, time.Now().Add(time.Hour))
	var se *session.SizeError
	if errors.As(err, &se) {
		fmt.Println(se.What, se.Largest[0].Key)
	}
	// Output: the 4096-byte cookie history
}

// Decode tells why a cookie value is refused, for tools (sessionctl
// inspect); the Manager sees any refused cookie as an empty session.
func ExampleStore_Decode() {
	store, _ := cookiestore.New(session.Config{SecretKey: []byte("a-long-random-secret-from-your-configuration")}, cookiestore.Options{})
	_, _, err := store.Decode("eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk")
	fmt.Println(errors.Is(err, cookiestore.ErrInvalid))
	// Output: true
}
