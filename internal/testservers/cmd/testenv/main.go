// Command testenv starts the real servers that the test suite needs, runs a
// command with their addresses in its environment, and stops the servers
// when the command ends.
//
// Usage:
//
//	go run ./internal/testservers/cmd/testenv [flags] -- command [args...]
//
// For example:
//
//	go run ./internal/testservers/cmd/testenv -- go test -race ./store/...
//
// It starts PostgreSQL, MariaDB, redis-server and memcached from Debian's
// packages on 127.0.0.1 and free ports, in a temporary directory; checks
// that Chromium runs and that Python imports Django; and exports
// DJSESSION_PG_DSN, DJSESSION_MYSQL_DSN, DJSESSION_REDIS_ADDR,
// DJSESSION_MEMCACHE_ADDR, DJSESSION_CHROMIUM, DJSESSION_DJANGO_PYTHON and
// DJSESSION_FULL_TEST=1 to the command. Under DJSESSION_FULL_TEST=1 a test
// whose server is missing fails instead of skipping.
//
// The exit status is the command's (128+N when it died of signal N). When a
// server or tool cannot be started, testenv prints why (with the end of the
// server's log) and exits with status 3 without running the command.
// SIGINT, SIGTERM and SIGHUP are forwarded to the command; the servers are
// stopped in every case.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/djsession/djsession/internal/testservers"
)

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("testenv", flag.ContinueOnError)
	servers := fs.String("servers", strings.Join(testservers.AllKinds, ","), "comma-separated servers to start (empty: none)")
	chromium := fs.String("chromium", testservers.DefaultChromium, "Chromium binary to check and export (empty: skip)")
	python := fs.String("python", testservers.DefaultPython, "Python interpreter that must import django (empty: skip)")
	dir := fs.String("dir", "", "directory for the servers' files (default: a new temporary directory, removed at the end)")
	quiet := fs.Bool("q", false, "log only warnings and errors")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: testenv [flags] -- command [args...]\n\n"+
			"Starts PostgreSQL, MariaDB, redis-server and memcached on 127.0.0.1, runs the command\n"+
			"with DJSESSION_* variables naming them (and DJSESSION_FULL_TEST=1), stops the servers,\n"+
			"and exits with the command's status.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	argv := fs.Args()
	if len(argv) == 0 {
		fs.Usage()
		return 2
	}

	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})).With("prog", "testenv")

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// A signal while the servers start cancels the start.
	started := make(chan struct{})
	var early os.Signal
	go func() {
		select {
		case early = <-sigs:
			cancel()
		case <-started:
		}
	}()
	cfg := testservers.Config{Chromium: *chromium, Python: *python, Dir: *dir, Logger: log}
	cfg.Servers = []string{}
	for _, k := range strings.Split(*servers, ",") {
		if k = strings.TrimSpace(k); k != "" {
			cfg.Servers = append(cfg.Servers, k)
		}
	}
	env, err := testservers.StartEnv(ctx, cfg)
	close(started)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: the test environment could not be started:\n%v\n", err)
		return 3
	}
	defer func() {
		if err := env.Close(); err != nil {
			log.Error("stopping servers", "err", err)
		}
	}()
	if early != nil {
		log.Warn("interrupted while starting", "signal", early)
		return 128 + int(early.(syscall.Signal))
	}

	code, err := env.Run(argv, os.Stdin, os.Stdout, os.Stderr, sigs)
	if err != nil {
		log.Error("running the command", "err", err)
	}
	log.Info("command finished", "exit", code)
	return code
}
