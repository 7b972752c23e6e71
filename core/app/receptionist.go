package app

import (
	"context"
	"time"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/channel"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/jobs"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/receptionist"
	"github.com/conserje/conserje/core/voice"
	"github.com/conserje/conserje/core/web"
)

// startJobs runs the periodic work (hold expiry, iCal sync, confirmations) on whichever
// replica holds the leader lock.
func (a *App) startJobs() error {
	m, err := jobs.NewPrometheusMetrics(a.Registry)
	if err != nil {
		return err
	}
	a.Jobs = jobs.New(lock.NewLeader(a.Locker, "jobs:leader", 30*time.Second, a.Log), a.Log, m)
	if err := a.Jobs.Add(a.Booking.HoldExpiryJob(a.Config.Booking.ExpiryInterval)); err != nil {
		return err
	}
	if a.CalendarSync != nil {
		if err := calendar.RegisterSyncJob(a.Jobs, a.CalendarSync, a.Config.Calendar.SyncInterval); err != nil {
			return err
		}
	}
	return nil
}

// startReceptionist builds the bot: the dialog (reloaded on edits), the NLU trained from
// its intents, the built-in actions on the booking engine, conversations with their
// outbox and sender, the web chat and the admin.
func (a *App) startReceptionist(ctx context.Context, f *features) error {
	cfg := a.Config
	r, err := receptionist.New(ctx, receptionist.Options{
		DB: a.DB, Booking: a.Booking, Payments: a.paymentLinksFor(),
		Sources:   dialog.Sources{Dialogs: cfg.Dialogs.Dir, Locales: cfg.Dialogs.LocalesDir},
		MaxNights: cfg.Booking.MaxNights, MaxAdvanceDays: cfg.Booking.MaxAdvanceDays, FallbackThreshold: cfg.NLU.FallbackThreshold, Logger: a.Log,
	})
	if err != nil {
		return err
	}
	a.botFollowsSettings(r)
	rl := r.Reloader
	if cfg.Dialogs.Reload {
		a.bg.goRun(func(ctx context.Context) {
			if err := rl.Run(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("dialog reloader stopped; edits are no longer picked up", "err", err)
			}
		})
	}
	metrics, err := conversation.NewMetrics(a.Registry)
	if err != nil {
		return err
	}
	media := &mediaFetcher{}
	vs, err := a.buildVoice(media)
	if err != nil {
		return err
	}
	var sender *conversation.Sender
	a.Conversations = conversation.New(a.DB, rl, conversation.Options{
		Locker: a.Locker, Logger: a.Log, Metrics: metrics, Voice: voiceOrNil(vs), Templates: approvedTemplates(cfg.Plugins),
		Kick: func() {
			if sender != nil {
				sender.Kick()
			}
		},
	})
	a.Router = channel.NewRouter(a.Conversations, channel.RouterOptions{Logger: a.Log, Busy: a.Conversations.IngestBusy,
		Workers: cfg.Answering.Workers, BusyRate: cfg.Answering.BurstTurnsPerSecond})
	sender = conversation.NewSender(a.DB, a.Router, conversation.SenderOptions{Logger: a.Log, Metrics: metrics,
		Window: a.messagingWindow,
		OnFailed: func(ctx context.Context, conversationID int64, class string) error {
			// A reply that can never be delivered: a person must reach the guest.
			return a.Conversations.Escalate(ctx, conversationID, "delivery_"+class)
		},
	})
	a.bg.goRun(a.Router.Run)
	a.bg.goRun(func(ctx context.Context) { sender.Run(ctx, time.Second) })
	a.media = media
	if err := a.startPayments(); err != nil {
		return err
	}
	if err := a.Jobs.Every("webchat_uncollected", 10*time.Minute, func(ctx context.Context) error {
		_, err := a.Conversations.ExpireUncollected(ctx, channel.Webchat, WebchatCollectWindow)
		return err
	}); err != nil {
		return err
	}
	watcher := conversation.NewConfirmationWatcher(a.Conversations, 0)
	if err := a.Jobs.Every("confirmation_messages", 5*time.Second, func(ctx context.Context) error {
		_, err := watcher.Step(ctx)
		return err
	}); err != nil {
		return err
	}

	title := "Reservas"
	if p, err := a.Booking.DefaultProperty(ctx); err == nil && p.Name != "" {
		title += " · " + p.Name
	}
	chat, err := web.NewChat(web.ChatOptions{
		Service: channel.NewWebchat(a.Conversations), Title: title,
		PerIPPerMinute: cfg.Chat.RatePerMinute, PerIPBurst: 10, Logger: a.Log,
	})
	if err != nil {
		return err
	}
	var refunds admin.Refunds
	if cfg.Payments.Plugin != "" {
		refunds = a.Payments
	}
	var calImport admin.CalendarImport
	if a.CalendarSync != nil {
		calImport = a.CalendarSync
	}
	adm, err := admin.New(admin.Options{
		DB: a.DB, Bookings: a.Booking, Conversations: a.Conversations, Calendar: calImport, Refunds: refunds, Media: a.media, Replies: a.Conversations,
		Log: a.Log, SessionTTL: cfg.Admin.SessionTTL, Secure: isHTTPS(cfg.HTTP.PublicURL),
		Settings: a.Settings, PaymentPluginDefault: cfg.Payments.Plugin, ExportURLs: a.exportURLs,
		Plugins: a.pluginHealth,
	})
	if err != nil {
		return err
	}
	f.mounts = append(f.mounts, chat, adm)
	return a.startWebhooks(f)
}

// WebchatCollectWindow is how long a message for a web chat page waits for the page to
// collect it (the guest may come back to the tab) before it is given up (dead, class not_collected).
const WebchatCollectWindow = 24 * time.Hour

func isHTTPS(u string) bool { return len(u) > 8 && u[:8] == "https://" }

// voiceOrNil keeps a nil *voice.Service from becoming a non-nil interface.
func voiceOrNil(vs *voice.Service) conversation.Voice {
	if vs == nil {
		return nil
	}
	return vs
}

// approvedTemplates reads each channel plugin's approved templates from the config.
func approvedTemplates(plugins []config.Plugin) func(channel, purpose string) (conversation.TemplateSpec, bool) {
	byChannel := map[string]map[string]conversation.TemplateSpec{}
	for _, p := range plugins {
		for purpose, t := range p.Templates {
			if byChannel[p.Name] == nil {
				byChannel[p.Name] = map[string]conversation.TemplateSpec{}
			}
			byChannel[p.Name][purpose] = conversation.TemplateSpec{Name: t.Name, Language: t.Language, Params: t.Params}
		}
	}
	return func(channel, purpose string) (conversation.TemplateSpec, bool) {
		t, ok := byChannel[channel][purpose]
		return t, ok
	}
}

// messagingWindow is a channel plugin's messaging window, from its capabilities.
func (a *App) messagingWindow(channel string) time.Duration {
	if a.Plugins == nil {
		return 0
	}
	d, _ := a.Plugins.Description(channel)
	if d.Channel == nil {
		return 0
	}
	return time.Duration(d.Channel.WindowHours) * time.Hour
}
