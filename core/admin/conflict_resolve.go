package admin

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/calendar"
)

// conflictResolve marks a calendar conflict as handled by staff, recording who did it.
func (h *Handler) conflictResolve(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	err = calendar.ResolveConflict(c.UserContext(), h.db, id, "staff:"+currentStaff(c).Username, h.opts.Now())
	switch {
	case errors.Is(err, calendar.ErrConflictNotFound):
		return redirectWith(c, backTo(c), "Ese conflicto ya estaba resuelto")
	case err != nil:
		return fmt.Errorf("admin: resolve conflict %d: %w", id, err)
	}
	return redirectWith(c, backTo(c), "Conflicto marcado como resuelto")
}
