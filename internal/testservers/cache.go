package testservers

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// StartRedis starts a new redis-server on 127.0.0.1 and a free port, with
// no persistence (no RDB snapshots, no append-only file) and its working
// directory in dir, and returns once it answers PING. extra arguments are
// appended to the command line as redis-server options (for example
// "--maxmemory", "10mb"). An empty dir means a new temporary directory that
// Close removes.
func StartRedis(ctx context.Context, dir string, extra ...string) (*Server, error) {
	bin, err := lookPath("redis-server", "/usr/bin/redis-server")
	if err != nil {
		return nil, err
	}
	s, err := newServer("redis", dir)
	if err != nil {
		return nil, err
	}
	s.spec = serverSpec{
		stopSignal:  syscall.SIGTERM,
		crashSignal: syscall.SIGKILL,
		argv: func(s *Server) []string {
			return append([]string{bin,
				"--bind", "127.0.0.1",
				"--port", strconv.Itoa(s.Port()),
				"--protected-mode", "no",
				"--save", "",
				"--appendonly", "no",
				"--daemonize", "no",
				"--dir", s.Dir,
				"--logfile", "",
			}, extra...)
		},
		ready: func(ctx context.Context, s *Server) error {
			reply, err := exchange(ctx, s.Addr, "PING\r\n")
			if err != nil {
				return err
			}
			if reply != "+PONG" {
				return fmt.Errorf("PING answered %q", reply)
			}
			return nil
		},
	}
	return startNew(ctx, s)
}

// StartMemcached starts a new memcached on 127.0.0.1 (TCP only) and a free
// port with 64 MB of memory, and returns once it answers "version". As root
// it runs with -u root. An empty dir (which holds only the log) means a new
// temporary directory that Close removes.
func StartMemcached(ctx context.Context, dir string) (*Server, error) {
	bin, err := lookPath("memcached", "/usr/bin/memcached")
	if err != nil {
		return nil, err
	}
	s, err := newServer("memcached", dir)
	if err != nil {
		return nil, err
	}
	s.spec = serverSpec{
		stopSignal:  syscall.SIGTERM,
		crashSignal: syscall.SIGKILL,
		argv: func(s *Server) []string {
			argv := []string{bin, "-l", "127.0.0.1", "-p", strconv.Itoa(s.Port()), "-U", "0", "-m", "64"}
			if isRoot() {
				argv = append(argv, "-u", "root")
			}
			return argv
		},
		ready: func(ctx context.Context, s *Server) error {
			reply, err := exchange(ctx, s.Addr, "version\r\n")
			if err != nil {
				return err
			}
			if !strings.HasPrefix(reply, "VERSION ") {
				return fmt.Errorf("version answered %q", reply)
			}
			return nil
		},
	}
	return startNew(ctx, s)
}

// exchange sends one request line over TCP and returns the first line of
// the answer, without its CRLF.
func exchange(ctx context.Context, addr, request string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline := time.Now().Add(3 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	if _, err := conn.Write([]byte(request)); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
