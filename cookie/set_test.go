package cookie

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// frozen is the clock of most tests: 2023-11-14T22:13:20Z, the moment of the
// Django oracle's examples.
var frozen = time.Unix(1700000000, 0)

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestFormat(t *testing.T) {
	t.Parallel()
	at := clock(frozen)
	tests := []struct {
		name  string
		cname string
		value string
		opts  Options
		want  string
	}{
		{"a plain cookie has only the default path", "c", "v", Options{}, "c=v; Path=/"},
		{"every attribute comes in Django's order", "sessionid", "abc",
			Options{MaxAge: MaxAge(1209600 * time.Second), Domain: "example.com", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode, Now: at},
			"sessionid=abc; Domain=example.com; expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax; Secure"},
		{"a max age of zero expires now", "c", "v", Options{MaxAge: MaxAge(0), Now: at},
			"c=v; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/"},
		{"a negative max age is written as it is", "c", "v", Options{MaxAge: MaxAge(-time.Second), Now: at},
			"c=v; expires=Tue, 14 Nov 2023 22:13:19 GMT; Max-Age=-1; Path=/"},
		{"a fractional max age is truncated and expires floored", "c", "v",
			Options{MaxAge: MaxAge(10600 * time.Millisecond), Now: clock(frozen.Add(500 * time.Millisecond))},
			"c=v; expires=Tue, 14 Nov 2023 22:13:31 GMT; Max-Age=10; Path=/"},
		{"a negative fractional max age truncates toward zero", "c", "v",
			Options{MaxAge: MaxAge(-1500 * time.Millisecond), Now: at},
			"c=v; expires=Tue, 14 Nov 2023 22:13:18 GMT; Max-Age=-1; Path=/"},
		{"expires alone derives max age plus one second", "c", "x",
			Options{Expires: time.Date(2023, 11, 15, 0, 0, 0, 0, time.UTC), Now: at},
			"c=x; expires=Wed, 15 Nov 2023 00:00:01 GMT; Max-Age=6401; Path=/"},
		{"expires in another zone is the same instant", "c", "x",
			Options{Expires: time.Date(2023, 11, 15, 1, 0, 0, 0, time.FixedZone("CET", 3600)), Now: at},
			"c=x; expires=Wed, 15 Nov 2023 00:00:01 GMT; Max-Age=6401; Path=/"},
		{"expires with a fraction of a second floors the age", "c", "x",
			Options{Expires: frozen.Add(10*time.Second - time.Nanosecond), Now: at},
			"c=x; expires=Tue, 14 Nov 2023 22:13:30 GMT; Max-Age=10; Path=/"},
		{"expires a fraction later than a fractional now", "c", "x",
			Options{Expires: frozen.Add(10*time.Second + 100*time.Millisecond), Now: clock(frozen.Add(900 * time.Millisecond))},
			"c=x; expires=Tue, 14 Nov 2023 22:13:30 GMT; Max-Age=10; Path=/"},
		{"expires in the past gives max age zero", "c", "x",
			Options{Expires: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), Now: at},
			"c=x; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/"},
		{"expires just passed gives max age zero", "c", "x",
			Options{Expires: frozen.Add(-time.Second), Now: at},
			"c=x; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/"},
		{"expires centuries ahead still works", "c", "x",
			Options{Expires: time.Date(9999, 12, 31, 23, 59, 58, 0, time.UTC), Now: at},
			"c=x; expires=Fri, 31 Dec 9999 23:59:59 GMT; Max-Age=251702300799; Path=/"},
		{"a custom path is kept", "c", "v", Options{Path: "/admin/"}, "c=v; Path=/admin/"},
		{"a path may hold spaces and commas", "c", "v", Options{Path: "/a b,c"}, "c=v; Path=/a b,c"},
		{"strict same-site", "c", "v", Options{SameSite: http.SameSiteStrictMode}, "c=v; Path=/; SameSite=Strict"},
		{"same-site none with secure", "c", "v", Options{SameSite: http.SameSiteNoneMode, Secure: true}, "c=v; Path=/; SameSite=None; Secure"},
		{"the default same-site mode writes nothing", "c", "v", Options{SameSite: http.SameSiteDefaultMode}, "c=v; Path=/"},
		{"partitioned sorts between max-age and path", "c", "v",
			Options{Partitioned: true, Secure: true, MaxAge: MaxAge(time.Minute), Now: at},
			"c=v; expires=Tue, 14 Nov 2023 22:14:20 GMT; Max-Age=60; Partitioned; Path=/; Secure"},
		{"a __Secure- cookie with Secure", "__Secure-id", "v", Options{Secure: true}, "__Secure-id=v; Path=/; Secure"},
		{"a __Host- cookie with Secure and the root path", "__Host-id", "v", Options{Secure: true, Path: "/"}, "__Host-id=v; Path=/; Secure"},
		{"a name may use every token character", "!#$%&'*+-.^_`|~09AZaz", "v", Options{}, "!#$%&'*+-.^_`|~09AZaz=v; Path=/"},
		{"a name that only starts like an attribute is fine", "pathx", "v", Options{}, "pathx=v; Path=/"},
		{"the empty value is quoted", "c", "", Options{}, `c=""; Path=/`},
		{"a value with a space is quoted", "c", "a b", Options{}, `c="a b"; Path=/`},
		{"a semicolon becomes octal", "c", "a;b", Options{}, `c="a\073b"; Path=/`},
		{"a comma becomes octal", "c", "a,b", Options{}, `c="a\054b"; Path=/`},
		{"quote and backslash are escaped", "c", `"\`, Options{}, `c="\"\\"; Path=/`},
		{"latin-1 letters become octal", "c", "é", Options{}, `c="\351"; Path=/`},
		{"control characters become octal", "c", "a\nb\x00\x7f", Options{}, `c="a\012b\000\177"; Path=/`},
		{"code points above 255 stay UTF-8", "c", "清風😀", Options{}, `c="清風😀"; Path=/`},
		{"brackets and friends are not escaped", "c", " ()/<=>?@[]{}", Options{}, `c=" ()/<=>?@[]{}"; Path=/`},
		{"a signed-looking value is not quoted", "c", "hello:1r31eq:6_ATJSSLW2CnbfPinKmlzDD3lHKu2OhDpIlUTrJ5gPs", Options{},
			"c=hello:1r31eq:6_ATJSSLW2CnbfPinKmlzDD3lHKu2OhDpIlUTrJ5gPs; Path=/"},
		{"name and value of exactly 4096 bytes pass", "c", strings.Repeat("v", 4095), Options{}, "c=" + strings.Repeat("v", 4095) + "; Path=/"},
		{"a path of 1024 bytes passes", "c", "v", Options{Path: "/" + strings.Repeat("p", 1023)}, "c=v; Path=/" + strings.Repeat("p", 1023)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Format(tt.cname, tt.value, tt.opts)
			if err != nil {
				t.Fatalf("Format(%q, %q) error: %v", tt.cname, tt.value, err)
			}
			if got != tt.want {
				t.Errorf("Format(%q, %q)\n got %s\nwant %s", tt.cname, tt.value, got, tt.want)
			}
		})
	}
}

func TestFormatErrors(t *testing.T) {
	t.Parallel()
	at := clock(frozen)
	tests := []struct {
		name  string
		cname string
		value string
		opts  Options
		want  error
	}{
		{"an empty name is refused", "", "v", Options{}, ErrInvalidName},
		{"a name with a space is refused", "a b", "v", Options{}, ErrInvalidName},
		{"a name with a semicolon is refused", "a;b", "v", Options{}, ErrInvalidName},
		{"a name with a colon is refused (not an RFC 6265 token; Django writes it)", "a:b", "v", Options{}, ErrInvalidName},
		{"a name with an equals sign is refused", "a=b", "v", Options{}, ErrInvalidName},
		{"a name with a newline is refused", "a\r\nSet-Cookie: x", "v", Options{}, ErrInvalidName},
		{"a non-ASCII name is refused", "é", "v", Options{}, ErrInvalidName},
		{"a name with a quote is refused", `a"`, "v", Options{}, ErrInvalidName},
		{"the name expires is reserved", "expires", "v", Options{}, ErrReservedName},
		{"reserved names are compared in any case", "Max-Age", "v", Options{}, ErrReservedName},
		{"the name partitioned is reserved", "Partitioned", "v", Options{}, ErrReservedName},
		{"the name version is reserved", "VERSION", "v", Options{}, ErrReservedName},
		{"a value that is not UTF-8 is refused", "c", "a\xffb", Options{}, ErrInvalidValue},
		{"a value cut inside a rune is refused", "c", "清"[:2], Options{}, ErrInvalidValue},
		{"name and value of 4097 bytes are too large", "c", strings.Repeat("v", 4095) + "w", Options{}, ErrTooLarge},
		{"quoting can push a value over the limit", "c", strings.Repeat(";", 1100), Options{}, ErrTooLarge},
		{"a path with a carriage return is refused", "c", "v", Options{Path: "/a\rb"}, ErrInvalidAttribute},
		{"a path with a line feed is refused", "c", "v", Options{Path: "/a\nSet-Cookie: x=y"}, ErrInvalidAttribute},
		{"a path with a semicolon is refused", "c", "v", Options{Path: "/a; Domain=evil.com"}, ErrInvalidAttribute},
		{"a path with DEL is refused", "c", "v", Options{Path: "/a\x7f"}, ErrInvalidAttribute},
		{"a domain with a semicolon is refused", "c", "v", Options{Domain: "a.com;x"}, ErrInvalidAttribute},
		{"a domain with a line feed is refused", "c", "v", Options{Domain: "a.com\n"}, ErrInvalidAttribute},
		{"a path over 1024 bytes is refused", "c", "v", Options{Path: "/" + strings.Repeat("p", 1024)}, ErrAttributeTooLong},
		{"a domain over 1024 bytes is refused", "c", "v", Options{Domain: strings.Repeat("d", 1025)}, ErrAttributeTooLong},
		{"expires and max age together are refused", "c", "v", Options{MaxAge: MaxAge(time.Hour), Expires: frozen.Add(time.Hour), Now: at}, ErrExpiresAndMaxAge},
		{"max age zero and expires together are refused", "c", "v", Options{MaxAge: MaxAge(0), Expires: frozen, Now: at}, ErrExpiresAndMaxAge},
		{"expires after the year 9999 is refused", "c", "v", Options{Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Now: at}, ErrInvalidExpires},
		{"same-site none without secure is refused", "c", "v", Options{SameSite: http.SameSiteNoneMode}, ErrSameSiteNoneInsecure},
		{"an unknown same-site mode is refused", "c", "v", Options{SameSite: http.SameSite(42)}, ErrInvalidSameSite},
		{"partitioned without secure is refused", "c", "v", Options{Partitioned: true}, ErrPartitionedInsecure},
		{"a __Secure- cookie without Secure is refused", "__Secure-id", "v", Options{}, ErrPrefix},
		{"the __Secure- prefix is matched in any case", "__secure-id", "v", Options{}, ErrPrefix},
		{"a __Host- cookie without Secure is refused", "__Host-id", "v", Options{}, ErrPrefix},
		{"the __Host- prefix is matched in any case", "__HOST-id", "v", Options{}, ErrPrefix},
		{"a __Host- cookie with a Domain is refused", "__Host-id", "v", Options{Secure: true, Domain: "example.com"}, ErrPrefix},
		{"a __Host- cookie with another path is refused", "__Host-id", "v", Options{Secure: true, Path: "/app"}, ErrPrefix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Format(tt.cname, tt.value, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Format(%q, %.20q) = %q, %v; want error %v", tt.cname, tt.value, got, err, tt.want)
			}
			rec := httptest.NewRecorder()
			if err := Set(rec, tt.cname, tt.value, tt.opts); !errors.Is(err, tt.want) {
				t.Errorf("Set error %v, want %v", err, tt.want)
			}
			if h := rec.Header().Values("Set-Cookie"); len(h) != 0 {
				t.Errorf("Set wrote %q after an error", h)
			}
		})
	}
}

func TestTooLargeErrorNamesTheCookie(t *testing.T) {
	t.Parallel()
	_, err := Format("big", strings.Repeat("é", 1100), Options{}) // 4 bytes each once quoted
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("error %v is not a *TooLargeError", err)
	}
	if tl.Name != "big" || tl.Size != 3+2+4400 {
		t.Errorf("TooLargeError{Name: %q, Size: %d}, want big and %d", tl.Name, tl.Size, 3+2+4400)
	}
	if !strings.Contains(err.Error(), "4096") {
		t.Errorf("message %q does not state the limit", err)
	}
}

func TestSetReplacesTheSameName(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	rec.Header().Add("Set-Cookie", "other=1; Path=/")
	rec.Header().Add("Set-Cookie", "c=old; Path=/")
	rec.Header().Add("Set-Cookie", "cc=keep; Path=/")
	must(t, Set(rec, "c", "first", Options{}))
	must(t, Set(rec, "c", "second", Options{HttpOnly: true}))
	want := []string{"other=1; Path=/", "cc=keep; Path=/", "c=second; HttpOnly; Path=/"}
	if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, want) {
		t.Errorf("Set-Cookie = %q, want %q", got, want)
	}
	must(t, Delete(rec, "c", DeleteOptions{}))
	want = []string{"other=1; Path=/", "cc=keep; Path=/", `c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`}
	if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, want) {
		t.Errorf("after Delete, Set-Cookie = %q, want %q", got, want)
	}
	must(t, Set(rec, "c", "back", Options{}))
	want = []string{"other=1; Path=/", "cc=keep; Path=/", "c=back; Path=/"}
	if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, want) {
		t.Errorf("setting after Delete drops the epoch date: got %q, want %q", got, want)
	}
}

func TestSetOnAFailedCallKeepsTheEarlierCookie(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	must(t, Set(rec, "c", "good", Options{}))
	if err := Set(rec, "c", "v", Options{Path: "/\n"}); err == nil {
		t.Fatal("Set accepted a path with a newline")
	}
	if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, []string{"c=good; Path=/"}) {
		t.Errorf("Set-Cookie = %q, want the earlier cookie untouched", got)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cname string
		opts  DeleteOptions
		want  string
	}{
		{"the defaults are Django's", "c", DeleteOptions{}, `c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`},
		{"path and domain are matched", "c", DeleteOptions{Path: "/app", Domain: ".example.com"},
			`c=""; Domain=.example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/app`},
		{"same-site is written", "sessionid", DeleteOptions{SameSite: http.SameSiteLaxMode},
			`sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax`},
		{"same-site none adds Secure", "c", DeleteOptions{SameSite: http.SameSiteNoneMode},
			`c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=None; Secure`},
		{"a __Host- name adds Secure", "__Host-c", DeleteOptions{SameSite: http.SameSiteNoneMode},
			`__Host-c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=None; Secure`},
		{"a __Secure- name adds Secure", "__Secure-c", DeleteOptions{},
			`__Secure-c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure`},
		{"prefixes are recognised in any case", "__secure-c", DeleteOptions{},
			`__secure-c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure`},
		{"Secure can be asked for", "c", DeleteOptions{Secure: true},
			`c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure`},
		{"a partitioned cookie is deleted with Partitioned", "__Host-c", DeleteOptions{Partitioned: true},
			`__Host-c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Partitioned; Path=/; Secure`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			must(t, Delete(rec, tt.cname, tt.opts))
			if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, []string{tt.want}) {
				t.Errorf("Set-Cookie = %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDeleteErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cname string
		opts  DeleteOptions
		want  error
	}{
		{"a bad name is refused", "a b", DeleteOptions{}, ErrInvalidName},
		{"a reserved name is refused", "Path", DeleteOptions{}, ErrReservedName},
		{"a __Host- cookie cannot be deleted with a Domain", "__Host-c", DeleteOptions{Domain: "example.com"}, ErrPrefix},
		{"a __Host- cookie cannot be deleted on another path", "__Host-c", DeleteOptions{Path: "/x"}, ErrPrefix},
		{"a path with a newline is refused", "c", DeleteOptions{Path: "/\n"}, ErrInvalidAttribute},
		{"a long domain is refused", "c", DeleteOptions{Domain: strings.Repeat("d", 2000)}, ErrAttributeTooLong},
		{"partitioned without secure is refused", "c", DeleteOptions{Partitioned: true}, ErrPartitionedInsecure},
		{"an unknown same-site mode is refused", "c", DeleteOptions{SameSite: 9}, ErrInvalidSameSite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			if err := Delete(rec, tt.cname, tt.opts); !errors.Is(err, tt.want) {
				t.Fatalf("Delete error %v, want %v", err, tt.want)
			}
			if h := rec.Header().Values("Set-Cookie"); len(h) != 0 {
				t.Errorf("Delete wrote %q after an error", h)
			}
		})
	}
}

func TestMaxAgeTellsUnsetFromZero(t *testing.T) {
	t.Parallel()
	var unset Age
	if unset.IsSet() {
		t.Error("the zero Age reports being set")
	}
	if d, ok := MaxAge(0).Duration(); !ok || d != 0 {
		t.Errorf("MaxAge(0).Duration() = %v, %v; want 0, true", d, ok)
	}
	if d, ok := MaxAge(time.Hour).Duration(); !ok || d != time.Hour {
		t.Errorf("MaxAge(time.Hour).Duration() = %v, %v", d, ok)
	}
	session, _ := Format("c", "v", Options{Now: clock(frozen)})
	expired, _ := Format("c", "v", Options{MaxAge: MaxAge(0), Now: clock(frozen)})
	if strings.Contains(session, "Max-Age") || !strings.Contains(expired, "Max-Age=0") {
		t.Errorf("unset gave %q and zero gave %q", session, expired)
	}
}

func TestSetUsesTheRealClockByDefault(t *testing.T) {
	t.Parallel()
	before := time.Now().Add(time.Hour).Truncate(time.Second)
	line, err := Format("c", "v", Options{MaxAge: MaxAge(time.Hour)})
	after := time.Now().Add(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, _, attrs := mustParseSetCookie(t, line)
	exp, err := time.Parse(http.TimeFormat, attrs["expires"])
	if err != nil {
		t.Fatalf("expires %q: %v", attrs["expires"], err)
	}
	if exp.Before(before) || exp.After(after) {
		t.Errorf("expires %v is not an hour from now (%v..%v)", exp, before, after)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
