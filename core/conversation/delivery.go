package conversation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// Delivery states of outgoing messages, as channels report them.
const (
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusPlayed    = "played" // a voice note was played
	StatusFailed    = "failed"
)

// deliveryRank orders states so a late "delivered" never overwrites "read".
var deliveryRank = map[string]int{StatusQueued: 0, StatusSent: 1, StatusDelivered: 2, StatusRead: 3, StatusPlayed: 4}

// Delivery is a channel's news about a message we sent.
type Delivery struct {
	Channel string
	// ExternalID is the provider's id of our message (what Send returned).
	ExternalID string
	// State is "sent", "delivered", "read", "played", "failed" or anything newer.
	State     string
	Recipient string
	ErrorCode string
	Error     string
	// Failure is why a failed message failed ("window_closed", ...), when the channel says.
	Failure string
	// At is when the provider says it happened (zero when it does not).
	At time.Time
}

// RecordDelivery keeps a channel's delivery status and applies it to the outgoing
// message it names by the provider's id. Each (channel, id, state) is kept once, so a
// re-delivered status is a no-op. States only move forward (sent → delivered → read →
// played); failed applies unless the message was already delivered; a state the core
// does not know is kept without changing the message. It reports whether a message
// changed; an unknown id is not an error (providers also report messages sent from their
// own apps).
func (s *Service) RecordDelivery(ctx context.Context, d Delivery) (bool, error) {
	if d.Channel == "" || d.ExternalID == "" || d.State == "" {
		return false, fmt.Errorf("record delivery: channel, id and state are required (got %q, %q, %q)", d.Channel, d.ExternalID, d.State)
	}
	var changed, kick bool
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		changed, kick = false, false
		row := &store.DeliveryStatus{Channel: d.Channel, ExternalID: d.ExternalID, Status: d.State, Recipient: d.Recipient,
			ErrorCode: d.ErrorCode, Error: d.Error, ReceivedAt: s.now()}
		if !d.At.IsZero() {
			at := d.At.UTC()
			row.OccurredAt = &at
		}
		res, err := tx.NewInsert().Model(row).On("CONFLICT (channel, external_id, status) DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("keep delivery status: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // this status was recorded before
		}
		var lower []string
		rank, known := deliveryRank[d.State]
		switch {
		case d.State == StatusFailed:
			lower = []string{StatusQueued, StatusSent}
		case known:
			for st, r := range deliveryRank {
				if r < rank {
					lower = append(lower, st)
				}
			}
		default:
			s.log.Info("delivery status unknown to the core kept without a state change",
				"channel", d.Channel, "message", d.ExternalID, "state", d.State)
			return nil
		}
		res, err = tx.NewUpdate().Model((*store.Message)(nil)).Set("status = ?", d.State).
			Where("channel = ? AND external_id = ? AND direction = 'out'", d.Channel, d.ExternalID).
			Where("status IN (?)", bun.List(lower)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("apply delivery status: %w", err)
		}
		n, _ := res.RowsAffected()
		changed = n > 0
		if changed && d.State == StatusFailed && d.Failure == ClassWindowClosed {
			requeued, err := s.templateInstead(ctx, tx, d)
			if err != nil {
				return err
			}
			kick = requeued
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record delivery of %s on %s: %w", d.ExternalID, d.Channel, err)
	}
	if kick && s.opts.Kick != nil {
		s.opts.Kick()
	}
	return changed, nil
}

// templateInstead requeues a message the channel refused for its closed window as its
// approved template, when it has one; without one it stays failed, for staff.
func (s *Service) templateInstead(ctx context.Context, tx bun.Tx, d Delivery) (bool, error) {
	var msg store.Message
	if err := tx.NewSelect().Model(&msg).Column("id").Where("channel = ? AND external_id = ? AND direction = 'out'", d.Channel, d.ExternalID).
		Limit(1).Scan(ctx); err != nil {
		return false, fmt.Errorf("find the message refused: %w", err)
	}
	var item store.OutboxItem
	err := tx.NewSelect().Model(&item).Where("message_id = ?", msg.ID).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find the outbox row refused: %w", err)
	}
	var o Outgoing
	if err := json.Unmarshal(item.Payload, &o); err != nil || o.Approved == nil || o.UseTemplate {
		s.log.WarnContext(ctx, "message refused for the closed messaging window and no approved template for it; staff must write",
			"channel", d.Channel, "message", d.ExternalID)
		return false, nil
	}
	o.UseTemplate = true
	body, err := json.Marshal(o)
	if err != nil {
		return false, fmt.Errorf("encode outbox %d: %w", item.ID, err)
	}
	if _, err := tx.NewUpdate().Model((*store.OutboxItem)(nil)).Set("payload = ?", string(body)).Set("status = 'pending'").
		Set("not_before = ?", s.now()).Set("error_class = ?", ClassWindowClosed).Set("last_error = ?", "window closed: "+d.Error).
		Where("id = ?", item.ID).Exec(ctx); err != nil {
		return false, fmt.Errorf("requeue outbox %d as a template: %w", item.ID, err)
	}
	if _, err := tx.NewUpdate().Model((*store.Message)(nil)).Set("status = ?", StatusQueued).Where("id = ?", msg.ID).Exec(ctx); err != nil {
		return false, fmt.Errorf("requeue message %d: %w", msg.ID, err)
	}
	return true, nil
}

// earlyDelivery is the furthest known state among the statuses kept for a provider's id
// before any message carried it; "" when there are none.
func earlyDelivery(ctx context.Context, tx bun.Tx, channel, externalID string) (string, error) {
	var states []string
	if err := tx.NewSelect().Model((*store.DeliveryStatus)(nil)).Column("status").
		Where("channel = ? AND external_id = ?", channel, externalID).Scan(ctx, &states); err != nil {
		return "", fmt.Errorf("statuses kept for %s: %w", externalID, err)
	}
	best := ""
	for _, st := range states {
		if r, known := deliveryRank[st]; known && r > deliveryRank[best] {
			best = st
		}
	}
	return best, nil
}
