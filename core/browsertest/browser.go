package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// ChromiumPath is Debian's chromium, which .ci/run installs.
const ChromiumPath = "/usr/bin/chromium"

// DefaultTimeout bounds each step of a tab (navigation, waiting for an element): long
// enough for a busy two-core machine, short enough to fail a stuck test.
const DefaultTimeout = 30 * time.Second

// Browser is one headless chromium with a fresh profile, closed when the test ends.
type Browser struct {
	ctx context.Context
}

// NewBrowser starts chromium, or skips the test when it is missing (fails under CI=true).
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	path := ChromiumPath
	if p := os.Getenv("CONSERJE_CHROMIUM"); p != "" {
		path = p
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required under CI (apt-get install chromium): %v", err)
		}
		t.Skipf("no chromium at %s (apt-get install chromium): %v", path, err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	// The first action starts the browser; it must not run under a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return &Browser{ctx: ctx}
}

// Tab is one page of a Browser with its own cookies and storage (a separate browser
// context): a staff member and a guest can be two tabs of one browser.
type Tab struct {
	t   testing.TB
	Ctx context.Context
}

// NewTab opens a tab in a fresh browser context, closed when the test ends.
func (b *Browser) NewTab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")), "open tab")
	return &Tab{t: t, Ctx: ctx}
}

// Do runs actions, each step bounded by DefaultTimeout, failing the test on error.
func (tab *Tab) Do(actions ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	for i, a := range actions {
		ctx, cancel := context.WithTimeout(tab.Ctx, DefaultTimeout)
		err := chromedp.Do(ctx, a)
		cancel()
		require.NoError(tab.t, err, "browser step %d", i+1)
	}
}

// Text returns the visible text of the first element matching the CSS selector.
func (tab *Tab) Text(sel string) string {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, DefaultTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(tab.t, err, "text of %s", sel)
	return s
}

// Eval runs a JavaScript expression in the page and returns its value.
func Eval[T any](tab *Tab, expr string) T {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, DefaultTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(tab.t, err, "evaluate %s", expr)
	return v
}

// WaitText waits until the element matching the CSS selector contains want (the page
// may update itself: live updates, a chat reply) and returns the element's text.
func (tab *Tab) WaitText(sel, want string) string {
	tab.t.Helper()
	expr := fmt.Sprintf(`(function(){var e=document.querySelector(%q);return !!e && e.textContent.indexOf(%q) >= 0})()`, sel, want)
	if !tab.poll(expr) {
		got, _ := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q)||{}).textContent||""`, sel)))
		tab.t.Fatalf("waiting for %q in %s; it has: %s", want, sel, strings.TrimSpace(got))
	}
	return tab.Text(sel)
}

// WaitTrue waits until the JavaScript expression is true in the page.
func (tab *Tab) WaitTrue(expr string) {
	tab.t.Helper()
	if !tab.poll(expr) {
		tab.t.Fatalf("waiting for %s: not true after %s", expr, DefaultTimeout)
	}
}

// poll evaluates expr until it is true or DefaultTimeout passes; a page navigating
// meanwhile (a form's redirect) is waited for.
func (tab *Tab) poll(expr string) bool {
	deadline := time.Now().Add(DefaultTimeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tab.Ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// Login signs staff into the admin of s and waits for the home page.
func (tab *Tab) Login(s *Server, user, password string) {
	tab.t.Helper()
	tab.Do(
		chromedp.Navigate(s.URL+"/admin/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label=Principal]`)),
	)
}

// Viewport sets the page's size in CSS pixels; mobile emulates a phone (touch, portrait).
func (tab *Tab) Viewport(width, height int64, mobile bool) {
	tab.t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if mobile {
		opts = append(opts, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	tab.Do(chromedp.EmulateViewport(width, height, opts...))
}

// Screenshot saves the whole page as a PNG under docs/screenshots/NAME-WIDTH.png when
// CONSERJE_SCREENSHOTS=1 (the screenshots in the repository are made that way), at a
// phone's 390 px and a desktop's 1280 px.
func (tab *Tab) Screenshot(name string) {
	tab.t.Helper()
	if os.Getenv("CONSERJE_SCREENSHOTS") != "1" {
		return
	}
	dir := filepath.Join(ModuleRoot(tab.t), "docs", "screenshots")
	require.NoError(tab.t, os.MkdirAll(dir, 0o750))
	for _, w := range []struct {
		width, height int64
		mobile        bool
	}{{390, 844, true}, {1280, 800, false}} {
		tab.Viewport(w.width, w.height, w.mobile)
		ctx, cancel := context.WithTimeout(tab.Ctx, DefaultTimeout)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		require.NoError(tab.t, err, "screenshot %s", name)
		require.NoError(tab.t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w.width)), png, 0o600))
	}
	tab.Viewport(1280, 800, false)
}
