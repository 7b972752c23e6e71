package browsertest

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/store/storetest"
)

// AdminUser and AdminPassword log into the admin of a Server (the demo's admin user).
const (
	AdminUser     = "admin"
	AdminPassword = "browser-test-password-1"
)

// Server is conserje serving the demo property on 127.0.0.1.
type Server struct {
	// URL is the base URL, without a trailing slash ("http://127.0.0.1:41234").
	URL string
	App *app.App
}

// StartServer migrates a fresh SQLite database, seeds the demo property and serves every
// route on a free port until the test ends. configure, when given, changes the
// configuration first (plugins, payment settings).
func StartServer(t testing.TB, configure ...func(*config.Config)) *Server {
	t.Helper()
	root := ModuleRoot(t)
	cfg := config.Default()
	cfg.Database.URL = storetest.SQLitePath(t)
	cfg.Plugins = nil
	cfg.Calendar.Plugin = ""
	cfg.ICSSalt = "browser-test-salt-0123456789abcdef"
	cfg.Dialogs.Dir = filepath.Join(root, "dialogs")
	cfg.Dialogs.LocalesDir = filepath.Join(root, "locales")
	cfg.Dialogs.Reload = false
	cfg.Admin.Password = AdminPassword
	for _, fn := range configure {
		fn(cfg)
	}
	require.NoError(t, cfg.Validate())
	log := slog.New(slog.DiscardHandler)
	db, err := app.OpenDB(context.Background(), cfg, true, log)
	require.NoError(t, err)
	_, err = demo.Seed(context.Background(), db, AdminPassword)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		require.NoError(t, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Logf("serve stopped: %v", err)
		}
		_ = a.Close(context.Background())
	})
	return &Server{URL: "http://" + ln.Addr().String(), App: a}
}

// ModuleRoot is the repository's root (the folder holding go.mod).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the test's folder")
		dir = parent
	}
}
