package hashers_test

import (
	"fmt"
	"strings"

	"github.com/djsession/djsession/auth/hashers"
)

func ExampleCheck() {
	// A hash copied from the password column of a Django auth_user table.
	stored := "pbkdf2_sha256$260000$djangoSaltForAlice0123$qn1QYwgEAbF9G4a+iYaB4hYkcndeQPUlFg8ReOtWAIY="
	ok, err := hashers.Check("wonderland", stored)
	fmt.Println(ok, err)
	ok, err = hashers.Check("Wonderland", stored)
	fmt.Println(ok, err)
	_, err = hashers.Check("wonderland", "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA")
	fmt.Println(err)
	// Output:
	// true <nil>
	// false <nil>
	// hashers: unsupported password hasher: "argon2"
}

func ExampleMake() {
	// As a Django 3.2 site hashes a new password; 0 (or
	// hashers.DefaultIterations) is Django 5.2's count.
	encoded, err := hashers.Make("wonderland", hashers.Django32Iterations)
	if err != nil {
		panic(err)
	}
	// pbkdf2_sha256$260000$<22 random characters>$<base64 of 32 bytes>
	parts := strings.Split(encoded, "$")
	fmt.Println(parts[0], parts[1], len(parts[2]), len(parts[3]))
	// Output: pbkdf2_sha256 260000 22 44
}

func ExampleEncode() {
	encoded, err := hashers.Encode("x", "s", 1)
	fmt.Println(encoded, err)
	// Output: pbkdf2_sha256$1$s$Iw9uUpJ8wkEJJjGR3rcONsswOtuGX7TZe8GsNaKCO3I= <nil>
}

func ExampleMustUpdate() {
	// Django 3.2's hash of "wonderland", checked by a service that hashes
	// with Django 5.2's count: after a successful Check, store a new hash
	// as Django's check_password does.
	stored := "pbkdf2_sha256$260000$djangoSaltForAlice0123$qn1QYwgEAbF9G4a+iYaB4hYkcndeQPUlFg8ReOtWAIY="
	fmt.Println(hashers.MustUpdate(stored, hashers.Django32Iterations))
	fmt.Println(hashers.MustUpdate(stored, hashers.Django52Iterations))
	// Output:
	// false
	// true
}

func ExampleIsUsable() {
	// set_unusable_password() writes "!" and 40 random characters.
	fmt.Println(hashers.IsUsable("!Mh2r8fsn3Xk4oUJPdFZ4t3OQ8aBOcd3LVHw6Wc8t"))
	fmt.Println(hashers.IsUsable("pbkdf2_sha256$260000$djangoSaltForAlice0123$qn1QYwgEAbF9G4a+iYaB4hYkcndeQPUlFg8ReOtWAIY="))
	// Output:
	// false
	// true
}
