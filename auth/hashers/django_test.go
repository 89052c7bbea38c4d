package hashers

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

// TestMustUpdateAsDjango checks MustUpdate(encoded, Django32Iterations)
// against whether Django 3.2's check_password, given the right password,
// stores a new hash (calls its setter).
func TestMustUpdateAsDjango(t *testing.T) {
	made, err := Make("lookingglass", Django32Iterations)
	if err != nil {
		t.Fatal(err)
	}
	hashes := []struct{ password, encoded string }{
		{"lookingglass", made},
	}
	for _, h := range djangoHashes {
		hashes = append(hashes, struct{ password, encoded string }{h.password, h.encoded})
	}
	// A 3.2 count with a short salt (made before Django 3.2 raised the
	// salt entropy).
	short, err := Encode("x", "shortsalt", Django32Iterations)
	if err != nil {
		t.Fatal(err)
	}
	hashes = append(hashes, struct{ password, encoded string }{"x", short})
	var calls [][]string
	for _, h := range hashes {
		calls = append(calls, []string{"check-password", "--password-json", djangotest.JSONString(h.password), "--encoded", h.encoded})
	}
	res := djangotest.RunBatch(t, calls...)
	for i, h := range hashes {
		r := djangotest.OK(t, res[i])
		if valid, _ := r["valid"].(bool); !valid {
			t.Fatalf("Django refused %q", h.encoded)
		}
		updated, _ := r["updated"].(bool)
		if got := MustUpdate(h.encoded, Django32Iterations); got != updated {
			t.Errorf("MustUpdate(%q, Django32Iterations) = %v; Django 3.2 stores a new hash: %v", h.encoded, got, updated)
		}
	}
}
