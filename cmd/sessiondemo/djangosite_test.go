package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/djangotest"
	"github.com/djsession/djsession/internal/testservers"
)

// djangoSiteDir is the repository's Django project (examples/django-site).
const djangoSiteDir = "../../examples/django-site"

// djangoSite is a running examples/django-site: Django's own runserver on
// 127.0.0.1, with its settings chosen by DJSITE_* environment variables.
type djangoSite struct {
	base string // http://127.0.0.1:port
	cmd  *exec.Cmd
	log  *lockedBuffer
	once sync.Once
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// stop ends the Django site (again: a no-op).
func (s *djangoSite) stop() {
	s.once.Do(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	})
}

// manage runs "manage.py args..." with env and fails the test on an error.
func manage(t *testing.T, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, djangotest.Python(t), append([]string{"manage.py"}, args...)...)
	cmd.Dir = djangoSiteDir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("manage.py %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if args[0] == "migrate" {
		for _, kv := range env {
			// A SQLite file holds live session keys: private, as the Go
			// side warns otherwise (Django creates it with the umask's mode).
			if path, ok := strings.CutPrefix(kv, "DJSITE_DATABASE="); ok && !strings.Contains(path, "://") {
				if err := os.Chmod(path, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return string(out)
}

// startDjangoSite migrates the site's database (Django owns the schema:
// auth_user, django_session...), creates the users (username, password
// pairs) and serves the site until the test ends.
func startDjangoSite(t *testing.T, env []string, users ...string) *djangoSite {
	t.Helper()
	manage(t, env, "migrate", "--verbosity", "0")
	if len(users) > 0 {
		manage(t, env, append([]string{"demouser"}, users...)...)
	}
	port, err := testservers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	site := &djangoSite{base: "http://" + addr, log: &lockedBuffer{}}
	site.cmd = exec.Command(djangotest.Python(t), "manage.py", "runserver", "--noreload", addr)
	site.cmd.Dir = djangoSiteDir
	site.cmd.Env = append(os.Environ(), env...)
	site.cmd.Stdout, site.cmd.Stderr = site.log, site.log
	if err := site.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		site.stop()
		if t.Failed() {
			t.Logf("the Django site's log:\n%s", site.log.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			if r, err := http.Get(site.base + "/session.json"); err == nil {
				r.Body.Close()
				if r.StatusCode == 200 {
					return site
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Django site did not start on %s:\n%s", addr, site.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// testIterations is the PBKDF2 count of the side-by-side tests' password
// hashes on both sides (Django's DJSITE_PBKDF2_ITERATIONS, the demo's
// DjangoIterations): Django 3.2's 260000 costs a second per login under
// the race detector.
const testIterations = 2000

// djangoEnv is the environment of the Django site for a test: the shared
// secret key and the DJSITE_* settings given.
func djangoEnv(settings map[string]string) []string {
	env := []string{"DJSITE_SECRET_KEY=" + testKey, "PYTHONDONTWRITEBYTECODE=1", "DJSITE_PBKDF2_ITERATIONS=" + strconv.Itoa(testIterations)}
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	return env
}

// sqliteFile is a path for a SQLite database shared by both sides.
func sqliteFile(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "site.sqlite3")
}
