package app

import (
	"context"

	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/settings"
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

// newSettings builds the settings editor of the admin and the API: changes invalidate
// this process's booking catalog; other replicas read it again within its 5 s cache.
// It is built after the calendar sync (startCalendarSync), which it uses.
func (a *App) newSettings() *settings.Service {
	opts := settings.Options{Catalog: a.Booking, PaymentPlugins: a.paymentPluginNames()}
	if a.CalendarSync != nil {
		// A resumed feed is read at once (a nil *Syncer must not become a non-nil reader).
		opts.Feeds = a.CalendarSync
	}
	return settings.New(a.DB, opts)
}

// exportURLs lists the calendar export URLs to paste into the portals.
func (a *App) exportURLs(ctx context.Context) ([]calendar.ExportURL, error) {
	if a.exporter == nil {
		return nil, nil
	}
	return a.exporter.URLs(ctx, a.Config.HTTP.PublicURL)
}
