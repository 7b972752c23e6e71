package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/receptionist"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/settings/broadcast"
	"github.com/conserje/conserje/core/store"
)

// paymentPluginNames are the configured plugins that take payments: the choices of the
// admin's payment setting besides bank transfer.
func (a *App) paymentPluginNames() []string {
	var names []string
	if a.Plugins == nil {
		return nil
	}
	for _, p := range a.Config.Plugins {
		if _, err := a.Plugins.Payment(p.Name); err == nil {
			names = append(names, p.Name)
		}
	}
	return names
}

// newSettings builds the settings editor of the admin and the API, and the settings
// broadcast its changes go through: every replica (this one before the change is
// answered) drops its booking catalog and holiday calendar at once. It is built after
// the calendar sync (startCalendarSync), which it uses.
func (a *App) newSettings() (*settings.Service, error) {
	version := func(ctx context.Context) (string, error) { return settings.StoredVersion(ctx, a.DB.DB) }
	bus, err := broadcast.New(broadcast.VersionFunc(version), broadcast.Options{Redis: a.Redis, Check: a.Config.Redis.SettingsCheck, Logger: a.Log})
	if err != nil {
		return nil, err
	}
	bus.OnChange(func(context.Context) { a.Booking.InvalidateCatalog() })
	a.SettingsBus = bus
	a.bg.goRun(bus.Run)
	opts := settings.Options{Catalog: a.Booking, Notifier: bus, PaymentPlugins: a.paymentPluginNames()}
	if a.CalendarSync != nil {
		// A resumed feed is read at once (a nil *Syncer must not become a non-nil reader).
		opts.Feeds = a.CalendarSync
	}
	return settings.New(a.DB, opts), nil
}

// botFollowsSettings makes the bot drop what it keeps of the settings after every change,
// here or on another replica: the property of its messages, and the NLU's holiday
// calendar (retrained when the holidays changed).
func (a *App) botFollowsSettings(r *receptionist.Receptionist) {
	a.SettingsBus.OnChange(func(ctx context.Context) {
		if err := r.SettingsChanged(ctx); err != nil {
			// The bot keeps the calendar it had; the next change (or restart) tries again.
			a.Log.ErrorContext(ctx, "the bot did not take the new holidays", obs.KeyErr, err)
		}
	})
}

// exportURLs lists the calendar export URLs to paste into the portals.
func (a *App) exportURLs(ctx context.Context) ([]calendar.ExportURL, error) {
	if a.exporter == nil {
		return nil, nil
	}
	return a.exporter.URLs(ctx, a.Config.HTTP.PublicURL)
}

// AnnounceSettingsChange is for settings changed outside a running serve (the CLI): it
// writes a new settings version, which every replica reads within redis.settings_check,
// and hints the replicas on Redis when one is configured so they take it at once. A hint
// that cannot be sent is only logged: the version is what counts.
func AnnounceSettingsChange(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger) error {
	if _, err := settings.BumpVersion(ctx, db.DB, time.Now()); err != nil {
		return err
	}
	if cfg.Redis.URL == "" {
		return nil
	}
	opts, err := redisOptions(cfg.Redis.URL)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := broadcast.Publish(ctx, rdb, broadcast.Channel, "cli"); err != nil {
		log.WarnContext(ctx, "settings change not announced on Redis; serve replicas see it at their next version check",
			"check", cfg.Redis.SettingsCheck.String(), obs.KeyErr, err)
	}
	return nil
}
