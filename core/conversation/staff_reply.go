package conversation

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/store"
)

// StaffReplyPurpose is the catalog key of staff replies: a channel with a messaging window
// (WhatsApp) sends the approved template configured for it when the window is closed.
// Its parameters may use guest.name, staff.name and staff.text.
const StaffReplyPurpose = "respuesta_personal"

// MaxStaffReply caps a staff reply, in characters (WhatsApp's text limit).
const MaxStaffReply = 4096

// ErrEmptyReply means the reply has no text, or more than MaxStaffReply characters.
var ErrEmptyReply = errors.New("conversation: a reply needs between 1 and 4096 characters")

// StaffReply is a message staff typed for the guest.
type StaffReply struct {
	ConversationID int64
	Text           string
	// By is the staff user's username; Name their display name (for the template).
	By, Name string
	// Key makes a resubmitted form one message (the form's own random key).
	Key string
}

// SendStaffReply queues staff's text for the guest on the conversation's own channel,
// through the outbox like every reply, and takes the conversation over: the bot stays
// silent until staff release it. A WhatsApp guest whose 24-hour window has closed gets
// the template configured for StaffReplyPurpose; a web chat guest's page collects it.
// Sending the same Key twice queues one message.
func (s *Service) SendStaffReply(ctx context.Context, r StaffReply) error {
	text := strings.TrimSpace(r.Text)
	if text == "" || utf8.RuneCountInString(text) > MaxStaffReply || !utf8.ValidString(text) {
		return ErrEmptyReply
	}
	if r.Key == "" {
		r.Key = randomID()
	}
	return s.withLock(ctx, r.ConversationID, func() error {
		var conv store.Conversation
		err := s.db.NewSelect().Model(&conv).Where("id = ?", r.ConversationID).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("staff reply: conversation %d: %w", r.ConversationID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("staff reply: load conversation %d: %w", r.ConversationID, err)
		}
		out := Outgoing{Text: text, Template: StaffReplyPurpose, Staff: r.By}
		if isMail(&conv) {
			// A letter signed by the person who wrote it, threaded on the guest's latest
			// mail; the channel does not mark it automatic (Outbound.Author).
			st, err := dialog.DecodeState(conv.Session)
			if err != nil {
				st = &dialog.State{}
			}
			author := cmp.Or(r.Name, r.By)
			if out, err = s.letter(ctx, &conv, st, []dialog.Reply{{Text: text, Template: StaffReplyPurpose}}, author, nil); err != nil {
				return err
			}
			out.Staff = cmp.Or(r.By, author)
		}
		if s.opts.Templates != nil {
			if spec, ok := s.opts.Templates(conv.Channel, StaffReplyPurpose); ok {
				out.Approved = spec.fill(map[string]any{"staff": map[string]any{"name": r.Name, "text": text}}, &conv)
			}
		}
		now := s.now()
		took := false
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if conv.State != StateEscalated {
				res, err := tx.NewUpdate().Model((*store.Conversation)(nil)).
					Set("state = ?", StateEscalated).Set("escalation_reason = ?", "staff_reply:"+r.By).
					Set("escalated_at = ?", now).Set("updated_at = ?", now).
					Where("id = ? AND state <> ?", conv.ID, StateEscalated).Exec(ctx)
				if err != nil {
					return fmt.Errorf("staff reply: take conversation %d over: %w", conv.ID, err)
				}
				if n, _ := res.RowsAffected(); n > 0 {
					took = true
					if err := event(ctx, tx, conv.ID, EventEscalated, now, map[string]any{"reason": "staff_reply:" + r.By, "by": "staff"}); err != nil {
						return err
					}
				}
			}
			if _, err := tx.NewUpdate().Model((*store.Conversation)(nil)).Set("last_message_at = ?", now).
				Where("id = ?", conv.ID).Exec(ctx); err != nil {
				return fmt.Errorf("staff reply: conversation %d: %w", conv.ID, err)
			}
			return enqueue(ctx, tx, &conv, out, "staff-reply:"+r.Key, now, now)
		})
		if err != nil {
			return err
		}
		if took {
			s.opts.Metrics.handoff("staff")
		}
		if s.opts.Kick != nil {
			s.opts.Kick()
		}
		return nil
	})
}
