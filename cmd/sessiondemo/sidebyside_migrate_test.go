package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/djangotest"
)

// TestWhoRunsTheMigration: the Django site's migrate owns the schema. Run
// it first, and the Go side's CreateTable (IF NOT EXISTS, Django's names)
// then finds the table; the other way round, Django's migrate fails on the
// django_session table Go made, and `migrate --fake-initial` records it as
// applied (docs/django-users.md, "Who runs the migration").
func TestWhoRunsTheMigration(t *testing.T) {
	requireSideBySide(t)
	t.Run("Django first, then Go", func(t *testing.T) {
		path := sqliteFile(t)
		manage(t, djangoEnv(map[string]string{"DJSITE_DATABASE": path}), "migrate", "--verbosity", "0")
		srv, err := newServer(context.Background(), config{Engine: "sqlite", DSN: path, DjangoUsers: path, SecretKey: []byte(testKey), Logger: quietLogger()})
		if err != nil {
			t.Fatalf("the Go demo on a database Django migrated: %v", err)
		}
		srv.Close()
	})
	t.Run("Go first: Django's migrate needs --fake-initial", func(t *testing.T) {
		path := sqliteFile(t)
		srv, err := newServer(context.Background(), config{Engine: "sqlite", DSN: path, SecretKey: []byte(testKey), Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		srv.Close()
		env := djangoEnv(map[string]string{"DJSITE_DATABASE": path})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, djangotest.Python(t), "manage.py", "migrate", "--verbosity", "0")
		cmd.Dir, cmd.Env = djangoSiteDir, append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), `table "django_session" already exists`) {
			t.Fatalf("Django's migrate after Go's CreateTable: %v\n%s", err, out)
		}
		if out := manage(t, env, "migrate", "--fake-initial"); !strings.Contains(out, "sessions.0001_initial... FAKED") {
			t.Errorf("migrate --fake-initial:\n%s", out)
		}
	})
}
