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

func TestConformance(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, now func() time.Time) session.Store {
		return newStore(t, file.Options{Now: now})
	}, storetest.Options{})
}

// TestConformanceRealClock runs the suite on the system's clock too: the
// expiry comes from real modification times, and the check of a short
// expiry waits for it.
func TestConformanceRealClock(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) session.Store {
		return newStore(t, file.Options{})
	})
}
