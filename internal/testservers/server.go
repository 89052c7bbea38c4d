package testservers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// StartTimeout bounds how long Start waits for a server to answer its
// protocol once the process runs. A context deadline that comes sooner wins.
const StartTimeout = 90 * time.Second

// stopTimeout bounds how long Stop waits for a graceful shutdown before it
// kills the server's process group.
const stopTimeout = 30 * time.Second

// ErrNotRunning is returned by Stop and Crash when the server is not running.
var ErrNotRunning = errors.New("testservers: server is not running")

// Server is one server process started by this package (PostgreSQL,
// MariaDB, redis-server or memcached), listening on 127.0.0.1 at a port that
// stays the same across Stop and Start, with its files in Dir.
//
// A Server can be stopped and started again (its data survives, except for
// Redis and memcached, which keep nothing on disk), which is what fault tests
// need. Close stops it for good and removes the files it created.
// The methods are safe for concurrent use.
type Server struct {
	// Kind names the server: "postgres", "mariadb", "redis", "redis-sentinel"
	// or "memcached".
	Kind string
	// Addr is host:port of the TCP listener, for example 127.0.0.1:41234.
	Addr string
	// Dir holds the server's data and its log.
	Dir string
	// LogPath is the file that collects the server's standard output and error.
	LogPath string

	spec    serverSpec
	dsn     string
	ownsDir bool
	cleanup []string // extra directories removed by Close

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited
	initted bool
}

// serverSpec is what differs between kinds of servers.
type serverSpec struct {
	// prepare runs once, before the first start (initdb, mariadb-install-db).
	prepare func(ctx context.Context, s *Server) error
	// argv is the command line that runs the server in the foreground.
	argv func(s *Server) []string
	// ready returns nil once the server answers its protocol.
	ready func(ctx context.Context, s *Server) error
	// afterReady runs once, after the first successful start (CREATE DATABASE).
	afterReady func(ctx context.Context, s *Server) error
	// cred, when non-nil, runs the process as another user.
	cred *syscall.Credential
	// dir is the working directory of the process ("" = s.Dir).
	dir string
	// stopSignal asks for a clean shutdown; crashSignal for an abrupt one.
	stopSignal, crashSignal syscall.Signal
}

// DSN returns the connection string of a database server: a pgx URL for
// PostgreSQL, a go-sql-driver/mysql DSN for MariaDB. For Redis and memcached
// it returns Addr.
func (s *Server) DSN() string {
	if s.dsn == "" {
		return s.Addr
	}
	return s.dsn
}

// Port returns the TCP port of Addr.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Running reports whether the server process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runningLocked()
}

func (s *Server) runningLocked() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Start starts the server process and waits until it answers its protocol
// (bounded by StartTimeout and ctx). Starting a running server does nothing.
// When the server does not come up, Start kills what it started and returns
// an error that quotes the end of the server's log.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runningLocked() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	if !s.initted && s.spec.prepare != nil {
		if err := s.spec.prepare(ctx, s); err != nil {
			return fmt.Errorf("testservers: preparing %s: %w", s.Kind, err)
		}
	}
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("testservers: %s log: %w", s.Kind, err)
	}
	argv := s.spec.argv(s)
	fmt.Fprintf(logf, "\n--- testservers: starting %s at %s: %s\n", s.Kind, time.Now().Format(time.RFC3339), strings.Join(argv, " "))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Dir = s.spec.dir
	if cmd.Dir == "" {
		cmd.Dir = s.Dir
	}
	cmd.Env = serverEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,            // our own signals only: a terminal's ^C goes to the runner, which stops us cleanly
		Pdeathsig:  syscall.SIGKILL, // never outlive a runner that was killed
		Credential: s.spec.cred,
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("testservers: starting %s: %w", s.Kind, err)
	}
	logf.Close() // the child has its own copy
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.cmd, s.done = cmd, done

	if err := s.waitReady(ctx); err != nil {
		s.killLocked()
		return fmt.Errorf("testservers: %s on %s did not start: %w\n--- end of %s:\n%s", s.Kind, s.Addr, err, s.LogPath, s.LogTail(40))
	}
	if !s.initted {
		if s.spec.afterReady != nil {
			if err := s.spec.afterReady(ctx, s); err != nil {
				s.killLocked()
				return fmt.Errorf("testservers: setting up %s: %w\n--- end of %s:\n%s", s.Kind, err, s.LogPath, s.LogTail(40))
			}
		}
		s.initted = true
	}
	return nil
}

// waitReady polls the readiness check until it passes, the process exits or
// ctx ends.
func (s *Server) waitReady(ctx context.Context) error {
	var last error
	for {
		select {
		case <-s.done:
			return fmt.Errorf("the process exited (%v)", s.cmd.ProcessState)
		default:
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		last = s.spec.ready(pctx, s)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w; last check: %v", ctx.Err(), last)
		case <-s.done:
			return fmt.Errorf("the process exited (%v); last check: %v", s.cmd.ProcessState, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop shuts the server down cleanly (PostgreSQL: fast shutdown) and waits
// for it to exit; after 30 seconds it kills the process group. Stopping a
// stopped server returns ErrNotRunning.
func (s *Server) Stop() error {
	return s.signal(s.spec.stopSignal)
}

// Crash ends the server abruptly, as a crash or a power cut of the process
// would (PostgreSQL: immediate shutdown, which needs WAL recovery at the next
// start; the others: SIGKILL), and waits for it to exit.
func (s *Server) Crash() error {
	return s.signal(s.spec.crashSignal)
}

func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.runningLocked() {
		return ErrNotRunning
	}
	if err := s.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("testservers: signalling %s: %w", s.Kind, err)
	}
	select {
	case <-s.done:
		// Reap what the server may have left in its group (PostgreSQL
		// backends exit on their own when the postmaster goes).
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		return nil
	case <-time.After(stopTimeout):
		s.killLocked()
		return fmt.Errorf("testservers: %s did not stop within %v and was killed", s.Kind, stopTimeout)
	}
}

// Pause freezes the server process (SIGSTOP): it keeps its connections
// and answers nothing, the real form of a server that hangs, until Resume.
// It returns once the kernel reports the process stopped: a signal is
// delivered asynchronously, and a test that measured the first request
// after Pause could otherwise see it answered.
func (s *Server) Pause() error {
	if err := s.sendOnly(syscall.SIGSTOP); err != nil {
		return err
	}
	return s.waitState(true)
}

// Resume lets a paused server go on (SIGCONT), and returns once the kernel
// reports it running again.
func (s *Server) Resume() error {
	if err := s.sendOnly(syscall.SIGCONT); err != nil {
		return err
	}
	return s.waitState(false)
}

// pauseTimeout bounds how long Pause and Resume wait for the process state.
const pauseTimeout = 5 * time.Second

// waitState waits until the process is stopped (or no longer stopped), as
// the state field of /proc/PID/stat says ('T').
func (s *Server) waitState(stopped bool) error {
	s.mu.Lock()
	pid := s.cmd.Process.Pid
	s.mu.Unlock()
	path := fmt.Sprintf("/proc/%d/stat", pid)
	deadline := time.Now().Add(pauseTimeout)
	for {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("testservers: reading the state of %s: %w", s.Kind, err)
		}
		// The state follows the command name, which is in parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i >= 0 && i+2 < len(b) && (b[i+2] == 'T') == stopped {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("testservers: %s did not %s within %v", s.Kind, map[bool]string{true: "stop", false: "resume"}[stopped], pauseTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// sendOnly signals the server's process without waiting for it to exit.
func (s *Server) sendOnly(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.runningLocked() {
		return ErrNotRunning
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("testservers: signalling %s: %w", s.Kind, err)
	}
	return nil
}

// killLocked kills the whole process group and waits for the process.
func (s *Server) killLocked() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// Close stops the server if it runs and removes the directories that this
// package created for it (not a Dir the caller passed in). Close is safe to
// call more than once.
func (s *Server) Close() error {
	var err error
	if s.Running() {
		if e := s.Stop(); e != nil && !errors.Is(e, ErrNotRunning) {
			err = e
		}
	}
	for _, d := range s.cleanup {
		_ = os.RemoveAll(d)
	}
	s.cleanup = nil
	if s.ownsDir {
		if e := os.RemoveAll(s.Dir); e != nil && err == nil {
			err = e
		}
		s.ownsDir = false
	}
	return err
}

// LogTail returns the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// newServer makes the directory and picks the port of a new server.
// An empty dir means a new temporary directory that Close removes.
func newServer(kind, dir string) (*Server, error) {
	s := &Server{Kind: kind}
	if dir == "" {
		d, err := os.MkdirTemp("", "djsession-"+kind+"-")
		if err != nil {
			return nil, fmt.Errorf("testservers: %w", err)
		}
		dir, s.ownsDir = d, true
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("testservers: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("testservers: %w", err)
	}
	s.Dir = abs
	s.LogPath = filepath.Join(abs, kind+".log")
	port, err := FreePort()
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return s, nil
}

// startNew starts a server made by newServer. When its port was taken in the
// meantime by someone else, it tries again on another port; any other
// failure closes the server and is returned.
func startNew(ctx context.Context, s *Server) (*Server, error) {
	for attempt := 0; ; attempt++ {
		err := s.Start(ctx)
		if err == nil {
			return s, nil
		}
		if attempt < 3 && strings.Contains(strings.ToLower(s.LogTail(20)), "address already in use") {
			port, perr := FreePort()
			if perr == nil {
				s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
				if s.dsn != "" {
					s.dsn = s.makeDSN()
				}
				continue
			}
		}
		s.Close()
		return nil, err
	}
}

// makeDSN rebuilds the DSN after a port change.
func (s *Server) makeDSN() string {
	switch s.Kind {
	case "postgres":
		return postgresDSN(s.Addr)
	case "mariadb":
		return mariadbDSN(s.Addr)
	}
	return ""
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listened on a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testservers: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// serverEnv is the environment of a server process: ours, without the
// variables that would point client tools at another server.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "MYSQL") || strings.HasPrefix(k, "MARIADB") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C", "LANG=C")
}

// isRoot reports whether this process runs as root.
func isRoot() bool { return os.Geteuid() == 0 }

// serviceUser returns the credential of the named system user when this
// process runs as root (a server that refuses root runs as that user), and
// nil otherwise (the server runs as whoever we are).
func serviceUser(name string) (*syscall.Credential, error) {
	if !isRoot() {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("testservers: user %q (created by the Debian package): %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("testservers: user %q: %w", name, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("testservers: user %q: %w", name, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// mkdirFor makes dir (mode 0700) owned by cred's user, or by us when cred is nil.
func mkdirFor(dir string, cred *syscall.Credential) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	return nil
}

// makeSearchable lets another user reach dir: it adds the search (x) bit for
// others to dir and to each of its ancestors that we own and that lack it.
// t.TempDir and os.MkdirTemp make 0700 directories, which a server running
// as its own user could not enter.
func makeSearchable(dir string) error {
	uid := uint32(os.Geteuid())
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok && st.Uid == uid && fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
				return err
			}
		}
		if parent := filepath.Dir(d); parent == d {
			return nil
		}
	}
}

// runTool runs a client tool (psql, mariadb, initdb…) and returns its
// combined output, with the output in the error when it fails.
func runTool(ctx context.Context, cred *syscall.Credential, dir string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = serverEnv()
	cmd.Dir = dir
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
