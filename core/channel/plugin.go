package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

// PluginChannel is what the core needs of a channel plugin.
type PluginChannel interface {
	HandleWebhook(ctx context.Context, req channel.WebhookRequest) (channel.WebhookResponse, error)
	Send(ctx context.Context, req channel.SendRequest) (channel.SendResponse, error)
}

// maxButtons is what WhatsApp allows in one interactive message; more options go as a
// numbered list the guest can answer with the number or the words.
const maxButtons = 3

// PluginSender delivers outbox messages through a channel plugin's Send.
type PluginSender struct{ ch PluginChannel }

var _ conversation.ChannelSender = PluginSender{}

// NewPluginSender returns a sender over a channel plugin.
func NewPluginSender(ch PluginChannel) PluginSender { return PluginSender{ch: ch} }

// Send implements conversation.ChannelSender. Buttons degrade to a numbered list when
// there are more than the channel shows or the channel has none (email, SMS-like).
func (s PluginSender) Send(ctx context.Context, msg conversation.Outbound) (string, error) {
	req := channel.SendRequest{To: msg.Recipient, IdempotencyKey: msg.IdempotencyKey}
	if len(msg.Buttons) > 0 && len(msg.Buttons) <= maxButtons {
		b := &channel.Buttons{Body: msg.Text}
		for _, btn := range msg.Buttons {
			b.Buttons = append(b.Buttons, channel.Button{ID: btn.ID, Title: btn.Title})
		}
		req.Buttons = b
		resp, err := s.ch.Send(ctx, req)
		if err == nil {
			return resp.ExternalID, nil
		}
		if !errors.Is(err, plugin.ErrUnsupported) {
			return "", fmt.Errorf("send to %s: %w", msg.Recipient, err)
		}
		req.Buttons = nil
	}
	req.Text = &channel.Text{Body: withOptions(msg.Text, msg.Buttons)}
	resp, err := s.ch.Send(ctx, req)
	if err != nil {
		return "", fmt.Errorf("send to %s: %w", msg.Recipient, err)
	}
	return resp.ExternalID, nil
}

// withOptions appends the buttons' titles as a numbered list the guest can answer.
func withOptions(text string, buttons []dialog.Button) string {
	if len(buttons) == 0 {
		return text
	}
	var sb strings.Builder
	sb.WriteString(text)
	for i, btn := range buttons {
		sb.WriteString("\n" + strconv.Itoa(i+1) + ". " + btn.Title)
	}
	return sb.String()
}

// PluginPayments is what the core needs of a payment plugin.
type PluginPayments interface {
	HandleWebhook(ctx context.Context, req payment.WebhookRequest) (payment.WebhookResponse, error)
}

// PaymentApplier records payments against reservations (*booking.Service).
type PaymentApplier interface {
	ApplyPayment(ctx context.Context, n booking.PaymentNotice) (booking.PaymentOutcome, error)
}

// RejectionNotifier tells a conversation its guest's payment was rejected
// (*conversation.Service), which escalates after the second one.
type RejectionNotifier interface {
	PaymentRejected(ctx context.Context, conversationID int64) error
}

// DeliveryRecorder stores channels' delivery statuses (*conversation.Service).
type DeliveryRecorder interface {
	RecordDelivery(ctx context.Context, channel, externalID, state string) (bool, error)
}

// Plugins finds configured plugins by name and kind (*pluginhost.Host through an adapter).
type Plugins interface {
	Kind(name string) (plugin.Kind, bool)
	Channel(name string) (PluginChannel, error)
	Payment(name string) (PluginPayments, error)
}

// ErrNoWebhook means no plugin with webhooks is configured under that name.
var ErrNoWebhook = errors.New("channel: no such webhook")

// ErrPluginNotReady means the plugin has not started yet, so its kind is unknown; the
// provider should retry.
var ErrPluginNotReady = errors.New("channel: plugin not started yet")

// Webhooks dispatches provider webhooks to plugins and acts on what they carry: guest
// messages go to the dialog (durably, before the provider hears 200), payments to the
// booking engine.
type Webhooks struct {
	plugins  Plugins
	router   *Router
	payments PaymentApplier
	rejects  RejectionNotifier
	delivery DeliveryRecorder
	log      *slog.Logger
}

// NewWebhooks returns the dispatcher.
func NewWebhooks(plugins Plugins, router *Router, payments PaymentApplier, rejects RejectionNotifier, delivery DeliveryRecorder, log *slog.Logger) *Webhooks {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Webhooks{plugins: plugins, router: router, payments: payments, rejects: rejects, delivery: delivery, log: log}
}

// HandleWebhook forwards one request to the named plugin and returns the plugin's answer.
// Guest messages are stored before it returns, so answering 200 never loses one; when they
// cannot be stored the error makes the provider retry.
func (w *Webhooks) HandleWebhook(ctx context.Context, name string, req plugin.WebhookRequest) (plugin.WebhookReply, error) {
	kind, ok := w.plugins.Kind(name)
	if !ok {
		return plugin.WebhookReply{}, fmt.Errorf("%w: %s", ErrNoWebhook, name)
	}
	switch kind {
	case "":
		return plugin.WebhookReply{}, fmt.Errorf("%w: %s", ErrPluginNotReady, name)
	case plugin.KindChannel:
		ch, err := w.plugins.Channel(name)
		if err != nil {
			return plugin.WebhookReply{}, err
		}
		resp, err := ch.HandleWebhook(ctx, channel.WebhookRequest{WebhookRequest: req})
		if err != nil {
			return plugin.WebhookReply{}, fmt.Errorf("webhook %s: %w", name, err)
		}
		if err := w.deliver(ctx, name, resp); err != nil {
			return plugin.WebhookReply{}, err
		}
		return resp.WebhookReply, nil
	case plugin.KindPayment:
		p, err := w.plugins.Payment(name)
		if err != nil {
			return plugin.WebhookReply{}, err
		}
		resp, err := p.HandleWebhook(ctx, payment.WebhookRequest{WebhookRequest: req})
		if err != nil {
			return plugin.WebhookReply{}, fmt.Errorf("webhook %s: %w", name, err)
		}
		if err := w.applyPayments(ctx, name, resp.Payments); err != nil {
			return plugin.WebhookReply{}, err
		}
		return resp.WebhookReply, nil
	default:
		return plugin.WebhookReply{}, fmt.Errorf("%w: %s is a %s plugin", ErrNoWebhook, name, kind)
	}
}

func (w *Webhooks) deliver(ctx context.Context, name string, resp channel.WebhookResponse) error {
	in := make([]conversation.Inbound, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		kind := "text"
		if m.Type == channel.TypeAudio {
			kind = "audio"
		}
		in = append(in, conversation.Inbound{
			Channel: name, Contact: m.From, ExternalID: m.ExternalID, Text: m.Text, Kind: kind, GuestName: m.FromName,
		})
	}
	var errs []error
	for _, st := range resp.Statuses {
		if st.State == channel.StateFailed {
			w.log.WarnContext(ctx, "message not delivered", "channel", name, "message", st.ExternalID, "code", st.ErrorCode, "err", st.Error)
		}
		if w.delivery == nil || st.ExternalID == "" {
			continue
		}
		if _, err := w.delivery.RecordDelivery(ctx, name, st.ExternalID, string(st.State)); err != nil {
			errs = append(errs, err)
		}
	}
	if len(in) > 0 {
		errs = append(errs, w.router.Deliver(ctx, in...))
	}
	return errors.Join(errs...)
}

func (w *Webhooks) applyPayments(ctx context.Context, name string, payments []payment.Payment) error {
	var errs []error
	for _, p := range payments {
		status := string(p.Status)
		if p.Status == payment.StatusChargedBack {
			status = booking.PaymentRefunded // the money went back to the payer
		}
		out, err := w.payments.ApplyPayment(ctx, booking.PaymentNotice{
			Provider: name, PaymentID: p.ID, Reference: p.Reference, Status: status,
			AmountCents: p.Amount, Currency: p.Currency,
		})
		switch {
		case errors.Is(err, booking.ErrNotFound):
			// Not ours (another system's link on the same account): retrying cannot help.
			w.log.WarnContext(ctx, "payment for an unknown reservation ignored", "plugin", name, "payment", p.ID, "reference", p.Reference)
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("payment %s: %w", p.ID, err))
			continue
		case out.NeedsStaff != "" && out.Changed:
			// Recorded and flagged for staff: retrying the webhook would change nothing.
			w.log.WarnContext(ctx, "payment needs staff", "plugin", name, "payment", p.ID,
				"reservation", p.Reference, "reason", out.NeedsStaff)
		}
		if out.Rejected && out.Changed && out.Reservation.ConversationID != nil && w.rejects != nil {
			if err := w.rejects.PaymentRejected(ctx, *out.Reservation.ConversationID); err != nil {
				errs = append(errs, fmt.Errorf("tell the guest about rejected payment %s: %w", p.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}
