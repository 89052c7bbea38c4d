package auth

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// This file holds the login-required middleware, in its session and
// login-cookie forms, and the redirect to the login page.

// LoginRequired returns next wrapped with Django's login_required, in its
// session form: a request whose session holds a logged-in user (checked as
// UserID checks it) reaches next; any other gets the response of
// RedirectToLogin (a 302 to the login URL with ?next=, or a 401 for a
// request that wants JSON). A store or LookupUser error gives
// Config.ErrorHandler's response (default 500).
func (a *Authenticator) LoginRequired(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, st := a.withState(r)
		id, _, err := st.get()
		if err != nil {
			a.onErr(w, r, err)
			return
		}
		if id == "" {
			a.RedirectToLogin(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CookieLoginRequired returns next wrapped with a login_auth decorator of
// the cookie form, done safely: a request carrying a valid signed
// login cookie (Config.LoginCookie, younger than LoginCookieMaxAge) reaches
// next; any other gets RedirectToLogin's response. A cookie typed by hand
// (is_login=1) or altered in any byte is not valid.
//
// The cookie is signed with a key derived from SecretKey for the login
// cookie alone (signing.PurposeKey), with the cookie name bound into the
// signature, so no other signed cookie of this library or of a Django site
// with the same secret can pass for it. It carries the user id and a hash of
// the user's password field: with Config.LookupUser, the user is looked up
// on every request, and a cookie whose user is gone or whose password
// changed since the login is refused. Without LookupUser the id in a validly
// signed cookie is trusted as it is.
//
// Inside it, UserID returns the cookie's user id and CurrentUser the user
// LookupUser found (both set together, replacing whatever an earlier
// resolution of the request found). Every response says Vary: Cookie, the
// redirect to the login page included. New must have been given a
// LoginCookie; otherwise every request is redirected. A LookupUser error
// gives Config.ErrorHandler's response.
func (a *Authenticator) CookieLoginRequired(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Cookie")
		id, user, err := a.cookieLogin(r)
		if err != nil {
			a.onErr(w, r, err)
			return
		}
		if id == "" {
			a.RedirectToLogin(w, r)
			return
		}
		r, st := a.withState(r)
		st.set(id, user)
		next.ServeHTTP(w, r)
	})
}

// RedirectToLogin sends an anonymous user to the login page, as Django's
// redirect_to_login: a 302 to Config.LoginURL with the redirect field set
// to this request's full path and query (Django's get_full_path, escaped as
// Django escapes it), or to its absolute URL when LoginURL names another
// scheme or host. A request that wants JSON (WantsJSON) gets a 401 with a
// small JSON body naming the login URL instead, since a script cannot
// follow a login form. Both responses say Vary: Accept, X-Requested-With.
func (a *Authenticator) RedirectToLogin(w http.ResponseWriter, r *http.Request) {
	loc := a.LoginRedirectURL(r)
	h := w.Header()
	h.Add("Vary", "Accept")
	h.Add("Vary", "X-Requested-With")
	if WantsJSON(r) {
		h.Set("Content-Type", "application/json")
		h.Set("WWW-Authenticate", `Cookie form-action="`+strings.ReplaceAll(a.loginURL.String(), `"`, "%22")+`"`)
		w.WriteHeader(http.StatusUnauthorized)
		body, _ := json.Marshal(map[string]string{"error": "authentication required", "login_url": loc})
		w.Write(append(body, '\n'))
		return
	}
	h.Set("Location", loc)
	w.WriteHeader(http.StatusFound)
}

// WantsJSON reports whether r asks for JSON rather than a page: it has
// X-Requested-With: XMLHttpRequest, or its Accept header prefers
// application/json to text/html (a higher q-value, or the same q-value
// through a more specific media range; "*/*" alone prefers neither, and
// then the answer is false).
func WantsJSON(r *http.Request) bool {
	if r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
		return true
	}
	accept := strings.Join(r.Header.Values("Accept"), ",")
	if accept == "" {
		return false
	}
	jq, js := acceptQuality(accept, "application", "json")
	hq, hs := acceptQuality(accept, "text", "html")
	if jq <= 0 {
		return false
	}
	return jq > hq || (jq == hq && js > hs)
}

// acceptQuality returns the q-value that accept gives to type/subtype and
// the specificity of the range that gave it (3 exact, 2 type/*, 1 */*, 0
// none), following RFC 9110's rule that the most specific range wins.
func acceptQuality(accept, typ, sub string) (q float64, spec int) {
	for _, item := range strings.Split(accept, ",") {
		media, params, _ := strings.Cut(item, ";")
		media = strings.ToLower(strings.TrimSpace(media))
		t, s, ok := strings.Cut(media, "/")
		if !ok {
			continue
		}
		var sp int
		switch {
		case t == typ && s == sub:
			sp = 3
		case t == typ && s == "*":
			sp = 2
		case t == "*" && s == "*":
			sp = 1
		default:
			continue
		}
		if sp < spec {
			continue
		}
		qv := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				qv = f
			}
		}
		if sp > spec || qv > q {
			q, spec = qv, sp
		}
	}
	return q, spec
}
