package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/auth/djangouser"
	"github.com/djsession/djsession/auth/hashers"
)

// demoUser is a row of the in-memory user table. Password is the Django
// password field; the plain password is kept only to print it on the page
// (and forgotten once the user changes it).
type demoUser struct {
	PK       string
	Username string
	Plain    string
	Password string
	// LastLogin is Django's last_login; PrevLogin the login before it,
	// zero for a user who logged in once since the demo started.
	LastLogin, PrevLogin time.Time
}

// ID returns the primary key, as Django stores it in the session.
func (u *demoUser) ID() string { return u.PK }

// Backend returns Django's default backend.
func (u *demoUser) Backend() string { return auth.DefaultBackend }

// PasswordHash returns the Django password field.
func (u *demoUser) PasswordHash() string { return u.Password }

// demoUsers were hashed by Django 3.2's make_password (pbkdf2_sha256,
// 260000 iterations): the same strings sit in a Django auth_user table.
var demoUsers = []demoUser{
	{PK: "1", Username: "alice", Plain: "wonderland", Password: "pbkdf2_sha256$260000$j74dysj4nyIJNGkd7P1Snw$84Qzng6JWEaTsY/nQE3c3r6nkANZDJuQZLk4V/SCyH0="},
	{PK: "2", Username: "bob", Plain: "builder", Password: "pbkdf2_sha256$260000$lfu6BjbwLYBsUAV170kSsg$4X2sLhkXz3zS5gDVr/TI6dF8TtPzYp5Jc7hU42m01u4="},
}

// dummyHash is checked when the username is unknown, so that a login
// attempt takes as long whether or not the user exists (as Django does).
const dummyHash = "pbkdf2_sha256$260000$dummydummydummydummy00$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

type userDB struct {
	mu     sync.RWMutex
	byID   map[string]*demoUser
	byName map[string]*demoUser
	// iterations is the PBKDF2 count of the hashes changePassword makes.
	iterations int
	// django, when set (--django-users), is a Django site's auth_user
	// table, used instead of the built-in accounts (djangousers.go).
	django *djangouser.Store
	log    *slog.Logger
}

func newUserDB() *userDB {
	db := &userDB{byID: map[string]*demoUser{}, byName: map[string]*demoUser{}, iterations: hashers.DefaultIterations}
	for i := range demoUsers {
		u := demoUsers[i]
		db.byID[u.PK] = &u
		db.byName[u.Username] = &u
	}
	return db
}

// lookup is auth.Config.LookupUser.
func (db *userDB) lookup(ctx context.Context, id string) (auth.User, error) {
	if db.django != nil {
		return db.djangoLookup(ctx, id)
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	u, ok := db.byID[id]
	if !ok {
		return nil, auth.ErrUserNotFound
	}
	c := *u
	return &c, nil
}

// authenticate returns the user whose username and password match, or nil.
func (db *userDB) authenticate(ctx context.Context, username, password string) *demoUser {
	if db.django != nil {
		return db.djangoAuthenticate(ctx, username, password)
	}
	db.mu.RLock()
	u, ok := db.byName[username]
	db.mu.RUnlock()
	if !ok {
		hashers.Check(password, dummyHash)
		return nil
	}
	if good, err := hashers.Check(password, u.Password); err != nil || !good {
		return nil
	}
	c := *u
	return &c
}

// recordLogin sets the user's last_login to now, as Django's
// update_last_login does, keeping the login before it. With Django's user
// table, it writes auth_user.last_login, which the Django site reads.
func (db *userDB) recordLogin(ctx context.Context, id string, now time.Time) error {
	if db.django != nil {
		return db.django.UpdateLastLogin(ctx, id, now)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if u, ok := db.byID[id]; ok {
		u.PrevLogin, u.LastLogin = u.LastLogin, now
	}
	return nil
}

// changePassword stores a new Django hash of password for the user and
// returns the user as it now is.
func (db *userDB) changePassword(ctx context.Context, id, password string) (*demoUser, error) {
	if db.django != nil {
		return db.djangoChangePassword(ctx, id, password)
	}
	db.mu.RLock()
	n := db.iterations
	db.mu.RUnlock()
	hash, err := hashers.Make(password, n)
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	u, ok := db.byID[id]
	if !ok {
		return nil, auth.ErrUserNotFound
	}
	u.Password, u.Plain = hash, ""
	c := *u
	return &c, nil
}

// lastLogin returns the user's last_login (zero before the first login).
func (db *userDB) lastLogin(id string) time.Time {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if u, ok := db.byID[id]; ok {
		return u.LastLogin
	}
	return time.Time{}
}

// setIterations sets the PBKDF2 count of the hashes changePassword makes
// (tests make it small).
func (db *userDB) setIterations(n int) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.iterations = n
}

// credentials returns the demo accounts for the pages: the password to
// type, or "" once the user changed it.
func (db *userDB) credentials() []credential {
	if db.django != nil {
		return nil // the Django site's users: the demo knows no password
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	out := make([]credential, len(demoUsers))
	for i, u := range demoUsers {
		out[i] = credential{u.Username, db.byName[u.Username].Plain}
	}
	return out
}

// setPassword changes a user's password hash (used by tests to show that a
// password change ends the user's other sessions).
func (db *userDB) setPassword(username, hash string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if u, ok := db.byName[username]; ok {
		u.Password = hash
	}
}
