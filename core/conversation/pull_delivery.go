package conversation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/conserje/conserje/core/store"
)

// TakePendingFor hands over the due messages of a pull channel's conversation found by
// the guest's address (the web chat page asking for what arrived since: a confirmation, a
// staff reply), marking them delivered. An unknown address has none.
func (s *Service) TakePendingFor(ctx context.Context, channel, contact string) ([]Outgoing, error) {
	var id int64
	err := s.db.NewSelect().Model((*store.Conversation)(nil)).Column("id").
		Where("channel = ? AND contact = ?", channel, contact).Limit(1).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find %s conversation: %w", channel, err)
	}
	var out []Outgoing
	err = s.withLock(ctx, id, func() error {
		var err error
		out, err = s.TakePending(ctx, id, channel)
		return err
	})
	return out, err
}

// ExpireUncollected gives up on messages of a pull channel that no page collected within
// maxAge (the guest closed the web chat): their outbox rows end dead with the class
// not_collected, so the outbox keeps no reply pending forever; staff still see the
// messages in the conversation. It returns how many.
func (s *Service) ExpireUncollected(ctx context.Context, channel string, maxAge time.Duration) (int, error) {
	cutoff := s.now().Add(-maxAge)
	res, err := s.db.NewUpdate().Model((*store.OutboxItem)(nil)).
		Set("status = 'dead'").Set("error_class = 'not_collected'").
		Set("last_error = 'no page collected the message'").
		Where("channel = ? AND status = 'pending' AND not_before < ?", channel, cutoff).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("expire uncollected %s messages: %w", channel, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
