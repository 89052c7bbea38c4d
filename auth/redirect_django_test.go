package auth

import (
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/djangotest"
)

// TestIsSafeRedirectMatchesDjango runs every row of the open-redirect table
// through the real Django's url_has_allowed_host_and_scheme and checks that
// Django answers as the table says, so that IsSafeRedirect equals Django on
// every row except the documented stricter ones (where Django accepts and
// IsSafeRedirect refuses).
func TestIsSafeRedirectMatchesDjango(t *testing.T) {
	type group struct {
		rows []redirectCase
		call []string
	}
	var order []string
	groups := map[string]*group{}
	for _, c := range redirectTable {
		k := strings.Join(c.allowed(), "\x00")
		if c.https {
			k += "\x00https"
		}
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		g.rows = append(g.rows, c)
	}
	var calls [][]string
	for _, k := range order {
		g := groups[k]
		urls := make([]string, len(g.rows))
		for i, c := range g.rows {
			urls[i] = c.url
		}
		call := []string{"url-has-allowed-host", "--urls-json", djangotest.JSON(t, urls)}
		for _, h := range g.rows[0].allowed() {
			call = append(call, "--allowed-host-json", djangotest.JSONString(h))
		}
		if g.rows[0].https {
			call = append(call, "--require-https")
		}
		calls = append(calls, call)
	}
	results := djangotest.RunBatch(t, calls...)
	deviations := 0
	for i, k := range order {
		res := djangotest.OK(t, results[i])
		list, _ := res["results"].([]any)
		rows := groups[k].rows
		if len(list) != len(rows) {
			t.Fatalf("Django answered %d URLs of %d", len(list), len(rows))
		}
		for j, c := range rows {
			got, _ := list[j].(map[string]any)["allowed"].(bool)
			t.Run(c.name, func(t *testing.T) {
				if got != c.django() {
					t.Errorf("Django says %v for %q, the table expects %v", got, trunc(c.url), c.django())
				}
				goSays := IsSafeRedirect(c.url, c.allowed(), c.https)
				if goSays != got && !c.stricter {
					t.Errorf("IsSafeRedirect(%q) = %v, Django = %v", trunc(c.url), goSays, got)
				}
			})
			if c.stricter {
				deviations++
			}
		}
	}
	t.Logf("%d rows compared with Django; %d are documented stricter refusals", len(redirectTable), deviations)
}
