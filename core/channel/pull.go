package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// PullSource is a pull channel plugin (the e-mail channel): it streams inbound items and
// takes acknowledgements.
type PullSource interface {
	channel.Puller
	channel.Acker
}

// PullStore keeps pull channels' cursors and notices (*BunPullStore).
type PullStore interface {
	Cursor(ctx context.Context, channel string) (string, error)
	SaveCursor(ctx context.Context, channel, cursor string) error
	SaveNotice(ctx context.Context, n Notice) error
}

// PullConversations is what a Puller needs of core/conversation besides the Router:
// storing a message staff must answer without a bot turn, and marking our failed
// messages (*conversation.Service).
type PullConversations interface {
	Receive(ctx context.Context, in conversation.Inbound) (conversation.Received, error)
	Escalate(ctx context.Context, conversationID int64, reason string) error
	RecordDelivery(ctx context.Context, d conversation.Delivery) (bool, error)
}

// PullerOptions tune a Puller.
type PullerOptions struct {
	// AddressKind is what the channel's senders are (plugin.AddressEmail).
	AddressKind string
	// Lease is how long one replica's hold on the channel lasts without renewal (30 s);
	// it is renewed every third of it.
	Lease time.Duration
	// MaxBackoff caps the wait between failed streams (1 min).
	MaxBackoff time.Duration
	Logger     *slog.Logger
}

// Puller consumes one pull channel: under a lease (one replica at a time watches a
// mailbox), it opens the plugin's stream from the stored cursor and, for every item,
// stores it (a guest message through the Router, a handoff escalated without a bot turn,
// a bounce marking our message failed, a notice row for staff), then saves the cursor,
// then acknowledges it to the plugin, in that order: a crash never loses a message and a
// restart never answers one twice (the Router dedupes on the external id).
type Puller struct {
	name   string
	source func() (PullSource, error)
	router *Router
	conv   PullConversations
	store  PullStore
	locker lock.Locker
	opts   PullerOptions
	log    *slog.Logger
}

// NewPuller returns the consumer of channel name; source resolves the plugin at each
// stream, so a restarted plugin is picked up.
func NewPuller(name string, source func() (PullSource, error), router *Router, conv PullConversations, store PullStore, locker lock.Locker, opts PullerOptions) *Puller {
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Puller{name: name, source: source, router: router, conv: conv, store: store, locker: locker, opts: opts,
		log: log.With("channel", name)}
}

// ErrNotPull means the channel receives webhooks and has nothing to pull: its Puller
// stops.
var ErrNotPull = errors.New("channel: not a pull channel")

// Run pulls until ctx ends, or returns at once when the source says ErrNotPull.
func (p *Puller) Run(ctx context.Context) {
	backoff := time.Second
	key := "pull:" + p.name
	for ctx.Err() == nil {
		if _, err := p.source(); errors.Is(err, ErrNotPull) {
			p.log.Debug("not a pull channel")
			return
		} else if err != nil {
			p.log.Debug("pull channel not ready", "err", err)
			sleep(ctx, backoff)
			backoff = min(2*backoff, p.opts.MaxBackoff)
			continue
		}
		lease, err := p.locker.Acquire(ctx, key, p.opts.Lease)
		if err != nil {
			if !errors.Is(err, lock.ErrLocked) {
				p.log.Warn("pull lease unavailable", "err", err)
			}
			sleep(ctx, p.opts.Lease/2)
			continue
		}
		started := time.Now()
		err = p.holding(ctx, lease)
		releaseCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = p.locker.Release(releaseCtx, lease)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > 5*time.Minute {
			backoff = time.Second
		}
		p.log.Warn("pull stream ended; reopening", "err", err, "in", backoff)
		sleep(ctx, backoff)
		backoff = min(2*backoff, p.opts.MaxBackoff)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// holding streams while the lease is renewed; losing it stops the stream.
func (p *Puller) holding(ctx context.Context, lease lock.Lease) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		t := time.NewTicker(p.opts.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := p.locker.Extend(ctx, lease, p.opts.Lease); err != nil {
					cancel(fmt.Errorf("pull lease lost: %w", err))
					return
				}
			}
		}
	}()
	err := p.Stream(ctx)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// Stream runs one stream from the stored cursor until it ends.
func (p *Puller) Stream(ctx context.Context) error {
	src, err := p.source()
	if err != nil {
		return fmt.Errorf("pull channel %s: %w", p.name, err)
	}
	cursor, err := p.store.Cursor(ctx, p.name)
	if err != nil {
		return err
	}
	return src.Receive(ctx, channel.ReceiveRequest{Cursor: cursor}, func(m channel.InboundMessage) error {
		if err := p.Handle(ctx, m); err != nil {
			return err
		}
		if m.Cursor == "" {
			return nil
		}
		if err := p.store.SaveCursor(ctx, p.name, m.Cursor); err != nil {
			return err
		}
		if err := src.Ack(ctx, channel.AckRequest{Cursor: m.Cursor}); err != nil && !errors.Is(err, plugin.ErrUnsupported) {
			// Stored and behind the cursor: the plugin only could not mark it at the source.
			p.log.Warn("pull acknowledgement failed", "cursor", m.Cursor, "err", err)
		}
		return nil
	})
}

// Handle stores one item durably, as its notice says.
func (p *Puller) Handle(ctx context.Context, m channel.InboundMessage) error {
	if m.Notice == nil {
		if m.From == "" {
			return p.notice(ctx, m, string(channel.NoticeHandoff), "no sender on a guest message", 0)
		}
		return p.router.Deliver(ctx, Inbound(p.name, p.opts.AddressKind, m))
	}
	n := m.Notice
	switch n.Kind {
	case channel.NoticeBounce:
		p.log.Warn("our message bounced", "message", n.FailedMessageID, "recipient", n.FailedRecipient, "reason", n.Reason)
		if n.FailedMessageID != "" {
			if _, err := p.conv.RecordDelivery(ctx, conversation.Delivery{Channel: p.name, ExternalID: n.FailedMessageID,
				State: conversation.StatusFailed, Recipient: n.FailedRecipient, Error: n.Reason, At: m.ReceivedAt}); err != nil {
				return err
			}
		}
		return p.notice(ctx, m, string(n.Kind), n.Reason, 0)
	case channel.NoticeHandoff:
		p.log.Warn("a person must answer", "message", m.ExternalID, "category", n.Category, "reason", n.Reason)
		var convID int64
		if m.From != "" && m.Text != "" {
			rec, err := p.conv.Receive(ctx, Inbound(p.name, p.opts.AddressKind, m))
			if err != nil {
				return fmt.Errorf("store handoff %s: %w", m.ExternalID, err)
			}
			convID = rec.ConversationID
			if err := p.conv.Escalate(ctx, convID, n.Reason); err != nil {
				return err
			}
		}
		return p.notice(ctx, m, string(n.Kind), n.Reason, convID)
	default: // skip, and kinds newer than this core: kept, never answered
		p.log.Info("inbound item skipped", "message", m.ExternalID, "category", n.Category, "reason", n.Reason)
		return p.notice(ctx, m, string(n.Kind), n.Reason, 0)
	}
}

func (p *Puller) notice(ctx context.Context, m channel.InboundMessage, kind, reason string, convID int64) error {
	category, md := "", m.Metadata
	if n := m.Notice; n != nil {
		category = n.Category
		if n.FailedRecipient != "" || n.FailedMessageID != "" {
			// What bounced, for staff (the notice page names the recipient).
			md = maps.Clone(md)
			if md == nil {
				md = map[string]string{}
			}
			md["failed_recipient"], md["failed_message_id"] = n.FailedRecipient, n.FailedMessageID
		}
	}
	return p.store.SaveNotice(ctx, Notice{Channel: p.name, ExternalID: m.ExternalID, Kind: kind, Category: category,
		Reason: reason, Sender: m.From, Subject: m.Subject, Text: m.Text, Metadata: md,
		ConversationID: convID, ReceivedAt: m.ReceivedAt})
}
