package djpassword

import (
	"strconv"
	"testing"

	"github.com/djsession/djsession/internal/djangotest"
)

// TestHashesInteroperateWithDjango makes hashes on each side and checks
// them on the other, through the real Django's make_password and
// check_password.
func TestHashesInteroperateWithDjango(t *testing.T) {
	passwords := []string{"wonderland", "café ☕ with spaces", "", "quote\"back\\slash$dollar"}
	var calls [][]string
	goHashes := make([]string, len(passwords))
	for i, pw := range passwords {
		salt, err := NewSalt()
		if err != nil {
			t.Fatal(err)
		}
		goHashes[i], err = Encode(pw, salt, 1000)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls,
			[]string{"check-password", "--password-json", djangotest.JSONString(pw), "--encoded", goHashes[i]},
			[]string{"check-password", "--password-json", djangotest.JSONString(pw + "!"), "--encoded", goHashes[i]},
			[]string{"make-password", "--password-json", djangotest.JSONString(pw), "--iterations", strconv.Itoa(1000 + i)},
		)
	}
	res := djangotest.RunBatch(t, calls...)
	for i, pw := range passwords {
		t.Run("password "+strconv.Quote(pw)+" works both ways", func(t *testing.T) {
			if valid, _ := djangotest.OK(t, res[3*i])["valid"].(bool); !valid {
				t.Errorf("Django refused the Go hash %q of the right password", goHashes[i])
			}
			if valid, _ := djangotest.OK(t, res[3*i+1])["valid"].(bool); valid {
				t.Errorf("Django accepted the Go hash %q for a wrong password", goHashes[i])
			}
			encoded, _ := djangotest.OK(t, res[3*i+2])["encoded"].(string)
			if ok, err := Check(pw, encoded); !ok || err != nil {
				t.Errorf("Check(right password, Django's %q) = %v, %v", encoded, ok, err)
			}
			if ok, err := Check(pw+"!", encoded); ok || err != nil {
				t.Errorf("Check(wrong password, Django's %q) = %v, %v; want false, nil", encoded, ok, err)
			}
		})
	}
}

// TestDjangoDefaultHashChecks checks a hash made with Django 3.2's default
// iteration count and random salt, as found in an auth_user table.
func TestDjangoDefaultHashChecks(t *testing.T) {
	res := djangotest.OK(t, djangotest.Run(t, "make-password", "--password", "lookingglass"))
	encoded, _ := res["encoded"].(string)
	if ok, err := Check("lookingglass", encoded); !ok || err != nil {
		t.Errorf("Check(%q) = %v, %v; want true", encoded, ok, err)
	}
}
