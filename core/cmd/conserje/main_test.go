package main_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/store"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "conserje-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "conserje")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build conserje: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// run executes the binary in dir with only the given CONSERJE_* variables.
func run(t *testing.T, dir string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return stdout.String(), stderr.String(), code
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONSERJE_") {
			env = append(env, kv)
		}
	}
	return env
}

const noPlugins = "plugins: []\ncalendar:\n  plugin: \"\"\n"

// repoDialogs points a config at the repository's dialogs and templates.
func repoDialogs(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	return fmt.Sprintf("dialogs:\n  dir: %s\n  locales_dir: %s\n  reload: false\n",
		filepath.Join(root, "dialogs"), filepath.Join(root, "locales"))
}

func TestConfigCheck(t *testing.T) {
	t.Run("invalid configuration exits 2 listing every problem", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(`
http:
  addr: nope
log:
  level: loud
plugins:
  - name: ical
    path: ./missing/ical
    call_timeout: 5s
`), 0o600))
		_, stderr, code := run(t, dir, nil, "config", "check", "--config", "bad.yaml")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "http.addr:")
		assert.Contains(t, stderr, "log.level:")
		assert.Contains(t, stderr, "plugins[0].path: file not found")
	})
	t.Run("valid configuration with secrets masked", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(noPlugins+"api:\n  token: ${MY_API_TOKEN}\n"), 0o600))
		stdout, stderr, code := run(t, dir, []string{"MY_API_TOKEN=tok-supersecret-123456", "CONSERJE_ADMIN_PASSWORD=pass-supersecret"}, "config", "check", "--show")
		assert.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "configuration ok")
		assert.Contains(t, stdout, "CONSERJE_ADMIN_PASSWORD")
		assert.NotContains(t, stdout+stderr, "supersecret")
	})
	t.Run("CONSERJE_CONFIG picks the file", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "other.yaml"), []byte("http:\n  addr: bad\n"), 0o600))
		_, stderr, code := run(t, dir, []string{"CONSERJE_CONFIG=other.yaml"}, "config", "check")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "http.addr")
	})
}

func TestMigrateSeedAndServeGracefully(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(noPlugins+repoDialogs(t)), 0o600))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	env := []string{"CONSERJE_HTTP_ADDR=" + addr, "CONSERJE_LOG_LEVEL=warn"}

	stdout, stderr, code := run(t, dir, env, "migrate", "up")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "applied on sqlite")
	stdout, stderr, code = run(t, dir, env, "seed", "demo")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "demo loaded")
	assert.Regexp(t, `password: \S{12,}`, stdout)
	stdout, _, _ = run(t, dir, env, "migrate", "status")
	assert.Regexp(t, `0001\s+init\s+\d{4}-`, stdout)

	cmd := exec.Command(binary, "serve")
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 30*time.Second, 100*time.Millisecond, "serve answers /healthz; output:\n%s", &out)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "serve exits 0 on SIGTERM; output:\n%s", out.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not stop within 15 s of SIGTERM; output:\n%s", out.String())
	}
	text := out.String()
	// The banner shows the URLs serve really answers on (http.addr, public_url unset) and
	// how to get a new admin password.
	assert.Contains(t, text, "http://"+addr+"/chat")
	assert.NotContains(t, text, "localhost:8080")
	assert.Contains(t, text, "admin set-password admin")
	// stdout is not a terminal: the generated token goes to a 0600 file, whose path (never
	// the token) is logged; the logs are JSON.
	tokenFile := filepath.Join(dir, "data", "api_token")
	st, err := os.Stat(tokenFile)
	require.NoError(t, err, text)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	token, err := os.ReadFile(tokenFile)
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{48}\n$`, string(token))
	assert.NotContains(t, text, strings.TrimSpace(string(token)), "the token never reaches stdout or the logs")
	assert.Contains(t, text, `"token_file":"`+tokenFile+`"`)
	assert.Contains(t, text, "API token for this run: in "+tokenFile)
}

func TestAdminUsers(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(noPlugins), 0o600))
	stdout, stderr, code := run(t, dir, nil, "admin", "add-user", "maria", "--role", "staff", "--name", "María")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `password: \S{12,}`, stdout)

	_, stderr, code = run(t, dir, nil, "admin", "add-user", "maria")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "already exists")

	_, stderr, code = run(t, dir, nil, "admin", "add-user", "Bad Name")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "username")

	cmd := exec.Command(binary, "admin", "set-password", "maria", "--password-stdin")
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader("short\n")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "at least 10 characters")

	cmd = exec.Command(binary, "admin", "set-password", "maria", "--password-stdin")
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader("a-long-enough-password\n")
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "password of maria replaced")
	assert.NotContains(t, string(out), "a-long-enough-password", "a chosen password is never echoed")
}

func TestDoctorExitStatus(t *testing.T) {
	t.Parallel()
	t.Run("invalid configuration: one ✗ line and exit 1", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("http:\n  addr: nope\n"), 0o600))
		stdout, _, code := run(t, dir, nil, "doctor")
		assert.Equal(t, 1, code)
		assert.Contains(t, stdout, "✗ configuration: ")
		assert.Contains(t, stdout, "http.addr")
		assert.Contains(t, stdout, "→ fix each setting listed")
		assert.Contains(t, stdout, "1 of 1 checks failed: not ready for guests.")
	})
	t.Run("no database yet: the doctor does not create one", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(noPlugins), 0o600))
		stdout, _, code := run(t, dir, []string{"CONSERJE_DATABASE_URL=" + filepath.Join(dir, "data", "conserje.db")}, "doctor", "--backup-dir", dir)
		assert.Equal(t, 1, code)
		assert.Contains(t, stdout, "✓ configuration: valid")
		assert.Contains(t, stdout, "✗ database: no SQLite database at")
		assert.Contains(t, stdout, "✗ public URL: http.public_url is http://localhost:8080")
		assert.Contains(t, stdout, "✗ backups: no backup in")
		assert.NoFileExists(t, filepath.Join(dir, "data", "conserje.db"))
	})
}

// Issue 10, item 7: a database password no command may panic on or print, one password
// rule, and config check refusing what serve refuses.
func TestSecretsInTheConfiguration(t *testing.T) {
	t.Parallel()
	const badEscape = "postgres://conserje:s3cret%pw@127.0.0.1:1/conserje"
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"config check, % in the database password", []string{"CONSERJE_DATABASE_URL=" + badEscape}, []string{"config", "check"}, 2, "database.url: not a valid URL"},
		{"config check --show, % in the database password", []string{"CONSERJE_DATABASE_URL=" + badEscape}, []string{"config", "check", "--show"}, 2, "write a % in a password as %25"},
		{"migrate status, % in the database password", []string{"CONSERJE_DATABASE_URL=" + badEscape}, []string{"migrate", "status"}, 2, "database.url"},
		{"admin add-user, % in the database password", []string{"CONSERJE_DATABASE_URL=" + badEscape}, []string{"admin", "add-user", "maria"}, 2, "database.url"},
		{"serve, % in the database password", []string{"CONSERJE_DATABASE_URL=" + badEscape}, []string{"serve"}, 2, "database.url"},
		{"stats, % in the database password", []string{"CONSERJE_DATABASE_URL=" + badEscape}, []string{"stats"}, 2, "database.url"},
		{"doctor, % in the database password", []string{"CONSERJE_DATABASE_URL=" + badEscape}, []string{"doctor"}, 1, "database.url"},
		{"config check, admin password of one character", []string{"CONSERJE_ADMIN_PASSWORD=a"}, []string{"config", "check"}, 2, "admin.password: use at least 10 characters"},
		{"config check, PostgreSQL without ics_salt and api token", []string{"CONSERJE_DATABASE_URL=postgres://conserje:s3cret-pw@127.0.0.1:1/conserje"}, []string{"config", "check"}, 2, "ics_salt: required with PostgreSQL"},
		{"serve, PostgreSQL without ics_salt and api token", []string{"CONSERJE_DATABASE_URL=postgres://conserje:s3cret-pw@127.0.0.1:1/conserje"}, []string{"serve"}, 2, "api.token: required with PostgreSQL"},
		{"config check --show, a password query parameter", []string{"CONSERJE_DATABASE_URL=postgres://conserje@127.0.0.1:1/conserje?password=s3cret-pw", "CONSERJE_ICS_SALT=salt-0123456789abcdef", "CONSERJE_API_TOKEN=token-0123456789abcdef"}, []string{"config", "check", "--show"}, 0, "password=xxxxx"},
		{"migrate status, database refusing the password query parameter", []string{"CONSERJE_DATABASE_URL=postgres://conserje@127.0.0.1:1/conserje?password=s3cret-pw&sslmode=disable"}, []string{"migrate", "status"}, 1, "xxxxx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(noPlugins), 0o600))
			stdout, stderr, code := run(t, dir, tc.env, tc.args...)
			out := stdout + stderr
			assert.Equal(t, tc.code, code, out)
			assert.Contains(t, out, tc.want)
			assert.NotContains(t, out, "panic")
			assert.NotContains(t, out, "goroutine")
			assert.NotContains(t, out, "s3cret", "the password is never printed")
		})
	}
}

// TestAdminGeneratedPasswordsAreTemporary: a password the CLI generates and prints was
// seen by the operator, so its user must choose their own at the first login; one the
// operator typed (stdin) is not flagged, and typing one clears the flag.
func TestAdminGeneratedPasswordsAreTemporary(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(noPlugins), 0o600))
	dbPath := filepath.Join(dir, "staff.db")
	env := []string{"CONSERJE_DATABASE_URL=" + dbPath}
	flagged := func(t *testing.T, username string) (bool, bool) {
		t.Helper()
		db, err := store.Open(context.Background(), dbPath, store.Options{})
		require.NoError(t, err)
		defer db.Close()
		var u store.StaffUser
		require.NoError(t, db.NewSelect().Model(&u).Where("username = ?", username).Scan(context.Background()))
		return u.MustChangePassword, u.PasswordIssuedAt != nil
	}
	for _, tc := range []struct {
		name      string
		args      []string
		stdin     string
		temporary bool
	}{
		{"add-user with a generated password", []string{"admin", "add-user", "rosa"}, "", true},
		{"set-password typed on stdin", []string{"admin", "set-password", "rosa", "--password-stdin"}, "rosa-chose-this-one\n", false},
		{"set-password generated", []string{"admin", "set-password", "rosa"}, "", true},
		{"add-user typed on stdin", []string{"admin", "add-user", "juan", "--password-stdin"}, "juan-typed-this-one\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary, tc.args...)
			cmd.Dir = dir
			cmd.Env = append(cleanEnv(), env...)
			cmd.Stdin = strings.NewReader(tc.stdin)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
			if tc.temporary {
				assert.Contains(t, string(out), "at the first login they must choose their own")
				assert.Contains(t, string(out), "after 72 hours")
			} else {
				assert.NotContains(t, string(out), "temporary")
			}
			must, issued := flagged(t, tc.args[2])
			assert.Equal(t, tc.temporary, must, "must_change_password")
			assert.Equal(t, tc.temporary, issued, "password_issued_at")
		})
	}
}
