package sqlstore_test

import (
	"fmt"

	"github.com/djsession/djsession/store/sqlstore"
)

// The examples that open a database live beside a driver, so that this
// module needs none: see store/sqlstore/sqlite (sqlstore_example_test.go)
// for a Store on a SQLite file, its Options and ClearExpired.

// ParseDialect reads a dialect from a flag or an environment variable.
func ExampleParseDialect() {
	d, err := sqlstore.ParseDialect("postgresql")
	fmt.Println(d, err)
	// Output: postgres <nil>
}
