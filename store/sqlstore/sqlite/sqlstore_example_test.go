package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/sqlite"
)

// The examples of package sqlstore that need a database: they live here, in
// the module that brings the SQLite driver, so that the core module needs
// no driver.

// A sqlstore.Store on Django's table (here in an in-memory SQLite
// database; Example opens a file): create the table once, then save and
// load sessions.
func Example_sqlstore() {
	db, err := sqlite.Open(":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := sqlstore.New(db, sqlstore.SQLite, sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := store.CreateTable(ctx); err != nil {
		log.Fatal(err)
	}

	key := "q0yv7l0ktuc8n3lpm2h6jvajgrxqgj5n"
	expiry := time.Now().Add(14 * 24 * time.Hour)
	if err := store.Save(ctx, key, []byte("eyJhIjoxfQ:1uTQ2x:sig"), expiry, true); err != nil {
		log.Fatal(err)
	}
	data, _, found, err := store.Load(ctx, key)
	fmt.Println(string(data), found, err)
	// Output: eyJhIjoxfQ:1uTQ2x:sig true <nil>
}

// sqlstore.Options chooses another table and clock.
func Example_sqlstoreOptions() {
	db, err := sqlite.Open(":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := sqlstore.New(db, sqlstore.SQLite, sqlstore.Options{
		TableName: "app_sessions",
		Now:       func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(store.TableName(), store.Dialect())

	_, err = sqlstore.New(db, sqlstore.SQLite, sqlstore.Options{TableName: "sessions; DROP TABLE users"})
	fmt.Println(err != nil)
	// Output:
	// app_sessions sqlite
	// true
}

// Store.ClearExpired is Django's clearsessions: run it from a ticker or a
// cron job.
func Example_sqlstoreClearExpired() {
	db, err := sqlite.Open(":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, _ := sqlstore.New(db, sqlstore.SQLite, sqlstore.Options{})
	ctx := context.Background()
	if err := store.CreateTable(ctx); err != nil {
		log.Fatal(err)
	}
	_ = store.Save(ctx, "expiredexpiredexpiredexpired0000", []byte("old"), time.Now().Add(-time.Hour), true)
	_ = store.Save(ctx, "livelivelivelivelivelivelive0000", []byte("new"), time.Now().Add(time.Hour), true)

	n, err := store.ClearExpiredCount(ctx)
	fmt.Println(n, err)
	// Output: 1 <nil>
}
