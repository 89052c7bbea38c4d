package file_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/file"
)

// Sessions kept in files, as Django's file engine keeps them: a Django
// site with the same SECRET_KEY and SESSION_FILE_PATH reads them.
func Example() {
	base, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(base)
	secret := []byte("a-long-random-secret-from-your-configuration")

	store, err := file.New(file.Options{
		Dir:       filepath.Join(base, "sessions"), // created with mode 0700
		SecretKey: secret,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	sessions, err := session.New(store, session.Config{SecretKey: secret})
	if err != nil {
		log.Fatal(err)
	}
	h := sessions.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromRequest(r)
		n, _, _ := s.GetInt("visits")
		s.Set("visits", n+1)
		fmt.Fprintf(w, "visit %d", n+1)
	}))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body, _ := io.ReadAll(rec.Body)
	fmt.Println(string(body))

	entries, _ := os.ReadDir(store.Dir())
	for _, e := range entries {
		info, _ := e.Info()
		fmt.Println(strings.HasPrefix(e.Name(), "sessionid"), len(e.Name()), info.Mode())
	}
	// Output:
	// visit 1
	// true 41 -rw-------
}

// ClearExpired is Django's clearsessions: run it from a ticker you own, or
// from cron with "sessionctl clearsessions --engine file --dsn DIR".
func ExampleStore_ClearExpiredCount() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	store, err := file.New(file.Options{Dir: dir, SecretKey: []byte("a-long-random-secret-from-your-configuration")})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	store.SaveValues(ctx, session.NewKey(), map[string]any{"a": 1}, time.Now().Add(time.Hour), true)
	store.SaveValues(ctx, session.NewKey(), map[string]any{"a": 2}, time.Now().Add(-time.Hour), true)

	removed, err := store.ClearExpiredCount(ctx)
	if err != nil {
		log.Fatal(err)
	}
	live, _ := store.Count(ctx)
	fmt.Println(removed, "removed,", live, "live")
	// Output:
	// 1 removed, 1 live
}
