package memcache

import (
	"math"
	"time"
)

// MaxRelative is the longest exptime memcached reads as seconds from now
// (30 days); a larger exptime is an absolute Unix time.
const MaxRelative = 30 * 24 * 60 * 60

// Exptime returns the memcached exptime of an item that must live until
// expiry, as Django's get_backend_timeout computes it from the session's
// age: whole seconds from now (rounded up), -1 (expire at once) when expiry
// is not after now, and the expiry's Unix time (rounded up) when the age is
// above MaxRelative. An expiry beyond 2038 is capped at the largest int32.
func Exptime(expiry, now time.Time) int32 {
	d := expiry.Sub(now)
	if d <= 0 {
		return -1
	}
	secs := int64(math.Ceil(d.Seconds()))
	if secs <= MaxRelative {
		return int32(secs)
	}
	at := expiry.Unix()
	if expiry.Nanosecond() > 0 {
		at++
	}
	return int32(min(at, math.MaxInt32))
}
