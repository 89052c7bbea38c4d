package mysql_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/djsession/djsession/store/sqlstore"
	"github.com/djsession/djsession/store/sqlstore/mysql"
)

// Open a pool on MySQL or MariaDB, make a Store and create Django's table.
func Example() {
	db, err := mysql.Open(os.Getenv("MYSQL_DSN")) // user:pass@tcp(host:3306)/db
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := mysql.New(db, sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.CreateTable(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// DSN adds the parameters the store relies on to a DSN of your own.
func ExampleDSN() {
	dsn, err := mysql.DSN("app:secret@tcp(db.example:3306)/app?timeout=5s")
	fmt.Println(dsn, err)
	// Output: app:secret@tcp(db.example:3306)/app?clientFoundRows=true&parseTime=true&timeout=5s <nil>
}
