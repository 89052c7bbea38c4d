package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/djsession/djsession/internal/testservers"
)

// TestSideBySideInChromium is the side-by-side story in a real browser,
// on the db engine and on signed_cookies: one browser logs in on the
// Django site, opens the Go page and sees the user, logs out on the Go
// side, and the Django page asks for a login again. The screenshots of
// each step go to screenshotDir (bin/screenshots), named
// side-by-side-<engine>-<step>.png.
func TestSideBySideInChromium(t *testing.T) {
	requireSideBySide(t)
	chromium := testservers.Require(t, testservers.EnvChromium)
	browser := startChromium(t, chromium)
	dir := screenshotDir(t)
	for _, eng := range sideEngines {
		if eng.name != "db on SQLite" && eng.name != "signed_cookies" {
			continue
		}
		t.Run(eng.name, func(t *testing.T) {
			p := startPair(t, eng)
			ctx, cancel := chromedp.NewContext(browser)
			t.Cleanup(cancel)
			ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
			t.Cleanup(cancelT)
			do := func(steps ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				if err := chromedp.Do(ctx, steps...); err != nil {
					t.Fatal(err)
				}
			}
			click := func(id string) {
				t.Helper()
				if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(id))); err != nil {
					t.Fatalf("clicking #%s: %v", id, err)
				}
			}
			shot := func(step string) {
				t.Helper()
				png := runT(t, ctx, chromedp.FullScreenshot(100)) // quality 100 is a PNG; below, a JPEG
				name := "side-by-side-" + strings.ReplaceAll(eng.name, " ", "-") + "-" + step + ".png"
				if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", filepath.Join(dir, name))
			}
			at := func() string { t.Helper(); return runT(t, ctx, chromedp.Location()) }
			do(chromedp.EmulateViewport(1100, 700))

			// Log in on the Django site, through its login_required page.
			do(chromedp.Navigate(p.django + "/private/"))
			if got := at(); !strings.HasPrefix(got, p.django+"/accounts/login/") {
				t.Fatalf("Django's private page led to %s, not to its login", got)
			}
			do(chromedp.WaitVisible(chromedp.ID("login-form")),
				chromedp.SetValue(chromedp.ID("username-input"), "alice"),
				chromedp.SetValue(chromedp.ID("password-input"), "wonderland"))
			click("login-submit")
			if h := runT(t, ctx, chromedp.Text(chromedp.ID("private-title"))); h != "Welcome, alice" {
				t.Fatalf("after the Django login, Django's page says %q", h)
			}
			shot("1-django-login")

			// The Go page sees the same user.
			do(chromedp.Navigate(p.goURL + "/private/"))
			if got := at(); got != p.goURL+"/private/" {
				t.Fatalf("Go's private page led to %s: the Django login is not seen", got)
			}
			if h := runT(t, ctx, chromedp.Text(chromedp.ID("private-title"))); !strings.Contains(h, "alice") {
				t.Errorf("Go's private page says %q", h)
			}
			shot("2-go-sees-alice")

			// Log out on the Go side...
			click("logout")
			shot("3-go-logout")
			// ... and the Django page asks for a login again.
			do(chromedp.Navigate(p.django + "/private/"))
			if got := at(); !strings.HasPrefix(got, p.django+"/accounts/login/") {
				t.Errorf("after the Go logout, Django's private page is at %s, not its login", got)
			}
			shot("4-django-asks-login")
		})
	}
}
