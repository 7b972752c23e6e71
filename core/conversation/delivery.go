package conversation

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// Delivery states of outgoing messages, as channels report them.
const (
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
)

// deliveryRank orders states so a late "delivered" never overwrites "read".
var deliveryRank = map[string]int{StatusQueued: 0, StatusSent: 1, StatusDelivered: 2, StatusRead: 3}

// RecordDelivery applies a channel's delivery status to the outgoing message it names by
// the provider's id. Statuses only move forward (sent → delivered → read); failed always
// applies. It reports whether a message changed; an unknown id is not an error (providers
// also report messages sent from their own apps).
func (s *Service) RecordDelivery(ctx context.Context, channel, externalID, state string) (bool, error) {
	rank, known := deliveryRank[state]
	if !known && state != StatusFailed {
		return false, fmt.Errorf("record delivery of %s on %s: unknown state %q", externalID, channel, state)
	}
	q := s.db.NewUpdate().Model((*store.Message)(nil)).Set("status = ?", state).
		Where("channel = ? AND external_id = ? AND direction = 'out'", channel, externalID)
	if state != StatusFailed {
		var lower []string
		for st, r := range deliveryRank {
			if r < rank {
				lower = append(lower, st)
			}
		}
		q = q.Where("status IN (?)", bun.List(lower))
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("record delivery of %s on %s: %w", externalID, channel, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
