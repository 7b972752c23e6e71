package admin

import (
	"github.com/gofiber/fiber/v2"
)

func (h *Handler) settingsIndex(c *fiber.Ctx) error {
	audit, err := h.opts.Settings.Audit(c.UserContext(), 50)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "settings", page{Title: "Ajustes", Data: audit})
}
