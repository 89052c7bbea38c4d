package signing

import (
	"errors"
	"math"
	"testing"
	"time"
)

func fixedClock(sec int64) func() time.Time {
	return func() time.Time { return time.Unix(sec, 0) }
}

func clockAtDuration(base int64, d time.Duration) func() time.Time {
	return func() time.Time { return time.Unix(base, 0).Add(d) }
}

func TestTimestampSignerSignsAsDjangoDoes(t *testing.T) {
	// TimestampSigner(key='predictable-key').sign('hello') at 123456789, in
	// Django 3.2 (Django's own test vector).
	ts := TimestampSigner{Signer: Signer{SecretKey: []byte("predictable-key")}, Now: fixedClock(123456789)}
	want := "hello:8M0kX:0pJB1_TN9Bno2aK29thnZKKHn76ngzcQVnIrp_DNs5M"
	if got := ts.Sign("hello"); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if sig := ts.Signature("hello:8M0kX"); want != "hello:8M0kX:"+sig {
		t.Fatalf("Signature = %q", sig)
	}
	v, at, err := ts.UnsignTime(want, 0)
	if err != nil || v != "hello" || !at.Equal(time.Unix(123456789, 0)) {
		t.Fatalf("UnsignTime = %q, %v, %v", v, at, err)
	}
}

func TestMaxAgeIsCheckedAsDjangoChecksIt(t *testing.T) {
	const signedAt = 1700000000
	ts := TimestampSigner{Signer: Signer{SecretKey: []byte("k")}, Now: fixedClock(signedAt)}
	signed := ts.Sign("v")
	tests := []struct {
		name    string
		elapsed time.Duration
		maxAge  time.Duration
		expired bool
	}{
		{"a fresh value", 0, time.Minute, false},
		{"an age of exactly max age is still valid", time.Minute, time.Minute, false},
		{"a nanosecond past max age has expired", time.Minute + time.Nanosecond, time.Minute, true},
		{"a fraction of a second past max age has expired", time.Minute + 500*time.Millisecond, time.Minute, true},
		{"an hour past max age has expired", 61 * time.Minute, time.Minute, true},
		{"a max age of 0 means no limit", 100 * 365 * 24 * time.Hour, 0, false},
		{"a timestamp in the future is accepted", -time.Hour, time.Minute, false},
		{"a negative max age rejects a value signed a second ago", time.Second, -time.Nanosecond, true},
		{"a negative max age accepts a value from the future", -time.Second, -time.Nanosecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checker := TimestampSigner{Signer: Signer{SecretKey: []byte("k")}, Now: clockAtDuration(signedAt, tt.elapsed)}
			v, err := checker.Unsign(signed, tt.maxAge)
			if tt.expired {
				if !errors.Is(err, ErrExpired) || !errors.Is(err, ErrBadSignature) {
					t.Fatalf("Unsign = %q, %v; want an error matching ErrExpired and ErrBadSignature", v, err)
				}
				if errors.Is(err, ErrMalformed) {
					t.Fatalf("an expired value also matches ErrMalformed: %v", err)
				}
				return
			}
			if err != nil || v != "v" {
				t.Fatalf("Unsign = %q, %v", v, err)
			}
		})
	}
}

func TestAnExpiredValueMatchesErrExpiredButABadOneDoesNot(t *testing.T) {
	if errors.Is(errMismatch, ErrExpired) {
		t.Fatal("a bad signature matches ErrExpired")
	}
	if !errors.Is(ErrExpired, ErrBadSignature) {
		t.Fatal("ErrExpired does not match ErrBadSignature")
	}
	if ErrExpired.Error() != "signing: signature expired" {
		t.Fatalf("ErrExpired says %q", ErrExpired)
	}
}

func TestAValidSignatureOverABrokenTimestampIsMalformed(t *testing.T) {
	key := []byte("k")
	// A plain Signer with the TimestampSigner's salt can sign anything as if
	// it were "value:TIMESTAMP".
	forge := Signer{SecretKey: key, Salt: DefaultTimestampSalt}
	ts := TimestampSigner{Signer: Signer{SecretKey: key}, Now: fixedClock(1700000000)}
	for _, tt := range []struct{ name, value string }{
		{"no timestamp at all", "value"},
		{"an empty timestamp", "value:"},
		{"a timestamp that is not base62", "value:1r31eq!"},
		{"a timestamp beyond int64", "value:zzzzzzzzzzzzzz"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ts.Unsign(forge.Sign(tt.value), time.Hour)
			if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadSignature) {
				t.Fatalf("Unsign = %q, %v; want ErrMalformed only", v, err)
			}
		})
	}
	// Django's base62 accepts leading zeros and a lone "-": so does this.
	for _, stamp := range []string{"0001r31eq", "-"} {
		if _, err := ts.Unsign(forge.Sign("value:"+stamp), 0); err != nil {
			t.Errorf("timestamp %q: %v", stamp, err)
		}
	}
}

func TestBase62IsDjangosBase62(t *testing.T) {
	tests := []struct {
		n int64
		s string
	}{
		{0, "0"}, {1, "1"}, {61, "z"}, {62, "10"}, {-5, "-5"},
		{123456789, "8M0kX"}, {1700000000, "1r31eq"},
		{math.MaxInt64, "AzL8n0Y58m7"}, {math.MinInt64, "-AzL8n0Y58m8"},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := B62Encode(tt.n); got != tt.s {
				t.Fatalf("B62Encode(%d) = %q, want %q", tt.n, got, tt.s)
			}
			if got, err := B62Decode(tt.s); err != nil || got != tt.n {
				t.Fatalf("B62Decode(%q) = %d, %v; want %d", tt.s, got, err, tt.n)
			}
		})
	}
	lenient := []struct {
		s string
		n int64
	}{{"000a", 36}, {"-", 0}, {"-0", 0}, {"00", 0}}
	for _, tt := range lenient {
		if got, err := B62Decode(tt.s); err != nil || got != tt.n {
			t.Errorf("B62Decode(%q) = %d, %v; Django gives %d", tt.s, got, err, tt.n)
		}
	}
	for _, bad := range []string{"", "!", "1.5", " 1", "--1", "1-", "AzL8n0Y58m8", "-AzL8n0Y58m9", "zzzzzzzzzzzzzzzzzzzzzz"} {
		if got, err := B62Decode(bad); err == nil {
			t.Errorf("B62Decode(%q) = %d and no error", bad, got)
		}
	}
}
