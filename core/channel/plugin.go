package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

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

// legacyMaxButtons is what a channel plugin without typed capabilities (protocol minor
// 0) is tried with: WhatsApp's reply buttons, falling back to text on ErrUnsupported.
const legacyMaxButtons = 3

// PluginSender delivers outbox messages through a channel plugin's Send, shaped by the
// channel's capabilities: what the channel does not declare is degraded (options to a list
// or a numbered text, audio to its text, a template to its rendered text), never sent to
// fail.
type PluginSender struct {
	ch   PluginChannel
	caps *plugin.ChannelCapabilities
}

var _ conversation.ChannelSender = PluginSender{}

// NewPluginSender returns a sender over a channel plugin with capabilities caps (nil: a
// plugin that declared none; buttons are tried and text is the fallback).
func NewPluginSender(ch PluginChannel, caps *plugin.ChannelCapabilities) PluginSender {
	return PluginSender{ch: ch, caps: caps}
}

// Send implements conversation.ChannelSender.
func (s PluginSender) Send(ctx context.Context, msg conversation.Outbound) (string, error) {
	base := channel.SendRequest{To: msg.Recipient, From: msg.From, IdempotencyKey: msg.IdempotencyKey, ReplyTo: msg.ReplyTo,
		Subject: msg.Subject, References: msg.References, Author: msg.Author}
	if msg.Template != nil {
		if s.caps != nil && s.caps.Templates {
			req := base
			t := msg.Template
			req.Template = &channel.Template{Name: t.Name, Language: t.Language, Params: t.Params, HeaderParams: t.HeaderParams, ButtonPayloads: t.ButtonPayloads}
			return s.send(ctx, req)
		}
		if msg.Text == "" {
			return "", fmt.Errorf("send to %s: %w: template %s on a channel without templates and no text", msg.Recipient, plugin.ErrUnsupported, msg.Template.Name)
		}
	}
	if a := msg.Audio; a != nil && s.audioOK(a.MIME) {
		req := base
		req.Audio = &channel.Audio{Data: a.Data, MIME: a.MIME, Voice: a.Voice, MediaID: a.MediaID}
		id, err := s.send(ctx, req)
		if err == nil || !errors.Is(err, plugin.ErrUnsupported) || msg.Text == "" {
			return id, err
		}
	}
	if s.caps == nil {
		return s.sendLegacy(ctx, base, msg)
	}
	req := base
	switch {
	case len(msg.Buttons) > 0 && s.fitsButtons(msg.Buttons) && s.fitsText(msg.Text):
		b := &channel.Buttons{Body: msg.Text}
		for _, btn := range msg.Buttons {
			b.Buttons = append(b.Buttons, channel.Button{ID: btn.ID, Title: btn.Title})
		}
		req.Buttons = b
		return s.send(ctx, req)
	case len(msg.Buttons) > 0 && len(msg.Buttons) <= s.caps.MaxListRows && s.fitsText(msg.Text):
		req.List = s.list(msg)
		return s.send(ctx, req)
	}
	return s.sendText(ctx, base, dialog.OptionsText(msg.Text, msg.Buttons))
}

func (s PluginSender) audioOK(mime string) bool {
	if s.caps == nil {
		return true // an old plugin says by ErrUnsupported
	}
	return PlaysAudio(s.caps, mime)
}

// PlaysAudio reports whether a channel with caps sends audio of type mime: listed as is,
// or listed by its media type without parameters ("audio/ogg" covers
// "audio/ogg; codecs=opus").
func PlaysAudio(caps *plugin.ChannelCapabilities, mime string) bool {
	if caps == nil {
		return false
	}
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	want := norm(mime)
	base, _, _ := strings.Cut(want, ";")
	for _, m := range caps.AudioMIME {
		if have := norm(m); have == want || have == base {
			return true
		}
	}
	return false
}

func (s PluginSender) fitsButtons(buttons []dialog.Button) bool {
	if len(buttons) > s.caps.MaxButtons {
		return false
	}
	for _, b := range buttons {
		if s.caps.MaxButtonTitle > 0 && utf8.RuneCountInString(b.Title) > s.caps.MaxButtonTitle {
			return false
		}
	}
	return true
}

func (s PluginSender) fitsText(text string) bool {
	return s.caps.MaxText <= 0 || utf8.RuneCountInString(text) <= s.caps.MaxText
}

// list turns options into a list message: a row title longer than the channel takes is
// cut, and the whole title goes into the row's description.
func (s PluginSender) list(msg conversation.Outbound) *channel.List {
	rows := make([]channel.ListRow, 0, len(msg.Buttons))
	for _, b := range msg.Buttons {
		row := channel.ListRow{ID: b.ID, Title: b.Title}
		if n := s.caps.MaxListRowTitle; n > 0 && utf8.RuneCountInString(b.Title) > n {
			row.Title = truncate(b.Title, n)
			row.Description = b.Title
		}
		rows = append(rows, row)
	}
	button := msg.ListButton
	if button == "" {
		button = "Opciones"
	}
	return &channel.List{Body: msg.Text, Button: truncate(button, max(s.caps.MaxButtonTitle, 0)), Sections: []channel.ListSection{{Rows: rows}}}
}

// sendText sends text, in several messages when it is longer than the channel takes
// (cut at line breaks where possible); the last message's id is returned.
func (s PluginSender) sendText(ctx context.Context, base channel.SendRequest, text string) (string, error) {
	limit := 0
	if s.caps != nil {
		limit = s.caps.MaxText
	}
	parts := splitText(text, limit)
	var id string
	for i, part := range parts {
		req := base
		if i > 0 {
			req.IdempotencyKey = base.IdempotencyKey + "#" + strconv.Itoa(i)
		}
		req.Text = &channel.Text{Body: part}
		var err error
		if id, err = s.send(ctx, req); err != nil {
			return "", err
		}
	}
	return id, nil
}

// sendLegacy serves plugins without typed capabilities: buttons are tried (up to three)
// and numbered text is the fallback.
func (s PluginSender) sendLegacy(ctx context.Context, base channel.SendRequest, msg conversation.Outbound) (string, error) {
	if len(msg.Buttons) > 0 && len(msg.Buttons) <= legacyMaxButtons {
		req := base
		b := &channel.Buttons{Body: msg.Text}
		for _, btn := range msg.Buttons {
			b.Buttons = append(b.Buttons, channel.Button{ID: btn.ID, Title: btn.Title})
		}
		req.Buttons = b
		id, err := s.send(ctx, req)
		if err == nil || !errors.Is(err, plugin.ErrUnsupported) {
			return id, err
		}
	}
	return s.sendText(ctx, base, dialog.OptionsText(msg.Text, msg.Buttons))
}

func (s PluginSender) send(ctx context.Context, req channel.SendRequest) (string, error) {
	resp, err := s.ch.Send(ctx, req)
	if err != nil {
		return "", fmt.Errorf("send to %s: %w", req.To, err)
	}
	return resp.ExternalID, nil
}

// truncate cuts s to n runes, the last one an ellipsis (n <= 0: unchanged).
func truncate(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// splitText cuts text into parts of at most limit runes, at the last line break (else
// space) before the limit; limit <= 0 keeps it whole.
func splitText(text string, limit int) []string {
	if limit <= 0 || utf8.RuneCountInString(text) <= limit {
		return []string{text}
	}
	var parts []string
	r := []rune(text)
	for len(r) > limit {
		cut := limit
		for _, sep := range []rune{'\n', ' '} {
			if i := lastIndex(r[:limit+1], sep); i > 0 {
				cut = i
				break
			}
		}
		parts = append(parts, strings.TrimRight(string(r[:cut]), " \n"))
		r = r[cut:]
		for len(r) > 0 && (r[0] == ' ' || r[0] == '\n') {
			r = r[1:]
		}
	}
	if len(r) > 0 {
		parts = append(parts, string(r))
	}
	return parts
}

func lastIndex(r []rune, c rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == c {
			return i
		}
	}
	return -1
}

// PluginPayments is what the core needs of a payment plugin.
type PluginPayments interface {
	HandleWebhook(ctx context.Context, req payment.WebhookRequest) (payment.WebhookResponse, error)
}

// PaymentInbox takes what payment plugins' webhooks carry (*payments.Service): the ids
// of payments to read later (recorded durably before the provider hears 200), or
// payments a plugin already read.
type PaymentInbox interface {
	Notified(ctx context.Context, provider string, paymentIDs ...string) error
	Observed(ctx context.Context, provider string, payments ...payment.Payment) error
}

// DeliveryRecorder stores channels' delivery statuses (*conversation.Service).
type DeliveryRecorder interface {
	RecordDelivery(ctx context.Context, d conversation.Delivery) (bool, error)
}

// Plugins finds configured plugins by name and kind (*pluginhost.Host through an adapter).
type Plugins interface {
	Kind(name string) (plugin.Kind, bool)
	// Capabilities are a channel plugin's typed capabilities (nil when it declared none).
	Capabilities(name string) *plugin.ChannelCapabilities
	Channel(name string) (PluginChannel, error)
	Payment(name string) (PluginPayments, error)
}

// ErrNoWebhook means no plugin with webhooks is configured under that name.
var ErrNoWebhook = errors.New("channel: no such webhook")

// ErrPluginNotReady means the plugin has not started yet, so its kind is unknown; the
// provider should retry.
var ErrPluginNotReady = errors.New("channel: plugin not started yet")

// Webhooks dispatches provider webhooks to plugins and acts on what they carry: guest
// messages go to the dialog, payments to the payment lifecycle (both durably, before the
// provider hears 200).
type Webhooks struct {
	plugins  Plugins
	router   *Router
	payments PaymentInbox
	delivery DeliveryRecorder
	log      *slog.Logger
}

// NewWebhooks returns the dispatcher.
func NewWebhooks(plugins Plugins, router *Router, payments PaymentInbox, delivery DeliveryRecorder, log *slog.Logger) *Webhooks {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Webhooks{plugins: plugins, router: router, payments: payments, delivery: delivery, log: log}
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
		if err := w.deliver(ctx, name, w.plugins.Capabilities(name), resp); err != nil {
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
		if err := w.payments.Notified(ctx, name, resp.PaymentIDs...); err != nil {
			return plugin.WebhookReply{}, fmt.Errorf("webhook %s: %w", name, err)
		}
		if err := w.payments.Observed(ctx, name, resp.Payments...); err != nil {
			return plugin.WebhookReply{}, fmt.Errorf("webhook %s: %w", name, err)
		}
		return resp.WebhookReply, nil
	default:
		return plugin.WebhookReply{}, fmt.Errorf("%w: %s is a %s plugin", ErrNoWebhook, name, kind)
	}
}

// Inbound maps a channel plugin's message to the conversation's inbound message; the
// channel's address kind says what From is.
func Inbound(name, addressKind string, m channel.InboundMessage) conversation.Inbound {
	in := conversation.Inbound{
		Channel: name, Contact: m.From, AddressKind: addressKind, To: m.To, ExternalID: m.ExternalID,
		Text: m.Text, GuestName: m.FromName,
		Content: conversation.Content{ReplyTo: m.ReplyTo, ErrorCodes: m.ErrorCodes, Constraints: m.Constraints},
	}
	if h := m.Mail; h != nil {
		in.Mail = &conversation.MailThread{MessageID: h.MessageID, InReplyTo: h.InReplyTo, References: h.References, Subject: m.Subject}
	}
	if f := m.Form; f != nil {
		in.Form = &conversation.Form{CheckIn: f.CheckIn, CheckOut: f.CheckOut, Guests: f.Guests}
	}
	if in.Contact == "" {
		// A sender without an address (WhatsApp's business-scoped ids): keyed on the id;
		// it is not a phone number.
		in.Contact, in.AddressKind = m.FromUserID, plugin.AddressOpaque
	}
	if md := m.Media; md != nil {
		in.Media = &conversation.Media{ID: md.ID, MIME: md.MIME, SHA256: md.SHA256, Size: md.Size, Filename: md.Filename, Voice: md.Voice}
	}
	switch m.Type {
	case channel.TypeText, "":
		in.Kind = conversation.KindText
	case channel.TypeAudio:
		in.Kind = conversation.KindAudio
	case channel.TypeImage:
		in.Kind = conversation.KindImage
	case channel.TypeVideo:
		in.Kind = conversation.KindVideo
	case channel.TypeDocument:
		in.Kind = conversation.KindDocument
	case channel.TypeLocation:
		in.Kind = conversation.KindLocation
		if l := m.Location; l != nil {
			in.Location = &conversation.Location{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}
		}
	case channel.TypeButtonReply:
		in.Kind, in.OptionID = conversation.KindOption, m.ButtonID
	case channel.TypeReaction:
		in.Kind = conversation.KindReaction
		if r := m.Reaction; r != nil {
			in.Reaction = &conversation.Reaction{MessageID: r.MessageID, Emoji: r.Emoji}
		}
	default:
		in.Kind, in.RawType = conversation.KindUnsupported, m.RawType
		if in.RawType == "" && m.Type != channel.TypeUnsupported {
			in.RawType = string(m.Type)
		}
	}
	return in
}

func (w *Webhooks) deliver(ctx context.Context, name string, caps *plugin.ChannelCapabilities, resp channel.WebhookResponse) error {
	addressKind := ""
	if caps != nil {
		addressKind = caps.AddressKind
	}
	in := make([]conversation.Inbound, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		if m.From == "" && m.FromUserID == "" {
			w.log.WarnContext(ctx, "inbound message without a sender ignored", "channel", name, "message", m.ExternalID)
			continue
		}
		in = append(in, Inbound(name, addressKind, m))
	}
	var errs []error
	for _, st := range resp.Statuses {
		if st.State == channel.StateFailed {
			w.log.WarnContext(ctx, "message not delivered", "channel", name, "message", st.ExternalID, "code", st.ErrorCode, "err", st.Error)
		}
		if w.delivery == nil || st.ExternalID == "" {
			continue
		}
		if _, err := w.delivery.RecordDelivery(ctx, conversation.Delivery{
			Channel: name, ExternalID: st.ExternalID, State: string(st.State), Recipient: st.Recipient,
			ErrorCode: st.ErrorCode, Error: st.Error, At: st.At, Failure: string(st.Failure),
		}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(in) > 0 {
		errs = append(errs, w.router.Deliver(ctx, in...))
	}
	return errors.Join(errs...)
}
