package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/plugins/mercadopago/mpfake"
	"github.com/conserje/conserje/plugins/whatsapp/graphfake"
)

// The shared end-to-end harness: plugin binaries built once per test run, and serve
// started on a seeded database with the configured plugins and their provider fakes.

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "conserje-app-plugins")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildsMu sync.Mutex
	builds   = map[string]*pluginBuild{}
)

type pluginBuild struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// pluginBinary builds the plugin at pkg (relative to core/app, e.g.
// "../../plugins/whatsapp") once per test run and returns the binary's path.
func pluginBinary(t testing.TB, pkg string) string {
	t.Helper()
	buildsMu.Lock()
	b := builds[pkg]
	if b == nil {
		b = &pluginBuild{path: filepath.Join(binDir, strings.NewReplacer("/", "_", ".", "_").Replace(pkg))}
		builds[pkg] = b
	}
	buildsMu.Unlock()
	b.once.Do(func() { b.out, b.err = exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput() })
	require.NoError(t, b.err, string(b.out))
	return b.path
}

// serveSeeded migrates cfg's database, loads the demo property (admin password
// "admin-password-1") and runs serve; it is stopped at cleanup.
func serveSeeded(t testing.TB, cfg *config.Config) (*app.App, string) {
	t.Helper()
	require.NoError(t, cfg.Validate())
	db, err := app.OpenDB(context.Background(), cfg, true, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	_, err = demo.Seed(context.Background(), db, "admin-password-1")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	return start(t, cfg)
}

// The WhatsApp plugin's settings in tests: the fake Graph API's number and credentials.
const (
	waPhoneNumberID = "613058842097135"
	waToken         = "wa-token"
	waAppSecret     = "wa-app-secret"
	waVerifyToken   = "wa-verify"
)

// whatsAppPlugin configures the real WhatsApp plugin binary against graph.
func whatsAppPlugin(t testing.TB, graph *graphfake.Server) config.Plugin {
	return config.Plugin{Name: "whatsapp", Path: pluginBinary(t, "../../plugins/whatsapp"), CallTimeout: 10 * time.Second, Settings: map[string]any{
		"graph_url": graph.URL, "api_version": "v24.0", "phone_number_id": waPhoneNumberID,
		"access_token": waToken, "app_secret": waAppSecret, "verify_token": waVerifyToken}}
}

// mercadoPagoPlugin configures the real Mercado Pago plugin binary against fake.
func mercadoPagoPlugin(t testing.TB, fake *mpfake.Server) config.Plugin {
	return config.Plugin{Name: "mercadopago", Path: pluginBinary(t, "../../plugins/mercadopago"), CallTimeout: 10 * time.Second, Settings: map[string]any{
		"api_url": fake.URL, "access_token": mpTestToken, "webhook_secret": mpTestSecret}}
}
