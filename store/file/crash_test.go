package file_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/file"
)

// The crash helper: TestCrashSafety runs the test binary again with these
// variables set, and that process saves sessions until it is killed.
const (
	crashDirEnv  = "DJSESSION_FILE_CRASH_DIR"
	crashGenEnv  = "DJSESSION_FILE_CRASH_GEN"
	crashKeysEnv = "DJSESSION_FILE_CRASH_KEYS"
)

// crashValues is generation gen of the session key: its size (0.25 to 4
// KiB of random text, which zlib cannot shrink, and small enough that under
// the race detector the encoding does not dwarf the I/O of a save)
// and its content are a function of both, so that a reader can tell a
// whole generation from anything else.
func crashValues(key string, gen int64) map[string]any {
	var seed [32]byte
	copy(seed[:], key)
	binary.LittleEndian.PutUint64(seed[24:], uint64(gen))
	r := rand.NewChaCha8(seed)
	pad := make([]byte, 192+r.Uint64()%(3<<10))
	r.Read(pad)
	return map[string]any{"key": key, "gen": gen, "pad": base64.StdEncoding.EncodeToString(pad)}
}

// crashHelper creates a session and saves each key, generation after
// generation, printing an ACK line after each save returns. It
// never returns: the test kills it.
func crashHelper(dir string) {
	st, err := file.New(file.Options{Dir: dir, SecretKey: testKey, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash helper:", err)
		os.Exit(2)
	}
	gen, _ := strconv.ParseInt(os.Getenv(crashGenEnv), 10, 64)
	keys := strings.Split(os.Getenv(crashKeysEnv), ",")
	exp := time.Now().Add(24 * time.Hour)
	for ; ; gen++ {
		k := session.NewKey()
		if err := st.SaveValues(bg, k, crashValues(k, gen), exp, true); err != nil {
			fmt.Fprintln(os.Stderr, "crash helper: create:", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stdout, "ACK new %s %d\n", k, gen)
		for _, k := range keys {
			if err := st.SaveValues(bg, k, crashValues(k, gen), exp, false); err != nil {
				fmt.Fprintln(os.Stderr, "crash helper: update:", err)
				os.Exit(2)
			}
			fmt.Fprintf(os.Stdout, "ACK upd %s %d\n", k, gen)
		}
	}
}

// TestCrashSafety kills a process that saves sessions with SIGKILL at
// random moments, 100 times, and after each kill checks every file in the
// directory: each session file holds a whole generation (its signature
// verifies and its content is exactly that generation's), either the last
// one the writer reported saved or the one it was writing; a session being
// created is either absent or whole; a temporary file left by the kill is
// never taken for a session; and ClearExpired removes the leftovers.
//
// This proves that the writes are atomic: a reader never sees a part of a
// file. It does not prove that they are durable: SIGKILL ends the process,
// not the kernel, so the page cache survives and whatever the process had
// handed to the kernel reaches the disk whether or not it was fsynced.
// Only a power cut (or a block device that drops unflushed writes, such as
// dm-log-writes) tests the fsyncs; TestWriteOrder checks that they are made,
// and in the right order.
func TestCrashSafety(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashHelper(dir)
	}
	dir := t.TempDir()
	st := newStore(t, file.Options{Dir: dir})
	keys := make([]string, 4)
	current := map[string]int64{} // the generation each file holds
	for i := range keys {
		keys[i] = newKey()
		mustSaveValues(t, st, keys[i], crashValues(keys[i], 0), true)
		current[keys[i]] = 0
	}
	created := map[string]int64{}        // sessions the helper created, and their generation
	seenTemps := map[string]bool{}       // temporary files left by earlier kills
	verified := map[string]os.FileInfo{} // created sessions already checked whole

	const kills = 100
	gen := int64(1)
	insideSave := 0 // kills that left a temporary file: the helper died inside a save
	for round := range kills {
		acks, stderr := runAndKill(t, dir, gen, keys)
		last := map[string]int64{} // the last generation acknowledged per key in this round
		top := gen - 1
		for _, a := range acks {
			switch a.op {
			case "upd":
				last[a.key] = a.gen
			case "new":
				created[a.key] = a.gen
			}
			top = max(top, a.gen)
		}

		temps := 0 // left by this kill
		for _, name := range names(t, dir) {
			if strings.Contains(name, file.TempInfix) {
				if seenTemps[name] {
					continue
				}
				seenTemps[name] = true
				temps++
				// Never a session: the name is not a key.
				pseudo := strings.TrimPrefix(name, "sessionid")
				if _, _, found, err := st.LoadValues(bg, pseudo); found || err != nil {
					t.Fatalf("round %d: the temporary file %s loads as a session (%v)", round, name, err)
				}
				continue
			}
			key, ok := strings.CutPrefix(name, "sessionid")
			if !ok || !session.ValidKey(key) {
				t.Fatalf("round %d: unexpected file %s", round, name)
			}
			if fi, ok := verified[key]; ok {
				// Created in an earlier round and never written since.
				if now, err := os.Stat(fileName(t, st, key)); err != nil || !os.SameFile(fi, now) || now.Size() != fi.Size() {
					t.Fatalf("round %d: an earlier session file changed: %v", round, err)
				}
				continue
			}
			vals, _, found, err := st.LoadValues(bg, key)
			if err != nil || !found {
				t.Fatalf("round %d: session file %s does not load whole: found %v, %v (helper stderr: %s)", round, name, found, err, stderr)
			}
			g, _ := vals["gen"].(int64)
			if !reflect.DeepEqual(vals, crashValues(key, g)) {
				t.Fatalf("round %d: session file %s holds something other than a whole generation", round, name)
			}
			var allowed []int64
			if cur, fixed := current[key]; fixed {
				// The last generation reported saved, or the next one
				// (being written, or written but not yet reported).
				base, next := cur, gen
				if l, ok := last[key]; ok {
					base, next = l, l+1
				}
				allowed = []int64{base, next}
				current[key] = g
			} else {
				if cg, ok := created[key]; ok {
					allowed = []int64{cg}
				} else {
					// The session being created when the helper died:
					// whole, of the generation after the last reported.
					allowed = []int64{top, top + 1}
					created[key] = g
				}
				fi, err := os.Stat(fileName(t, st, key))
				if err != nil {
					t.Fatal(err)
				}
				verified[key] = fi
			}
			if !slices.Contains(allowed, g) {
				t.Fatalf("round %d: session %s holds generation %d, want one of %v", round, name, g, allowed)
			}
		}
		for k := range created {
			if _, ok := verified[k]; !ok {
				t.Fatalf("round %d: a session reported created is missing", round)
			}
		}
		for _, k := range keys {
			if ok, _ := st.Exists(bg, k); !ok {
				t.Fatalf("round %d: an updated session is missing", round)
			}
		}
		if temps > 0 {
			insideSave++
		}
		gen = top + 2
	}
	t.Logf("%d kills: %d left a temporary file (the process died inside a save, between the temporary file's creation and its rename or link), %d sessions created, %d temporary files now",
		kills, insideSave, len(created), len(tempNames(t, dir)))

	if n, err := st.Count(bg); err != nil || n != int64(len(keys)+len(created)) {
		t.Fatalf("Count = %d, %v; want %d (temporary files are not sessions)", n, err, len(keys)+len(created))
	}

	// A store that takes every temporary file for stale clears them all and
	// keeps every session.
	sweeper := newStore(t, file.Options{Dir: dir, StaleTempAge: time.Nanosecond})
	before, _ := sweeper.Count(bg)
	if err := sweeper.ClearExpired(bg); err != nil {
		t.Fatal(err)
	}
	if tmp := tempNames(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left after ClearExpired: %v", tmp)
	}
	if after, _ := sweeper.Count(bg); after != before || after != int64(len(keys)+len(created)) {
		t.Errorf("Count after ClearExpired = %d, want %d", after, before)
	}
}

type ack struct {
	op, key string
	gen     int64
}

// runAndKill starts the crash helper on dir, kills it with SIGKILL at a
// random moment during its third save, and returns what it reported saved.
func runAndKill(t *testing.T, dir string, gen int64, keys []string) ([]ack, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashGenEnv+"="+strconv.FormatInt(gen, 10), crashKeysEnv+"="+strings.Join(keys, ","))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, out)
	}()
	var acks []ack
	collect := func(line string) {
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "ACK" {
			g, _ := strconv.ParseInt(f[3], 10, 64)
			acks = append(acks, ack{f[1], f[2], g})
		}
	}
	// Wait for two saves, so that the kill lands in the loop, then kill at
	// a random moment within the time one save took: inside the next one.
	var stamps []time.Time
	for len(stamps) < 2 {
		select {
		case line, ok := <-lines:
			if !ok {
				cmd.Wait()
				t.Fatalf("the crash helper stopped: %s", stderr.String())
			}
			collect(line)
			stamps = append(stamps, time.Now())
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the crash helper saved nothing in a minute: %s", stderr.String())
		}
	}
	one := stamps[1].Sub(stamps[0])
	time.Sleep(time.Duration(rand.Int64N(int64(one) + 1)))
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for line := range lines {
		collect(line)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the crash helper ended with %v, not by SIGKILL: %s", err, stderr.String())
	}
	return acks, stderr.String()
}
