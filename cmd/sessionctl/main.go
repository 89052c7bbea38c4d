// Command sessionctl looks after Django-format sessions and signed cookies
// from the command line: it clears expired sessions (Django's
// "manage.py clearsessions"), prints a stored session as JSON, creates the
// django_session table, and signs or checks signed cookie values.
//
// Usage:
//
//	sessionctl [flags] COMMAND [flags] [arguments]
//
// Commands:
//
//	migrate         create the session table (django_session) if it is missing
//	clearsessions   delete every expired session, as Django's clearsessions does
//	inspect KEY     print the session KEY as JSON: key, expiry and decoded data
//	sign            print the signed value of a cookie (response.set_signed_cookie)
//	unsign          check a signed cookie value and print the original value
//	help [COMMAND]  print the usage of sessionctl or of one command
//
// Database flags (migrate, clearsessions, inspect), which may also come
// before the command:
//
//	--engine NAME   sqlite (default), postgres, mysql, file, redis, memcache or
//	                cached_db; env SESSIONCTL_ENGINE;
//	                inspect also takes cookie (Django's signed_cookies) and
//	                cookie-encrypted, and then decodes the cookie value KEY
//	--dsn DSN       the database: a file for sqlite (default
//	                sessiondemo-data/sessions.sqlite3, the demo site's file),
//	                postgres://user:pw@host:5432/db for postgres,
//	                user:pw@tcp(host:3306)/db for mysql, the session
//	                directory for file (Django's SESSION_FILE_PATH; default
//	                sessiondemo-data/sessions); env SESSIONCTL_DSN
//	--table NAME    the session table (default django_session); env SESSIONCTL_TABLE
//
// On --engine redis (Django's cache engine on Redis), --dsn is host:port
// or a redis:// URL (default 127.0.0.1:6379), --key-prefix and
// --cache-version are the Django cache's KEY_PREFIX and VERSION, and
// --codec says how the sessions are encoded (pickle, the default, as
// Django's cache framework; json; django). Redis expires each session at
// its TTL: clearsessions has nothing to do there, and says so; migrate has
// no table to create.
//
// On --engine memcache (Django's cache engine on memcached), --dsn is
// host:port[,host:port...] (Django's LOCATION; default 127.0.0.1:11211,
// keys placed on the server pymemcache picks), and --key-prefix,
// --cache-version and --codec mean what they mean for redis. On --engine
// cached_db, --dsn is the database (a file for sqlite, a postgres:// URL,
// a mysql DSN: the form tells them apart), --cache the cache
// (memcache://host:port[,host:port...] or redis://host:port/db; default
// memcache://127.0.0.1:11211); migrate and clearsessions work on the
// database, inspect reads the cache first, then the database.
//
// Secret flags (inspect, sign, unsign, and clearsessions on the file engine,
// which reads each file's expiry from its signed data):
//
//	--secret-key-file FILE   read Django's SECRET_KEY from FILE; or env SECRET_KEY
//	--secret-key KEY         the key itself (it shows in ps: prefer the two above)
//
// SECRET_KEY_FALLBACKS (comma-separated) lists older keys that still verify.
// Without a key, inspect on the demo's default database (or directory) uses
// the key the demo generated (sessiondemo-data/secret_key).
//
// Examples:
//
//	sessionctl migrate
//	sessionctl --engine postgres --dsn postgres://app@db:5432/app clearsessions
//	sessionctl --engine file --dsn /var/lib/myapp/sessions --secret-key-file key.txt clearsessions
//	sessionctl --secret-key-file /etc/myapp/secret_key inspect 8q3v0sd1l2m4n5p6q7r8s9t0u1v2w3x4
//	sessionctl sign --name theme --value dark --secret-key-file key.txt
//	SECRET_KEY="$(cat key.txt)" sessionctl unsign --name theme --value 'dark:1uQk2a:abc...' --max-age 1h
//
// Exit codes, which scripts can rely on:
//
//	0  success
//	1  the answer is no: no such live session, bad signature, expired value
//	2  usage error: unknown command or flag, missing argument or secret key
//	3  engine or store error: cannot open or query the database
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/djsession/djsession/cmd/internal/cacheconn"
)

// Exit codes.
const (
	exitOK       = 0
	exitNo       = 1
	exitUsage    = 2
	exitStoreErr = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runContext(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole command: it parses args, writes results to stdout and
// messages to stderr, reads the environment through env, and returns the
// exit code.
func run(args []string, stdout, stderr io.Writer, env func(string) string) int {
	return runContext(context.Background(), args, stdout, stderr, env)
}

// command is one subcommand.
type command struct {
	name    string
	args    string // the positional arguments, for the usage line
	summary string
	details string // more explanation and examples, for "help COMMAND"
	db      bool   // takes the database flags
	secret  bool   // takes the secret flags
	// flags registers the command's own flags; run does the work.
	flags func(fs *flag.FlagSet, o *opts)
	run   func(ctx context.Context, o *opts, args []string, stdout, stderr io.Writer) int
}

// opts holds every flag value, so that the database flags can be given
// before or after the command.
type opts struct {
	engine, dsn, table string
	keyPrefix          string // redis: the Django cache's KEY_PREFIX
	cacheVersion       int    // redis: the Django cache's VERSION
	codec              string // redis: pickle (default), json or django
	cache              string // cached_db: the cache (memcache://… or redis://…)
	secretKey          string
	secretKeyFlag      bool // --secret-key was given on the command line
	secretKeyFile      string
	fallbacks          string
	db                 bool // the command takes the database flags

	name, value, salt string
	maxAge            string

	cookieName, cookieAge string // inspect on a cookie engine
}

func commands() []*command {
	return []*command{
		{
			name:    "migrate",
			summary: "create the session table (django_session) if it is missing",
			details: `Creates the table and its index exactly as Django's migration
sessions.0001_initial does, so that a Django site can share it. Running it
again is harmless. For sqlite, the file and its folder are created too. The
file engine has no table: migrate creates its directory, with mode 0700.

Examples:
  sessionctl migrate
  sessionctl migrate --engine mysql --dsn 'app:pw@tcp(127.0.0.1:3306)/app'
`,
			db:  true,
			run: runMigrate,
		},
		{
			name:    "clearsessions",
			summary: "delete every expired session (Django's clearsessions)",
			details: `Deletes the sessions whose expiry is in the past, in one DELETE, and prints
how many were removed. Run it from cron as you would Django's
"manage.py clearsessions". On the file engine it reads each session file
(so it needs the secret key, as Django's clearsessions does), removes the
expired ones and the temporary files of crashed writers an hour old, and
leaves anything that is not a session file of this user alone.

Examples:
  sessionctl clearsessions
  SESSIONCTL_ENGINE=postgres SESSIONCTL_DSN=postgres://app@db/app sessionctl clearsessions
  sessionctl clearsessions --engine file --dsn /var/lib/myapp/sessions --secret-key-file key.txt
`,
			db:  true,
			run: runClear,
		},
		{
			name:    "inspect",
			args:    "KEY",
			summary: "print the session KEY as JSON (key, expiry, decoded data)",
			details: `Loads the session KEY (the value of the sessionid cookie), checks its
signature with the secret key (then each fallback) and prints
  {"session_key": ..., "expire_date": RFC 3339 UTC, "data": {...}}
Exits 1 when no live session has that key (unknown or expired) or when the
data does not verify with the secret key (wrong SECRET_KEY, or tampering).

With --engine cookie (Django's signed_cookies) or cookie-encrypted, KEY is
the cookie value itself, which holds the whole session: it is verified (or
decrypted, for the cookie name --cookie-name) and checked against
--cookie-age and the session's own expiry; no database is opened.

Examples:
  SECRET_KEY='django-insecure-...' sessionctl inspect 8q3v0sd1l2m4n5p6q7r8s9t0u1v2w3x4
  sessionctl inspect --secret-key-file key.txt --engine postgres --dsn "$DSN" KEY
  sessionctl inspect --secret-key-file key.txt --engine cookie 'eyJ1c2VyIjoiYWxpY2UifQ:1xYKtS:8TYu...'
`,
			db:     true,
			secret: true,
			flags: func(fs *flag.FlagSet, o *opts) {
				fs.StringVar(&o.cookieName, "cookie-name", "sessionid", "the session cookie's `name` (cookie-encrypted binds it; SESSION_COOKIE_NAME)")
				fs.StringVar(&o.cookieAge, "cookie-age", "", "SESSION_COOKIE_AGE for the cookie engines: a `duration` (336h) or seconds (default two weeks)")
			},
			run: runInspect,
		},
		{
			name:    "sign",
			summary: "print a signed cookie value (response.set_signed_cookie)",
			details: `Prints the value that Django's response.set_signed_cookie(NAME, VALUE,
salt=SALT) puts in the cookie: VALUE:TIMESTAMP:SIGNATURE (before any cookie
quoting). The cookie name is part of what is signed.

Example:
  sessionctl sign --secret-key-file key.txt --name theme --value dark
`,
			secret: true,
			flags: func(fs *flag.FlagSet, o *opts) {
				fs.StringVar(&o.name, "name", "", "the cookie `name` (required)")
				fs.StringVar(&o.value, "value", "", "the `value` to sign")
				fs.StringVar(&o.salt, "salt", "", "Django's salt argument (default empty)")
			},
			run: runSign,
		},
		{
			name:    "unsign",
			summary: "check a signed cookie value and print the original value",
			details: `Checks a value as Django's request.get_signed_cookie(NAME, salt=SALT,
max_age=MAX_AGE) does and prints the original value. Exits 1 with
"bad signature" (wrong key, name, salt, or a changed value) or "expired"
(signed longer ago than --max-age).

Examples:
  sessionctl unsign --name theme --value 'dark:1uQk2a:Xy...'
  sessionctl unsign --name theme --value "$COOKIE" --salt prefs --max-age 24h
`,
			secret: true,
			flags: func(fs *flag.FlagSet, o *opts) {
				fs.StringVar(&o.name, "name", "", "the cookie `name` (required)")
				fs.StringVar(&o.value, "value", "", "the signed cookie `value` (required)")
				fs.StringVar(&o.salt, "salt", "", "Django's salt argument (default empty)")
				fs.StringVar(&o.maxAge, "max-age", "", "reject values signed longer ago: a `duration` (90s, 1h) or seconds (0 or empty: no limit)")
			},
			run: runUnsign,
		},
	}
}

// registerDB adds the database flags to fs, defaulting to what o holds.
func registerDB(fs *flag.FlagSet, o *opts) {
	fs.StringVar(&o.engine, "engine", o.engine, "session `engine`: sqlite, postgres, mysql, file, redis, memcache or cached_db; cookie or cookie-encrypted for inspect (env SESSIONCTL_ENGINE)")
	fs.StringVar(&o.dsn, "dsn", o.dsn, "the database: a file for sqlite, a URL for postgres, a DSN for mysql, the session directory for file, host:port or a redis:// URL for redis, host:port[,host:port] for memcache, the database (as sqlite, postgres or mysql) for cached_db (env SESSIONCTL_DSN; sqlite default "+defaultSQLitePath+", redis default "+defaultRedisAddr+", memcache default "+cacheconn.DefaultMemcache+")")
	fs.StringVar(&o.cache, "cache", o.cache, "cached_db: the cache, memcache://host:port[,host:port] or redis://host:port/db (default memcache://"+cacheconn.DefaultMemcache+")")
	fs.StringVar(&o.table, "table", o.table, "the session `table` (env SESSIONCTL_TABLE; default django_session)")
	fs.StringVar(&o.keyPrefix, "key-prefix", o.keyPrefix, "redis: the `KEY_PREFIX` of the Django cache that holds the sessions (default empty)")
	fs.IntVar(&o.cacheVersion, "cache-version", o.cacheVersion, "redis: the `VERSION` of that Django cache (default 1)")
	fs.StringVar(&o.codec, "codec", o.codec, "redis: how the sessions are encoded: pickle (Django's cache engine, the default), json or django (signed)")
}

// registerSecret adds the secret key flags to fs.
func registerSecret(fs *flag.FlagSet, o *opts) {
	fs.StringVar(&o.secretKeyFile, "secret-key-file", o.secretKeyFile, "read Django's SECRET_KEY from this `file` (recommended, or env SECRET_KEY; older keys in SECRET_KEY_FALLBACKS, comma-separated)")
	fs.Func("secret-key", "Django's SECRET_KEY as a `value` (it shows in ps: prefer --secret-key-file or env SECRET_KEY)", func(v string) error {
		o.secretKey, o.secretKeyFlag = v, true
		return nil
	})
}

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) int {
	if env == nil {
		env = func(string) string { return "" }
	}
	o := &opts{
		engine:    env("SESSIONCTL_ENGINE"),
		dsn:       env("SESSIONCTL_DSN"),
		table:     env("SESSIONCTL_TABLE"),
		secretKey: env("SECRET_KEY"),
		fallbacks: env("SECRET_KEY_FALLBACKS"),
	}
	cmds := commands()

	top := flag.NewFlagSet("sessionctl", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	registerDB(top, o)
	registerSecret(top, o)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			mainUsage(stdout, cmds)
			return exitOK
		}
		fmt.Fprintf(stderr, "sessionctl: %v\n\n", err)
		mainUsage(stderr, cmds)
		return exitUsage
	}
	rest := top.Args()
	if len(rest) == 0 {
		mainUsage(stderr, cmds)
		return exitUsage
	}
	name, rest := rest[0], rest[1:]
	if name == "help" {
		if len(rest) == 0 {
			mainUsage(stdout, cmds)
			return exitOK
		}
		c := find(cmds, rest[0])
		if c == nil {
			fmt.Fprintf(stderr, "sessionctl: unknown command %q\n\n", rest[0])
			mainUsage(stderr, cmds)
			return exitUsage
		}
		commandUsage(stdout, c)
		return exitOK
	}
	c := find(cmds, name)
	if c == nil {
		fmt.Fprintf(stderr, "sessionctl: unknown command %q\n\n", name)
		mainUsage(stderr, cmds)
		return exitUsage
	}

	fs := flag.NewFlagSet("sessionctl "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.db = c.db
	if c.db {
		registerDB(fs, o)
	}
	if c.secret {
		registerSecret(fs, o)
	}
	if c.flags != nil {
		c.flags(fs, o)
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(stdout, c)
			return exitOK
		}
		fmt.Fprintf(stderr, "sessionctl %s: %v\n", c.name, err)
		fmt.Fprintf(stderr, "Run 'sessionctl help %s' for usage.\n", c.name)
		return exitUsage
	}
	return c.run(ctx, o, fs.Args(), stdout, stderr)
}

func find(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageError prints msg and a pointer to the command's help, and returns
// exitUsage.
func usageError(stderr io.Writer, cmd, msg string) int {
	fmt.Fprintf(stderr, "sessionctl %s: %s\n", cmd, msg)
	fmt.Fprintf(stderr, "Run 'sessionctl help %s' for usage.\n", cmd)
	return exitUsage
}

const mainUsageText = `sessionctl manages Django-format sessions and signed cookies.

Usage:
  sessionctl [flags] COMMAND [flags] [arguments]

Commands:
%s  help [COMMAND]   print this text, or the usage of one command

Database (migrate, clearsessions, inspect; flags before or after the command):
  --engine NAME      sqlite (default), postgres, mysql, file, redis,    env SESSIONCTL_ENGINE
                     memcache or cached_db
                     (inspect also takes cookie or cookie-encrypted: the
                     KEY is then the cookie value, no database is opened)
  --dsn DSN          sqlite: a file (default %s)
                     postgres: postgres://user:pw@host:5432/db
                     mysql: user:pw@tcp(host:3306)/db
                     file: the session directory (SESSION_FILE_PATH) env SESSIONCTL_DSN
                     memcache: host:port[,host:port] (default %s)
                     cached_db: the database, as for sqlite, postgres or mysql
  --cache URL        cached_db's cache: memcache://host:port[,host:port] or
                     redis://host:port/db (default memcache://%s)
  --table NAME       session table (default django_session)    env SESSIONCTL_TABLE

Secret (inspect, sign, unsign; clearsessions on the file engine):
  --secret-key-file FILE  a file holding Django's SECRET_KEY   env SECRET_KEY
                     older keys that still verify:             env SECRET_KEY_FALLBACKS (comma-separated)
  --secret-key KEY   the key itself: it shows in ps and the shell's history, so
                     prefer --secret-key-file or SECRET_KEY
  Without any of them, inspect on the demo's default database uses the key
  the demo generated (%s).

Examples:
  sessionctl migrate
  sessionctl --engine postgres --dsn postgres://app@db:5432/app clearsessions
  sessionctl --secret-key-file /etc/myapp/secret_key inspect 8q3v0sd1l2m4n5p6q7r8s9t0u1v2w3x4
  sessionctl sign --secret-key-file key.txt --name theme --value dark
  SECRET_KEY="$(cat key.txt)" sessionctl unsign --name theme --value "$SIGNED" --max-age 1h

Exit codes:
  0  success
  1  the answer is no: no such live session, bad signature, expired value
  2  usage error: unknown command or flag, missing argument or secret key
  3  engine or store error: cannot open or query the database
`

func mainUsage(w io.Writer, cmds []*command) {
	var list string
	for _, c := range cmds {
		list += fmt.Sprintf("  %-16s %s\n", c.name+" "+c.args, c.summary)
	}
	fmt.Fprintf(w, mainUsageText, list, defaultSQLitePath, cacheconn.DefaultMemcache, cacheconn.DefaultMemcache, demoSecretKeyFile)
}

func commandUsage(w io.Writer, c *command) {
	line := "sessionctl " + c.name + " [flags]"
	if c.args != "" {
		line += " " + c.args
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\nFlags:\n", line, c.details)
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(w)
	// Fresh values: the defaults shown never echo a secret or a DSN's
	// password from the environment.
	var blank opts
	if c.db {
		registerDB(fs, &blank)
	}
	if c.secret {
		registerSecret(fs, &blank)
	}
	if c.flags != nil {
		c.flags(fs, &blank)
	}
	fs.PrintDefaults()
	fmt.Fprint(w, "\nExit codes: 0 ok; 1 not found, bad signature or expired; 2 usage error; 3 engine or store error.\n")
}
