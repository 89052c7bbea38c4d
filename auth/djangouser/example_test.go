package djangouser_test

import (
	"database/sql"
	"errors"
	"log"
	"net/http"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/auth/djangouser"
)

// A Go login view for the users of a Django site: db is the Django site's
// database, opened with the driver of your choice.
func Example() {
	var db *sql.DB // sql.Open("pgx", "postgres://app@127.0.0.1/site")
	users, err := djangouser.New(db, djangouser.Options{Placeholders: djangouser.Dollar})
	if err != nil {
		log.Fatal(err)
	}
	a, err := auth.New(auth.Config{SecretKey: []byte("the Django site's SECRET_KEY"), LookupUser: users.LookupUser})
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("POST /accounts/login/", func(w http.ResponseWriter, r *http.Request) {
		u, err := users.Authenticate(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"))
		if errors.Is(err, djangouser.ErrBadCredentials) {
			http.Error(w, "Please enter a correct username and password.", http.StatusUnauthorized)
			return
		}
		if u == nil {
			http.Error(w, "the user table failed", http.StatusInternalServerError)
			return
		}
		if err := a.Login(w, r, u); err != nil {
			http.Error(w, "the session could not be saved", http.StatusInternalServerError)
			return
		}
		a.RedirectAfterLogin(w, r, "/")
	})
}

// A password change, written back in Django's format: the Django site
// accepts the new password, and every other session of the user, on
// either side, ends.
func ExampleStore_SetPassword() {
	var users *djangouser.Store
	var a *auth.Authenticator
	http.Handle("POST /accounts/password/", a.LoginRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ... check the old password with users.Authenticate first ...
		u, err := users.SetPassword(r.Context(), auth.UserID(r), r.PostFormValue("new_password1"))
		if err == nil {
			err = a.UpdateSessionAuthHash(w, r, u) // this session carries on
		}
		if err != nil {
			http.Error(w, "the password could not be changed", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})))
}
