package cookie

import (
	"net/http"
	"sync/atomic"
	"time"
)

// httpDate is one Unix second and its text in http.TimeFormat.
type httpDate struct {
	unix int64
	text [len(http.TimeFormat)]byte
}

// lastDate is the most recent date appendHTTPDate formatted. A server's
// Set-Cookie lines in one second mostly share their expires (now plus the
// same max age), so one cached date saves the formatting of nearly all.
var lastDate atomic.Pointer[httpDate]

// appendHTTPDate appends the Unix second unix in http.TimeFormat ("Mon, 02
// Jan 2006 15:04:05 GMT"), as time.Time.AppendFormat does.
func appendHTTPDate(b []byte, unix int64) []byte {
	if d := lastDate.Load(); d != nil && d.unix == unix {
		return append(b, d.text[:]...)
	}
	d := &httpDate{unix: unix}
	t := time.Unix(unix, 0).UTC().AppendFormat(d.text[:0], http.TimeFormat)
	if len(t) != len(d.text) { // years outside 0000-9999 do not fit
		return time.Unix(unix, 0).UTC().AppendFormat(b, http.TimeFormat)
	}
	lastDate.Store(d)
	return append(b, d.text[:]...)
}
