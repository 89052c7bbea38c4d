package testservers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// StartMariaDB starts a new MariaDB server from Debian's mariadb-server
// package on 127.0.0.1 and a free port, with a data directory made by
// mariadb-install-db in dir/data (root without a password on 127.0.0.1,
// utf8mb4) and an empty database named Database. It reads no option file
// (--no-defaults), keeps its Unix socket in a private temporary directory
// (never the system's /run/mysqld), and returns once the server answers
// queries. As root it runs with --user=root. An empty dir means a new
// temporary directory that Close removes.
func StartMariaDB(ctx context.Context, dir string) (*Server, error) {
	server, err := lookPath("mariadbd", "/usr/sbin/mariadbd", "/usr/sbin/mysqld")
	if err != nil {
		return nil, err
	}
	installDB, err := lookPath("mariadb-install-db", "/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db")
	if err != nil {
		return nil, err
	}
	client, err := lookPath("mariadb", "/usr/bin/mariadb", "/usr/bin/mysql")
	if err != nil {
		return nil, err
	}
	s, err := newServer("mariadb", dir)
	if err != nil {
		return nil, err
	}
	// A socket path must fit in 108 bytes: keep it short, away from dir.
	sockDir, err := os.MkdirTemp("", "djs-mdb-")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("testservers: %w", err)
	}
	s.cleanup = append(s.cleanup, sockDir)
	data := filepath.Join(s.Dir, "data")
	root := isRoot()
	s.dsn = mariadbDSN(s.Addr)
	query := func(ctx context.Context, s *Server, q string) error {
		_, err := runTool(ctx, nil, os.TempDir(), client, "--no-defaults", "--protocol=tcp",
			"-h", "127.0.0.1", "-P", strconv.Itoa(s.Port()), "-u", "root", "--connect-timeout=3",
			"-e", q)
		return err
	}
	s.spec = serverSpec{
		stopSignal:  syscall.SIGTERM,
		crashSignal: syscall.SIGKILL,
		prepare: func(ctx context.Context, s *Server) error {
			if _, err := os.Stat(filepath.Join(data, "mysql")); err == nil {
				return nil
			}
			args := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal",
				"--skip-test-db", "--skip-name-resolve"}
			if root {
				args = append(args, "--user=root")
			}
			_, err := runTool(ctx, nil, s.Dir, installDB, args...)
			return err
		},
		argv: func(s *Server) []string {
			argv := []string{server, "--no-defaults",
				"--datadir=" + data,
				"--bind-address=127.0.0.1",
				"--port=" + strconv.Itoa(s.Port()),
				"--socket=" + filepath.Join(sockDir, "mysqld.sock"),
				"--pid-file=" + filepath.Join(s.Dir, "mariadbd.pid"),
				"--skip-log-bin",
				"--skip-name-resolve",
				"--character-set-server=utf8mb4",
				"--collation-server=utf8mb4_unicode_ci",
				"--max-connections=300",
				"--innodb-buffer-pool-size=64M",
				"--innodb-flush-log-at-trx-commit=2", // survives a process crash, not a power cut
			}
			if root {
				argv = append(argv, "--user=root")
			}
			return argv
		},
		ready: func(ctx context.Context, s *Server) error {
			return query(ctx, s, "SELECT 1")
		},
		afterReady: func(ctx context.Context, s *Server) error {
			return query(ctx, s, "CREATE DATABASE IF NOT EXISTS "+Database)
		},
	}
	return startNew(ctx, s)
}

func mariadbDSN(addr string) string {
	return "root@tcp(" + addr + ")/" + Database
}

// lookPath finds a program on PATH or at one of the usual places.
func lookPath(name string, candidates ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return c, nil
		}
	}
	return "", errors.New("testservers: " + name + " not found: install the Debian packages (make test does)")
}
