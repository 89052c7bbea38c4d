package djpassword_test

import (
	"fmt"
	"strings"

	"github.com/djsession/djsession/internal/djpassword"
)

func ExampleCheck() {
	// A hash copied from a Django auth_user table.
	stored := "pbkdf2_sha256$260000$djangoSaltForAlice0123$qn1QYwgEAbF9G4a+iYaB4hYkcndeQPUlFg8ReOtWAIY="
	ok, err := djpassword.Check("wonderland", stored)
	fmt.Println(ok, err)
	ok, err = djpassword.Check("Wonderland", stored)
	fmt.Println(ok, err)
	// Output:
	// true <nil>
	// false <nil>
}

func ExampleEncode() {
	encoded, err := djpassword.Encode("x", "s", 1)
	fmt.Println(encoded, err)
	// Output: pbkdf2_sha256$1$s$Iw9uUpJ8wkEJJjGR3rcONsswOtuGX7TZe8GsNaKCO3I= <nil>
}

func ExampleMake() {
	encoded, err := djpassword.Make("wonderland")
	if err != nil {
		panic(err)
	}
	// pbkdf2_sha256$1000000$<22 random characters>$<base64 of 32 bytes>
	parts := strings.Split(encoded, "$")
	fmt.Println(parts[0], parts[1], len(parts[2]), len(parts[3]))
	// Output: pbkdf2_sha256 1000000 22 44
}
