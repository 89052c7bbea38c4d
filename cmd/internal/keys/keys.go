// Package keys reads the secret keys the commands are given.
package keys

import (
	"strings"
)

// Fallbacks parses SECRET_KEY_FALLBACKS as the commands take it: older
// secret keys separated by commas, white space around each ignored, empty
// entries dropped (a variable that is set but empty gives no key: an empty
// key would make forgeable signatures). Django's generated keys contain no
// comma.
func Fallbacks(list string) [][]byte {
	var fb [][]byte
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k != "" {
			fb = append(fb, []byte(k))
		}
	}
	return fb
}
