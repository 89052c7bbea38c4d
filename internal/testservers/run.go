package testservers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Kinds of servers that StartEnv knows, in the order it reports them.
const (
	KindPostgres  = "postgres"
	KindMariaDB   = "mariadb"
	KindRedis     = "redis"
	KindMemcached = "memcached"
)

// AllKinds lists every server kind that the full test command starts.
var AllKinds = []string{KindPostgres, KindMariaDB, KindRedis, KindMemcached}

// Default paths of the tools that the full test command checks.
const (
	DefaultChromium = "/usr/bin/chromium"
	DefaultPython   = "/usr/bin/python3"
)

// Config says what StartEnv starts and checks.
type Config struct {
	// Servers lists the kinds to start (see AllKinds); nil starts them all.
	Servers []string
	// Chromium is checked with --version and exported as EnvChromium;
	// empty means neither.
	Chromium string
	// Python is checked to import django and exported as EnvDjangoPython;
	// empty means neither.
	Python string
	// Dir is where the servers keep their files; empty means a new
	// temporary directory that Close removes.
	Dir string
	// Logger receives progress messages; nil discards them.
	Logger *slog.Logger
}

// Env is a set of running servers and checked tools, and the environment
// variables that hand them to the tests.
type Env struct {
	// Servers maps each started kind to its server.
	Servers map[string]*Server
	// Vars holds KEY=VALUE pairs: one per server and tool, and EnvFull=1.
	Vars []string

	dir     string
	ownsDir bool
	log     *slog.Logger
}

// StartEnv starts the configured servers (concurrently) and checks the
// tools. When anything fails, it stops what it started and returns an error
// naming every failure, with the end of each failed server's log: a server
// that cannot start is an error, never something to skip.
func StartEnv(ctx context.Context, cfg Config) (*Env, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kinds := cfg.Servers
	if kinds == nil {
		kinds = AllKinds
	}
	e := &Env{Servers: map[string]*Server{}, log: log, dir: cfg.Dir}
	if e.dir == "" {
		d, err := os.MkdirTemp("", "djsession-testenv-")
		if err != nil {
			return nil, fmt.Errorf("testservers: %w", err)
		}
		e.dir, e.ownsDir = d, true
	}

	type result struct {
		kind string
		srv  *Server
		err  error
		took time.Duration
	}
	results := make(chan result, len(kinds)+2)
	var wg sync.WaitGroup
	for _, kind := range kinds {
		start, ok := starters[kind]
		if !ok {
			e.Close()
			return nil, fmt.Errorf("testservers: unknown server kind %q (known: %s)", kind, strings.Join(AllKinds, ", "))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			srv, err := start(ctx, filepath.Join(e.dir, kind))
			results <- result{kind, srv, err, time.Since(t0)}
		}()
	}
	wg.Wait()
	close(results)

	var errs []error
	for r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		e.Servers[r.kind] = r.srv
		log.Info("server ready", "kind", r.kind, "addr", r.srv.Addr, "dsn", r.srv.DSN(), "log", r.srv.LogPath, "took", r.took.Round(time.Millisecond))
	}
	if cfg.Chromium != "" {
		if v, err := CheckChromium(ctx, cfg.Chromium); err != nil {
			errs = append(errs, err)
		} else {
			log.Info("chromium ready", "path", cfg.Chromium, "version", v)
			e.Vars = append(e.Vars, EnvChromium+"="+cfg.Chromium)
		}
	}
	if cfg.Python != "" {
		if v, err := CheckDjango(ctx, cfg.Python); err != nil {
			errs = append(errs, err)
		} else {
			log.Info("django ready", "python", cfg.Python, "django", v)
			e.Vars = append(e.Vars, EnvDjangoPython+"="+cfg.Python)
		}
	}
	if len(errs) > 0 {
		e.Close()
		return nil, errors.Join(errs...)
	}
	for _, kind := range AllKinds {
		srv, ok := e.Servers[kind]
		if !ok {
			continue
		}
		e.Vars = append(e.Vars, envNames[kind]+"="+srv.DSN())
	}
	e.Vars = append(e.Vars, EnvFull+"=1")
	return e, nil
}

var starters = map[string]func(context.Context, string) (*Server, error){
	KindPostgres:  StartPostgres,
	KindMariaDB:   StartMariaDB,
	KindRedis:     func(ctx context.Context, dir string) (*Server, error) { return StartRedis(ctx, dir) },
	KindMemcached: StartMemcached,
}

var envNames = map[string]string{
	KindPostgres:  EnvPostgresDSN,
	KindMariaDB:   EnvMySQLDSN,
	KindRedis:     EnvRedisAddr,
	KindMemcached: EnvMemcacheAddr,
}

// Close stops every server and removes the files that StartEnv created.
// It is safe to call more than once.
func (e *Env) Close() error {
	var errs []error
	for kind, srv := range e.Servers {
		if err := srv.Close(); err != nil {
			errs = append(errs, err)
		} else {
			e.log.Info("server stopped", "kind", kind)
		}
	}
	e.Servers = map[string]*Server{}
	if e.ownsDir {
		if err := os.RemoveAll(e.dir); err != nil {
			errs = append(errs, err)
		}
		e.ownsDir = false
	}
	return errors.Join(errs...)
}

// KillGrace is how long Run waits, after forwarding a signal, before it
// kills the command's process group.
const KillGrace = 15 * time.Second

// Run runs argv with the environment of this process plus e.Vars, its
// standard streams connected to ours, in a process group of its own. Every
// signal received on sigs is forwarded to that group; KillGrace after the
// first one, the group is killed. When argv exits, whatever it left running
// in its group is killed too. Run returns argv's exit status, or 128 plus
// the signal number when it died of a signal (as a shell reports it); err
// is non-nil only when argv could not be started.
func (e *Env) Run(argv []string, stdin io.Reader, stdout, stderr io.Writer, sigs <-chan os.Signal) (int, error) {
	if len(argv) == 0 {
		return 2, errors.New("testservers: no command to run")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), e.Vars...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 127, fmt.Errorf("testservers: %w", err)
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var kill <-chan time.Time
	for {
		select {
		case sig := <-sigs:
			e.log.Warn("forwarding signal to the command", "signal", sig)
			if s, ok := sig.(syscall.Signal); ok {
				_ = syscall.Kill(-pgid, s)
			}
			if kill == nil {
				kill = time.After(KillGrace)
			}
		case <-kill:
			e.log.Warn("the command did not exit: killing it", "grace", KillGrace)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			kill = nil
		case err := <-done:
			_ = syscall.Kill(-pgid, syscall.SIGKILL) // leftovers of the group, if any
			return exitCode(cmd, err), nil
		}
	}
}

// exitCode turns the outcome of a finished command into a shell-style status.
func exitCode(cmd *exec.Cmd, err error) int {
	st := cmd.ProcessState
	if st == nil {
		if err != nil {
			return 1
		}
		return 0
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return st.ExitCode()
}
