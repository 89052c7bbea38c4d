package session_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
)

func TestStoredExpiry(t *testing.T) {
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	const age = 1209600 * time.Second
	tests := []struct {
		name   string
		values map[string]any
		want   time.Time
	}{
		{"no expiry is the modification plus the cookie age", map[string]any{"a": int64(1)}, mtime.Add(age)},
		{"a nil map is the modification plus the cookie age", nil, mtime.Add(age)},
		{"0 (browser close) is the modification plus the cookie age", map[string]any{session.ExpiryKey: int64(0)}, mtime.Add(age)},
		{"null is the modification plus the cookie age", map[string]any{session.ExpiryKey: nil}, mtime.Add(age)},
		{"seconds count from the modification (not Django 3.2's never)", map[string]any{session.ExpiryKey: int64(300)}, mtime.Add(300 * time.Second)},
		{"negative seconds are in the past", map[string]any{session.ExpiryKey: int64(-1)}, mtime.Add(-time.Second)},
		{"an ISO date is that date", map[string]any{session.ExpiryKey: "2030-01-02T03:04:05.000006+00:00"}, time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)},
		{"an unreadable string is the modification plus the cookie age", map[string]any{session.ExpiryKey: "soon"}, mtime.Add(age)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := session.StoredExpiry(tc.values, mtime, age); !got.Equal(tc.want) {
				t.Fatalf("StoredExpiry = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("the cookie age is used in whole seconds", func(t *testing.T) {
		if got := session.StoredExpiry(nil, mtime, 90*time.Second+time.Millisecond); !got.Equal(mtime.Add(90 * time.Second)) {
			t.Fatalf("StoredExpiry = %v", got)
		}
	})
}

// A store that keeps no expiry of its own (Django's file engine) derives it
// from the data and the file's modification time.
func ExampleStoredExpiry() {
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, values := range []map[string]any{
		{},                       // the default: SESSION_COOKIE_AGE after the save
		{session.ExpiryKey: 0},   // until the browser closes: the same on the server
		{session.ExpiryKey: 300}, // set_expiry(300): five minutes after the save
		{session.ExpiryKey: "2024-06-01T00:00:00+00:00"}, // a date
	} {
		fmt.Println(session.StoredExpiry(values, mtime, session.DefaultCookieAge).Format(time.RFC3339))
	}
	// Output:
	// 2024-05-20T07:08:09Z
	// 2024-05-20T07:08:09Z
	// 2024-05-06T07:13:09Z
	// 2024-06-01T00:00:00Z
}
