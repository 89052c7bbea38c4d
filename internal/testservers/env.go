// Package testservers starts the real servers that the test suite talks to
// (PostgreSQL, MariaDB, Redis, memcached) on loopback addresses, and lets
// tests find them through environment variables.
//
// The full test command (make test) starts every server once, exports the
// variables below and sets EnvFull=1. Under it, a missing server fails the
// test; under a bare "go test ./..." the tests that need a server skip with
// a message naming the command to run instead.
package testservers

import (
	"os"
	"testing"
)

// Environment variables shared by the test command and the tests.
const (
	// EnvFull is "1" when the tests run under the full test command.
	EnvFull = "DJSESSION_FULL_TEST"
	// EnvPostgresDSN is a pgx URL such as postgres://postgres@127.0.0.1:PORT/djsession?sslmode=disable.
	EnvPostgresDSN = "DJSESSION_PG_DSN"
	// EnvMySQLDSN is a go-sql-driver/mysql DSN such as root@tcp(127.0.0.1:PORT)/djsession.
	EnvMySQLDSN = "DJSESSION_MYSQL_DSN"
	// EnvRedisAddr is host:port of a redis-server.
	EnvRedisAddr = "DJSESSION_REDIS_ADDR"
	// EnvMemcacheAddr is host:port of a memcached.
	EnvMemcacheAddr = "DJSESSION_MEMCACHE_ADDR"
	// EnvChromium is the path of a Chromium binary for browser tests.
	EnvChromium = "DJSESSION_CHROMIUM"
	// EnvDjangoPython is the path of a Python interpreter that can import django.
	EnvDjangoPython = "DJSESSION_DJANGO_PYTHON"
)

// FullCommand is what a skipped test tells the user to run.
const FullCommand = "make test"

// Full reports whether the tests run under the full test command.
func Full() bool { return os.Getenv(EnvFull) == "1" }

// Require returns the value of the environment variable name. When it is
// empty, the test fails under the full test command and is skipped
// otherwise, with a message naming the command that provides it.
func Require(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	if Full() {
		t.Fatalf("%s is not set, but the full test command must provide it", name)
	}
	t.Skipf("%s is not set: run %q to test against the real server", name, FullCommand)
	return ""
}
