package conversation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/store"
	"github.com/uptrace/bun"
)

// ErrNotFound means no conversation has that id.
var ErrNotFound = errors.New("conversation: not found")

// Escalate pauses the bot on a conversation: staff took it over. Idempotent.
func (s *Service) Escalate(ctx context.Context, conversationID int64, reason string) error {
	return s.withLock(ctx, conversationID, func() error {
		now := s.now()
		return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewUpdate().Model((*store.Conversation)(nil)).
				Set("state = ?", StateEscalated).Set("escalation_reason = ?", reason).
				Set("escalated_at = ?", now).Set("updated_at = ?", now).
				Where("id = ? AND state <> ?", conversationID, StateEscalated).Exec(ctx)
			if err != nil {
				return fmt.Errorf("escalate conversation %d: %w", conversationID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return s.exists(ctx, tx, conversationID)
			}
			s.opts.Metrics.handoff("staff")
			return event(ctx, tx, conversationID, EventEscalated, now, map[string]any{"reason": reason, "by": "staff"})
		})
	})
}

// Release hands an escalated conversation back to the bot with a fresh start: the
// fallback count is reset and the guest's next message is answered normally. Messages
// that arrived meanwhile stay with staff (held). Idempotent.
func (s *Service) Release(ctx context.Context, conversationID int64, by string) error {
	return s.withLock(ctx, conversationID, func() error {
		now := s.now()
		return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var conv store.Conversation
			err := tx.NewSelect().Model(&conv).Where("id = ?", conversationID).Scan(ctx)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("release conversation %d: %w", conversationID, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("release conversation %d: %w", conversationID, err)
			}
			if conv.State == StateBot {
				return nil
			}
			st, err := dialog.DecodeState(conv.Session)
			if err != nil {
				st = &dialog.State{}
			}
			st.Fallbacks, st.PaymentRejections, st.Stack, st.Pending = 0, 0, nil, nil
			session, err := st.Encode()
			if err != nil {
				return err
			}
			if _, err := tx.NewUpdate().Model((*store.Conversation)(nil)).
				Set("state = ?", StateBot).Set("escalation_reason = ''").Set("fallback_streak = 0").
				Set("session = ?", string(session)).Set("updated_at = ?", now).
				Where("id = ?", conversationID).Exec(ctx); err != nil {
				return fmt.Errorf("release conversation %d: %w", conversationID, err)
			}
			return event(ctx, tx, conversationID, EventReleased, now, map[string]any{"by": by})
		})
	})
}

func (s *Service) exists(ctx context.Context, tx bun.Tx, id int64) error {
	n, err := tx.NewSelect().Model((*store.Conversation)(nil)).Where("id = ?", id).Count(ctx)
	if err != nil {
		return fmt.Errorf("find conversation %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("conversation %d: %w", id, ErrNotFound)
	}
	return nil
}

// PaymentRejected is the hook payment plugins call when a payment of the conversation was
// rejected: at the dialog's threshold (two) the conversation is handed to a person and
// the guest told so.
func (s *Service) PaymentRejected(ctx context.Context, conversationID int64) error {
	return s.withLock(ctx, conversationID, func() error {
		var conv store.Conversation
		err := s.db.NewSelect().Model(&conv).Where("id = ?", conversationID).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("payment rejected: conversation %d: %w", conversationID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("payment rejected: load conversation %d: %w", conversationID, err)
		}
		if conv.State != StateBot {
			return nil
		}
		st, err := dialog.DecodeState(conv.Session)
		if err != nil {
			st = &dialog.State{}
		}
		out, err := s.engines.Engine().PaymentRejected(ctx, st, s.now(), dialog.Guest{ConversationID: conv.ID, Channel: conv.Channel, Contact: conv.Contact, Name: conv.GuestName, AddressKind: conv.AddressKind})
		if err != nil {
			return err
		}
		return s.commitEvent(ctx, &conv, st, out, fmt.Sprintf("payment-rejected:%d:%d", conv.ID, st.PaymentRejections))
	})
}

// commitEvent saves a state change that did not come from a guest message.
func (s *Service) commitEvent(ctx context.Context, conv *store.Conversation, st *dialog.State, out *dialog.Output, key string) error {
	session, err := st.Encode()
	if err != nil {
		return err
	}
	outs := make([]Outgoing, 0, len(out.Replies))
	for _, r := range out.Replies {
		outs = append(outs, Outgoing{Text: r.Text, Buttons: r.Buttons, Template: r.Template})
	}
	if isMail(conv) && len(out.Replies) > 0 {
		letter, err := s.letter(ctx, conv, st, out.Replies, "", nil)
		if err != nil {
			return err
		}
		outs = []Outgoing{letter}
	}
	now := s.now()
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*store.Conversation)(nil)).Set("session = ?", string(session)).Set("updated_at = ?", now)
		if out.Handoff != nil {
			q = q.Set("state = ?", StateEscalated).Set("escalation_reason = ?", out.Handoff.Reason).Set("escalated_at = ?", now)
		}
		if _, err := q.Where("id = ?", conv.ID).Exec(ctx); err != nil {
			return fmt.Errorf("save conversation %d: %w", conv.ID, err)
		}
		for i, o := range outs {
			if err := enqueue(ctx, tx, conv, o, fmt.Sprintf("%s:%d", key, i), now, now); err != nil {
				return err
			}
		}
		if out.Handoff != nil {
			return event(ctx, tx, conv.ID, EventEscalated, now, map[string]any{"reason": out.Handoff.Reason, "by": "bot"})
		}
		return nil
	})
	if err == nil && out.Handoff != nil {
		s.opts.Metrics.handoff(out.Handoff.Reason)
	}
	if err == nil && len(out.Replies) > 0 && s.opts.Kick != nil {
		s.opts.Kick()
	}
	return err
}
