package testservers_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testservers"
)

// TestSharedServersAnswer checks that every server and tool that the full
// test command hands to the tests really answers: Redis and memcached
// through their wire protocol, Chromium and Django. PostgreSQL and MariaDB
// are checked through their drivers in the modules that bring them
// (store/sqlstore/postgres and store/sqlstore/mysql, testservers_test.go),
// so that this module needs no driver.
func TestSharedServersAnswer(t *testing.T) {
	t.Run("Redis answers PING and keeps a value", func(t *testing.T) {
		addr := testservers.Require(t, testservers.EnvRedisAddr)
		c := dial(t, addr)
		key := fmt.Sprintf("testservers:%d", time.Now().UnixNano())
		c.expect(t, "PING\r\n", "+PONG")
		c.expect(t, "SET "+key+" hello PX 60000\r\n", "+OK")
		c.expect(t, "GET "+key+"\r\n", "$5")
		c.expect(t, "", "hello")
		c.expect(t, "DEL "+key+"\r\n", ":1")
	})
	t.Run("memcached answers version and keeps a value", func(t *testing.T) {
		addr := testservers.Require(t, testservers.EnvMemcacheAddr)
		c := dial(t, addr)
		key := fmt.Sprintf("testservers:%d", time.Now().UnixNano())
		if got := c.send(t, "version\r\n"); !strings.HasPrefix(got, "VERSION ") {
			t.Fatalf("version answered %q", got)
		}
		c.expect(t, "set "+key+" 0 60 5\r\nhello\r\n", "STORED")
		c.expect(t, "get "+key+"\r\n", "VALUE "+key+" 0 5")
		c.expect(t, "", "hello")
		c.expect(t, "", "END")
	})
	t.Run("Chromium prints its version", func(t *testing.T) {
		path := testservers.Require(t, testservers.EnvChromium)
		if _, err := testservers.CheckChromium(t.Context(), path); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Python imports Django", func(t *testing.T) {
		python := testservers.Require(t, testservers.EnvDjangoPython)
		v, err := testservers.CheckDjango(t.Context(), python)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(v, ".") {
			t.Fatalf("django version %q", v)
		}
	})
}

// lineConn is a line-oriented TCP exchange for Redis and memcached.
type lineConn struct {
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *lineConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	return &lineConn{c: c, r: bufio.NewReader(c)}
}

// send writes req (if any) and returns the next line of the answer.
func (l *lineConn) send(t *testing.T, req string) string {
	t.Helper()
	if req != "" {
		if _, err := l.c.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
	}
	line, err := l.r.ReadString('\n')
	if err != nil {
		t.Fatalf("after %q: %v", req, err)
	}
	return strings.TrimRight(line, "\r\n")
}

func (l *lineConn) expect(t *testing.T, req, want string) {
	t.Helper()
	if got := l.send(t, req); got != want {
		t.Fatalf("%q answered %q, want %q", req, got, want)
	}
}

// TestEnvRunsCommandWithServers checks the runner behind make test: the
// command sees the variables, its exit status comes back, a signal reaches
// it, and the servers are gone afterwards.
func TestEnvRunsCommandWithServers(t *testing.T) {
	testservers.Require(t, testservers.EnvRedisAddr) // the full command can start redis-server
	env, err := testservers.StartEnv(t.Context(), testservers.Config{Servers: []string{testservers.KindRedis, testservers.KindMemcached}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	redis := env.Servers[testservers.KindRedis].Addr
	memcached := env.Servers[testservers.KindMemcached].Addr

	t.Run("the command sees the variables and its exit status is returned", func(t *testing.T) {
		script := `test "$DJSESSION_FULL_TEST" = 1 && test "$DJSESSION_REDIS_ADDR" = "` + redis +
			`" && test "$DJSESSION_MEMCACHE_ADDR" = "` + memcached + `" && exit 3; exit 1`
		code, err := env.Run([]string{"sh", "-c", script}, nil, os.Stdout, os.Stderr, nil)
		if err != nil || code != 3 {
			t.Fatalf("exit %d, %v; want 3", code, err)
		}
	})
	t.Run("a forwarded SIGTERM ends the command with status 143", func(t *testing.T) {
		sigs := make(chan os.Signal, 1)
		start := time.Now()
		go func() {
			time.Sleep(300 * time.Millisecond)
			sigs <- syscall.SIGTERM
		}()
		code, err := env.Run([]string{"sleep", "30"}, nil, os.Stdout, os.Stderr, sigs)
		if err != nil || code != 128+int(syscall.SIGTERM) {
			t.Fatalf("exit %d, %v; want 143", code, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("took %v", d)
		}
	})
	t.Run("a command that cannot start is an error", func(t *testing.T) {
		if _, err := env.Run([]string{"/nonexistent/program"}, nil, nil, nil, nil); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("Close stops every server", func(t *testing.T) {
		if err := env.Close(); err != nil {
			t.Fatal(err)
		}
		for _, addr := range []string{redis, memcached} {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				t.Errorf("%s still accepts connections", addr)
			}
		}
	})
}

// TestStartEnvRejectsUnknownKind checks that a typo is an error, not a skip.
func TestStartEnvRejectsUnknownKind(t *testing.T) {
	_, err := testservers.StartEnv(context.Background(), testservers.Config{Servers: []string{"oracle"}})
	if err == nil || !strings.Contains(err.Error(), "unknown server kind") {
		t.Fatalf("got %v", err)
	}
}

// TestRequire runs a test that needs PostgreSQL in a child process without
// its variable: a bare run skips naming the full command, the full command
// fails.
func TestRequire(t *testing.T) {
	if os.Getenv("DJSESSION_REQUIRE_HELPER") == "1" {
		testservers.Require(t, testservers.EnvPostgresDSN)
		t.Log("Require returned without the variable")
		return
	}
	for _, tc := range []struct {
		name     string
		full     string
		wantFail bool
		want     string
	}{
		{"skips with the command to run on a bare machine", "", false, `--- SKIP: TestRequire`},
		{"fails under the full test command", "1", true, `must provide it`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRequire$", "-test.v")
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "DJSESSION_") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, "DJSESSION_REQUIRE_HELPER=1", testservers.EnvFull+"="+tc.full)
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tc.wantFail {
				t.Fatalf("failed = %v, want %v:\n%s", failed, tc.wantFail, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Fatalf("output lacks %q:\n%s", tc.want, out)
			}
			if !tc.wantFail && !strings.Contains(string(out), `run "make test"`) {
				t.Fatalf("the skip message does not name make test:\n%s", out)
			}
		})
	}
}

// TestPauseReturnsOnceTheServerIsFrozen checks what the fault tests rely
// on: when Pause returns, the server no longer answers (a request made
// right after it times out), and when Resume returns it answers again.
func TestPauseReturnsOnceTheServerIsFrozen(t *testing.T) {
	testservers.Require(t, testservers.EnvMemcacheAddr) // the full command can start memcached
	srv, err := testservers.StartMemcached(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	version := func(wait time.Duration) (string, error) {
		conn.SetDeadline(time.Now().Add(wait))
		if _, err := conn.Write([]byte("version\r\n")); err != nil {
			return "", err
		}
		return r.ReadString('\n')
	}
	for round := range 20 { // the race Pause closes is a matter of microseconds: try it often
		if _, err := version(5 * time.Second); err != nil {
			t.Fatalf("round %d, before Pause: %v", round, err)
		}
		if err := srv.Pause(); err != nil {
			t.Fatal(err)
		}
		if line, err := version(50 * time.Millisecond); err == nil {
			t.Fatalf("round %d: a paused memcached answered %q", round, line)
		}
		if err := srv.Resume(); err != nil {
			t.Fatal(err)
		}
		// The request that timed out is answered now; read it, then ask again.
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatalf("round %d, the late answer: %v", round, err)
		}
	}
}
