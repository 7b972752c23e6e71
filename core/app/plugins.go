package app

import (
	"context"
	"fmt"
	"time"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/sdk/plugin"
)

// PluginSpecs converts the plugins: section into supervision specs. The plugins named by
// payments.plugin, speech.stt_plugin, speech.tts_plugin and calendar.plugin get their kind
// (checked at start, and known before it). The calendar plugin's call timeout is raised
// above calendar.fetch_timeout, since one call fetches a whole feed.
func PluginSpecs(cfg *config.Config) []pluginhost.Spec {
	specs := make([]pluginhost.Spec, 0, len(cfg.Plugins))
	for _, p := range cfg.Plugins {
		spec := pluginhost.Spec{Name: p.Name, Path: p.Path, SHA256: p.SHA256, Settings: p.Settings, CallTimeout: p.CallTimeout,
			StartTimeout: p.StartTimeout, MaxConcurrency: p.MaxConcurrency}
		switch p.Name {
		case cfg.Payments.Plugin:
			spec.Kind = plugin.KindPayment
		case cfg.Speech.STTPlugin:
			spec.Kind = plugin.KindSTT
		case cfg.Speech.TTSPlugin:
			spec.Kind = plugin.KindTTS
		}
		if p.Name == cfg.Calendar.Plugin {
			spec.Kind = plugin.KindCalendar
			if spec.CallTimeout <= cfg.Calendar.FetchTimeout {
				spec.CallTimeout = cfg.Calendar.FetchTimeout + 10*time.Second
			}
		}
		specs = append(specs, spec)
	}
	return specs
}

// startPlugins starts every configured plugin under supervision. A plugin that fails to
// start is retried in the background (or marked down) and shown in /healthz; it does not
// stop the server, so guests on other channels are still answered.
func (a *App) startPlugins(ctx context.Context, f *features) error {
	host, err := pluginhost.New(PluginSpecs(a.Config), pluginhost.Options{
		Logger:     a.Log,
		Registerer: a.Registry,
		TraceID:    obs.RequestID,
	})
	if err != nil {
		return err
	}
	a.Plugins = host
	a.onClose("plugins", host.Stop)
	if err := host.Start(ctx); err != nil {
		a.Log.ErrorContext(ctx, "some plugins did not start; retrying in the background", "err", err)
	}
	f.values["plugins"] = func(context.Context) any {
		out := map[string]any{}
		for _, st := range host.Status() {
			out[st.Name] = st
		}
		return out
	}
	return nil
}

// pluginHealth is the plugins' state for the admin's dashboard.
func (a *App) pluginHealth() []admin.PluginHealth {
	var out []admin.PluginHealth
	for _, st := range a.Plugins.Status() {
		out = append(out, admin.PluginHealth{Name: st.Name, State: string(st.State), Healthy: st.Healthy,
			LastError: st.LastError, Since: st.Since, NextTry: st.NextTry})
	}
	return out
}

// startCalendarSync builds the iCal import on the calendar plugin, when one is configured.
func (a *App) startCalendarSync(f *features) error {
	if a.Config.Calendar.Plugin == "" {
		return nil
	}
	src, err := a.Plugins.Calendar(a.Config.Calendar.Plugin)
	if err != nil {
		return fmt.Errorf("calendar.plugin: %w", err)
	}
	m, err := calendar.NewMetrics(a.Registry)
	if err != nil {
		return err
	}
	a.CalendarSync, err = calendar.NewSyncer(a.DB, src, calendar.SyncOptions{
		FetchTimeout:       a.Config.Calendar.FetchTimeout,
		MaxFeedBytes:       a.Config.Calendar.MaxFeedBytes,
		EmptyConfirmations: a.Config.Calendar.EmptyConfirmations,
		Metrics:            m,
		Logger:             a.Log,
	})
	if err != nil {
		return err
	}
	f.values["ical_age_min"] = func(ctx context.Context) any { return icalAgeMinutes(ctx, a.DB) }
	return nil
}

// icalAgeMinutes is how old, in whole minutes, the stalest enabled feed's last successful
// import is (nil when no feed is configured): the window in which a portal's new booking
// could still be sold here.
func icalAgeMinutes(ctx context.Context, db *store.DB) any {
	var feeds []store.CalendarFeed
	if err := db.NewSelect().Model(&feeds).Column("id", "last_success_at", "created_at").Where("enabled").Scan(ctx); err != nil || len(feeds) == 0 {
		return nil
	}
	oldest := time.Now()
	for _, f := range feeds {
		t := f.CreatedAt
		if f.LastSuccessAt != nil {
			t = *f.LastSuccessAt
		}
		if t.Before(oldest) {
			oldest = t
		}
	}
	return int(time.Since(oldest).Minutes())
}
