package conversation

import (
	"context"
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
	var changed bool
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		changed = false
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
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record delivery of %s on %s: %w", d.ExternalID, d.Channel, err)
	}
	return changed, nil
}
