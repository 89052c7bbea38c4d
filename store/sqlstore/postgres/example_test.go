package postgres_test

import (
	"context"
	"log"
	"os"

	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/postgres"
)

// Open a pool, make a Store and create Django's table (a no-op when a
// Django site created it already).
func Example() {
	db, err := postgres.Open(os.Getenv("DATABASE_URL")) // postgres://user:pass@host:5432/db?sslmode=verify-full
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := postgres.New(db, sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.CreateTable(context.Background()); err != nil {
		log.Fatal(err)
	}
	// Hand store to session.Config{Store: store}.
}
