package doctor_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/doctor"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// Real plugin binaries, built once: the ical plugin and a "whatsapp" channel plugin that
// speaks Meta's verify handshake (core/loadtest/testdata/whatsapp).
var icalBin, whatsappBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "doctor-plugins")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	icalBin, whatsappBin = filepath.Join(dir, "ical"), filepath.Join(dir, "whatsapp")
	for bin, pkg := range map[string]string{icalBin: "../../plugins/ical", whatsappBin: "../loadtest/testdata/whatsapp"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", pkg, err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

const (
	verifyToken = "verify-0123456789"
	appSecret   = "app-secret-0123456789"
	goodPass    = "s3cure-Random-passphrase"
)

// redisWithPassword starts a private redis-server that requires a password (the shared
// test Redis has none, and changing its settings would disturb other tests).
func redisWithPassword(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not installed (Debian package redis-server)")
		}
		t.Skip("redis-server not installed (Debian package redis-server)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", fmt.Sprint(port), "--requirepass", "redis-pass-0123",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "redis-server listens")
	return "redis://:redis-pass-0123@" + addr + "/0"
}

// install is a good install: a migrated SQLite database with the demo and a strong admin
// password, Redis with a password, the ical and whatsapp plugins, conserje serving behind
// an HTTPS front at https://example.com (resolved to the test server), and a fresh backup.
type install struct {
	cfg       *config.Config
	db        *store.DB
	opts      doctor.Options
	front     *httptest.Server
	backupDir string
}

func newInstall(t *testing.T) *install {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Database.URL = storetest.SQLitePath(t)
	cfg.Redis.URL = redisWithPassword(t)
	cfg.ICSSalt = "test-salt-0123456789abcdef"
	cfg.API.Token = "doctor-api-token-0123456789" // /healthz shows plugin states only to it
	cfg.Dialogs.Dir, cfg.Dialogs.LocalesDir, cfg.Dialogs.Reload = "../../dialogs", "../../locales", false
	cfg.HTTP.PublicURL = "https://example.com"
	cfg.HTTP.TrustedProxies = []string{"127.0.0.1"}
	cfg.Plugins = []config.Plugin{
		{Name: "ical", Path: icalBin, CallTimeout: 30 * time.Second, Settings: map[string]any{}},
		{Name: "whatsapp", Path: whatsappBin, CallTimeout: 10 * time.Second, Settings: map[string]any{"verify_token": verifyToken, "app_secret": appSecret}},
	}
	require.NoError(t, cfg.Validate())

	db, err := app.OpenDB(ctx, cfg, true, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = demo.Seed(ctx, db, "")
	require.NoError(t, err)
	setPassword(t, db, goodPass)

	// conserje itself, with a copy of the configuration (the cases below change theirs).
	served := *cfg
	served.Plugins = append([]config.Plugin(nil), cfg.Plugins...)
	runCtx, cancel := context.WithCancel(ctx)
	a, err := app.New(runCtx, &served, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(runCtx, ln) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
		_ = a.Close(context.Background())
	})
	require.Eventually(t, func() bool {
		for _, st := range a.Plugins.Status() {
			if st.State != "up" {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "plugins up in the running conserje")

	// The HTTPS front (Caddy's place), with a certificate for example.com.
	backend, err := url.Parse("http://" + ln.Addr().String())
	require.NoError(t, err)
	front := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(backend))
	t.Cleanup(front.Close)
	transport := front.Client().Transport.(*http.Transport).Clone()
	frontAddr := front.Listener.Addr().String()
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == "example.com:443" {
			addr = frontAddr
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	transport.TLSClientConfig = &tls.Config{RootCAs: transport.TLSClientConfig.RootCAs, MinVersion: tls.VersionTLS12}

	backups := t.TempDir()
	writeBackup(t, backups, "conserje-sqlite-20261205T043000.000Z.tar.gz", time.Now().Add(-3*time.Hour))
	return &install{
		cfg: cfg, db: db, front: front, backupDir: backups,
		opts: doctor.Options{HTTPClient: &http.Client{Transport: transport, Timeout: 10 * time.Second}, BackupDir: backups},
	}
}

// setPassword stores the admin's password with the cheapest bcrypt cost, so that the
// doctor's comparisons stay fast in tests.
func setPassword(t *testing.T, db *store.DB, password string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	_, err = db.NewUpdate().Model((*store.StaffUser)(nil)).Set("password_hash = ?", string(hash)).Where("username = ?", demo.AdminUser).Exec(context.Background())
	require.NoError(t, err)
}

func writeBackup(t *testing.T, dir, name string, at time.Time) {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte("backup"), 0o600))
	require.NoError(t, os.WriteFile(path+".sha256", []byte("checksum"), 0o600))
	require.NoError(t, os.Chtimes(path, at, at))
}

// run runs the doctor on a copy of the install's configuration changed by change.
func (in *install) run(t *testing.T, change func(cfg *config.Config, opts *doctor.Options)) doctor.Report {
	t.Helper()
	cfg := *in.cfg
	cfg.Plugins = nil
	for _, p := range in.cfg.Plugins {
		settings := map[string]any{}
		for k, v := range p.Settings {
			settings[k] = v
		}
		p.Settings = settings
		cfg.Plugins = append(cfg.Plugins, p)
	}
	opts := in.opts
	if change != nil {
		change(&cfg, &opts)
	}
	return doctor.Run(context.Background(), &cfg, opts)
}

func line(r doctor.Report, title string) (doctor.Line, bool) {
	for _, l := range r.Lines {
		if l.Title == title {
			return l, true
		}
	}
	return doctor.Line{}, false
}

func titles(lines []doctor.Line) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, l.Title)
	}
	return out
}

func TestDoctor(t *testing.T) {
	in := newInstall(t)

	t.Run("a good install passes every line", func(t *testing.T) {
		r := in.run(t, nil)
		var out strings.Builder
		require.NoError(t, r.Write(&out))
		assert.True(t, r.OK(), out.String())
		assert.Equal(t, []string{
			"database", "migrations", "redis", "plugin ical", "plugin whatsapp", "public URL", "client addresses",
			"plugin ical in the running conserje", "plugin whatsapp in the running conserje",
			"WhatsApp webhook", "iCal export URLs", "admin password", "backups",
		}, titles(r.Lines))
		text := out.String()
		assert.Contains(t, text, "✓ public URL: https://example.com/healthz answers 200 over HTTPS")
		assert.Contains(t, text, "Callback URL:  https://example.com/webhooks/whatsapp")
		assert.Contains(t, text, "CONSERJE_PLUGINS_1_SETTINGS_VERIFY_TOKEN")
		assert.NotContains(t, text, verifyToken, "the verify token itself is a secret: never printed")
		assert.Contains(t, text, "https://example.com/ical/accommodation/")
		assert.Contains(t, text, "all 13 checks passed")
		assert.NotContains(t, text, "✗")
	})

	// Each case breaks one part; that line must fail (and say what to do), and the
	// others named in alsoFailing are the only other failures.
	cases := []struct {
		name        string
		change      func(t *testing.T, cfg *config.Config, opts *doctor.Options)
		failing     string
		detail      string
		alsoFailing []string
	}{
		{
			name: "database file missing",
			change: func(t *testing.T, cfg *config.Config, _ *doctor.Options) {
				cfg.Database.URL = filepath.Join(t.TempDir(), "gone.db")
			},
			failing: "database", detail: "no SQLite database",
		},
		{
			name: "migrations pending",
			change: func(t *testing.T, cfg *config.Config, _ *doctor.Options) {
				path := storetest.SQLitePath(t)
				db, err := store.Open(context.Background(), path, store.Options{})
				require.NoError(t, err)
				defer db.Close()
				m, err := store.NewMigrator(db)
				require.NoError(t, err)
				_, err = m.Up(context.Background())
				require.NoError(t, err)
				_, err = m.Down(context.Background(), 1)
				require.NoError(t, err)
				cfg.Database.URL = path
			},
			failing: "migrations", detail: "1 pending",
		},
		{
			name: "redis password wrong",
			change: func(_ *testing.T, cfg *config.Config, _ *doctor.Options) {
				cfg.Redis.URL = strings.Replace(cfg.Redis.URL, "redis-pass-0123", "wrong-pass", 1)
			},
			failing: "redis", detail: "WRONGPASS",
		},
		{
			name: "redis without a password",
			change: func(_ *testing.T, cfg *config.Config, _ *doctor.Options) {
				cfg.Redis.URL = strings.Replace(cfg.Redis.URL, ":redis-pass-0123@", "", 1)
			},
			failing: "redis", detail: "NOAUTH",
		},
		{
			name: "redis down",
			change: func(t *testing.T, cfg *config.Config, _ *doctor.Options) {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				require.NoError(t, err)
				addr := ln.Addr().String()
				require.NoError(t, ln.Close())
				cfg.Redis.URL = "redis://:redis-pass-0123@" + addr + "/0"
			},
			failing: "redis", detail: "connection refused",
		},
		{
			name: "plugin binary does not match its checksum",
			change: func(_ *testing.T, cfg *config.Config, _ *doctor.Options) {
				cfg.Plugins[0].SHA256 = strings.Repeat("0", 64)
			},
			failing: "plugin ical", detail: "sha256",
		},
		{
			name: "plugin settings refused",
			change: func(_ *testing.T, cfg *config.Config, _ *doctor.Options) {
				delete(cfg.Plugins[1].Settings, "app_secret")
			},
			failing: "plugin whatsapp", detail: "app_secret",
		},
		{
			name:    "public URL not https",
			change:  func(_ *testing.T, cfg *config.Config, _ *doctor.Options) { cfg.HTTP.PublicURL = "http://example.com" },
			failing: "public URL", detail: "need https",
			// Without the public URL, the webhook cannot be checked either; and the
			// running conserje's plugins cannot be read.
			alsoFailing: []string{"WhatsApp webhook"},
		},
		{
			name: "public URL not answering",
			change: func(_ *testing.T, _ *config.Config, opts *doctor.Options) {
				opts.HTTPClient = &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
					DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
						return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:1")
					},
				}}
			},
			failing: "public URL", detail: "connection refused",
			alsoFailing: []string{"WhatsApp webhook"},
		},
		{
			name: "public URL with a certificate nobody trusts",
			change: func(_ *testing.T, _ *config.Config, opts *doctor.Options) {
				transport := opts.HTTPClient.Transport.(*http.Transport).Clone()
				transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
				opts.HTTPClient = &http.Client{Transport: transport, Timeout: 5 * time.Second}
			},
			failing: "public URL", detail: "certificate",
			alsoFailing: []string{"WhatsApp webhook"},
		},
		{
			name:    "no trusted proxy behind the TLS front",
			change:  func(_ *testing.T, cfg *config.Config, _ *doctor.Options) { cfg.HTTP.TrustedProxies = nil },
			failing: "client addresses", detail: "trusted_proxies is empty",
		},
		{
			name: "WhatsApp verify token differs from the running conserje's",
			change: func(_ *testing.T, cfg *config.Config, _ *doctor.Options) {
				cfg.Plugins[1].Settings["verify_token"] = "another-token-123"
			},
			failing: "WhatsApp webhook", detail: "answered 403",
		},
		{
			name: "WhatsApp verify token missing",
			change: func(_ *testing.T, cfg *config.Config, _ *doctor.Options) {
				delete(cfg.Plugins[1].Settings, "verify_token")
			},
			failing: "WhatsApp webhook", detail: "no verify token",
			alsoFailing: []string{"plugin whatsapp"},
		},
		{
			name: "plugin configured but not running",
			change: func(_ *testing.T, cfg *config.Config, _ *doctor.Options) {
				cfg.Plugins = append(cfg.Plugins, config.Plugin{Name: "telegram", Path: whatsappBin, Settings: map[string]any{"verify_token": "x", "app_secret": "y"}})
			},
			failing: "plugin telegram in the running conserje", detail: "not running",
		},
		{
			name: "Mercado Pago without its webhook secret",
			change: func(_ *testing.T, cfg *config.Config, _ *doctor.Options) {
				cfg.Plugins = append(cfg.Plugins, config.Plugin{Name: "mercadopago", Path: whatsappBin, Settings: map[string]any{"verify_token": "x", "app_secret": "y"}})
				cfg.Payments.Plugin = "mercadopago"
			},
			failing: "Mercado Pago notifications", detail: "no webhook secret",
			// The stand-in binary is a channel plugin, not a payment one; and the running
			// conserje has no such plugin.
			alsoFailing: []string{"plugin mercadopago", "plugin mercadopago in the running conserje"},
		},
		{
			name: "newest backup too old",
			change: func(t *testing.T, _ *config.Config, opts *doctor.Options) {
				dir := t.TempDir()
				writeBackup(t, dir, "conserje-sqlite-20261201T043000.000Z.tar.gz", time.Now().Add(-50*time.Hour))
				opts.BackupDir = dir
			},
			failing: "backups", detail: "50h0m0s old",
		},
		{
			name: "no finished backup",
			change: func(t *testing.T, _ *config.Config, opts *doctor.Options) {
				dir := t.TempDir()
				// A backup without its checksum is one backup.sh did not finish.
				require.NoError(t, os.WriteFile(filepath.Join(dir, "conserje-sqlite-20261205T043000.000Z.tar.gz"), []byte("x"), 0o600))
				opts.BackupDir = dir
			},
			failing: "backups", detail: "no backup in",
		},
		{
			name: "admin password well known",
			change: func(t *testing.T, _ *config.Config, _ *doctor.Options) {
				setPassword(t, in.db, "admin")
				t.Cleanup(func() { setPassword(t, in.db, goodPass) })
			},
			failing: "admin password", detail: "opens the account of: admin",
		},
		{
			name: "admin password configured too short",
			change: func(_ *testing.T, cfg *config.Config, _ *doctor.Options) {
				cfg.Admin.Password = "short-pw"
			},
			failing: "admin password", detail: "8 characters",
		},
	}
	check := func(t *testing.T, tc struct {
		name        string
		change      func(t *testing.T, cfg *config.Config, opts *doctor.Options)
		failing     string
		detail      string
		alsoFailing []string
	}) {
		r := in.run(t, func(cfg *config.Config, opts *doctor.Options) { tc.change(t, cfg, opts) })
		var out strings.Builder
		require.NoError(t, r.Write(&out))
		assert.False(t, r.OK(), out.String())
		l, ok := line(r, tc.failing)
		require.True(t, ok, "no line %q:\n%s", tc.failing, out.String())
		assert.False(t, l.OK, out.String())
		assert.Contains(t, l.Detail, tc.detail)
		assert.NotEmpty(t, l.Fix, "a failure says what to do")
		assert.Contains(t, out.String(), "✗ "+tc.failing)
		assert.ElementsMatch(t, append([]string{tc.failing}, tc.alsoFailing...), titles(r.Failed()), out.String())
	}
	// The cases share the install; only the one that changes the admin's password in the
	// shared database runs alone, after the others.
	t.Run("broken", func(t *testing.T) {
		for _, tc := range cases {
			if tc.failing == "admin password" && strings.Contains(tc.name, "well known") {
				continue
			}
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				check(t, tc)
			})
		}
	})
	for _, tc := range cases {
		if tc.failing == "admin password" && strings.Contains(tc.name, "well known") {
			t.Run(tc.name, func(t *testing.T) { check(t, tc) })
		}
	}
}

func TestConfigLine(t *testing.T) {
	t.Parallel()
	bad := doctor.ConfigLine("config.yaml", fmt.Errorf("http.addr: want host:port"))
	assert.False(t, bad.OK)
	assert.Contains(t, bad.Fix, "conserje config check")
	good := doctor.ConfigLine("config.yaml", nil)
	assert.True(t, good.OK)
	assert.Equal(t, "valid (config.yaml)", good.Detail)
}
