package app

import (
	"context"
	"errors"

	"github.com/conserje/conserje/core/channel"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/core/web"
	"github.com/conserje/conserje/sdk/plugin"
)

// hostPlugins adapts the plugin host to what the webhook dispatcher needs.
type hostPlugins struct{ h *pluginhost.Host }

var _ channel.Plugins = hostPlugins{}

func (p hostPlugins) Kind(name string) (plugin.Kind, bool) {
	for _, st := range p.h.Status() {
		if st.Name == name {
			return st.Kind, true
		}
	}
	return "", false
}

func (p hostPlugins) Channel(name string) (channel.PluginChannel, error) { return p.h.Channel(name) }

func (p hostPlugins) Capabilities(name string) *plugin.ChannelCapabilities {
	d, _ := p.h.Description(name)
	return d.Channel
}

// webhookBodyLimit is the webhook body the channel plugin declares (0: the core's
// default). Known once the plugin has started: a plugin that first starts after the
// server keeps the transport's ceiling computed at start (http.body_limit_bytes or the
// largest limit declared then).
func (p hostPlugins) webhookBodyLimit(name string) int {
	c := p.Capabilities(name)
	if c == nil || c.MaxWebhookBody <= 0 {
		return 0
	}
	return int(min(c.MaxWebhookBody, maxWebhookBody))
}

// maxWebhookBody bounds what any plugin may ask the core to read (64 MiB).
const maxWebhookBody = 64 << 20

func (p hostPlugins) Payment(name string) (channel.PluginPayments, error) { return p.h.Payment(name) }

// lazyChannelSender resolves the channel plugin at each send, so a plugin that starts
// (or restarts) after the server still gets its outbox delivered.
type lazyChannelSender struct {
	h    *pluginhost.Host
	name string
}

func (s lazyChannelSender) Send(ctx context.Context, msg conversation.Outbound) (string, error) {
	ch, err := s.h.Channel(s.name)
	if err != nil {
		return "", err
	}
	d, _ := s.h.Description(s.name)
	return channel.NewPluginSender(ch, d.Channel).Send(ctx, msg)
}

// startWebhooks mounts /webhooks/{plugin} and registers every channel plugin as a sender
// of its conversations' replies.
func (a *App) startWebhooks(f *features) error {
	for _, st := range a.Plugins.Status() {
		if st.Kind == plugin.KindChannel || (st.Kind == "" && st.Name != a.Config.Calendar.Plugin) {
			if err := a.Router.Register(st.Name, lazyChannelSender{h: a.Plugins, name: st.Name}); err != nil {
				return err
			}
		}
	}
	dispatcher := channel.NewWebhooks(hostPlugins{a.Plugins}, a.Router, a.Payments, a.Conversations, a.Log)
	if a.media != nil {
		a.media.w.Store(dispatcher)
	}
	plugins := hostPlugins{a.Plugins}
	f.mounts = append(f.mounts, web.NewWebhooks(dispatcher, classifyWebhookError, a.Log).
		WithBodyLimits(a.Config.HTTP.BodyLimitBytes, plugins.webhookBodyLimit))
	f.ownBodyLimit = append(f.ownBodyLimit, web.WebhooksPrefix)
	for _, st := range a.Plugins.Status() {
		f.maxBody = max(f.maxBody, plugins.webhookBodyLimit(st.Name))
	}
	a.startPullers()
	return nil
}

// startPullers consumes every pull channel (the e-mail channel): one replica at a time
// per channel, under a lease of the Locker. A channel whose plugin turns out to take
// webhooks stops its puller at once.
func (a *App) startPullers() {
	store := channel.NewPullStore(a.DB.DB)
	for _, st := range a.Plugins.Status() {
		if st.Kind != plugin.KindChannel && (st.Kind != "" || st.Name == a.Config.Calendar.Plugin) {
			continue
		}
		name := st.Name
		source := func() (channel.PullSource, error) {
			d, ok := a.Plugins.Description(name)
			switch {
			case !ok || d.Kind == "":
				return nil, channel.ErrPluginNotReady
			case d.Kind != plugin.KindChannel || d.Channel == nil || !d.Channel.Pull:
				return nil, channel.ErrNotPull
			}
			return a.Plugins.Channel(name)
		}
		p := channel.NewPuller(name, source, a.Router, a.Conversations, store, a.Locker,
			channel.PullerOptions{AddressKind: plugin.AddressEmail, Logger: a.Log})
		a.bg.goRun(p.Run)
	}
}

func classifyWebhookError(err error) error {
	switch {
	case errors.Is(err, channel.ErrNoWebhook), errors.Is(err, pluginhost.ErrUnknownPlugin), errors.Is(err, pluginhost.ErrWrongKind):
		return web.ErrNoSuchWebhook
	case errors.Is(err, pluginhost.ErrPluginDown), errors.Is(err, channel.ErrPluginNotReady):
		return web.ErrWebhookUnavailable
	}
	return err
}
