package cookie

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestAppendHTTPDateIsTimeFormatWhateverIsCached(t *testing.T) {
	tests := []int64{
		0, 1, -1, 1_700_000_000, 1_700_000_000, 1_700_000_001, 1_699_999_999,
		253402300799, // 9999-12-31 23:59:59, the last date of four digits
		253402300800, // year 10000: not cached, still formatted
		-62135596800, // 0001-01-01
		-62167219201, // before year 0
		1 << 40, -(1 << 40),
	}
	for _, u := range tests {
		want := time.Unix(u, 0).UTC().Format(http.TimeFormat)
		if got := string(appendHTTPDate([]byte("x="), u)); got != "x="+want {
			t.Errorf("appendHTTPDate(%d) = %q, want %q", u, got, "x="+want)
		}
	}
}

func TestAppendHTTPDateIsSafeConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				u := int64(1_700_000_000 + (i+g)%3)
				want := time.Unix(u, 0).UTC().Format(http.TimeFormat)
				if got := string(appendHTTPDate(nil, u)); got != want {
					t.Errorf("appendHTTPDate(%d) = %q, want %q", u, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
