package file

import (
	"errors"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/pyjson"
	"github.com/djsession/djsession/session"
)

// FuzzDecode feeds any content to the decoder of session files: it never
// panics; a session it reads is a JSON object whose expiry is the one
// session.StoredExpiry gives for it and the file's mtime; anything else is
// ErrCorrupt or ErrUnreadable, and expires by the mtime plus the cookie
// age, as Django's file engine treats data it cannot decode.
func FuzzDecode(f *testing.F) {
	st, err := New(Options{Dir: f.TempDir(), SecretKey: []byte("fuzz-secret"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	for _, v := range []map[string]any{
		{},
		{"a": int64(1)},
		{session.ExpiryKey: int64(300), "user": "alice"},
		{session.ExpiryKey: int64(0)},
		{session.ExpiryKey: "2031-01-02T03:04:05.000006+00:00"},
		{session.ExpiryKey: -1.5, "long": string(make([]byte, 400))},
	} {
		b, err := st.codec.Encode(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, int64(1700000000))
	}
	f.Add([]byte{}, int64(0))
	f.Add([]byte("not a session"), int64(-1))
	f.Add([]byte(".eJyrVkpUslIqLsnPS1WqBQAhEgPq:1r31eq:x"), int64(1))
	f.Add([]byte("eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY"), int64(1700000000))
	f.Fuzz(func(t *testing.T, content []byte, mtimeSec int64) {
		mtime := time.Unix(mtimeSec%(1<<40), 0)
		rec := st.decode(content, info{kind: kindRegular, mtime: mtime})
		if rec.values != nil {
			if rec.bad != nil {
				t.Fatalf("values and an error: %v", rec.bad)
			}
			if want := session.StoredExpiry(rec.values, mtime, st.age); !rec.expiry.Equal(want) {
				t.Fatalf("expiry %v, want %v", rec.expiry, want)
			}
			again, err := pyjson.UnmarshalObject(rec.payload)
			if err != nil || !reflect.DeepEqual(again, rec.values) {
				t.Fatalf("the payload is not the values: %v", err)
			}
			return
		}
		if !errors.Is(rec.bad, session.ErrCorrupt) && !errors.Is(rec.bad, session.ErrUnreadable) {
			t.Fatalf("no values and error %v, want ErrCorrupt or ErrUnreadable", rec.bad)
		}
		if want := mtime.Add(st.age); !rec.expiry.Equal(want) {
			t.Fatalf("unreadable data expires at %v, want the mtime plus the cookie age %v", rec.expiry, want)
		}
	})
}

// FuzzRoundTrip saves any JSON object and reads it back: the same values,
// and the expiry the save was given (the mtime is set for it).
// (A time beyond what the file system keeps, such as an mtime of 1754 for
// an absurd integer expiry with an unrelated date, is not a session the
// Manager can write: it passes the expiry the values give.)
func FuzzRoundTrip(f *testing.F) {
	st, err := New(Options{Dir: f.TempDir(), SecretKey: []byte("fuzz-secret"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	f.Add(`{"a":1}`, int64(3600))
	f.Add(`{"_session_expiry":300,"x":[1,2.5,"\u00e9"]}`, int64(300))
	f.Add(`{"_session_expiry":0}`, int64(1209600))
	f.Add(`{"big":9007199254740993,"f":1.0,"n":null}`, int64(-5))
	f.Fuzz(func(t *testing.T, js string, seconds int64) {
		values, err := pyjson.UnmarshalObject([]byte(js))
		if err != nil {
			return
		}
		if _, ok := values[session.ExpiryKey].(string); ok {
			return // a date: the expiry is the date, not the one given
		}
		// The expiry the Manager passes (the one the values give now); for
		// values without an expiry of their own, any expiry within 68
		// years, which the file's mtime then carries.
		now := time.Now().Truncate(time.Microsecond)
		expiry := session.StoredExpiry(values, now, st.age)
		if expiry.Equal(now.Add(st.age)) {
			expiry = now.Add(time.Duration(seconds%(1<<31)) * time.Second)
		}
		key := session.NewKey()
		if err := st.SaveValues(t.Context(), key, values, expiry, true); err != nil {
			if errors.Is(err, session.ErrKeyExists) {
				t.Fatal(err)
			}
			return // a time the file system cannot hold
		}
		defer st.Delete(t.Context(), key)
		name, _ := st.FileName(key)
		content, fi, err := st.d.read(name, maxFileSize)
		if err != nil {
			t.Fatal(err)
		}
		rec := st.decode(content, fi)
		if rec.bad != nil || !reflect.DeepEqual(rec.values, values) {
			t.Fatalf("read back %v (%v), saved %v", rec.values, rec.bad, values)
		}
		if !rec.expiry.Equal(expiry) {
			t.Fatalf("expiry %v, saved with %v", rec.expiry, expiry)
		}
	})
}
