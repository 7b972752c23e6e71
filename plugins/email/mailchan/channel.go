package mailchan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/conserje/conserje/plugins/email/inquiry"
	"github.com/conserje/conserje/plugins/email/outgoing"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// Version is the plugin's version.
const Version = "1.0.0"

// Channel is the e-mail channel.
type Channel struct {
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	cfg     *config
	unacked []cursor                        // emitted, not yet acknowledged, in order
	lastErr error                           // the last session failure, until a session succeeds
	sent    map[string]channel.SendResponse // by idempotency key
	batches map[string]*batch               // by recipient
	answers map[string][]time.Time          // automatic answers by recipient (24 h)
	smtp    func(ctx context.Context, cfg config, from string, to []string, raw []byte) error
}

var (
	_ channel.Plugin       = (*Channel)(nil)
	_ channel.Puller       = (*Channel)(nil)
	_ channel.Acker        = (*Channel)(nil)
	_ plugin.HealthChecker = (*Channel)(nil)
)

// New returns an unconfigured channel that logs to log.
func New(log *slog.Logger) *Channel {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Channel{log: log, now: time.Now, sent: map[string]channel.SendResponse{},
		batches: map[string]*batch{}, answers: map[string][]time.Time{}, smtp: submitSMTP}
}

// Describe says what the plugin is.
func (ch *Channel) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{
		Kind:           plugin.KindChannel,
		Name:           "email",
		Version:        Version,
		Capabilities:   []string{channel.CapabilityPull},
		SettingsSchema: SettingsSchema,
		Channel:        &plugin.ChannelCapabilities{AddressKind: plugin.AddressEmail, Pull: true, Ack: true},
	}, nil
}

// Configure checks and applies the settings; it never dials (a mail server that is down
// at start-up shows in Health, not as a failed start).
func (ch *Channel) Configure(_ context.Context, req plugin.ConfigureRequest) error {
	cfg, err := parseSettings(req.Settings)
	if err != nil {
		return err
	}
	ch.mu.Lock()
	ch.cfg = &cfg
	ch.mu.Unlock()
	return nil
}

// Stop has nothing to release: Receive ends with its context.
func (ch *Channel) Stop(context.Context) error { return nil }

// Health reports the last IMAP failure until a session succeeds again.
func (ch *Channel) Health(context.Context) error {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.lastErr
}

// HandleWebhook refuses: e-mail arrives by IMAP, never by webhook.
func (ch *Channel) HandleWebhook(context.Context, channel.WebhookRequest) (channel.WebhookResponse, error) {
	return channel.WebhookResponse{}, fmt.Errorf("%w: the e-mail channel pulls its mail over IMAP", plugin.ErrUnsupported)
}

// FetchMedia refuses: attachments are not offered to the core.
func (ch *Channel) FetchMedia(context.Context, channel.FetchMediaRequest) (channel.FetchMediaResponse, error) {
	return channel.FetchMediaResponse{}, fmt.Errorf("%w: e-mail attachments are not fetched", plugin.ErrUnsupported)
}

func (ch *Channel) config() (config, error) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.cfg == nil {
		return config{}, fmt.Errorf("%w: not configured", plugin.ErrUnavailable)
	}
	return *ch.cfg, nil
}

func (ch *Channel) inquiryConfig(cfg config) inquiry.Config {
	return inquiry.Config{Own: cfg.own, AuthservID: cfg.AuthservID, Now: ch.now()}
}

// Receive watches the mailbox and emits every new message, resuming after req.Cursor,
// reconnecting with backoff (1 s doubling to 1 min) until ctx ends. It returns early only
// when emit fails: the core could not store a message and reopens from its cursor.
func (ch *Channel) Receive(ctx context.Context, req channel.ReceiveRequest, emit func(channel.InboundMessage) error) error {
	cfg, err := ch.config()
	if err != nil {
		return err
	}
	cur, err := parseCursor(req.Cursor)
	if err != nil {
		return fmt.Errorf("%w: %w", plugin.ErrInvalidRequest, err)
	}
	ch.mu.Lock()
	ch.unacked = nil
	ch.mu.Unlock()
	fresh := req.Cursor == ""
	backoff := time.Second
	for {
		started := ch.now()
		err := ch.watch(ctx, cfg, &cur, fresh, emit)
		if cur.uid > 0 {
			fresh = false
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errEmit) {
			return err
		}
		ch.failed(err)
		if ch.now().Sub(started) > 2*time.Minute {
			backoff = time.Second
		}
		ch.log.Warn("mailbox session ended; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Minute)
	}
}

// Ack marks every message emitted up to the cursor processed on the server. The core
// calls it after storing them; a message is never marked before.
func (ch *Channel) Ack(_ context.Context, req channel.AckRequest) error {
	cur, err := parseCursor(req.Cursor)
	if err != nil {
		return fmt.Errorf("%w: %w", plugin.ErrInvalidRequest, err)
	}
	cfg, err := ch.config()
	if err != nil {
		return err
	}
	ch.mu.Lock()
	var uids []imap.UID
	keep := ch.unacked[:0]
	for _, u := range ch.unacked {
		if u.validity == cur.validity && u.uid <= cur.uid {
			uids = append(uids, imap.UID(u.uid))
		} else {
			keep = append(keep, u)
		}
	}
	ch.unacked = keep
	ch.mu.Unlock()
	if len(uids) == 0 {
		return nil
	}
	if err := markProcessed(cfg, cur.validity, uids); err != nil {
		// Not marked: still stored by the core and behind its cursor, so never answered
		// twice; the keyword is for people and for a rebuilt mailbox.
		return fmt.Errorf("%w: mark %d messages processed: %w", plugin.ErrUnavailable, len(uids), err)
	}
	return nil
}

func (ch *Channel) healthy() {
	ch.mu.Lock()
	ch.lastErr = nil
	ch.mu.Unlock()
}

func (ch *Channel) failed(err error) {
	ch.mu.Lock()
	ch.lastErr = fmt.Errorf("%w: mailbox: %w", plugin.ErrUnavailable, err)
	ch.mu.Unlock()
}

func (ch *Channel) pending(c cursor) {
	ch.mu.Lock()
	ch.unacked = append(ch.unacked, c)
	ch.mu.Unlock()
}

// maxSent bounds the idempotency keys remembered.
const maxSent = 10000

func submitSMTP(ctx context.Context, cfg config, from string, to []string, raw []byte) error {
	s := outgoing.SMTP{Addr: cfg.SMTPAddr, Security: cfg.SMTPSecurity, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword,
		TLSConfig: cfg.tlsConfig(cfg.SMTPAddr)}
	return s.Submit(ctx, from, to, raw)
}
