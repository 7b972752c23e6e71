package admin

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/store"
)

func (h *Handler) conversationShow(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var conv store.Conversation
	if err := h.db.NewSelect().Model(&conv).Where("id = ?", id).Scan(ctx); err != nil {
		return fiber.NewError(fiber.StatusNotFound, "no such conversation")
	}
	var msgs []store.Message
	// The latest 200 messages, shown oldest first.
	err = h.db.NewSelect().Model(&msgs).Where("conversation_id = ?", id).OrderExpr("id DESC").Limit(200).Scan(ctx)
	if err != nil {
		return fmt.Errorf("admin: messages of conversation %d: %w", id, err)
	}
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	var holds []reservationRow
	err = h.reservations(ctx).Where("r.conversation_id = ?", id).OrderExpr("r.id DESC").Limit(20).Scan(ctx, &holds)
	if err != nil {
		return fmt.Errorf("admin: reservations of conversation %d: %w", id, err)
	}
	return h.render(c, fiber.StatusOK, "conversation", page{Title: "Conversación", Data: struct {
		Conv         store.Conversation
		Messages     []store.Message
		Reservations []reservationRow
	}{conv, msgs, holds}})
}
