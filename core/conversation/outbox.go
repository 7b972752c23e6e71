package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync/atomic"
	"time"

	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/uptrace/bun"
)

// Outbound is one message for a channel to deliver.
type Outbound struct {
	ConversationID int64
	Channel        string
	Recipient      string
	// From is the address of ours to send from (the one the guest wrote to); empty means
	// the channel's default.
	From    string
	Text    string
	Buttons []dialog.Button
	// ListButton labels the button that opens a list of options, when the options go as
	// a list.
	ListButton string
	// ReplyTo is the provider's id of the message answered, for channels that quote.
	ReplyTo string
	// Template, when set, is an approved template to send instead of free text (outside
	// the channel's messaging window); Text is its rendering, for channels without.
	Template *ApprovedTemplate
	// Audio, when set, is a voice note to send; Text is what it says, for channels
	// without audio.
	Audio *Audio
	// IdempotencyKey is the same on every retry of one message, so a provider that
	// supports it can drop a repeat after a crash between sending and recording it.
	IdempotencyKey string
}

// ChannelSender delivers messages on one channel (a plugin's Send).
type ChannelSender interface {
	// Send delivers msg and returns the provider's id of the sent message ("" when the
	// channel has none), which later delivery statuses refer to.
	Send(ctx context.Context, msg Outbound) (externalID string, err error)
}

// Senders finds the sender of a channel. Channels without one (the web chat, which
// answers within its HTTP request) are delivered by TakePending instead.
type Senders interface {
	Sender(channel string) (ChannelSender, bool)
	// PushChannels lists the channels that have a sender.
	PushChannels() []string
}

// SenderOptions tune a Sender.
type SenderOptions struct {
	Now         func() time.Time
	Batch       int           // rows claimed per flush (50)
	MaxAttempts int           // after this many failures a row is dead (8)
	Lease       time.Duration // how long a claimed row is ours before another flush may retry it (2 min)
	SendTimeout time.Duration // per send (15 s)
	Logger      *slog.Logger
	Metrics     *Metrics
}

// Sender delivers the outbox: every committed reply is sent, retried with backoff, in
// order per conversation. A crash after sending and before recording it resends the
// message with the same idempotency key; nothing is ever lost.
type Sender struct {
	db      *store.DB
	senders Senders
	opts    SenderOptions
	log     *slog.Logger
	kick    chan struct{}
	sent    atomic.Int64
}

// NewSender returns a Sender over db.
func NewSender(db *store.DB, senders Senders, opts SenderOptions) *Sender {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 15 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{db: db, senders: senders, opts: opts, log: log, kick: make(chan struct{}, 1)}
}

// Kick wakes Run now (a turn just queued replies).
func (s *Sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Sent counts messages delivered since start.
func (s *Sender) Sent() int64 { return s.sent.Load() }

// Run flushes on every kick and at least every interval until ctx ends.
func (s *Sender) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Flush(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("outbox flush", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

func (s *Sender) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

// backoff is the wait after the n-th failed attempt: 2 s, 4 s, 8 s ... capped at 5 min.
func backoff(attempt int) time.Duration {
	d := 2 * time.Second << min(attempt-1, 10)
	return min(d, 5*time.Minute)
}

// Flush sends every due row it can, claiming batch after batch while messages go out;
// it returns how many it delivered.
func (s *Sender) Flush(ctx context.Context) (int, error) {
	channels := s.senders.PushChannels()
	if len(channels) == 0 {
		return 0, nil
	}
	total := 0
	for {
		items, err := s.claim(ctx, channels)
		if err != nil || len(items) == 0 {
			return total, err
		}
		sent := 0
		blocked := map[int64]time.Time{} // conversations whose earlier message failed in this batch
		for _, it := range items {
			conv := int64(0)
			if it.ConversationID != nil {
				conv = *it.ConversationID
			}
			if until, ok := blocked[conv]; ok && conv != 0 {
				s.unclaim(ctx, it, until)
				continue
			}
			if err := s.send(ctx, it); err != nil {
				if ctx.Err() != nil {
					return total + sent, ctx.Err()
				}
				blocked[conv] = s.now().Add(backoff(it.Attempts))
				continue
			}
			sent++
		}
		total += sent
		s.sent.Add(int64(sent))
		if sent == 0 {
			return total, nil
		}
	}
}

func (s *Sender) claim(ctx context.Context, channels []string) ([]store.OutboxItem, error) {
	var items []store.OutboxItem
	now := s.now()
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model(&items).
			Where("(status = 'pending' OR status = 'sending') AND not_before <= ?", now).
			Where("channel IN (?)", bun.List(channels)).
			Where(`NOT EXISTS (SELECT 1 FROM outbox AS o2 WHERE o2.conversation_id = outbox_item.conversation_id
				AND o2.id < outbox_item.id AND o2.status IN ('pending', 'sending'))`).
			Order("id").Limit(s.opts.Batch)
		if s.db.Dialect() == store.Postgres {
			q = q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("claim outbox rows: %w", err)
		}
		if len(items) == 0 {
			return nil
		}
		ids := make([]int64, len(items))
		for i := range items {
			ids[i] = items[i].ID
			items[i].Attempts++
		}
		_, err := tx.NewUpdate().Model((*store.OutboxItem)(nil)).
			Set("status = 'sending'").Set("attempts = attempts + 1").Set("not_before = ?", now.Add(s.opts.Lease)).
			Where("id IN (?)", bun.List(ids)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("claim outbox rows: %w", err)
		}
		return nil
	})
	return items, err
}

func (s *Sender) unclaim(ctx context.Context, it store.OutboxItem, until time.Time) {
	_, err := s.db.NewUpdate().Model((*store.OutboxItem)(nil)).
		Set("status = 'pending'").Set("attempts = attempts - 1").Set("not_before = ?", until).
		Where("id = ?", it.ID).Exec(ctx)
	if err != nil {
		s.log.Warn("outbox unclaim", "id", it.ID, "err", err)
	}
}

func (s *Sender) send(ctx context.Context, it store.OutboxItem) error {
	sender, ok := s.senders.Sender(it.Channel)
	var o Outgoing
	var externalID string
	err := json.Unmarshal(it.Payload, &o)
	if err == nil && !ok {
		err = fmt.Errorf("no sender for channel %q", it.Channel)
	}
	if err == nil {
		conv := int64(0)
		if it.ConversationID != nil {
			conv = *it.ConversationID
			ctx = obs.WithConversation(ctx, conv)
		}
		if o.TraceID != "" {
			ctx = obs.WithRequestID(ctx, o.TraceID)
		}
		sctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
		externalID, err = sender.Send(sctx, Outbound{ConversationID: conv, Channel: it.Channel, Recipient: it.Recipient,
			Text: o.Text, Buttons: o.Buttons, Audio: o.Audio, IdempotencyKey: it.IdempotencyKey})
		cancel()
	}
	now := s.now()
	if err == nil {
		s.opts.Metrics.send(it.Channel, "sent", "", it.CreatedAt, now)
		s.opts.Metrics.responded(it.Channel, o.Modality, o.ArrivedAt, now)
		return s.mark(ctx, it, "sent", StatusSent, now, now, "", externalID)
	}
	status, msgStatus, next := "pending", StatusQueued, now.Add(backoff(it.Attempts))
	result := "retry"
	if it.Attempts >= s.opts.MaxAttempts {
		status, msgStatus, result = "dead", "failed", "dead"
		s.log.ErrorContext(ctx, "outbox message given up", "id", it.ID, "channel", it.Channel, "attempts", it.Attempts, "err", err)
	} else {
		s.log.WarnContext(ctx, "outbox send failed; will retry", "id", it.ID, "channel", it.Channel, "attempt", it.Attempts, "retry_at", next, "err", err)
	}
	s.opts.Metrics.send(it.Channel, result, ErrorClass(err), time.Time{}, now)
	if merr := s.mark(ctx, it, status, msgStatus, next, time.Time{}, err.Error(), ""); merr != nil {
		return errors.Join(err, merr)
	}
	return err
}

func (s *Sender) mark(ctx context.Context, it store.OutboxItem, status, msgStatus string, notBefore, sentAt time.Time, lastErr, externalID string) error {
	// Record with its own deadline: a message that went out must not be resent because
	// shutdown cancelled ctx between sending and recording.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*store.OutboxItem)(nil)).Set("status = ?", status).
			Set("not_before = ?", notBefore).Set("last_error = ?", lastErr)
		if !sentAt.IsZero() {
			q = q.Set("sent_at = ?", sentAt)
		}
		if _, err := q.Where("id = ?", it.ID).Exec(ctx); err != nil {
			return fmt.Errorf("record outbox %d: %w", it.ID, err)
		}
		if it.MessageID != nil {
			q := tx.NewUpdate().Model((*store.Message)(nil)).Set("status = ?", msgStatus)
			if externalID != "" {
				// Delivery statuses name the provider's id; keep it on the message, unless a
				// provider reused an id (then statuses cannot be told apart anyway).
				taken, err := tx.NewSelect().Model((*store.Message)(nil)).
					Where("channel = ? AND external_id = ?", it.Channel, externalID).Exists(ctx)
				if err != nil {
					return fmt.Errorf("record message %d: %w", *it.MessageID, err)
				}
				if !taken {
					q = q.Set("external_id = ?", externalID)
				}
			}
			if _, err := q.Where("id = ?", *it.MessageID).Exec(ctx); err != nil {
				return fmt.Errorf("record message %d: %w", *it.MessageID, err)
			}
		}
		return nil
	})
}

// TakePending hands over the due messages of a pull channel (the web chat) for one
// conversation, oldest first, marking them sent.
func (s *Service) TakePending(ctx context.Context, conversationID int64, channel string) ([]Outgoing, error) {
	var out []Outgoing
	now := s.now()
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = takePending(ctx, tx, conversationID, channel, now)
		return err
	})
	return out, err
}

func takePending(ctx context.Context, tx bun.Tx, conversationID int64, channel string, now time.Time) ([]Outgoing, error) {
	var items []store.OutboxItem
	// One statement claims and reads them (UPDATE ... RETURNING on both databases).
	_, err := tx.NewUpdate().Model(&items).
		Set("status = 'sent'").Set("sent_at = ?", now).Set("attempts = attempts + 1").
		Where("conversation_id = ? AND channel = ? AND status = 'pending' AND not_before <= ?", conversationID, channel, now).
		Returning("id, message_id, payload").Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("take pending replies: %w", err)
	}
	if len(items) == 0 {
		return nil, nil
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	out := make([]Outgoing, 0, len(items))
	msgIDs := make([]int64, 0, len(items))
	for _, it := range items {
		var o Outgoing
		if err := json.Unmarshal(it.Payload, &o); err != nil {
			return nil, fmt.Errorf("decode outbox %d: %w", it.ID, err)
		}
		out = append(out, o)
		if it.MessageID != nil {
			msgIDs = append(msgIDs, *it.MessageID)
		}
	}
	if len(msgIDs) > 0 {
		if _, err := tx.NewUpdate().Model((*store.Message)(nil)).Set("status = ?", StatusSent).
			Where("id IN (?)", bun.List(msgIDs)).Exec(ctx); err != nil {
			return nil, fmt.Errorf("mark replies delivered: %w", err)
		}
	}
	return out, nil
}

// Converse is the synchronous path of pull channels (the web chat): store the message,
// answer it (after any earlier one still waiting) and hand back everything due for the
// conversation, all under the conversation's lock.
func (s *Service) Converse(ctx context.Context, in Inbound) (Received, []Outgoing, error) {
	rec, err := s.Receive(ctx, in)
	if err != nil {
		return Received{}, nil, err
	}
	var out []Outgoing
	err = s.withLock(ctx, rec.ConversationID, func() error {
		h := &handover{channel: in.Channel}
		if err := s.drain(ctx, rec.ConversationID, true, h); err != nil {
			return err
		}
		if h.turns > 0 {
			out = h.out
			return nil
		}
		// No turn ran here (staff have the conversation, or another request answered it):
		// hand over whatever is due.
		var err error
		out, err = s.TakePending(ctx, rec.ConversationID, in.Channel)
		return err
	})
	return rec, out, err
}
