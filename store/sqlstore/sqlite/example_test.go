package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

// Open a database file, make a Store and create Django's table.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	db, err := sqlite.Open(filepath.Join(dir, "sessions.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := sqlite.New(db, sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.CreateTable(context.Background()); err != nil {
		log.Fatal(err)
	}
	err = store.Save(context.Background(), "abcdefghijklmnopqrstuvwxyz012345", []byte("data"), time.Now().Add(time.Hour), true)
	fmt.Println(err)
	// Output: <nil>
}

// DSN shows what Open passes to modernc.org/sqlite.
func ExampleDSN() {
	dsn, _ := sqlite.DSN("/var/lib/app/sessions.db")
	fmt.Println(dsn)
	// Output: file:/var/lib/app/sessions.db?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)
}
