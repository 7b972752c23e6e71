// Package browsertest drives the real product in a real browser for tests: it starts
// conserje (SQLite, the demo property, every route) on a free local port and a headless
// Debian chromium through chromedp, with a fresh profile per browser and an isolated
// cookie jar per tab, and logs staff into the admin.
//
// Without chromium a test skips, except under CI=true, where it fails (.ci/run installs
// the Debian package chromium). The browser tests of the admin and the web chat live in
// this package's _test files; screenshots go to docs/screenshots/ when
// CONSERJE_SCREENSHOTS=1.
package browsertest
