package benchmarks

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/file"
	"github.com/gorilla/sessions"
)

// fileImpls are the two file stores side by side: djsession's file engine
// (Django's files, each save fsynced and renamed into place, the directory
// fsynced) and gorilla/sessions' FilesystemStore (gob and securecookie in a
// file written with os.WriteFile, no fsync, one global mutex).
func fileImpls(b *testing.B) []impl {
	st, err := file.New(file.Options{Dir: privateDir(b), SecretKey: secret})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return []impl{
		djsessionImpl(b, "djsession-file", st, nil),
		gorillaWith("gorilla-filesystem", sessions.NewFilesystemStore(privateDir(b), secret)),
	}
}

// privateDir is a new directory of mode 0700 (b.TempDir's are 0755 under
// the usual umask, and the file store warns that others could list them).
func privateDir(b *testing.B) string {
	dir := b.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkFileReadOnly reads two values of an existing session kept in a
// file: a file read and a decode per request.
func BenchmarkFileReadOnly(b *testing.B) {
	for _, im := range fileImpls(b) {
		b.Run(im.name, func(b *testing.B) {
			serve(b, im.wrap(http.HandlerFunc(im.read)), request(newSession(b, im)), false)
		})
	}
}

// BenchmarkFileModify increments a counter of a session kept in a file:
// a read and a write per request (durable for djsession, not for gorilla).
func BenchmarkFileModify(b *testing.B) {
	for _, im := range fileImpls(b) {
		b.Run(im.name, func(b *testing.B) {
			serve(b, im.wrap(http.HandlerFunc(im.modify)), request(newSession(b, im)), true)
		})
	}
}

// BenchmarkFileNew creates a session file per request.
func BenchmarkFileNew(b *testing.B) {
	for _, im := range fileImpls(b) {
		b.Run(im.name, func(b *testing.B) {
			serve(b, im.wrap(http.HandlerFunc(im.fill)), request(""), true)
		})
	}
}

// BenchmarkFsync measures what durability costs on the file system the
// benchmarks run on, for one session-sized file (a temporary file written
// and renamed over the session's file): without any fsync (gorilla's
// os.WriteFile does less still: no rename), with the file fsynced before
// the rename, and with the directory fsynced after it too (what a save of
// the file store does). The difference between the first and the last is
// the cost of a durable save.
func BenchmarkFsync(b *testing.B) {
	content := make([]byte, 200) // about the size of the benchmark's session file
	for _, tc := range []struct {
		name            string
		syncFile, syncD bool
	}{
		{"write+rename", false, false},
		{"write+fsync+rename", true, false},
		{"write+fsync+rename+fsync-dir", true, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			d, err := os.Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			target := filepath.Join(dir, "session")
			i := 0
			for b.Loop() {
				i++
				tmp := fmt.Sprintf("%s_out_%d", target, i)
				f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.Write(content); err != nil {
					b.Fatal(err)
				}
				if tc.syncFile {
					if err := f.Sync(); err != nil {
						b.Fatal(err)
					}
				}
				f.Close()
				if err := os.Rename(tmp, target); err != nil {
					b.Fatal(err)
				}
				if tc.syncD {
					if err := d.Sync(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// clearFiles is the size of BenchmarkFileClearExpired's directory.
const clearFiles = 100_000

// BenchmarkFileClearExpired runs ClearExpired over a directory of 100 000
// session files, half of them expired, and reports the time of one pass,
// the files per second and the peak of the live heap during the pass
// (sampled every millisecond; the directory is streamed, so it does not
// grow with the number of files). The fixtures are written with plain
// os.WriteFile, not through durable saves. Run it with -benchtime=1x: each
// iteration writes the expired half again, outside the timer.
func BenchmarkFileClearExpired(b *testing.B) {
	dir := privateDir(b)
	st, err := file.New(file.Options{Dir: dir, SecretKey: secret})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	codec := session.NewDjangoCodec(secret, nil, nil)
	live, err := codec.Encode(map[string]any{"user_id": int64(userID), "username": username, "visits": int64(3)})
	if err != nil {
		b.Fatal(err)
	}
	expired, err := codec.Encode(map[string]any{"user_id": int64(userID), session.ExpiryKey: "2020-01-01T00:00:00+00:00"})
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, clearFiles)
	for i := range keys {
		keys[i] = session.NewKey()
	}
	write := func(from int, content []byte) {
		for i := from; i < clearFiles; i += 2 {
			name, _ := st.FileName(keys[i])
			if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
				b.Fatal(err)
			}
		}
	}
	t0 := time.Now()
	write(0, live)
	write(1, expired)
	b.Logf("%d fixture files written in %v", clearFiles, time.Since(t0).Round(time.Millisecond))

	ctx := context.Background()
	var peak uint64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i > 0 {
			b.StopTimer()
			write(1, expired)
			b.StartTimer()
		}
		runtime.GC()
		base := heapObjects()
		stop := sampleHeap(&peak)
		n, err := st.ClearExpiredCount(ctx)
		stop()
		if err != nil || n != clearFiles/2 {
			b.Fatalf("ClearExpiredCount = %d, %v; want %d", n, err, clearFiles/2)
		}
		if peak > base {
			peak -= base
		} else {
			peak = 0
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(clearFiles)/(b.Elapsed().Seconds()/float64(b.N)), "files/s")
	if n, err := st.Count(ctx); err != nil || n != clearFiles/2 {
		b.Fatalf("Count = %d, %v; want %d", n, err, clearFiles/2)
	}
}

// heapObjects is the live heap, from runtime/metrics (which, unlike
// ReadMemStats, does not stop the world).
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap records the largest live heap into peak until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	*peak = heapObjects()
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				*peak = max(*peak, heapObjects())
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		*peak = max(*peak, heapObjects())
	}
}
