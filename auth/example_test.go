package auth_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/djsession/djsession/auth"
)

func ExampleIsSafeRedirect() {
	hosts := []string{"example.com"}
	for _, next := range []string{"/account/?tab=2", "https://example.com/x", "//evil.com", `/\evil.com`, "https:evil.com", "javascript:alert(1)"} {
		fmt.Printf("%-22s %v\n", next, auth.IsSafeRedirect(next, hosts, false))
	}
	// Output:
	// /account/?tab=2        true
	// https://example.com/x  true
	// //evil.com             false
	// /\evil.com             false
	// https:evil.com         false
	// javascript:alert(1)    false
}

func ExampleSafeNext() {
	r := httptest.NewRequest("POST", "http://example.com/login/", nil)
	fmt.Println(auth.SafeNext(r, "/private/café?x=1", "/"))
	fmt.Println(auth.SafeNext(r, "http://example.com/ok", "/"))
	fmt.Println(auth.SafeNext(r, "//evil.com/", "/"))
	// Output:
	// /private/caf%C3%A9?x=1
	// http://example.com/ok
	// /
}
