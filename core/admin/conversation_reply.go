package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/conversation"
)

// StaffReplies sends staff's messages to guests through their channel
// (*conversation.Service).
type StaffReplies interface {
	SendStaffReply(ctx context.Context, r conversation.StaffReply) error
}

var _ StaffReplies = (*conversation.Service)(nil)

// conversationReply sends staff's text to the guest on their channel and takes the
// conversation over (the bot stays silent until released). The form's key makes a double
// submit one message.
func (h *Handler) conversationReply(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if h.opts.Replies == nil {
		return fiber.NewError(fiber.StatusNotFound, "replies are not available")
	}
	who := currentStaff(c)
	back := "/admin/conversations/" + strconv.FormatInt(id, 10)
	err = h.opts.Replies.SendStaffReply(c.UserContext(), conversation.StaffReply{
		ConversationID: id, Text: c.FormValue("text"), By: who.Username, Name: who.Name, Key: c.FormValue("key"),
	})
	switch {
	case errors.Is(err, conversation.ErrEmptyReply):
		return redirectWith(c, back, "Escribí una respuesta (hasta 4096 caracteres)")
	case errors.Is(err, conversation.ErrNotFound):
		return fiber.NewError(fiber.StatusNotFound, "no such conversation")
	case err != nil:
		return fmt.Errorf("admin: reply to conversation %d: %w", id, err)
	}
	h.log.InfoContext(c.UserContext(), "staff replied to a guest", "conversation", id, "staff", who.Username)
	return redirectWith(c, back, "Respuesta enviada: el bot queda en pausa hasta que devuelvas la conversación")
}
