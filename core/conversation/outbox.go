package conversation

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/uptrace/bun"

	"github.com/conserje/conserje/sdk/plugin"
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
	// Subject and References thread an e-mail (ReplyTo is then the answered mail's
	// Message-ID): stored by the core, so threads outlive the plugin's memory.
	Subject    string
	References []string
	// Author is the staff member who wrote the message ("" for the bot: an automatic
	// answer; e-mail marks it so).
	Author string
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
	// Concurrency is how many sends of a claimed batch run at once (8). A batch holds at
	// most one message per conversation (the oldest due), so order per guest is kept.
	Concurrency int
	Logger      *slog.Logger
	Metrics     *Metrics
	// Window is a channel's messaging window (WhatsApp: 24 h; 0: none): outside it a
	// message with an approved template sends the template.
	Window func(channel string) time.Duration
	// OnFailed is told when a message fails for good (permanent class or attempts spent),
	// e.g. to hand the conversation to staff.
	OnFailed func(ctx context.Context, conversationID int64, class string) error
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

	rmu     sync.Mutex
	paused  map[string]time.Time // channels whose throughput is spent, until when
	streaks map[string]streak    // rate limits in a row, per channel or recipient
}

type streak struct {
	n    int
	last time.Time
}

// NewSender returns a Sender over db.
func NewSender(db *store.DB, senders Senders, opts SenderOptions) *Sender {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
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
	return &Sender{db: db, senders: senders, opts: opts, log: log, kick: make(chan struct{}, 1),
		paused: map[string]time.Time{}, streaks: map[string]streak{}}
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
	channels := s.active(s.senders.PushChannels())
	if len(channels) == 0 {
		return 0, nil
	}
	total := 0
	for {
		items, err := s.claim(ctx, channels)
		if err != nil || len(items) == 0 {
			return total, err
		}
		sent, err := s.sendBatch(ctx, items)
		if err != nil {
			return total + sent, err
		}
		total += sent
		s.sent.Add(int64(sent))
		if sent == 0 {
			return total, nil
		}
	}
}

// sendBatch sends claimed rows, Concurrency at a time (each row is the oldest due of its
// conversation, so no two belong to one guest), and returns how many went out. The first
// row goes alone: a channel that is rate limited or down says so once, and the rest of
// the batch waits (unclaimed) instead of every row trying at once.
func (s *Sender) sendBatch(ctx context.Context, items []store.OutboxItem) (int, error) {
	var (
		mu      sync.Mutex
		sent    int
		blocked = map[int64]time.Time{} // conversations whose earlier message failed in this batch
		wg      sync.WaitGroup
		slots   = make(chan struct{}, s.opts.Concurrency)
	)
	for i, it := range items {
		conv := int64(0)
		if it.ConversationID != nil {
			conv = *it.ConversationID
		}
		if i == 1 {
			wg.Wait() // the first row's outcome before the others start
		}
		mu.Lock()
		until, isBlocked := blocked[conv]
		mu.Unlock()
		if isBlocked && conv != 0 {
			s.unclaim(ctx, it, until)
			continue
		}
		if until := s.pausedUntil(it.Channel); !until.IsZero() {
			s.unclaim(ctx, it, until)
			continue
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			until, err := s.send(ctx, it)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				blocked[conv] = until
				return
			}
			sent++
		}()
	}
	wg.Wait()
	return sent, ctx.Err()
}

// claim takes the oldest due rows, at most one per conversation (its oldest waiting), in
// one statement: marked sending, their attempts counted and leased, and returned.
func (s *Sender) claim(ctx context.Context, channels []string) ([]store.OutboxItem, error) {
	var items []store.OutboxItem
	now := s.now()
	due := s.db.NewSelect().TableExpr("outbox AS o").Column("o.id").
		// The predicates of the outbox_waiting indexes, spelled as in them.
		Where("o.status IN ('pending', 'sending') AND o.not_before <= ?", now).
		Where("o.channel IN (?)", bun.List(channels)).
		Where(`NOT EXISTS (SELECT 1 FROM outbox AS o2 WHERE o2.conversation_id = o.conversation_id
			AND o2.id < o.id AND o2.status IN ('pending', 'sending'))`).
		OrderExpr("o.id").Limit(s.opts.Batch)
	if s.db.Dialect() == store.Postgres {
		due = due.For("UPDATE SKIP LOCKED")
	}
	_, err := s.db.NewUpdate().Model((*store.OutboxItem)(nil)).
		Set("status = 'sending'").Set("attempts = attempts + 1").Set("not_before = ?", now.Add(s.opts.Lease)).
		Where("id IN (?)", due).Returning("*").Exec(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("claim outbox rows: %w", err)
	}
	slices.SortFunc(items, func(a, b store.OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return items, nil
}

func (s *Sender) unclaim(ctx context.Context, it store.OutboxItem, until time.Time) {
	_, err := s.db.NewUpdate().Model((*store.OutboxItem)(nil)).
		Set("status = 'pending'").Set("attempts = attempts - 1").Set("not_before = ?", until).
		Where("id = ?", it.ID).Exec(ctx)
	if err != nil {
		s.log.Warn("outbox unclaim", "id", it.ID, "err", err)
	}
}

// send delivers one claimed row and records the outcome by the error's class: sent;
// window closed → the approved template at once (failed without one); rate limited →
// the whole channel or only this recipient waits (not counted as an attempt); permanent →
// failed and the conversation handed to staff; anything else → retried with backoff and
// jitter (honouring the provider's retry-after) until MaxAttempts. It returns when the
// conversation's next row may go (zero when sent).
func (s *Sender) send(ctx context.Context, it store.OutboxItem) (time.Time, error) {
	sender, ok := s.senders.Sender(it.Channel)
	var o Outgoing
	var externalID string
	var merged []store.OutboxItem
	err := json.Unmarshal(it.Payload, &o)
	if err == nil && !ok {
		err = fmt.Errorf("no sender for channel %q", it.Channel)
	}
	conv := int64(0)
	if it.ConversationID != nil {
		conv = *it.ConversationID
		ctx = obs.WithConversation(ctx, conv)
	}
	useTemplate := false
	if err == nil {
		if o.TraceID != "" {
			ctx = obs.WithRequestID(ctx, o.TraceID)
		}
		useTemplate = o.Approved != nil && (o.UseTemplate || s.windowClosed(ctx, it.Channel, conv))
		if it.ErrorClass == ClassRateLimited && !useTemplate && o.Audio == nil {
			merged, err = s.mergeWaiting(ctx, it, &o)
			if err != nil {
				return s.now(), err
			}
		}
		msg := Outbound{ConversationID: conv, Channel: it.Channel, Recipient: it.Recipient, From: o.From,
			Text: o.Text, Buttons: o.Buttons, Audio: o.Audio, IdempotencyKey: it.IdempotencyKey,
			ReplyTo: o.InReplyTo, Subject: o.Subject, References: o.References, Author: o.Staff}
		if useTemplate {
			msg.Template, msg.Buttons, msg.Audio = o.Approved, nil, nil
		}
		sctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
		externalID, err = sender.Send(sctx, msg)
		cancel()
	}
	now := s.now()
	if err == nil {
		s.opts.Metrics.send(it.Channel, "sent", "", it.CreatedAt, now)
		s.opts.Metrics.responded(it.Channel, o.Modality, o.ArrivedAt, now)
		if err := s.mark(ctx, it, "sent", StatusSent, now, now, "", "", externalID); err != nil {
			return time.Time{}, err
		}
		for _, m := range merged {
			if err := s.mark(ctx, m, "sent", StatusSent, now, now, "", "", ""); err != nil {
				return time.Time{}, err
			}
		}
		return time.Time{}, nil
	}
	for _, m := range merged {
		// Not sent after all: back in line behind it.
		if _, uerr := s.db.NewUpdate().Model((*store.OutboxItem)(nil)).Set("status = 'pending'").Where("id = ?", m.ID).Exec(ctx); uerr != nil {
			s.log.WarnContext(ctx, "return a merged reply to the outbox", "id", m.ID, "err", uerr)
		}
	}
	class := ErrorClass(err)
	detail := plugin.DetailOf(err)
	status, msgStatus, next, result := "pending", StatusQueued, now.Add(s.backoff(it.Attempts, detail.RetryAfter)), "retry"
	attemptsBack := false
	switch {
	case class == ClassWindowClosed && o.Approved != nil && !useTemplate:
		// Send the approved template instead, now.
		o.UseTemplate = true
		if merr := s.retemplate(ctx, it, o, err); merr != nil {
			return now, errors.Join(err, merr)
		}
		s.log.InfoContext(ctx, "messaging window closed; sending the approved template", "id", it.ID, "channel", it.Channel, "template", o.Approved.Name)
		s.opts.Metrics.send(it.Channel, "retry", class, time.Time{}, now)
		s.Kick()
		return now, err
	case permanent(class):
		status, msgStatus, result, next = "failed", StatusFailed, "failed", now
		s.log.ErrorContext(ctx, "outbox message failed for good; staff must take over", "id", it.ID, "channel", it.Channel, "class", class,
			"provider_code", detail.ProviderCode, "err", err)
	case class == ClassRateLimited:
		// Flow control, not failure: the attempt is given back.
		attemptsBack = true
		wait := s.jitter(max(detail.RetryAfter, 2*time.Second) << min(s.limited(it.Channel, it.Recipient, detail.Scope), 6))
		next = now.Add(min(wait, 10*time.Minute))
		switch detail.Scope {
		case plugin.ScopeSender:
			s.pause(it.Channel, next)
		case plugin.ScopeRecipient:
			s.delayRecipient(ctx, it, next)
		}
		s.log.WarnContext(ctx, "provider asked to slow down", "id", it.ID, "channel", it.Channel, "scope", detail.Scope, "retry_at", next)
	case it.Attempts >= s.opts.MaxAttempts:
		status, msgStatus, result = "dead", StatusFailed, "dead"
		s.log.ErrorContext(ctx, "outbox message given up", "id", it.ID, "channel", it.Channel, "attempts", it.Attempts, "class", class, "err", err)
	default:
		s.log.WarnContext(ctx, "outbox send failed; will retry", "id", it.ID, "channel", it.Channel, "attempt", it.Attempts, "class", class, "retry_at", next, "err", err)
	}
	s.opts.Metrics.send(it.Channel, result, class, time.Time{}, now)
	if attemptsBack {
		it.Attempts--
	}
	if merr := s.markFailure(ctx, it, status, msgStatus, next, err.Error(), class, attemptsBack); merr != nil {
		return next, errors.Join(err, merr)
	}
	if (status == "failed" || status == "dead") && conv != 0 && s.opts.OnFailed != nil {
		if ferr := s.opts.OnFailed(ctx, conv, class); ferr != nil {
			s.log.WarnContext(ctx, "tell staff about a failed delivery", "err", ferr)
		}
	}
	return next, err
}

// backoff is the wait after the n-th failed attempt (2 s, 4 s, 8 s ... 5 min) or the
// provider's retry-after when longer, with ±20 % jitter so retries do not march in step.
func (s *Sender) backoff(attempt int, retryAfter time.Duration) time.Duration {
	return s.jitter(max(backoff(attempt), retryAfter))
}

func (s *Sender) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	f := 0.8 + 0.4*rand.Float64() //nolint:gosec // jitter, not a secret
	return time.Duration(float64(d) * f)
}

// limited counts rate limits in a row for a channel or a recipient, for exponential
// waits; a success elsewhere does not reset it, time does (10 minutes).
func (s *Sender) limited(channel, recipient string, scope plugin.Scope) int {
	key := channel
	if scope == plugin.ScopeRecipient {
		key += "\x00" + recipient
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	now := s.now()
	st := s.streaks[key]
	if now.Sub(st.last) > 10*time.Minute {
		st.n = 0
	}
	n := st.n
	st.n++
	st.last = now
	s.streaks[key] = st
	return n
}

// pause holds every send on a channel until t (the number's throughput is spent).
func (s *Sender) pause(channel string, t time.Time) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if t.After(s.paused[channel]) {
		s.paused[channel] = t
	}
}

// pausedUntil is when a paused channel may send again (zero when it may now).
func (s *Sender) pausedUntil(channel string) time.Time {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if until := s.paused[channel]; s.now().Before(until) {
		return until
	}
	return time.Time{}
}

// active filters out paused channels.
func (s *Sender) active(channels []string) []string {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	now := s.now()
	out := channels[:0:0]
	for _, c := range channels {
		if until, ok := s.paused[c]; ok && now.Before(until) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// delayRecipient holds every pending row to one recipient until t (the pair rate limit:
// only this guest waits; when it lifts, their waiting replies go merged as one).
func (s *Sender) delayRecipient(ctx context.Context, it store.OutboxItem, t time.Time) {
	_, err := s.db.NewUpdate().Model((*store.OutboxItem)(nil)).Set("not_before = ?", t).
		Where("channel = ? AND recipient = ? AND status = 'pending' AND not_before < ? AND id <> ?", it.Channel, it.Recipient, t, it.ID).Exec(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "delay a rate-limited recipient", "err", err)
	}
}

// windowClosed reports whether the channel's messaging window with the conversation's
// guest has closed (their last message is older than the window).
func (s *Sender) windowClosed(ctx context.Context, channel string, conv int64) bool {
	if s.opts.Window == nil || conv == 0 {
		return false
	}
	window := s.opts.Window(channel)
	if window <= 0 {
		return false
	}
	var last *time.Time
	err := s.db.NewSelect().Model((*store.Conversation)(nil)).Column("last_inbound_at").Where("id = ?", conv).Scan(ctx, &last)
	if err != nil {
		s.log.WarnContext(ctx, "read the conversation's last inbound message", "err", err)
		return false
	}
	return last == nil || s.now().Sub(*last) >= window
}

// retemplate makes a row send its approved template at once, without counting the
// attempt.
func (s *Sender) retemplate(ctx context.Context, it store.OutboxItem, o Outgoing, cause error) error {
	body, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode outbox %d: %w", it.ID, err)
	}
	_, err = s.db.NewUpdate().Model((*store.OutboxItem)(nil)).Set("payload = ?", string(body)).
		Set("status = 'pending'").Set("attempts = attempts - 1").Set("not_before = ?", s.now()).
		Set("last_error = ?", cause.Error()).Set("error_class = ?", ClassWindowClosed).
		Where("id = ?", it.ID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("requeue outbox %d as a template: %w", it.ID, err)
	}
	return nil
}

// mergeWaiting folds the conversation's later pending text replies into o, after a
// recipient's rate limit: the guest gets one message instead of a burst that would hit the
// limit again. The folded rows are claimed and returned, to be marked sent with it; the
// buttons are the last reply's.
func (s *Sender) mergeWaiting(ctx context.Context, it store.OutboxItem, o *Outgoing) ([]store.OutboxItem, error) {
	if it.ConversationID == nil || o.Approved != nil {
		return nil, nil
	}
	var later []store.OutboxItem
	err := s.db.NewSelect().Model(&later).
		Where("conversation_id = ? AND channel = ? AND status = 'pending' AND id > ?", *it.ConversationID, it.Channel, it.ID).
		Order("id").Limit(10).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("find replies to merge: %w", err)
	}
	var take []store.OutboxItem
	for _, l := range later {
		var lo Outgoing
		if json.Unmarshal(l.Payload, &lo) != nil || lo.Approved != nil || lo.Audio != nil || len(o.Buttons) > 0 {
			break
		}
		res, err := s.db.NewUpdate().Model((*store.OutboxItem)(nil)).Set("status = 'sending'").
			Where("id = ? AND status = 'pending'", l.ID).Exec(ctx)
		if err != nil {
			return take, fmt.Errorf("claim reply to merge: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			break
		}
		o.Text += "\n\n" + lo.Text
		o.Buttons = lo.Buttons
		take = append(take, l)
	}
	return take, nil
}

// markFailure records a failed attempt: the row's status, next try, error and class.
func (s *Sender) markFailure(ctx context.Context, it store.OutboxItem, status, msgStatus string, next time.Time, lastErr, class string, attemptBack bool) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*store.OutboxItem)(nil)).Set("status = ?", status).
			Set("not_before = ?", next).Set("last_error = ?", lastErr).Set("error_class = ?", class)
		if attemptBack {
			q = q.Set("attempts = attempts - 1")
		}
		if _, err := q.Where("id = ?", it.ID).Exec(ctx); err != nil {
			return fmt.Errorf("record outbox %d: %w", it.ID, err)
		}
		if it.MessageID != nil {
			if _, err := tx.NewUpdate().Model((*store.Message)(nil)).Set("status = ?", msgStatus).Where("id = ?", *it.MessageID).Exec(ctx); err != nil {
				return fmt.Errorf("record message %d: %w", *it.MessageID, err)
			}
		}
		return nil
	})
}

func (s *Sender) mark(ctx context.Context, it store.OutboxItem, status, msgStatus string, notBefore, sentAt time.Time, lastErr, class, externalID string) error {
	// Record with its own deadline: a message that went out must not be resent because
	// shutdown cancelled ctx between sending and recording.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if s.db.Dialect() == store.Postgres {
		return s.markPostgres(ctx, it, status, msgStatus, notBefore, sentAt, lastErr, class, externalID)
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*store.OutboxItem)(nil)).Set("status = ?", status).
			Set("not_before = ?", notBefore).Set("last_error = ?", lastErr).Set("error_class = ?", class)
		if !sentAt.IsZero() {
			q = q.Set("sent_at = ?", sentAt)
		}
		if _, err := q.Where("id = ?", it.ID).Exec(ctx); err != nil {
			return fmt.Errorf("record outbox %d: %w", it.ID, err)
		}
		if it.MessageID != nil {
			q := tx.NewUpdate().Model((*store.Message)(nil))
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
					// A provider can report on the message before Send has returned its id
					// to us (WhatsApp's "sent" often does): those statuses were kept without
					// a message to apply to, so the furthest one applies now.
					early, err := earlyDelivery(ctx, tx, it.Channel, externalID)
					if err != nil {
						return fmt.Errorf("record message %d: %w", *it.MessageID, err)
					}
					if msgStatus == StatusSent && deliveryRank[early] > deliveryRank[msgStatus] {
						msgStatus = early
					}
				}
			}
			q = q.Set("status = ?", msgStatus)
			if _, err := q.Where("id = ?", *it.MessageID).Exec(ctx); err != nil {
				return fmt.Errorf("record message %d: %w", *it.MessageID, err)
			}
		}
		return nil
	})
}

// earlyDeliverySQL is earlyDelivery's answer for a message that went out (?0 channel,
// ?1 the provider's id, ?2 "sent"): the furthest status kept past sent, else ?2.
var earlyDeliverySQL = func() string {
	states := slices.SortedFunc(maps.Keys(deliveryRank), func(a, b string) int { return cmp.Compare(deliveryRank[a], deliveryRank[b]) })
	var rank, sql strings.Builder
	rank.WriteString("CASE ds.status")
	for _, st := range states {
		fmt.Fprintf(&rank, " WHEN '%s' THEN %d", st, deliveryRank[st])
	}
	rank.WriteString(" ELSE -1 END")
	fmt.Fprintf(&sql, "CASE (SELECT max(%s) FROM delivery_statuses AS ds WHERE ds.channel = ?0 AND ds.external_id = ?1)", rank.String())
	for _, st := range states {
		if deliveryRank[st] > deliveryRank[StatusSent] {
			fmt.Fprintf(&sql, " WHEN %d THEN '%s'", deliveryRank[st], st)
		}
	}
	sql.WriteString(" ELSE ?2 END")
	return sql.String()
}()

// markPostgres records a send's outcome as mark does, in one statement (one round trip
// instead of six, on every reply): the outbox row, and the message with the provider's id
// (unless another message has it) and the furthest status reported before the id was
// known, when it went out.
func (s *Sender) markPostgres(ctx context.Context, it store.OutboxItem, status, msgStatus string, notBefore, sentAt time.Time, lastErr, class, externalID string) error {
	outbox := s.db.NewUpdate().Model((*store.OutboxItem)(nil)).Set("status = ?", status).
		Set("not_before = ?", notBefore).Set("last_error = ?", lastErr).Set("error_class = ?", class).
		Where("id = ?", it.ID)
	if !sentAt.IsZero() {
		outbox = outbox.Set("sent_at = ?", sentAt)
	}
	if it.MessageID == nil {
		if _, err := outbox.Exec(ctx); err != nil {
			return fmt.Errorf("record outbox %d: %w", it.ID, err)
		}
		return nil
	}
	msg := s.db.NewUpdate().With("outbox_row", outbox).Model((*store.Message)(nil)).Where("message.id = ?", *it.MessageID)
	if externalID == "" {
		msg = msg.Set("status = ?", msgStatus)
	} else {
		// ?0 channel, ?1 the provider's id, ?2 the message's new status.
		taken := "EXISTS (SELECT 1 FROM messages AS m2 WHERE m2.channel = ?0 AND m2.external_id = ?1)"
		status := "?2"
		if msgStatus == StatusSent {
			status = earlyDeliverySQL
		}
		msg = msg.
			Set("external_id = CASE WHEN "+taken+" THEN message.external_id ELSE ?1 END", it.Channel, externalID).
			Set("status = CASE WHEN "+taken+" THEN ?2 ELSE "+status+" END", it.Channel, externalID, msgStatus)
	}
	if _, err := msg.Exec(ctx); err != nil {
		return fmt.Errorf("record outbox %d and message %d: %w", it.ID, *it.MessageID, err)
	}
	return nil
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
	out, err := decodeOutgoing(items)
	if err != nil {
		return nil, err
	}
	msgIDs := make([]int64, 0, len(items))
	for _, it := range items {
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
//
// It is idempotent for a message with an ExternalID (the web chat's client message id): a
// retry of a message stored before is answered by its own turn if it was not answered
// yet (its reply had failed), and otherwise gets that turn's stored replies again; it
// never runs a second turn.
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
		if rec.Duplicate {
			stored, err := s.repliesTo(ctx, rec.MessageID)
			if err != nil || len(stored) > 0 {
				out = stored
				return err
			}
		}
		// No turn ran here (staff have the conversation, or another request answered it):
		// hand over whatever is due.
		var err error
		out, err = s.TakePending(ctx, rec.ConversationID, in.Channel)
		return err
	})
	return rec, out, err
}

// maxRepliesPerTurn bounds the replies repliesTo looks for; a turn says a few.
const maxRepliesPerTurn = 32

// repliesTo returns the replies the turn of inbound message msgID stored (its voice note
// first, then its texts), as they were handed over; none when the message was not
// answered by the bot (staff had the conversation).
func (s *Service) repliesTo(ctx context.Context, msgID int64) ([]Outgoing, error) {
	// The keys commit gave them: exact keys use the outbox's unique index.
	keys := []string{fmt.Sprintf("reply:%d:voice", msgID)}
	for i := range maxRepliesPerTurn {
		keys = append(keys, fmt.Sprintf("reply:%d:%d", msgID, i))
	}
	var items []store.OutboxItem
	err := s.db.NewSelect().Model(&items).Column("id", "payload").
		Where("idempotency_key IN (?)", bun.List(keys)).Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("replies to message %d: %w", msgID, err)
	}
	return decodeOutgoing(items)
}

// decodeOutgoing reads the messages of outbox rows, in their order.
func decodeOutgoing(items []store.OutboxItem) ([]Outgoing, error) {
	out := make([]Outgoing, 0, len(items))
	for _, it := range items {
		var o Outgoing
		if err := json.Unmarshal(it.Payload, &o); err != nil {
			return nil, fmt.Errorf("decode outbox %d: %w", it.ID, err)
		}
		out = append(out, o)
	}
	return out, nil
}
