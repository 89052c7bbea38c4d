package testservers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Database is the database that StartPostgres and StartMariaDB create for
// the tests.
const Database = "djsession"

// StartPostgres starts a new PostgreSQL server from Debian's packages
// (/usr/lib/postgresql/N/bin, the newest N) on 127.0.0.1 and a free port,
// with a fresh cluster in dir (initdb, trust authentication for the
// superuser "postgres", UTF-8) and an empty database named Database.
// It listens on TCP only (no Unix socket, so it never meets another
// server's socket) and returns once the server answers queries.
//
// PostgreSQL refuses to run as root: when this process is root, initdb and
// postgres run as the packaged "postgres" user, dir and its ancestors are
// made searchable for that user, and the cluster lives in dir/data owned by
// it. An empty dir means a new temporary directory that Close removes.
// The cluster runs with fsync=off, which keeps everything committed across
// Stop, Crash and Start (only an operating-system crash could lose data).
func StartPostgres(ctx context.Context, dir string) (*Server, error) {
	bin, err := postgresBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := serviceUser("postgres")
	if err != nil {
		return nil, err
	}
	s, err := newServer("postgres", dir)
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := makeSearchable(s.Dir); err != nil {
			s.Close()
			return nil, fmt.Errorf("testservers: %w", err)
		}
	}
	data := filepath.Join(s.Dir, "data")
	s.dsn = postgresDSN(s.Addr)
	s.spec = serverSpec{
		cred:        cred,
		dir:         s.Dir,
		stopSignal:  syscall.SIGINT,  // fast shutdown
		crashSignal: syscall.SIGQUIT, // immediate shutdown: recovery at the next start
		prepare: func(ctx context.Context, s *Server) error {
			if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err == nil {
				return nil
			}
			if err := mkdirFor(data, cred); err != nil {
				return err
			}
			_, err := runTool(ctx, cred, s.Dir, filepath.Join(bin, "initdb"),
				"-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
			return err
		},
		argv: func(s *Server) []string {
			return []string{filepath.Join(bin, "postgres"),
				"-D", data,
				"-h", "127.0.0.1",
				"-p", strconv.Itoa(s.Port()),
				"-k", "", // no Unix-domain socket
				"-c", "fsync=off",
				"-c", "max_connections=300",
				"-c", "log_min_messages=warning",
			}
		},
		ready: func(ctx context.Context, s *Server) error {
			_, err := psql(ctx, bin, s, "postgres", "SELECT 1")
			return err
		},
		afterReady: func(ctx context.Context, s *Server) error {
			out, err := psql(ctx, bin, s, "postgres", "SELECT count(*) FROM pg_database WHERE datname = '"+Database+"'")
			if err != nil {
				return err
			}
			if strings.TrimSpace(out) == "0" {
				_, err = psql(ctx, bin, s, "postgres", "CREATE DATABASE "+Database)
			}
			return err
		},
	}
	return startNew(ctx, s)
}

func postgresDSN(addr string) string {
	return "postgres://postgres@" + addr + "/" + Database + "?sslmode=disable"
}

// psql runs one statement through psql over TCP and returns its unaligned output.
func psql(ctx context.Context, bin string, s *Server, db, query string) (string, error) {
	return runTool(ctx, nil, os.TempDir(), filepath.Join(bin, "psql"),
		"-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", strconv.Itoa(s.Port()), "-U", "postgres", "-d", db,
		"-c", query)
}

// postgresBinDir returns the newest /usr/lib/postgresql/N/bin with a postgres binary.
func postgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(dirs) == 0 {
		return "", errors.New("testservers: no /usr/lib/postgresql/*/bin/postgres: install Debian's postgresql package (make test does)")
	}
	sort.Slice(dirs, func(i, j int) bool {
		return pgVersion(dirs[i]) > pgVersion(dirs[j])
	})
	return filepath.Dir(dirs[0]), nil
}

func pgVersion(path string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(filepath.Dir(path))), 64)
	return v
}
