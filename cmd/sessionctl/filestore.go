package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/djsession/djsession/store/file"
)

// defaultFileDir is the demo site's session directory on the file engine
// (cmd/sessiondemo --engine file with its default data folder).
var defaultFileDir = filepath.Join(filepath.Dir(defaultSQLitePath), "sessions")

// isFileEngine reports whether o names the file engine, whose --dsn is the
// session directory (Django's SESSION_FILE_PATH).
func isFileEngine(o *opts) bool {
	return strings.ToLower(strings.TrimSpace(o.engine)) == "file"
}

// fileDir is the session directory o names.
func fileDir(o *opts) string {
	if o.dsn != "" {
		return o.dsn
	}
	return defaultFileDir
}

// openFileStore opens the file engine on an existing directory. The store
// reads each file's expiry from its signed data, so it needs the secret key;
// its warnings (a directory other users can list or write) go to stderr.
func openFileStore(cmd string, o *opts, secret []byte, fallbacks [][]byte, stderr io.Writer) (*file.Store, int) {
	dir := fileDir(o)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stderr, "sessionctl %s: the session directory %s does not exist (run 'sessionctl migrate --engine file' to create it, or pass --dsn DIR)\n", cmd, dir)
		return nil, exitStoreErr
	case err != nil:
		fmt.Fprintf(stderr, "sessionctl %s: %v\n", cmd, err)
		return nil, exitStoreErr
	case !fi.IsDir():
		fmt.Fprintf(stderr, "sessionctl %s: %s is not a directory\n", cmd, dir)
		return nil, exitStoreErr
	}
	st, err := file.New(file.Options{
		Dir:          dir,
		SecretKey:    secret,
		FallbackKeys: fallbacks,
		Logger:       slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		fmt.Fprintf(stderr, "sessionctl %s: %v\n", cmd, err)
		return nil, exitStoreErr
	}
	return st, exitOK
}

// fileSecrets is secrets for a command on the file engine: without a key,
// a command on the demo's default directory uses the key the demo generated.
func fileSecrets(cmd string, o *opts, stderr io.Writer) ([]byte, [][]byte, bool) {
	if o.secretKey == "" && o.secretKeyFile == "" && !o.secretKeyFlag && o.dsn == "" {
		if _, err := os.Stat(demoSecretKeyFile); err == nil {
			o.secretKeyFile = demoSecretKeyFile
		}
	}
	return secrets(cmd, o, stderr)
}

// runMigrateFile creates the session directory with mode 0700: the file
// engine has no table.
func runMigrateFile(o *opts, stdout, stderr io.Writer) int {
	dir := fileDir(o)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintf(stderr, "sessionctl migrate: creating the session directory: %v\n", err)
		return exitStoreErr
	}
	fmt.Fprintf(stdout, "session directory %s is ready\n", dir)
	return exitOK
}

// runClearFile is clearsessions on the file engine.
func runClearFile(ctx context.Context, o *opts, stdout, stderr io.Writer) int {
	secret, fallbacks, ok := fileSecrets("clearsessions", o, stderr)
	if !ok {
		return exitUsage
	}
	st, code := openFileStore("clearsessions", o, secret, fallbacks, stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	n, err := st.ClearExpiredCount(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "sessionctl clearsessions: %v (removed %d)\n", err, n)
		return exitStoreErr
	}
	fmt.Fprintf(stdout, "removed %d expired session(s)\n", n)
	return exitOK
}

// runInspectFile is inspect on the file engine.
func runInspectFile(ctx context.Context, o *opts, key string, stdout, stderr io.Writer) int {
	secret, fallbacks, ok := fileSecrets("inspect", o, stderr)
	if !ok {
		return exitUsage
	}
	st, code := openFileStore("inspect", o, secret, fallbacks, stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	return inspectStore(ctx, st, nil, key, secret, fallbacks, stdout, stderr)
}
