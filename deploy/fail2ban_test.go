package deploy_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store/storetest"
)

// fail2banTool finds a fail2ban program; without fail2ban installed (Debian package
// fail2ban) the test is skipped, or fails when CI=true (.ci/run installs it).
func fail2banTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed (Debian package fail2ban); .ci/run installs it", name)
		}
		t.Skipf("%s not installed (Debian package fail2ban)", name)
	}
	return path
}

// syncBuffer is conserje's log output, written by request goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// adminLoginLog runs conserje (the real server, behind a "proxy" it trusts, as behind
// Caddy) and logs in to /admin the ways an attacker and a member of staff would. It
// returns everything conserje logged.
func adminLoginLog(t *testing.T) string {
	t.Helper()
	const password = "correct-horse-battery-staple"
	cfg := config.Default()
	cfg.Database.URL = storetest.SQLitePath(t)
	cfg.Plugins = nil
	cfg.Calendar.Plugin = ""
	cfg.ICSSalt = "test-salt-0123456789abcdef"
	cfg.Dialogs.Dir = "../dialogs"
	cfg.Dialogs.LocalesDir = "../locales"
	cfg.Dialogs.Reload = false
	cfg.HTTP.TrustedProxies = []string{"127.0.0.1"}
	require.NoError(t, cfg.Validate())

	var logs syncBuffer
	logger, err := obs.NewLogger(&logs, "info", "json")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, logger)
	require.NoError(t, err)
	_, err = demo.Seed(ctx, a.DB, password)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	defer func() {
		cancel()
		assert.NoError(t, <-done)
		assert.NoError(t, a.Close(context.Background()))
	}()
	base := "http://" + ln.Addr().String()

	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	// login reports with assert and returns 0 on a failure.
	login := func(clientIP, username, pass string) int {
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		do := func(method, path string, form url.Values) (int, string, bool) {
			var body io.Reader
			if form != nil {
				body = strings.NewReader(form.Encode())
			}
			req, err := http.NewRequest(method, base+path, body)
			if !assert.NoError(t, err) {
				return 0, "", false
			}
			req.Header.Set("X-Forwarded-For", clientIP)
			if form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := client.Do(req)
			if !assert.NoError(t, err) {
				return 0, "", false
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(out), true
		}
		_, page, ok := do(http.MethodGet, "/admin/login", nil)
		m := csrf.FindStringSubmatch(page)
		if !ok || !assert.NotNil(t, m, "the login form carries a CSRF token") {
			return 0
		}
		status, _, _ := do(http.MethodPost, "/admin/login", url.Values{"csrf": {m[1]}, "username": {username}, "password": {pass}})
		return status
	}

	// One after the other: conserje checks few passwords at once and answers 429 past that.
	// Staff logging in: never a failure.
	assert.Equal(t, http.StatusSeeOther, login("198.51.100.30", demo.AdminUser, password))
	// An attacker guessing passwords from one address, up to conserje's own limit per
	// address (core/admin tests that limit; how soon it refills depends on the clock).
	for i := range 5 {
		assert.Equal(t, http.StatusUnauthorized, login("203.0.113.7", "admin", "guess-"+string(rune('a'+i))))
	}
	// An unknown user, over IPv6.
	assert.Equal(t, http.StatusUnauthorized, login("2001:db8::7", "root", "toor"))
	// Usernames crafted to look like another address inside the log line.
	assert.Equal(t, http.StatusUnauthorized, login("198.51.100.20", `x","ip":"192.0.2.1`, "nope"))
	assert.Equal(t, http.StatusUnauthorized, login("198.51.100.21", `x\","ip":"192.0.2.2","y":"`, "nope"))
	return logs.String()
}

func TestFail2banFilterMatchesFailedAdminLoginsOnly(t *testing.T) {
	t.Parallel()
	regexTool := fail2banTool(t, "fail2ban-regex")
	logText := adminLoginLog(t)

	// What the filter must find: the "ip" of every line conserje logged as a failed login,
	// read by a JSON parser, not by a regex.
	var want []string
	lines := strings.Split(strings.TrimSpace(logText), "\n")
	for _, line := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec["msg"] == "admin login failed" {
			ip, _ := rec["ip"].(string)
			want = append(want, ip)
			// The typed username is logged as a digest only (issue 10, 13): a password
			// typed into the username field must not reach the journal.
			assert.NotEmpty(t, rec["user_hash"], line)
			assert.NotContains(t, rec, "username", line)
			assert.NotContains(t, line, "toor")
			assert.NotContains(t, line, `"root"`)
		}
	}
	require.Len(t, want, 8, "5 wrong passwords, an unknown user, 2 crafted names:\n%s", logText)
	require.Greater(t, len(lines), len(want), "the log holds other lines (access log, the successful login) too")

	logFile := filepath.Join(t.TempDir(), "conserje.log")
	require.NoError(t, os.WriteFile(logFile, []byte(logText), 0o600))
	filter, err := filepath.Abs("fail2ban/filter.d/conserje-admin.conf")
	require.NoError(t, err)
	out, err := exec.Command(regexTool, "--out", "ip", logFile, filter).CombinedOutput()
	require.NoError(t, err, "fail2ban-regex:\n%s", out)
	got := strings.Fields(string(out))
	assert.Equal(t, want, got, "fail2ban-regex --out ip on conserje's real log lines")
	assert.NotContains(t, got, "192.0.2.1", "an address inside the username is never taken")
	assert.NotContains(t, got, "192.0.2.2", "an address inside the username is never taken")
	assert.NotContains(t, got, "198.51.100.30", "a successful login is never a failure")

	// The same lines as the journal shows them (the systemd backend prefixes host and unit).
	var journal strings.Builder
	for _, line := range lines {
		journal.WriteString("Dec 05 08:20:31 vps conserje[4242]: " + line + "\n")
	}
	journalFile := filepath.Join(t.TempDir(), "journal.log")
	require.NoError(t, os.WriteFile(journalFile, []byte(journal.String()), 0o600))
	out, err = exec.Command(regexTool, "--out", "ip", journalFile, filter).CombinedOutput()
	require.NoError(t, err, "fail2ban-regex:\n%s", out)
	assert.Equal(t, want, strings.Fields(string(out)), "journal-prefixed lines")
}

// TestFail2banJailsLoad reads the jails with fail2ban's own configuration reader, on a
// copy of the system's /etc/fail2ban with conserje's files added and both jails enabled.
func TestFail2banJailsLoad(t *testing.T) {
	t.Parallel()
	client := fail2banTool(t, "fail2ban-client")
	if _, err := os.Stat("/etc/fail2ban/jail.conf"); err != nil {
		if os.Getenv("CI") == "true" { // CI installs and provides it: missing is a failure
			t.Fatal("no /etc/fail2ban/jail.conf to build on")
		}
		t.Skip("no /etc/fail2ban/jail.conf to build on")
	}
	etc := filepath.Join(t.TempDir(), "fail2ban")
	require.NoError(t, exec.Command("cp", "-r", "/etc/fail2ban", etc).Run())
	filter, err := os.ReadFile("fail2ban/filter.d/conserje-admin.conf")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(etc, "filter.d", "conserje-admin.conf"), filter, 0o600))
	jail, err := os.ReadFile("fail2ban/jail.d/conserje.local")
	require.NoError(t, err)
	enabled := strings.ReplaceAll(string(jail), "enabled      = false", "enabled      = true")
	require.NoError(t, os.WriteFile(filepath.Join(etc, "jail.d", "conserje.local"), []byte(enabled), 0o600))

	out, err := exec.Command(client, "--conf", etc, "--dump").CombinedOutput()
	require.NoError(t, err, "fail2ban-client --dump:\n%s", out)
	dump := string(out)
	assert.NotContains(t, dump, "ERROR")
	for _, want := range []string{
		"['add', 'conserje-admin', 'systemd']",
		"['set', 'conserje-admin', 'addjournalmatch', '_SYSTEMD_UNIT=conserje.service']",
		"['set', 'conserje-admin', 'addaction', 'ufw']",
		"['add', 'conserje-admin-docker', 'systemd']",
		"['set', 'conserje-admin-docker', 'addjournalmatch', 'CONTAINER_TAG=conserje']",
		"['set', 'conserje-admin-docker', 'maxretry', 5]",
		"-I DOCKER-USER -p $proto -j f2b-conserje-admin-docker",
	} {
		assert.Contains(t, dump, want)
	}
}
