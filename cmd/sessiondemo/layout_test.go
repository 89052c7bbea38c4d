package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// screenshotDir is where TestLayoutInChromium writes its screenshots:
// $SESSIONDEMO_SCREENSHOTS, or bin/screenshots at the repository root
// (bin/ is not committed).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SESSIONDEMO_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "bin", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// layoutProblems is run in the page: it returns what is wrong with the
// layout, one line each.
const layoutProblems = `(() => {
  const out = [];
  const vw = window.innerWidth;
  const sw = document.documentElement.scrollWidth;
  if (sw > vw) {
    const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > vw + 0.5)
      .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));
    out.push('horizontal overflow: scrollWidth ' + sw + ' > ' + vw + ' (' + wide.join(', ') + ')');
  }
  // The nav takes one row on a desktop, at most two on a phone.
  const rows = new Set([...document.querySelectorAll('header.top nav a')].map(a => Math.round(a.getBoundingClientRect().top)));
  const maxRows = vw >= 1000 ? 1 : 2;
  if (rows.size > maxRows) out.push('the nav takes ' + rows.size + ' rows at ' + vw + ' px');
  // A short code word (sessionid, is_login...) is never broken over two lines.
  for (const c of document.querySelectorAll('code')) {
    const text = c.textContent;
    if (text.length <= 24 && !/\s/.test(text) && c.getClientRects().length > 1) out.push('<code>' + text + '</code> is broken over two lines');
  }
  // A grid's last row is as full as its first: no lone card at the end.
  for (const g of document.querySelectorAll('.grid')) {
    const tops = [...g.children].map(c => Math.round(c.getBoundingClientRect().top));
    const perRow = {};
    for (const t of tops) perRow[t] = (perRow[t] || 0) + 1;
    const counts = Object.keys(perRow).map(Number).sort((a, b) => a - b).map(t => perRow[t]);
    if (counts.length > 1 && counts[counts.length - 1] < counts[0]) {
      out.push('a grid' + (g.id ? ' #' + g.id : '') + ' ends with ' + counts[counts.length - 1] + ' card(s) on its last row, ' + counts[0] + ' on its first');
    }
  }
  return out;
})()`

// TestLayoutInChromium opens every page at a desktop width (1280 px) and a
// phone's (390 px), checks the layout rules above, and writes a full-page
// screenshot of each to screenshotDir for a person to look at.
func TestLayoutInChromium(t *testing.T) {
	e := newE2E(t)
	e.srv.users.setIterations(1000)
	dir := screenshotDir(t)
	ctx := e.tab(t)

	type shot struct {
		name, path string
		prepare    func(t *testing.T, ctx context.Context) // after the viewport is set, instead of a plain navigation
	}
	shots := []shot{
		{"home", "/", nil},
		{"private", "/private/reports/?year=2025&q=caf%C3%A9", nil},
		{"members", "/members/", nil},
		{"password", "/accounts/password/", nil},
		{"session", "/session/", nil},
		{"cookies", "/cookies/", func(t *testing.T, ctx context.Context) {
			e.do(t, ctx,
				chromedp.Navigate(e.base+"/cookies/"),
				chromedp.SetValue(chromedp.ID("c-name"), "greeting"),
				chromedp.SetValue(chromedp.ID("c-value"), "hello, wörld"),
			)
			e.submit(t, ctx, "c-submit")
		}},
		{"not-found", "/nope/", nil},
		{"logout-get", "/accounts/logout/", nil},
		{"login", "/accounts/login/?next=/private/", func(t *testing.T, ctx context.Context) {
			e.do(t, ctx, chromedp.Navigate(e.base+"/session/"))
			e.submit(t, ctx, "flush") // signed out, with a message
			e.do(t, ctx, chromedp.Navigate(e.base+"/accounts/login/?next=/private/"))
		}},
		{"home-signed-out", "/", nil},
	}
	for _, width := range []int64{1280, 390} {
		var opts []chromedp.EmulateViewportOption
		if width < 600 {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
		}
		e.do(t, ctx, chromedp.EmulateViewport(width, 844, opts...))
		// Some state to show: a login, session values (a long one among
		// them); the shots end signed out.
		e.do(t, ctx, chromedp.Navigate(e.base+"/accounts/login/"))
		e.login(t, ctx, "alice", "wonderland")
		e.do(t, ctx,
			chromedp.Navigate(e.base+"/session/"),
			chromedp.SetValue(chromedp.ID("s-key"), "cart"),
			chromedp.SetValue(chromedp.ID("s-value"), `["apple","pear",{"qty":3,"note":"a long note that goes on without a break: abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"}]`),
		)
		e.submit(t, ctx, "s-submit")
		for _, s := range shots {
			name := s.name + "-" + strconv.FormatInt(width, 10)
			t.Run(name, func(t *testing.T) {
				if s.prepare != nil {
					s.prepare(t, ctx)
				} else {
					e.do(t, ctx, chromedp.Navigate(e.base+s.path))
				}
				problems := runT(t, ctx, chromedp.Evaluate[[]string](layoutProblems))
				for _, p := range problems {
					t.Errorf("%s at %d px: %s", s.path, width, p)
				}
				png := runT(t, ctx, chromedp.FullScreenshot(100))
				file := filepath.Join(dir, name+".png")
				if err := os.WriteFile(file, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", file)
			})
		}
	}
	// Every page's footer names sessionid once (the check above keeps it whole).
	if got := strings.Count(runT(t, ctx, chromedp.Evaluate[string](`document.querySelector('footer').textContent`)), "sessionid"); got != 1 {
		t.Errorf("the footer names sessionid %d times", got)
	}
}
