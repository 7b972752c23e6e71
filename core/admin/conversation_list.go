package admin

import (
	"github.com/gofiber/fiber/v2"
)

func (h *Handler) conversationList(c *fiber.Ctx) error {
	state := c.Query("state")
	if state != "escalated" && state != "bot" {
		state = ""
	}
	rows, err := h.conversations(c.UserContext(), state, 200)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "conversations", page{Title: "Conversaciones", Data: struct {
		State string
		Rows  []conversationRow
	}{state, rows}})
}
