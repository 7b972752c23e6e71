package conversation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/store"
	"github.com/uptrace/bun"
)

// Proactive says whether a message is one the bot starts (a reminder, a follow-up), which
// waits for the end of quiet hours, or the answer to something the guest did (a payment),
// which goes at once. Replies to guest messages never wait.
type Proactive bool

// Kinds of message sent outside a turn.
const (
	Transactional Proactive = false
	FollowUp      Proactive = true
)

// Notify sends a template to a conversation outside a turn, in the conversation's
// language. key makes it idempotent: notifying twice with one key sends once. A proactive
// message during quiet hours is queued for their end (08:00).
func (s *Service) Notify(ctx context.Context, conversationID int64, template string, extra map[string]any, kind Proactive, key string) error {
	return s.withLock(ctx, conversationID, func() error {
		var conv store.Conversation
		err := s.db.NewSelect().Model(&conv).Where("id = ?", conversationID).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("notify conversation %d: %w", conversationID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("notify conversation %d: %w", conversationID, err)
		}
		st, err := dialog.DecodeState(conv.Session)
		if err != nil {
			st = &dialog.State{}
		}
		if st.Language == "" {
			st.Language = conv.Language
		}
		now := s.now()
		engine := s.engines.Engine()
		reply, err := engine.Render(ctx, st, template, extra, now)
		if err != nil {
			return fmt.Errorf("notify conversation %d: %w", conversationID, err)
		}
		notBefore := now
		if kind == FollowUp {
			if quiet, until := engine.QuietHours(now); quiet {
				notBefore = until
			}
		}
		out := Outgoing{Text: reply.Text, Template: template}
		if isMail(&conv) {
			if out, err = s.letter(ctx, &conv, st, []dialog.Reply{reply}, "", nil); err != nil {
				return err
			}
		}
		if s.opts.Templates != nil {
			if spec, ok := s.opts.Templates(conv.Channel, template); ok {
				out.Approved = spec.fill(extra, &conv)
			}
		}
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return enqueue(ctx, tx, &conv, out, key, now, notBefore)
		})
		if err == nil && s.opts.Kick != nil {
			s.opts.Kick()
		}
		return err
	})
}

// TemplateSpec names an approved template and where its body parameters come from:
// dotted paths into the message's data, plus guest.name and guest.contact.
type TemplateSpec struct {
	Name     string
	Language string
	Params   []string
}

// fill resolves the parameters against the message's data; a missing value is sent as
// "-" (Meta refuses empty parameters).
func (t TemplateSpec) fill(extra map[string]any, conv *store.Conversation) *ApprovedTemplate {
	data := map[string]any{"guest": map[string]any{"name": conv.GuestName, "contact": conv.Contact}}
	for k, v := range extra {
		data[k] = v
	}
	out := &ApprovedTemplate{Name: t.Name, Language: t.Language}
	for _, path := range t.Params {
		var cur any = data
		for _, part := range strings.Split(path, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = m[part]
		}
		v := ""
		if cur != nil {
			v = fmt.Sprint(cur)
		}
		if strings.TrimSpace(v) == "" {
			v = "-"
		}
		out.Params = append(out.Params, v)
	}
	return out
}

// NotifyConfirmed tells the guest their booking is confirmed (code, dates, check-in and
// check-out times, map link), once per reservation. Reservations made outside the bot
// have no conversation and are skipped.
func (s *Service) NotifyConfirmed(ctx context.Context, code string) error {
	var r store.Reservation
	err := s.db.NewSelect().Model(&r).Where("code = ?", code).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("notify confirmation of %s: %w", code, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("notify confirmation of %s: %w", code, err)
	}
	if r.ConversationID == nil || r.Status != store.StatusConfirmed {
		return nil
	}
	var unitName string
	if err := s.db.NewSelect().Model((*store.Accommodation)(nil)).Column("name").Where("id = ?", r.AccommodationID).Scan(ctx, &unitName); err != nil {
		return fmt.Errorf("notify confirmation of %s: unit: %w", code, err)
	}
	extra := map[string]any{"reserva": map[string]any{
		"code": r.Code, "name": unitName, "check_in": r.CheckIn.String(), "check_out": r.CheckOut.String(),
		"guests": r.Guests, "total_cents": r.TotalCents, "deposit_cents": r.DepositCents, "paid_cents": r.PaidCents,
	}}
	return s.Notify(ctx, *r.ConversationID, dialog.ConfirmationTemplate, extra, Transactional, "confirmed:"+r.Code)
}

// ConfirmationWatcher sends the confirmation message for every reservation_confirmed
// event, however the booking got confirmed (admin, API, payment webhook). It reads
// domain_events after a cursor; at start it looks back Lookback, and the outbox's
// idempotency keys make re-reading an event harmless.
type ConfirmationWatcher struct {
	svc      *Service
	lookback time.Duration
	mu       sync.Mutex
	cursor   int64
	started  bool
}

// NewConfirmationWatcher returns a watcher looking back lookback (24 h when zero) at start.
func NewConfirmationWatcher(svc *Service, lookback time.Duration) *ConfirmationWatcher {
	if lookback <= 0 {
		lookback = 24 * time.Hour
	}
	return &ConfirmationWatcher{svc: svc, lookback: lookback}
}

// Step notifies the confirmations recorded since the last step; it returns how many.
func (w *ConfirmationWatcher) Step(ctx context.Context) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	db := w.svc.db
	if !w.started {
		var first sql.NullInt64
		err := db.NewSelect().Model((*store.DomainEvent)(nil)).ColumnExpr("min(id)").
			Where("occurred_at >= ?", w.svc.now().Add(-w.lookback)).Scan(ctx, &first)
		if err != nil {
			return 0, fmt.Errorf("confirmation watcher start: %w", err)
		}
		if first.Valid {
			w.cursor = first.Int64 - 1
		} else {
			var last sql.NullInt64
			if err := db.NewSelect().Model((*store.DomainEvent)(nil)).ColumnExpr("max(id)").Scan(ctx, &last); err != nil {
				return 0, fmt.Errorf("confirmation watcher start: %w", err)
			}
			w.cursor = last.Int64
		}
		w.started = true
	}
	var events []store.DomainEvent
	err := db.NewSelect().Model(&events).Where("id > ?", w.cursor).Order("id").Limit(200).Scan(ctx)
	if err != nil {
		return 0, fmt.Errorf("read domain events: %w", err)
	}
	n := 0
	for _, ev := range events {
		if ev.Type == "reservation_confirmed" && ev.AggregateType == "reservation" {
			if err := w.svc.NotifyConfirmed(ctx, ev.AggregateID); err != nil {
				return n, err
			}
			n++
		}
		w.cursor = ev.ID
	}
	return n, nil
}

// Run steps every interval until ctx ends, logging failures.
func (w *ConfirmationWatcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.Step(ctx); err != nil && ctx.Err() == nil {
			w.svc.log.Warn("confirmation watcher", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
