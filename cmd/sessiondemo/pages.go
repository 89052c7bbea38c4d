package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/cookie"
	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// afterLogin is where a login without a usable ?next= lands
// (Django's LOGIN_REDIRECT_URL).
const afterLogin = "/private/"

// loginCookie is the name of the signed login cookie (is_login, the name tutorials give it).
const loginCookie = "is_login"

// credential is a demo account as the pages show it; Password is "" once
// the user changed it.
type credential struct{ Username, Password string }

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", page{Here: "home", D: map[string]any{"Users": s.users.credentials(), "DjangoUsers": s.users.django != nil}})
}

// storageNote says, for the footer, how the engine keeps the session data.
func storageNote(engine string, st session.Store) string {
	if note := cacheEngineNote(engine); note != "" {
		return note
	}
	switch engine {
	case "cookie":
		return "keeps the whole session in the signed session cookie, in Django's signed_cookies format, which a Django site with the same SECRET_KEY reads"
	case "cookie-encrypted":
		return "keeps the whole session in the sessionid cookie, encrypted (AES-256-GCM): only this Go service reads it"
	}
	if _, ok := st.(session.ValueStore); ok {
		note := "keeps the decoded values, not Django's signed format (as Django's cache engine, which pickles them)"
		if engine == "memory" {
			note = "keeps each session's decoded values in this process's memory, not in Django's signed format (as Django's cache engine on LocMemCache); they are lost when the demo stops"
		}
		return note
	}
	switch engine {
	case "sqlite", "postgres", "mysql":
		return "keeps each session as a row of Django's django_session table, its data in Django's signed JSON format, which a Django site with the same SECRET_KEY reads"
	}
	return "keeps each session's data in Django's signed JSON format, which a Django site with the same SECRET_KEY reads"
}

type loginData struct {
	Next, Username, Error string
	Users                 []credential
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", page{D: loginData{
		Next:  s.auth.NextURL(r, ""),
		Users: s.users.credentials(),
	}})
}

func (s *server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	u := s.users.authenticate(r.Context(), username, r.PostFormValue("password"))
	if u == nil {
		s.log.InfoContext(r.Context(), "login failed", "username", username)
		s.render(w, r, http.StatusOK, "login", page{D: loginData{
			Next:     s.auth.NextURL(r, ""),
			Username: username,
			Error:    "Please enter a correct username and password.",
			Users:    s.users.credentials(),
		}})
		return
	}
	if err := s.auth.Login(w, r, u); err != nil {
		s.log.ErrorContext(r.Context(), "login", "error", err)
		s.errorPage(w, r, http.StatusInternalServerError, "The session could not be saved.")
		return
	}
	if err := s.users.recordLogin(r.Context(), u.PK, time.Now()); err != nil {
		// The login itself succeeded: the session holds the user.
		s.log.ErrorContext(r.Context(), "login: recording the last login", "error", err)
	}
	s.log.InfoContext(r.Context(), "login", "username", u.Username)
	s.auth.RedirectAfterLogin(w, r, afterLogin)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.Logout(w, r); err != nil {
		s.log.ErrorContext(r.Context(), "logout", "error", err)
	}
	// The flush ended the session; this message starts a new one.
	text := "You have been logged out: the session was flushed (its record is gone from the store, so a copy of the old cookie opens nothing) and the signed is_login cookie was deleted."
	if strings.HasPrefix(s.cfg.Engine, "cookie") {
		text = "You have been logged out: this browser's session cookie was replaced and the signed is_login cookie was deleted. The session lived in the cookie, so a copy of the old cookie still logs in until it expires, here and on a Django site with the same SECRET_KEY (see SECURITY.md)."
	}
	addMessage(r, message{Level: levelSuccess, Text: text})
	s.auth.RedirectAfterLogin(w, r, "/")
}

// logoutGet answers a GET of the logout URL: logging out changes state, so
// it takes a POST, as in Django 5 (LogoutView answers GET with 405).
func (s *server) logoutGet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodPost)
	s.errorPage(w, r, http.StatusMethodNotAllowed,
		"Logging out takes a POST: use the Log out button at the top of the page. A GET that logged you out could be set off by any link or image on another site.")
}

func (s *server) private(w http.ResponseWriter, r *http.Request) {
	sess := session.FromRequest(r)
	str := func(k string) string { v, _, _ := sess.GetString(k); return v }
	d := map[string]any{
		"Path":    auth.FullPath(r),
		"UserID":  str(auth.SessionKeyUserID),
		"Backend": str(auth.SessionKeyBackend),
		"Hash":    str(auth.SessionKeyHash),
	}
	if u, ok := auth.CurrentUser(r).(*demoUser); ok && u != nil {
		d["Returning"] = !u.PrevLogin.IsZero()
		if !u.PrevLogin.IsZero() {
			d["PrevLogin"] = u.PrevLogin.UTC().Format("2006-01-02 15:04:05 UTC")
		}
	}
	s.render(w, r, http.StatusOK, "private", page{Here: "private", D: d})
}

// --- the password change page (Django's PasswordChangeView) ---

// minPasswordLength is Django's MinimumLengthValidator default.
const minPasswordLength = 8

type passwordData struct{ Error string }

func (s *server) passwordForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "password", page{Here: "private", D: passwordData{}})
}

func (s *server) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	u, _ := auth.CurrentUser(r).(*demoUser)
	if u == nil {
		s.auth.RedirectToLogin(w, r)
		return
	}
	fail := func(msg string) {
		s.render(w, r, http.StatusOK, "password", page{Here: "private", D: passwordData{Error: msg}})
	}
	old, new1, new2 := r.PostFormValue("old_password"), r.PostFormValue("new_password1"), r.PostFormValue("new_password2")
	switch {
	case s.users.authenticate(r.Context(), u.Username, old) == nil:
		fail("Your old password was entered incorrectly. Please enter it again.")
		return
	case new1 != new2:
		fail("The two password fields didn't match.")
		return
	case len([]rune(new1)) < minPasswordLength:
		fail(fmt.Sprintf("This password is too short. It must contain at least %d characters.", minPasswordLength))
		return
	case new1 == old:
		fail("The new password is the old one.")
		return
	}
	changed, err := s.users.changePassword(r.Context(), u.PK, new1)
	if err == nil {
		err = s.auth.UpdateSessionAuthHash(w, r, changed)
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "password change", "error", err)
		s.errorPage(w, r, http.StatusInternalServerError, "The password could not be changed.")
		return
	}
	s.log.InfoContext(r.Context(), "password changed", "username", u.Username)
	addMessage(r, message{Level: levelSuccess, Text: "Password changed. This browser stays signed in: UpdateSessionAuthHash gave the session a new key and the new password's hash (and renewed the is_login cookie). Every other session of " + u.Username + ", in another browser or from a copy of an old cookie, ends at its next request."})
	http.Redirect(w, r, afterLogin, http.StatusSeeOther)
}

func (s *server) members(w http.ResponseWriter, r *http.Request) {
	raw, _ := cookie.Get(r, loginCookie)
	s.render(w, r, http.StatusOK, "members", page{Here: "members", D: map[string]any{
		"UserID": auth.UserID(r),
		"Cookie": maskKey(raw),
	}})
}

func (s *server) apiMe(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"id": auth.UserID(r), "username": s.username(r)})
}

// maskKey shows enough of a session key to see it change, and not enough
// to use it: the page's HTML should not undo the cookie's HttpOnly.
func maskKey(k string) string {
	if len(k) <= 8 {
		return k
	}
	return k[:8] + "…"
}

// --- the session page ---

type sessionItem struct{ Key, JSON string }

func (s *server) sessionPage(w http.ResponseWriter, r *http.Request) {
	// The messages first, so that the list of items below does not show them.
	msgs := popMessages(r)
	sess := session.FromRequest(r)
	visits, _, err := sess.GetInt("visits")
	if err != nil {
		msgs = append(msgs, message{Level: levelError, Text: "The visits value was not an integer; it starts again at 1."})
		visits = 0
	}
	sess.Set("visits", visits+1)

	var items []sessionItem
	for _, it := range sess.Items() {
		b, err := pyjson.Marshal(it.Value)
		if err != nil {
			b = []byte(fmt.Sprintf("%v", it.Value))
		}
		items = append(items, sessionItem{it.Key, string(b)})
	}
	slices.SortFunc(items, func(a, b sessionItem) int { return strings.Compare(a.Key, b.Key) })
	keys := sess.Keys()
	slices.Sort(keys)
	raw := "(not set: the default policy)"
	v, hasExpiry := sess.Get(session.ExpiryKey)
	if hasExpiry {
		b, _ := pyjson.Marshal(v)
		raw = string(b)
	}
	date := sess.ExpiryDate().UTC()
	s.render(w, r, http.StatusOK, "session", page{Here: "session", Messages: msgs, D: map[string]any{
		"Visits":       visits + 1,
		"Key":          maskKey(sess.Key()),
		"Items":        items,
		"ItemsLabel":   plural(len(items), "key", "keys"),
		"Keys":         strings.Join(keys, ", "),
		"ExpiryAge":    int64(sess.ExpiryAge() / time.Second),
		"ExpiryMode":   s.expiryMode(v, hasExpiry),
		"ExpiryDate":   date.Format("2006-01-02 15:04:05 UTC"),
		"BrowserClose": sess.ExpireAtBrowserClose(),
		"ExpiryRaw":    raw,
		"CookieAge":    int64(s.sess.Config().CookieAge / time.Second),
		"DateDefault":  time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04"),
	}})
}

// plural returns "1 key", "2 keys", "no keys".
func plural(n int, one, many string) string {
	switch n {
	case 0:
		return "no " + many
	case 1:
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// expiryMode describes the session's _session_expiry value, v (present
// tells whether there is one), as get_expiry_age and the cookie read it.
func (s *server) expiryMode(v any, present bool) string {
	age := int64(s.sess.Config().CookieAge / time.Second)
	if !present {
		if s.sess.Config().ExpireAtBrowserClose {
			return fmt.Sprintf("the default policy: the cookie ends when the browser closes (SESSION_EXPIRE_AT_BROWSER_CLOSE); the record lasts SESSION_COOKIE_AGE, %d seconds", age)
		}
		return fmt.Sprintf("the default policy: SESSION_COOKIE_AGE, %d seconds after the last save", age)
	}
	switch v := v.(type) {
	case string:
		return "a fixed date (SetExpiryTime): the age counts down, saves do not push it back"
	case int64, float64, int:
		n, _ := pyjson.Marshal(v)
		if string(n) == "0" {
			return fmt.Sprintf("0: the cookie ends when the browser closes; the record lasts SESSION_COOKIE_AGE, %d seconds", age)
		}
		return fmt.Sprintf("%s seconds of inactivity (SetExpiry): each save pushes the expiry back", n)
	}
	return "a value this page does not know"
}

// sessionActionMessage is the message each action of the session page
// leaves for the page the browser is sent back to.
var sessionActionMessage = map[string]string{
	"set":    "Value saved in the session.",
	"delete": "Key deleted.",
	"expiry": "Expiry changed.",
	"cycle":  "Same data, new session key: the old key no longer exists in the store.",
	"cycle-cookie": "Same data, new signature: on a cookie engine the session key is the signed data itself, " +
		"so there is no record to delete and a copy of the old cookie stays valid until it expires.",
	"clear": "Every key was removed (Clear): the session keeps its key, and you are signed out of the pages that read the session.",
	"flush": "Session flushed: its record and its cookie were deleted, and you are signed out. This message and the visit counter live in a new session.",
	"toolarge": "That value was not saved: the session would be too large for this engine " +
		"(a cookie engine keeps at most 4096 bytes of Set-Cookie line).",
}

func (s *server) sessionAction(w http.ResponseWriter, r *http.Request) {
	sess := session.FromRequest(r)
	ctx := r.Context()
	action := r.PostFormValue("action")
	invalid, tooLarge := false, false
	var err error
	switch action {
	case "set":
		key := r.PostFormValue("key")
		if key == "" {
			invalid = true
			break
		}
		raw := r.PostFormValue("value")
		var v any = raw
		if r.PostFormValue("json") == "1" {
			if parsed, perr := pyjson.UnmarshalText(raw); perr == nil {
				v = parsed
			}
		}
		old, had := sess.Get(key)
		sess.Set(key, v)
		// Save now, to tell a value that does not fit (a cookie engine
		// keeps 4096 bytes) from a store failure.
		var size *session.SizeError
		if err = sess.Save(ctx); errors.As(err, &size) {
			if had {
				sess.Set(key, old)
			} else {
				sess.Delete(key)
			}
			tooLarge, err = true, nil
		}
	case "delete":
		sess.Delete(r.PostFormValue("key"))
	case "expiry":
		switch r.PostFormValue("mode") {
		case "seconds":
			n, perr := strconv.Atoi(r.PostFormValue("seconds"))
			if perr != nil {
				invalid = true
				break
			}
			sess.SetExpiry(n)
		case "date":
			t, perr := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("date"), time.UTC)
			if perr != nil {
				invalid = true
				break
			}
			sess.SetExpiryTime(t)
		case "browser":
			sess.SetExpiry(session.BrowserClose)
		case "default":
			sess.SetExpiryDefault()
		default:
			invalid = true
		}
	case "cycle":
		err = sess.CycleKey(ctx)
	case "clear":
		sess.Clear()
	case "flush":
		err = sess.Flush(ctx)
	default:
		invalid = true
	}
	if err != nil {
		s.log.ErrorContext(ctx, "session action", "action", action, "error", err)
		s.errorPage(w, r, http.StatusInternalServerError, "The session store failed: "+err.Error())
		return
	}
	m := message{Level: levelSuccess, Text: sessionActionMessage[action]}
	if action == "cycle" && s.cookieEngine() {
		m.Text = sessionActionMessage["cycle-cookie"]
	}
	switch {
	case invalid:
		m = message{Level: levelError, Text: "That request could not be understood: nothing changed."}
	case tooLarge:
		m = message{Level: levelError, Text: sessionActionMessage["toolarge"]}
	}
	if (action == "clear" || action == "flush") && s.endLoginCookie(w, r) {
		m.Text += " The signed is_login cookie of the members' page is not part of the session, so " +
			map[string]string{"clear": "Clear", "flush": "Flush"}[action] +
			" alone would have left that page open: the demo deleted the cookie too, as Log out does."
	}
	addMessage(r, m)
	http.Redirect(w, r, "/session/", http.StatusSeeOther)
}

// endLoginCookie deletes the signed login cookie when the request has one,
// and reports whether it did.
func (s *server) endLoginCookie(w http.ResponseWriter, r *http.Request) bool {
	if _, err := cookie.Get(r, loginCookie); err != nil {
		return false
	}
	err := cookie.Delete(w, loginCookie, cookie.DeleteOptions{SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
	return err == nil
}

// --- the cookie playground ---

type cookieForm struct {
	Name, Value, Salt, MaxAge, Expires, Path, Domain, SameSite string
	Signed, HTTPOnly, Secure, Partitioned                      bool
}

type cookieRow struct{ Name, Value, Note string }

type cookiesData struct {
	Form    cookieForm
	Cookies []cookieRow
}

// cookieFormKey keeps the playground's last form in the session until the
// page after the redirect fills the form with it.
const cookieFormKey = "_demo_cookie_form"

func (s *server) cookiesPage(w http.ResponseWriter, r *http.Request) {
	msgs := popMessages(r)
	form := cookieForm{Name: "greeting", Value: "hello, wörld", Salt: "playground", SameSite: "Lax"}
	if sess := session.FromRequest(r); sess.Has(cookieFormKey) {
		if f, ok, err := session.Get[cookieForm](sess, cookieFormKey); ok && err == nil {
			form = f
		}
		sess.Delete(cookieFormKey)
	}
	var rows []cookieRow
	for name, value := range cookie.All(r) {
		note := ""
		switch name {
		case s.sess.Config().CookieName:
			value, note = maskKey(value), "the HttpOnly session cookie"
		case loginCookie:
			value, note = maskKey(value), "the HttpOnly signed login cookie"
		}
		rows = append(rows, cookieRow{name, value, note})
	}
	slices.SortFunc(rows, func(a, b cookieRow) int { return strings.Compare(a.Name, b.Name) })
	s.render(w, r, http.StatusOK, "cookies", page{Here: "cookies", Messages: msgs, D: cookiesData{Form: form, Cookies: rows}})
}

// cookiesAction sets, deletes or reads a cookie, then sends the browser
// back to the playground (a reload does not post the form again); what it
// did and the Set-Cookie header it sent wait in the session's messages.
func (s *server) cookiesAction(w http.ResponseWriter, r *http.Request) {
	f := cookieForm{
		Name:        r.PostFormValue("name"),
		Value:       r.PostFormValue("value"),
		Salt:        r.PostFormValue("salt"),
		MaxAge:      r.PostFormValue("max_age"),
		Expires:     r.PostFormValue("expires"),
		Path:        r.PostFormValue("path"),
		Domain:      r.PostFormValue("domain"),
		SameSite:    r.PostFormValue("samesite"),
		Signed:      r.PostFormValue("signed") == "1",
		HTTPOnly:    r.PostFormValue("httponly") == "1",
		Secure:      r.PostFormValue("secure") == "1",
		Partitioned: r.PostFormValue("partitioned") == "1",
	}
	var msgs []message
	var err error
	switch r.PostFormValue("action") {
	case "set":
		var opts cookie.Options
		if opts, err = f.options(); err == nil {
			if f.Signed {
				err = cookie.SetSigned(w, f.Name, f.Value, s.playgroundKey, f.Salt, opts)
			} else {
				err = cookie.Set(w, f.Name, f.Value, opts)
			}
		}
		if err == nil {
			kind := "Cookie"
			if f.Signed {
				kind = "Signed cookie"
			}
			msgs = append(msgs, message{Level: levelSuccess, Text: fmt.Sprintf("%s %q set. The table below shows what your browser sent back on the next request.", kind, f.Name)})
		}
	case "delete":
		err = cookie.Delete(w, f.Name, cookie.DeleteOptions{Path: f.Path, Domain: f.Domain})
		if err == nil {
			msgs = append(msgs, message{Level: levelSuccess, Text: fmt.Sprintf("Cookie %q deleted.", f.Name)})
		}
	case "read-signed":
		var maxAge time.Duration
		if f.MaxAge != "" {
			n, perr := strconv.Atoi(f.MaxAge)
			if perr != nil || n < 0 {
				err = errors.New("the max age must be a whole number of seconds")
				break
			}
			maxAge = time.Duration(n) * time.Second
		}
		f.MaxAge = ""
		v, gerr := cookie.GetSigned(r, f.Name, s.playgroundKey, nil, f.Salt, maxAge)
		m := message{Level: levelError, Tag: "signed-read"}
		switch {
		case gerr == nil:
			m.Level, m.Text = levelSuccess, fmt.Sprintf("Signature valid. %q = %q", f.Name, v)
		case errors.Is(gerr, cookie.ErrNoCookie):
			m.Text = fmt.Sprintf("There is no cookie named %q.", f.Name)
		case errors.Is(gerr, signing.ErrExpired):
			m.Text = fmt.Sprintf("Signature expired: %q is older than the max age.", f.Name)
		case errors.Is(gerr, signing.ErrBadSignature):
			m.Text = fmt.Sprintf("Bad signature: %q was not signed with this key and salt, or was altered.", f.Name)
		default:
			m.Text = "Could not read it: " + gerr.Error()
		}
		msgs = append(msgs, m)
	default:
		err = errors.New("unknown action")
	}
	if err != nil {
		msgs = append(msgs, message{Level: levelError, Text: "Not set: " + err.Error()})
	}
	if h := setCookieHeaders(w.Header(), f.Name); len(h) > 0 {
		msgs = append(msgs, message{Level: levelInfo, Tag: "set-cookie", Text: "The response to your POST (a redirect back here) sent:", Lines: h})
	}
	// The messages live in the session, whose cookie this response would
	// then set: when the cookie set or deleted here is the session cookie
	// itself, the playground's header must win, and the messages are lost.
	action := r.PostFormValue("action")
	if f.Name != s.sess.Config().CookieName || action == "read-signed" {
		for _, m := range msgs {
			addMessage(r, m)
		}
		if action != "delete" {
			session.FromRequest(r).Set(cookieFormKey, f)
		}
	}
	http.Redirect(w, r, "/cookies/", http.StatusSeeOther)
}

// setCookieHeaders returns the Set-Cookie values for name already on h.
func setCookieHeaders(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values("Set-Cookie") {
		if strings.HasPrefix(v, name+"=") {
			out = append(out, v)
		}
	}
	return out
}

// options turns the form into cookie.Options.
func (f cookieForm) options() (cookie.Options, error) {
	o := cookie.Options{Path: f.Path, Domain: f.Domain, Secure: f.Secure, HttpOnly: f.HTTPOnly, Partitioned: f.Partitioned}
	if f.MaxAge != "" {
		n, err := strconv.Atoi(f.MaxAge)
		if err != nil {
			return o, errors.New("Max-Age must be a whole number of seconds")
		}
		o.MaxAge = cookie.MaxAge(time.Duration(n) * time.Second)
	}
	if f.Expires != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", f.Expires, time.UTC)
		if err != nil {
			return o, errors.New("expires must be a date and time")
		}
		o.Expires = t
	}
	switch f.SameSite {
	case "":
	case "Lax":
		o.SameSite = http.SameSiteLaxMode
	case "Strict":
		o.SameSite = http.SameSiteStrictMode
	case "None":
		o.SameSite = http.SameSiteNoneMode
	default:
		return o, errors.New("SameSite must be Lax, Strict or None")
	}
	return o, nil
}
