package session_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/djsession/djsession/session"
)

// pickleSession is what Django's cache engine stores for {"a": 1}
// (pickle.dumps(..., protocol 5)).
const pickleSession = "\x80\x05\x95\x0a\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s."

func TestCodecMismatchIsAnErrorNotAnEmptySession(t *testing.T) {
	signed, _ := session.NewDjangoCodec(testSecret, nil, nil).Encode(map[string]any{"a": int64(1)})
	for _, tc := range []struct {
		name  string
		codec session.Codec
		data  []byte
	}{
		{"a pickle read by the JSON codec", session.JSONCodec{}, []byte(pickleSession)},
		{"Django's signed form read by the JSON codec", session.JSONCodec{}, signed},
		{"a pickle read by Django's codec", nil, []byte(pickleSession)},
		{"a JSON object read by Django's codec", nil, []byte(`{"a":1}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "bytes", session.Config{Codec: tc.codec})
			ctx := context.Background()
			key := session.NewKey()
			exp := f.clock.Now().Add(time.Hour)
			if err := f.store.Save(ctx, key, tc.data, exp, true); err != nil {
				t.Fatal(err)
			}
			if _, err := f.m.Open(ctx, key); !errors.Is(err, session.ErrCodecMismatch) || errors.Is(err, session.ErrCorrupt) {
				t.Errorf("Open = %v, want ErrCodecMismatch and not ErrCorrupt", err)
			}
			var loadErr error
			f.handle("/write", func(w http.ResponseWriter, r *http.Request, s *session.Session) {
				loadErr = s.Load(r.Context())
				s.Set("b", 2)
				w.Write([]byte("written"))
			})
			r := f.raw("/write", "sessionid="+key)
			if !errors.Is(loadErr, session.ErrCodecMismatch) {
				t.Errorf("Session.Load = %v, want ErrCodecMismatch", loadErr)
			}
			if r.StatusCode != http.StatusInternalServerError || r.body == "written" {
				t.Errorf("a write to the session answered %d %q, want the ErrorHandler's 500", r.StatusCode, r.body)
			}
			data, _, found, err := f.store.Load(ctx, key)
			if err != nil || !found || !bytes.Equal(data, tc.data) {
				t.Errorf("the record after the request = %q, %v, %v; want it untouched", data, found, err)
			}
		})
	}
}

func TestCodecsStillReadGarbageAsCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name  string
		codec session.Codec
		data  string
	}{
		{"JSON codec, truncated JSON", session.JSONCodec{}, `{"a":`},
		{"JSON codec, garbage", session.JSONCodec{}, "garbage"},
		{"Django's codec, another secret", session.NewDjangoCodec(testSecret, nil, nil), "eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY"},
		{"Django's codec, garbage", session.NewDjangoCodec(testSecret, nil, nil), "garbage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.codec.Decode([]byte(tc.data))
			if !errors.Is(err, session.ErrCorrupt) || errors.Is(err, session.ErrCodecMismatch) {
				t.Errorf("Decode = %v, want ErrCorrupt only", err)
			}
		})
	}
}
