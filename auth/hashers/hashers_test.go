package hashers

import (
	"errors"
	"strings"
	"testing"
)

// djangoHashes were made by Django 3.2's hashers with fixed salts; the
// first has Django 3.2's default iteration count, the others fewer, to keep
// the tests fast under -race.
var djangoHashes = []struct {
	name, password, encoded string
}{
	{"an ASCII password", "wonderland", "pbkdf2_sha256$260000$djangoSaltForAlice0123$qn1QYwgEAbF9G4a+iYaB4hYkcndeQPUlFg8ReOtWAIY="},
	{"a non-ASCII password", "café ☕", "pbkdf2_sha256$1000$UnicodeSalt$3vVgA1rquUaaray8lPxIHmH8QPThNFLXxBxD+CmKB0I="},
	{"the empty password", "", "pbkdf2_sha256$1000$EmptyPasswordSalt$EGArk7lJi24Vtshk3FCm0uzOJb/GXivOwdrS44hq+To="},
	{"a pbkdf2_sha1 hash", "lookingglass", "pbkdf2_sha1$1000$sha1salt$EpxRvDsVDBxfyUmy+WGjUo+VlJc="},
	{"a single iteration", "x", "pbkdf2_sha256$1$s$Iw9uUpJ8wkEJJjGR3rcONsswOtuGX7TZe8GsNaKCO3I="},
}

func TestCheckAcceptsDjangoHashes(t *testing.T) {
	for _, tt := range djangoHashes {
		t.Run(tt.name+" made by Django checks", func(t *testing.T) {
			ok, err := Check(tt.password, tt.encoded)
			if err != nil || !ok {
				t.Fatalf("Check(%q, %q) = %v, %v; want true, nil", tt.password, tt.encoded, ok, err)
			}
			if ok, _ := Check(tt.password+"x", tt.encoded); ok || err != nil {
				t.Errorf("a wrong password matched %q", tt.encoded)
			}
		})
	}
}

func TestEncodeMatchesDjangoByteForByte(t *testing.T) {
	for _, tt := range djangoHashes {
		if !strings.HasPrefix(tt.encoded, "pbkdf2_sha256$") {
			continue
		}
		t.Run(tt.name+" encodes as Django does", func(t *testing.T) {
			parts := strings.Split(tt.encoded, "$")
			var iterations int
			for _, c := range parts[1] {
				iterations = iterations*10 + int(c-'0')
			}
			got, err := Encode(tt.password, parts[2], iterations)
			if err != nil || got != tt.encoded {
				t.Errorf("Encode = %q, %v; want %q", got, err, tt.encoded)
			}
		})
	}
}

func TestMake(t *testing.T) {
	for _, tt := range []struct {
		iterations int
		want       string
	}{
		{0, "1000000"},
		{Django32Iterations, "260000"},
		{1000, "1000"},
	} {
		encoded, err := Make("wonderland", tt.iterations)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(encoded, "$")
		if len(parts) != 4 || parts[0] != "pbkdf2_sha256" || parts[1] != tt.want || len(parts[2]) != 22 {
			t.Errorf("Make(_, %d) gave %q, want pbkdf2_sha256$%s$<22-char salt>$<hash>", tt.iterations, encoded, tt.want)
		}
		if ok, err := Check("wonderland", encoded); !ok || err != nil {
			t.Errorf("Check of the right password = %v, %v", ok, err)
		}
		if MustUpdate(encoded, tt.iterations) {
			t.Errorf("MustUpdate(%q, %d) = true for a hash Make just made with that count", encoded, tt.iterations)
		}
	}
	if _, err := Make("x", -1); !errors.Is(err, ErrBadIterations) {
		t.Errorf("Make with -1 iterations: err = %v, want ErrBadIterations", err)
	}
}

func TestDefaultsAreDjangos(t *testing.T) {
	// Django's PBKDF2PasswordHasher.iterations in each release's
	// django/contrib/auth/hashers.py.
	for _, tt := range []struct {
		release   string
		got, want int
	}{
		{"3.2", Django32Iterations, 260000},
		{"5.0", Django50Iterations, 720000},
		{"5.1", Django51Iterations, 870000},
		{"5.2", Django52Iterations, 1000000},
	} {
		if tt.got != tt.want {
			t.Errorf("Django %s: %d, want %d", tt.release, tt.got, tt.want)
		}
	}
	if DefaultIterations != Django52Iterations {
		t.Errorf("DefaultIterations = %d, want Django 5.2's", DefaultIterations)
	}
}

func TestMustUpdate(t *testing.T) {
	for _, tt := range []struct {
		name, encoded string
		iterations    int
		want          bool
	}{
		{"Django 3.2's count and salt, checked with 3.2's count", djangoHashes[0].encoded, Django32Iterations, false},
		{"Django 3.2's hash, checked with 5.2's count", djangoHashes[0].encoded, 0, true},
		{"fewer iterations", djangoHashes[1].encoded, 1000, true}, // an 11-character salt
		{"a pbkdf2_sha1 hash", djangoHashes[3].encoded, 1000, true},
		{"a 22-character salt at the right count", "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$x", 1000, false},
		{"a 21-character salt (125 bits)", "pbkdf2_sha256$1000$abcdefghijklmnopqrstu$x", 1000, true},
		{"an unusable password", "!abc", 1000, false},
		{"an argon2 hash", "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$aGFzaA", 1000, false},
		{"a malformed hash", "pbkdf2_sha256$x", 1000, false},
	} {
		if got := MustUpdate(tt.encoded, tt.iterations); got != tt.want {
			t.Errorf("%s: MustUpdate(%q, %d) = %v, want %v", tt.name, tt.encoded, tt.iterations, got, tt.want)
		}
	}
}

func TestIsUsable(t *testing.T) {
	for encoded, want := range map[string]bool{
		"!": false,
		"!Mh2r8fsn3Xk4oUJPdFZ4t3OQ8aBOcd3LVHw6Wc8t": false,
		"":                      true, // as Django's is_password_usable; no password checks against it
		djangoHashes[0].encoded: true,
	} {
		if got := IsUsable(encoded); got != want {
			t.Errorf("IsUsable(%q) = %v, want %v", encoded, got, want)
		}
	}
	if ok, err := Check("", ""); ok || !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf(`Check("", "") = %v, %v; want false, ErrUnknownAlgorithm`, ok, err)
	}
}

func TestNewSaltIsRandomAndAlphanumeric(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s, err := NewSalt()
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 22 || strings.Trim(s, saltChars) != "" {
			t.Fatalf("NewSalt() = %q, want 22 ASCII letters and digits", s)
		}
		if seen[s] {
			t.Fatalf("NewSalt returned %q twice", s)
		}
		seen[s] = true
	}
}

func TestCheckRejectsBadHashes(t *testing.T) {
	good := djangoHashes[4].encoded
	tests := []struct {
		name, encoded string
		want          error
	}{
		{"the empty hash is unusable", "", ErrUnknownAlgorithm},
		{"Django's unusable password is unusable", "!Mh2r8fsn3Xk4oUJPdFZ4t3OQ8aBOcd3LVHw6Wc8t", ErrUnknownAlgorithm},
		{"an argon2 hash is not supported", "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$aGFzaA", ErrUnknownAlgorithm},
		{"a bare string is malformed", "nodollars", ErrMalformed},
		{"a missing hash field is malformed", "pbkdf2_sha256$1$salt", ErrMalformed},
		{"non-numeric iterations are malformed", "pbkdf2_sha256$many$s$abc", ErrMalformed},
		{"zero iterations are refused", "pbkdf2_sha256$0$s$abc", ErrBadIterations},
		{"a huge iteration count is refused", "pbkdf2_sha256$999999999999$s$abc", ErrBadIterations},
		{"an empty salt is refused", "pbkdf2_sha256$1$$abc", ErrBadSalt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := Check("x", tt.encoded)
			if ok || !errors.Is(err, tt.want) {
				t.Errorf("Check(%q) = %v, %v; want false, %v", tt.encoded, ok, err, tt.want)
			}
		})
	}
	// Every single-character change of a valid hash stops it matching.
	for i := range good {
		b := []byte(good)
		b[i] ^= 1
		if ok, _ := Check("x", string(b)); ok {
			t.Errorf("the hash changed at byte %d (%q) still matched", i, b)
		}
	}
	if ok, _ := Check("x", "pbkdf2_sha256$01$s$Iw9uUpJ8wkEJJjGR3rcONsswOtuGX7TZe8GsNaKCO3I="); ok {
		t.Error("a zero-padded iteration count matched; Django refuses it")
	}
}

func TestEncodeRefusesBadSalts(t *testing.T) {
	for _, salt := range []string{"", "a$b"} {
		if _, err := Encode("pw", salt, 1); !errors.Is(err, ErrBadSalt) {
			t.Errorf("Encode with salt %q: err = %v, want ErrBadSalt", salt, err)
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, tt := range djangoHashes {
		parts := strings.SplitN(tt.encoded, "$", 3)
		f.Add(tt.password, parts[0]+"$2$"+parts[2])
	}
	f.Fuzz(func(t *testing.T, password, encoded string) {
		if strings.Count(encoded, "$") >= 1 {
			// Keep each run cheap: cap the iteration count the fuzzer can choose.
			parts := strings.SplitN(encoded, "$", 3)
			if len(parts) == 3 && len(parts[1]) > 3 {
				return
			}
		}
		ok, err := Check(password, encoded)
		if ok && err != nil {
			t.Fatalf("Check returned true with an error: %v", err)
		}
		if ok {
			again, _ := Check(password, encoded)
			if !again {
				t.Fatal("Check is not deterministic")
			}
		}
	})
}
