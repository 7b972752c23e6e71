package admin

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// feedConfirmRemovals frees the nights a portal's feed stopped listing all at once, which
// the import holds back until staff (or several fetches in a row) confirm it (rule R12).
func (h *Handler) feedConfirmRemovals(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if h.opts.Calendar == nil {
		return fiber.NewError(fiber.StatusConflict, "the calendar import is not configured")
	}
	n, err := h.opts.Calendar.ConfirmRemovals(c.UserContext(), id, "staff:"+currentStaff(c).Username)
	if err != nil {
		return fmt.Errorf("admin: confirm removals of feed %d: %w", id, err)
	}
	return redirectWith(c, "/admin/calendar", fmt.Sprintf("%d bloqueos liberados", n))
}
