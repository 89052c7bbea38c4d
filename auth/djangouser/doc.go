// Package djangouser reads and writes the users of a Django site's
// auth_user table (django.contrib.auth's default User model) through
// database/sql, so that a Go service logs in the same users as the Django
// site next to it:
//
//   - Store.LookupUser is auth.Config.LookupUser: the session's
//     _auth_user_id names a row, and the row's password field gives the
//     session auth hash, so a password changed on the Django side ends the
//     Go side's sessions of that user (and the other way round);
//   - Store.Authenticate is Django's ModelBackend.authenticate: username
//     and password checked with auth/hashers, an inactive user refused, the
//     time the same whether or not the user exists, the hash upgraded as
//     Django's check_password does;
//   - Store.SetPassword is set_password followed by save(): a new
//     pbkdf2_sha256 hash written back to the row, which the Django site
//     accepts;
//   - Store.UpdateLastLogin is update_last_login, which Django runs on
//     every login: call it after auth.Authenticator.Login, so that the
//     Django site sees the Go logins in last_login.
//
// The driver is the caller's: open the database Django uses (the same
// SQLite file, the same PostgreSQL or MySQL database) with any
// database/sql driver and say which placeholders it takes:
//
//	db, err := sql.Open("pgx", "postgres://app@127.0.0.1/site")
//	if err != nil {
//		log.Fatal(err)
//	}
//	users, err := djangouser.New(db, djangouser.Options{Placeholders: djangouser.Dollar})
//	if err != nil {
//		log.Fatal(err)
//	}
//	a, err := auth.New(auth.Config{SecretKey: key, LookupUser: users.LookupUser})
//
// The table is Django's: `manage.py migrate` creates it, and this package
// never creates or alters it. It reads the columns id, username, password
// and is_active and writes password and last_login, which a custom user
// model derived from AbstractUser keeps (give its table name in
// Options.Table).
package djangouser
