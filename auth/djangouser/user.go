package djangouser

import "github.com/djsession/djsession/auth"

// User is a row of auth_user: what the session and the login need. It
// implements auth.User.
type User struct {
	// PK is the primary key (auth_user.id) as a decimal string, as Django
	// stores it in the session's _auth_user_id.
	PK string
	// Username is auth_user.username.
	Username string
	// Password is the password field, e.g. "pbkdf2_sha256$260000$...".
	Password string
	// IsActive is auth_user.is_active; an inactive user cannot log in.
	IsActive bool
}

// ID returns the primary key, as Django stores it in the session.
func (u *User) ID() string { return u.PK }

// Backend returns Django's ModelBackend, the backend that reads auth_user.
func (u *User) Backend() string { return auth.DefaultBackend }

// PasswordHash returns the password field, from which the session auth
// hash is derived.
func (u *User) PasswordHash() string { return u.Password }

var _ auth.User = (*User)(nil)
