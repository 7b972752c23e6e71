package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/channel"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/jobs"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/payments"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/core/receptionist"
	"github.com/conserje/conserje/core/secret"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/settings/broadcast"
	"github.com/conserje/conserje/core/stats"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/web"
)

// App is a running conserje: its components and how to stop them.
type App struct {
	Config   *config.Config
	Log      *slog.Logger
	DB       *store.DB
	Redis    *redis.Client
	Registry *prometheus.Registry
	Server   *web.Server
	Locker   lock.Locker
	Booking  *booking.Service
	Plugins  *pluginhost.Host
	Jobs     *jobs.Runner
	// Conversations and Router are the receptionist: dialog turns, outbox, channels.
	Conversations *conversation.Service
	Router        *channel.Router
	// CalendarSync imports portal feeds (nil when no calendar plugin is configured).
	CalendarSync *calendar.Syncer
	// Payments reads notified payments and applies them to bookings.
	Payments *payments.Service
	// Settings edits the property, units, prices... (admin and bearer API).
	Settings *settings.Service
	// SettingsBus tells every replica about settings changes (theirs and this one's).
	SettingsBus *broadcast.Bus

	// APIToken is the effective bearer token (configured or generated for this run).
	APIToken string
	// APITokenGenerated is true when APIToken was generated because none was configured.
	APITokenGenerated bool
	// ICSSalt is the effective export-token secret (configured or kept in the data folder).
	ICSSalt string

	// exporter makes the calendar export URLs shown in the settings.
	exporter *calendar.Exporter
	// media fetches voice notes through the webhook dispatcher, set when it is built.
	media *mediaFetcher

	// stops run in reverse order of registration at Close.
	stops []stop
	bg    *background
}

type stop struct {
	name string
	fn   func(context.Context) error
}

func (a *App) onClose(name string, fn func(context.Context) error) {
	a.stops = append(a.stops, stop{name, fn})
}

// OpenDB opens the configured database and, when asked, applies pending migrations.
func OpenDB(ctx context.Context, cfg *config.Config, migrate bool, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.Database.URL, store.Options{MaxOpenConns: cfg.Database.MaxOpenConns})
	if err != nil {
		return nil, err
	}
	if migrate {
		m, err := store.NewMigrator(db)
		if err != nil {
			_ = db.Close()
			return nil, err
		}
		applied, err := m.Up(ctx)
		if err != nil {
			_ = db.Close()
			return nil, err
		}
		if len(applied) > 0 {
			log.InfoContext(ctx, "migrations applied", "versions", applied, "database", db.Location())
		}
	}
	return db, nil
}

// New builds every component. Nothing listens until Serve.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (_ *App, err error) {
	a := &App{Config: cfg, Log: log, Registry: obs.NewRegistry()}
	defer func() {
		if err != nil {
			_ = a.Close(context.Background())
		}
	}()
	a.DB, err = OpenDB(ctx, cfg, cfg.Database.AutoMigrate, log)
	if err != nil {
		return nil, err
	}
	a.onClose("database", func(context.Context) error { return a.DB.Close() })

	if cfg.Redis.URL != "" {
		opts, err := redisOptions(cfg.Redis.URL)
		if err != nil {
			return nil, err
		}
		a.Redis = redis.NewClient(opts)
		a.onClose("redis", func(context.Context) error { return a.Redis.Close() })
		pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = a.Redis.Ping(pingCtx).Err()
		cancel()
		if err != nil {
			return nil, fmt.Errorf("connect to redis: %w", err)
		}
	}

	if a.APIToken, a.APITokenGenerated, err = apiToken(cfg); err != nil {
		return nil, err
	}
	if a.ICSSalt, err = ICSSalt(cfg); err != nil {
		return nil, err
	}

	if err := a.Registry.Register(newBacklogCollector(a.DB)); err != nil {
		return nil, fmt.Errorf("register backlog metrics: %w", err)
	}
	if err := a.Registry.Register(stats.NewCollector(a.DB)); err != nil {
		return nil, fmt.Errorf("register funnel metrics: %w", err)
	}
	features, err := a.buildFeatures(ctx)
	if err != nil {
		return nil, err
	}
	a.Server, err = web.New(web.Options{
		Addr:           cfg.HTTP.Addr,
		BodyLimitBytes: cfg.HTTP.BodyLimitBytes,
		MaxBodyBytes:   features.maxBody,
		OwnBodyLimit:   features.ownBodyLimit,
		ReadTimeout:    cfg.HTTP.ReadTimeout,
		WriteTimeout:   cfg.HTTP.WriteTimeout,
		TrustedProxies: cfg.HTTP.TrustedProxies,
		Logger:         log,
		Registry:       a.Registry,
		Health:         a.health(features),
		Mounts:         features.mounts,
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// features collects what the feature packages contribute to the server.
type features struct {
	mounts []web.Mounter
	checks []web.Check
	values map[string]func(context.Context) any
	// maxBody is the largest body a route of its own limit takes (the transport's
	// ceiling); ownBodyLimit lists those routes' prefixes.
	maxBody      int
	ownBodyLimit []string
}

// buildFeatures builds the feature components (booking, calendar, dialog, plugins) and
// registers their background work and routes.
func (a *App) buildFeatures(ctx context.Context) (*features, error) {
	f := &features{values: map[string]func(context.Context) any{}}
	cfg := a.Config
	a.bg = newBackground()
	a.onClose("background workers", a.bg.stop) // in case a later step fails
	if a.Redis != nil {
		a.Locker = lock.NewRedis(a.Redis, "conserje:lock:")
		if cfg.Redis.SingleReplica {
			// One replica: a Redis outage falls back to in-process locks (issue 10).
			a.Locker = lock.NewFallback(a.Locker, lock.NewMemory(nil), a.Log)
		}
	} else {
		a.Locker = lock.NewMemory(nil)
	}

	bopts := receptionist.BookingOptions(cfg.Booking)
	bopts.Locker, bopts.Logger = a.Locker, a.Log
	bopts.CatalogTTL = cfg.Booking.CatalogTTL
	a.Booking = booking.NewService(a.DB, bopts)
	if _, err := a.Booking.SyncHolidays(ctx); err != nil {
		return nil, err
	}
	if err := a.startPlugins(ctx, f); err != nil {
		return nil, err
	}
	if err := a.startCalendarSync(f); err != nil {
		return nil, err
	}
	exporter, err := calendar.NewExporter(a.DB, a.ICSSalt, calendar.ExportOptions{ExportHolds: cfg.Calendar.ExportHolds})
	if err != nil {
		return nil, err
	}
	f.mounts = append(f.mounts, web.NewICalExport(exporter, a.Log))
	a.exporter = exporter
	if a.Settings, err = a.newSettings(); err != nil {
		return nil, err
	}
	if err := a.startJobs(); err != nil {
		return nil, err
	}
	if err := a.startReceptionist(ctx, f); err != nil {
		return nil, err
	}
	a.bg.goRun(a.Jobs.Run)
	// Registered again after the plugins (stop is idempotent): stopping in reverse, the
	// workers end before the plugins they call.
	a.onClose("background workers", a.bg.stop)
	bookingAPI, err := web.NewBookingAPI(a.Booking, a.APIToken, a.Log)
	if err != nil {
		return nil, err
	}
	f.mounts = append(f.mounts, bookingAPI, web.NewSettingsAPI(a.Settings, bookingAPI), web.NewHolidaysAPI(a.Settings, bookingAPI))
	return f, nil
}

func (a *App) health(f *features) web.Health {
	checks := []web.Check{{
		Name:     "db",
		Critical: true,
		Run: func(ctx context.Context) (map[string]any, error) {
			return map[string]any{"dialect": string(a.DB.Dialect())}, a.DB.Ping(ctx)
		},
	}}
	if a.Redis != nil {
		checks = append(checks, web.Check{
			Name: "redis",
			// A single replica keeps answering without Redis (in-process locks): it stays
			// in the load balancer and the health check passes.
			Critical: !a.Config.Redis.SingleReplica,
			Run: func(ctx context.Context) (map[string]any, error) {
				return nil, a.Redis.Ping(ctx).Err()
			},
		})
	}
	checks = append(checks, f.checks...)
	return web.Health{Checks: checks, Values: f.values, Token: a.APIToken}
}

// Serve runs the HTTP server on ln (or the configured address when ln is nil) until ctx is
// cancelled, then shuts down gracefully within http.shutdown_timeout.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if ln == nil {
		var err error
		ln, err = net.Listen("tcp", a.Config.HTTP.Addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", a.Config.HTTP.Addr, err)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- a.Server.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: no new connections, finishing requests in flight", "timeout", a.Config.HTTP.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.HTTP.ShutdownTimeout)
	defer cancel()
	if err := a.Server.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return <-errc
}

// Close stops every component in reverse order of start.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	for i := len(a.stops) - 1; i >= 0; i-- {
		if err := a.stops[i].fn(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", a.stops[i].name, err))
		}
	}
	a.stops = nil
	return errors.Join(errs...)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("crypto/rand: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func apiToken(cfg *config.Config) (string, bool, error) {
	if cfg.API.Token != "" {
		return cfg.API.Token, false, nil
	}
	t, err := randomHex(24)
	return t, true, err
}

// ICSSalt returns the configured salt or the one kept beside the SQLite database (created
// on first use), so export URLs survive restarts. PostgreSQL deployments must configure it.
func ICSSalt(cfg *config.Config) (string, error) {
	if cfg.ICSSalt != "" {
		return cfg.ICSSalt, nil
	}
	if strings.HasPrefix(cfg.Database.URL, "postgres") {
		return "", errors.New("ics_salt: required with PostgreSQL (set CONSERJE_ICS_SALT to at least 16 random characters, the same on every replica)")
	}
	path := filepath.Join(DataDir(cfg), "ics_salt")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 16 {
		return strings.TrimSpace(string(b)), nil
	}
	salt, err := randomHex(32)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", fmt.Errorf("keep ics salt: %w", err)
	}
	if err := os.WriteFile(path, []byte(salt+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keep ics salt: %w", err)
	}
	return salt, nil
}

// DataDir is the folder holding the SQLite database (and the generated ICS salt).
func DataDir(cfg *config.Config) string {
	u := cfg.Database.URL
	for _, p := range []string{"sqlite://", "sqlite:", "file:"} {
		u = strings.TrimPrefix(u, p)
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	if u == "" || u == ":memory:" || strings.Contains(u, "://") {
		return "data"
	}
	return filepath.Dir(u)
}

// redisOptions reads redis.url; go-redis's own parse errors quote the URL, password
// included, so the URL is parsed first and any error is redacted.
func redisOptions(raw string) (*redis.Options, error) {
	if _, err := secret.ParseURL(raw); err != nil {
		return nil, fmt.Errorf("redis.url: %w", err)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("redis.url: %s", secret.Text(err.Error()))
	}
	return opts, nil
}
