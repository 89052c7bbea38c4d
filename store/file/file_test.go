package file_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/storetest"
	"github.com/djsession/djsession/store/file"
)

var testKey = []byte("file-store-test-secret-key-0123456789")

var bg = context.Background()

// newStore returns a Store on a fresh directory of the test's own.
func newStore(t testing.TB, opts file.Options) *file.Store {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.SecretKey == nil {
		opts.SecretKey = testKey
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	st, err := file.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestConformance runs the storetest suite on the store's clock, which the
// suite moves: the expiry is exact because every save sets the file's
// modification time from the expiry it is given. (The Django tests use the
// system's clock and real modification times.)
func TestConformance(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, now func() time.Time) session.Store {
		return newStore(t, file.Options{Now: now})
	}, storetest.Options{})
}
