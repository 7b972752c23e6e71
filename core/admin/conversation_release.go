package admin

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// conversationRelease hands an escalated conversation back to the bot.
func (h *Handler) conversationRelease(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := h.opts.Conversations.Release(c.UserContext(), id, "staff:"+currentStaff(c).Username); err != nil {
		return fmt.Errorf("admin: release conversation %d: %w", id, err)
	}
	return redirectWith(c, "/admin/conversations/"+strconv.FormatInt(id, 10), "Conversación liberada: el bot vuelve a responder")
}
