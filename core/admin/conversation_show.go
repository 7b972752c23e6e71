package admin

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/store"
)

// messageRow is one message as the conversation page shows it.
type messageRow struct {
	store.Message
	// Staff is the staff user who wrote an outgoing message ("" for the bot's).
	Staff string
}

type conversationPage struct {
	Conv         conversationRow
	Messages     []messageRow
	Reservations []reservationRow
	Notes        []store.ConversationNote
	// CanReply shows the reply box; ReplyKey makes a resubmitted form one message.
	CanReply bool
	ReplyKey string
}

func (h *Handler) conversationShow(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := conversationPage{CanReply: h.opts.Replies != nil, ReplyKey: refundKey()}
	if err := h.conversationQuery().Where("c.id = ?", id).Scan(ctx, &p.Conv); err != nil {
		return fiber.NewError(fiber.StatusNotFound, "no such conversation")
	}
	var msgs []store.Message
	// The latest 200 messages, shown oldest first.
	err = h.db.NewSelect().Model(&msgs).Where("conversation_id = ?", id).OrderExpr("id DESC").Limit(200).Scan(ctx)
	if err != nil {
		return fmt.Errorf("admin: messages of conversation %d: %w", id, err)
	}
	p.Messages = make([]messageRow, len(msgs))
	for i, m := range msgs {
		row := messageRow{Message: m}
		if m.Direction == "out" {
			var by struct {
				Staff string `json:"staff"`
			}
			_ = json.Unmarshal(m.Payload, &by)
			row.Staff = by.Staff
		}
		p.Messages[len(msgs)-1-i] = row
	}
	// Holds and bookings of this guest: made in this conversation, or with their phone or
	// e-mail (a booking staff typed in, another channel).
	q := h.reservations(ctx).Where("r.conversation_id = ?", id)
	if contact := guestContact(&p.Conv.Conversation); contact != "" {
		// Each lookup by its own index (an OR of the three would read every booking).
		q = h.reservations(ctx).Where("r.id IN (SELECT id FROM reservations WHERE conversation_id = ? "+
			"UNION SELECT id FROM reservations WHERE guest_phone = ? UNION SELECT id FROM reservations WHERE guest_email = ?)", id, contact, contact)
	}
	if err := q.OrderExpr("r.check_in DESC, r.id DESC").Limit(20).Scan(ctx, &p.Reservations); err != nil {
		return fmt.Errorf("admin: reservations of conversation %d: %w", id, err)
	}
	err = h.db.NewSelect().Model(&p.Notes).Where("conversation_id = ?", id).OrderExpr("id").Limit(200).Scan(ctx)
	if err != nil {
		return fmt.Errorf("admin: notes of conversation %d: %w", id, err)
	}
	// Opening the conversation reads it (written only when there was something unread).
	if p.Conv.Unread {
		_, err = h.db.NewUpdate().Model((*store.Conversation)(nil)).Set("staff_read_at = ?", h.opts.Now().UTC().Add(time.Second)).
			Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("admin: mark conversation %d read: %w", id, err)
		}
	}
	return h.render(c, fiber.StatusOK, "conversation", page{Title: p.Conv.Name(), Data: p})
}
