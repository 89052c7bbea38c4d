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

// loginCookie is the name of the signed login cookie (the seed's is_login).
const loginCookie = "is_login"

type credential struct{ Username, Password string }

func demoCredentials() []credential {
	out := make([]credential, len(demoUsers))
	for i, u := range demoUsers {
		out[i] = credential{u.Username, u.Plain}
	}
	return out
}

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	p := page{Here: "home", D: map[string]any{"Users": demoCredentials()}}
	if r.URL.Query().Has("logged_out") {
		p.Notice = "You have been logged out. Your old session key is gone from the store."
	}
	s.render(w, r, http.StatusOK, "home", p)
}

type loginData struct {
	Next, Username, Error string
	Users                 []credential
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", page{D: loginData{
		Next:  s.auth.NextURL(r, ""),
		Users: demoCredentials(),
	}})
}

func (s *server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	u := s.users.authenticate(username, r.PostFormValue("password"))
	if u == nil {
		s.log.InfoContext(r.Context(), "login failed", "username", username)
		s.render(w, r, http.StatusOK, "login", page{D: loginData{
			Next:     s.auth.NextURL(r, ""),
			Username: username,
			Error:    "Please enter a correct username and password.",
			Users:    demoCredentials(),
		}})
		return
	}
	if err := s.auth.Login(w, r, u); err != nil {
		s.log.ErrorContext(r.Context(), "login", "error", err)
		s.errorPage(w, r, http.StatusInternalServerError, "The session could not be saved.")
		return
	}
	s.log.InfoContext(r.Context(), "login", "username", u.Username)
	s.auth.RedirectAfterLogin(w, r, afterLogin)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.Logout(w, r); err != nil {
		s.log.ErrorContext(r.Context(), "logout", "error", err)
	}
	s.auth.RedirectAfterLogin(w, r, "/?logged_out=1")
}

func (s *server) private(w http.ResponseWriter, r *http.Request) {
	sess := session.FromRequest(r)
	str := func(k string) string { v, _, _ := sess.GetString(k); return v }
	s.render(w, r, http.StatusOK, "private", page{Here: "private", D: map[string]any{
		"Path":    auth.FullPath(r),
		"UserID":  str(auth.SessionKeyUserID),
		"Backend": str(auth.SessionKeyBackend),
		"Hash":    str(auth.SessionKeyHash),
	}})
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
	sess := session.FromRequest(r)
	visits, _, err := sess.GetInt("visits")
	warn := ""
	if err != nil {
		warn = "The visits value was not an integer; it starts again at 1."
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
	if v, ok := sess.Get(session.ExpiryKey); ok {
		b, _ := pyjson.Marshal(v)
		raw = string(b)
	}
	date := sess.ExpiryDate().UTC()
	s.render(w, r, http.StatusOK, "session", page{Here: "session", Warn: warn, Notice: noticeFor(r.URL.Query().Get("done")), D: map[string]any{
		"Visits":       visits + 1,
		"Key":          maskKey(sess.Key()),
		"Items":        items,
		"Keys":         strings.Join(keys, ", "),
		"ExpiryAge":    sess.ExpiryAge().String(),
		"ExpiryDate":   date.Format("2006-01-02 15:04:05 UTC"),
		"BrowserClose": sess.ExpireAtBrowserClose(),
		"ExpiryRaw":    raw,
		"DateDefault":  time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04"),
	}})
}

func noticeFor(done string) string {
	return map[string]string{
		"set":     "Value saved in the session.",
		"delete":  "Key deleted.",
		"expiry":  "Expiry changed.",
		"cycle":   "Same data, new session key: the old key no longer exists in the store.",
		"clear":   "Every key removed.",
		"flush":   "Session flushed: record and cookie deleted. This view started a new one.",
		"invalid": "That request could not be understood.",
		"toolarge": "That value was not saved: the session would be too large for this engine " +
			"(a cookie engine keeps at most 4096 bytes of Set-Cookie line).",
	}[done]
}

func (s *server) sessionAction(w http.ResponseWriter, r *http.Request) {
	sess := session.FromRequest(r)
	ctx := r.Context()
	action := r.PostFormValue("action")
	done := action
	var err error
	switch action {
	case "set":
		key := r.PostFormValue("key")
		if key == "" {
			done = "invalid"
			break
		}
		raw := r.PostFormValue("value")
		var v any = raw
		if r.PostFormValue("json") == "1" {
			if parsed, perr := pyjson.Unmarshal([]byte(raw)); perr == nil {
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
			done, err = "toolarge", nil
		}
	case "delete":
		sess.Delete(r.PostFormValue("key"))
	case "expiry":
		switch r.PostFormValue("mode") {
		case "seconds":
			n, perr := strconv.Atoi(r.PostFormValue("seconds"))
			if perr != nil {
				done = "invalid"
				break
			}
			sess.SetExpiry(n)
		case "date":
			t, perr := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("date"), time.UTC)
			if perr != nil {
				done = "invalid"
				break
			}
			sess.SetExpiryTime(t)
		case "browser":
			sess.SetExpiry(session.BrowserClose)
		case "default":
			sess.SetExpiryDefault()
		default:
			done = "invalid"
		}
	case "cycle":
		err = sess.CycleKey(ctx)
	case "clear":
		sess.Clear()
	case "flush":
		err = sess.Flush(ctx)
	default:
		done = "invalid"
	}
	if err != nil {
		s.log.ErrorContext(ctx, "session action", "action", action, "error", err)
		s.errorPage(w, r, http.StatusInternalServerError, "The session store failed: "+err.Error())
		return
	}
	http.Redirect(w, r, "/session/?done="+done, http.StatusSeeOther)
}

// --- the cookie playground ---

type cookieForm struct {
	Name, Value, Salt, MaxAge, Expires, Path, Domain, SameSite string
	Signed, HTTPOnly, Secure, Partitioned                      bool
}

type cookieRow struct{ Name, Value string }

type cookiesData struct {
	Form     cookieForm
	Cookies  []cookieRow
	Headers  []string
	Unsigned string
}

func (s *server) cookiesData(r *http.Request) cookiesData {
	var rows []cookieRow
	for name, value := range cookie.All(r) {
		switch name {
		case s.sess.Config().CookieName:
			value = maskKey(value) + " (the HttpOnly session cookie)"
		case loginCookie:
			value = maskKey(value) + " (the HttpOnly signed login cookie)"
		}
		rows = append(rows, cookieRow{name, value})
	}
	slices.SortFunc(rows, func(a, b cookieRow) int { return strings.Compare(a.Name, b.Name) })
	return cookiesData{
		Form:    cookieForm{Name: "greeting", Value: "hello, wörld", Salt: "playground", SameSite: "Lax"},
		Cookies: rows,
	}
}

func (s *server) cookiesPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "cookies", page{Here: "cookies", D: s.cookiesData(r)})
}

func (s *server) cookiesAction(w http.ResponseWriter, r *http.Request) {
	d := s.cookiesData(r)
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
	d.Form = f
	p := page{Here: "cookies"}
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
			p.Notice = fmt.Sprintf("%s %q set. Reload the page to see what the browser sends back.", kind, f.Name)
		}
	case "delete":
		err = cookie.Delete(w, f.Name, cookie.DeleteOptions{Path: f.Path, Domain: f.Domain})
		if err == nil {
			p.Notice = fmt.Sprintf("Cookie %q deleted.", f.Name)
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
		v, gerr := cookie.GetSigned(r, f.Name, s.playgroundKey, nil, f.Salt, maxAge)
		switch {
		case gerr == nil:
			d.Unsigned = fmt.Sprintf("Signature valid. %q = %q", f.Name, v)
		case errors.Is(gerr, cookie.ErrNoCookie):
			d.Unsigned = fmt.Sprintf("There is no cookie named %q.", f.Name)
		case errors.Is(gerr, signing.ErrExpired):
			d.Unsigned = fmt.Sprintf("Signature expired: %q is older than the max age.", f.Name)
		case errors.Is(gerr, signing.ErrBadSignature):
			d.Unsigned = fmt.Sprintf("Bad signature: %q was not signed with this key and salt, or was altered.", f.Name)
		default:
			d.Unsigned = "Could not read it: " + gerr.Error()
		}
	default:
		err = errors.New("unknown action")
	}
	if err != nil {
		p.Warn = "Not set: " + err.Error()
	}
	d.Headers = setCookieHeaders(w.Header(), f.Name)
	p.D = d
	s.render(w, r, http.StatusOK, "cookies", p)
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
