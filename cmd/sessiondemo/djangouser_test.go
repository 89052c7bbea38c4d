package main

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/auth"
	"github.com/djsession/djsession/auth/djangouser"
	"github.com/djsession/djsession/auth/hashers"
	"github.com/djsession/djsession/store/sqlstore/mysql"
	"github.com/djsession/djsession/store/sqlstore/postgres"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

// TestDjangoUserTable runs auth/djangouser against the auth_user table
// that Django's own migrate made and Django's own set_password filled, on
// SQLite, PostgreSQL and MariaDB, and checks that a password Go writes logs in
// on the Django site.
func TestDjangoUserTable(t *testing.T) {
	requireSideBySide(t)
	same := func(fresh func(*testing.T) string) func(*testing.T) (string, string) {
		return func(t *testing.T) (string, string) { dsn := fresh(t); return dsn, dsn }
	}
	for _, tc := range []struct {
		name  string
		dsn   func(t *testing.T) (goDSN, djangoDSN string)
		open  func(string) (*sql.DB, error)
		place djangouser.Placeholders
	}{
		{"SQLite", same(sqliteFile), sqlite.Open, djangouser.Question},
		{"PostgreSQL", same(freshPostgres), postgres.Open, djangouser.Dollar},
		{"MariaDB", freshMySQL, mysql.Open, djangouser.Question},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn, djangoDSN := tc.dsn(t)
			env := djangoEnv(map[string]string{"DJSITE_DATABASE": djangoDSN})
			site := startDjangoSite(t, env,
				"alice", "wonderland", "bob", "builder1", "dora", "explorer")
			db, err := tc.open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			ctx := context.Background()
			users, err := djangouser.New(db, djangouser.Options{Placeholders: tc.place, Iterations: testIterations})
			if err != nil {
				t.Fatal(err)
			}
			q := "UPDATE auth_user SET is_active = false WHERE username = 'dora'"
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}

			t.Run("LookupUser finds Django's users by the session's id", func(t *testing.T) {
				alice, err := users.ByUsername(ctx, "alice")
				if err != nil {
					t.Fatal(err)
				}
				u, err := users.LookupUser(ctx, alice.PK)
				if err != nil || u.ID() != alice.PK || u.Backend() != auth.DefaultBackend {
					t.Fatalf("LookupUser(%s) = %v, %v", alice.PK, u, err)
				}
				if ok, err := hashers.Check("wonderland", u.PasswordHash()); !ok || err != nil {
					t.Errorf("the password field %q does not check: %v", u.PasswordHash(), err)
				}
			})
			t.Run("LookupUser refuses unknown ids, non-integers and inactive users", func(t *testing.T) {
				dora, err := users.ByUsername(ctx, "dora")
				if err != nil || dora.IsActive {
					t.Fatalf("dora: %+v, %v", dora, err)
				}
				for _, id := range []string{"999999", "abc", "", "1 OR 1=1", dora.PK} {
					if _, err := users.LookupUser(ctx, id); !errors.Is(err, auth.ErrUserNotFound) {
						t.Errorf("LookupUser(%q): %v, want ErrUserNotFound", id, err)
					}
				}
			})
			t.Run("Authenticate is ModelBackend.authenticate", func(t *testing.T) {
				// Whether "Alice" is alice is the database's collation:
				// no on SQLite and PostgreSQL, yes on MariaDB's default
				// (case-insensitive) one. Django's login form is the oracle.
				b := newBrowser(t)
				r := b.djangoPost(site.base+"/accounts/login/", site.base+"/accounts/login/", url.Values{"username": {"Alice"}, "password": {"wonderland"}})
				djangoTakesAlice := r.status == 302
				if djangoTakesAlice != (tc.name == "MariaDB") {
					t.Errorf("Django's login of Alice/wonderland on %s: %d", tc.name, r.status)
				}
				for _, c := range []struct {
					user, password string
					ok             bool
				}{
					{"alice", "wonderland", true},
					{"alice", "Wonderland", false},
					{"Alice", "wonderland", djangoTakesAlice},
					{"nobody", "wonderland", false},
					{"dora", "explorer", false}, // inactive
				} {
					u, err := users.Authenticate(ctx, c.user, c.password)
					if c.ok && (err != nil || u == nil || !strings.EqualFold(u.Username, c.user)) {
						t.Errorf("%s/%s: %v, %v", c.user, c.password, u, err)
					}
					if !c.ok && (u != nil || !errors.Is(err, djangouser.ErrBadCredentials)) {
						t.Errorf("%s/%s: %v, %v; want ErrBadCredentials", c.user, c.password, u, err)
					}
				}
			})
			t.Run("SetPassword writes a hash Django logs in with", func(t *testing.T) {
				bob, err := users.ByUsername(ctx, "bob")
				if err != nil {
					t.Fatal(err)
				}
				changed, err := users.SetPassword(ctx, bob.PK, "new-bob-pw")
				if err != nil || changed.Password == bob.Password {
					t.Fatalf("SetPassword: %v, %v", changed, err)
				}
				b := newBrowser(t)
				p := &pair{django: site.base}
				p.djangoLogin(b, "bob", "new-bob-pw")
				if got := p.djangoUser(b); got != "bob" {
					t.Errorf("Django serves %q after a login with the password Go set", got)
				}
				if _, err := users.SetPassword(ctx, "999999", "x"); !errors.Is(err, auth.ErrUserNotFound) {
					t.Errorf("SetPassword of an unknown id: %v", err)
				}
			})
			t.Run("UpdateLastLogin writes what Django reads as last_login", func(t *testing.T) {
				bob, err := users.ByUsername(ctx, "bob")
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range []struct {
					at   time.Time
					want string
				}{
					{time.Date(2026, 12, 1, 15, 4, 5, 123456789, time.UTC), "2026-12-01T15:04:05.123456Z"},
					{time.Date(2026, 12, 1, 16, 4, 5, 0, time.FixedZone("CET", 3600)), "2026-12-01T15:04:05Z"},
				} {
					if err := users.UpdateLastLogin(ctx, bob.PK, c.at); err != nil {
						t.Fatal(err)
					}
					if got := djangoLastLogin(t, env, "bob").Format(time.RFC3339Nano); got != c.want {
						t.Errorf("after UpdateLastLogin(%v), Django reads last_login %s, want %s", c.at, got, c.want)
					}
				}
				if err := users.UpdateLastLogin(ctx, "999999", time.Now()); !errors.Is(err, auth.ErrUserNotFound) {
					t.Errorf("UpdateLastLogin of an unknown id: %v", err)
				}
			})
			t.Run("Authenticate upgrades a hash as check_password does", func(t *testing.T) {
				alice, _ := users.ByUsername(ctx, "alice")
				weak, _ := hashers.Encode("wonderland", "saltsaltsaltsaltsaltsa", 1000)
				if _, err := db.ExecContext(ctx, "UPDATE auth_user SET password = '"+weak+"' WHERE id = "+alice.PK); err != nil {
					t.Fatal(err)
				}
				u, err := users.Authenticate(ctx, "alice", "wonderland")
				if err != nil {
					t.Fatal(err)
				}
				if hashers.MustUpdate(u.Password, testIterations) {
					t.Errorf("the hash was not upgraded: %s", u.Password)
				}
				b := newBrowser(t)
				(&pair{django: site.base}).djangoLogin(b, "alice", "wonderland")
			})
		})
	}
}
