package cookie

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestTemplateWritesWhatFormatAndDeleteWrite(t *testing.T) {
	now := time.Date(2023, 11, 14, 22, 13, 20, 500_000_000, time.UTC)
	for _, tc := range []struct {
		name  string
		opts  Options
		value string
	}{
		{"sessionid", Options{HttpOnly: true, SameSite: http.SameSiteLaxMode}, "abcdefghijklmnopqrstuvwxyz012345"},
		{"sessionid", Options{Domain: "example.com", Path: "/app", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode}, "k"},
		{"__Host-sid", Options{Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode, Partitioned: true}, "k"},
		{"__Secure-sid", Options{Secure: true}, "k"},
		{"plain", Options{}, "needs quoting; é"},
	} {
		tm, err := NewTemplate(tc.name, tc.opts)
		if err != nil {
			t.Fatalf("%s %+v: %v", tc.name, tc.opts, err)
		}
		for _, age := range []int64{0, 1, 1209600, 400 * 86400} {
			o := tc.opts
			o.MaxAge = MaxAge(time.Duration(age) * time.Second)
			o.Now = func() time.Time { return now }
			want, err := Format(tc.name, tc.value, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := tm.Line(tc.value, age, now); got != want {
				t.Errorf("Line(%q, %d)\n got %q\nwant %q", tc.value, age, got, want)
			}
		}
		want, _ := Format(tc.name, tc.value, tc.opts)
		if got := tm.SessionLine(tc.value); got != want {
			t.Errorf("SessionLine\n got %q\nwant %q", got, want)
		}
		rec := httptest.NewRecorder()
		if err := Delete(rec, tc.name, DeleteOptions{Path: tc.opts.Path, Domain: tc.opts.Domain, SameSite: tc.opts.SameSite, Secure: tc.opts.Secure, Partitioned: tc.opts.Partitioned}); err != nil {
			t.Fatal(err)
		}
		if got, want := tm.DeleteLine(), rec.Header().Get("Set-Cookie"); got != want {
			t.Errorf("DeleteLine\n got %q\nwant %q", got, want)
		}
	}
}

func TestTemplateRefusesWhatSetRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want error
	}{
		{"a:b", Options{}, ErrInvalidName},
		{"bad name", Options{}, ErrInvalidName},
		{"Expires", Options{}, ErrReservedName},
		{"c", Options{SameSite: http.SameSiteNoneMode}, ErrSameSiteNoneInsecure},
		{"c", Options{Partitioned: true}, ErrPartitionedInsecure},
		{"__Host-c", Options{Secure: true, Domain: "example.com"}, ErrPrefix},
		{"c", Options{Path: "/a;b"}, ErrInvalidAttribute},
		{"c", Options{MaxAge: MaxAge(time.Second)}, ErrTemplateLifetime},
	} {
		if _, err := NewTemplate(tc.name, tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("NewTemplate(%q, %+v) = %v, want %v", tc.name, tc.opts, err, tc.want)
		}
	}
}

func TestScannerReadsAsGetReads(t *testing.T) {
	for _, tc := range []struct {
		header []string
		want   []string
	}{
		{[]string{"sessionid=abc"}, []string{"abc"}},
		{[]string{" sessionid = abc ; other=1", "sessionid=\"def\""}, []string{"abc", "def"}},
		{[]string{"a=1; sessionid=\"a\\073b\""}, []string{"a;b"}},
		{[]string{"sessionidx=1; xsessionid=2"}, nil},
		{nil, nil},
	} {
		sc := NewScanner(tc.header)
		var got []string
		for {
			v, ok := sc.Next("sessionid")
			if !ok {
				break
			}
			got = append(got, v)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Cookie"] = tc.header
		all := GetAll(r, "sessionid")
		if len(got) != len(tc.want) || len(all) != len(tc.want) {
			t.Errorf("%q: Scanner %q, GetAll %q, want %q", tc.header, got, all, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] || all[i] != tc.want[i] {
				t.Errorf("%q: Scanner %q, GetAll %q, want %q", tc.header, got, all, tc.want)
			}
		}
	}
}
