package admin

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/store"
)

type reservationList struct {
	Status string
	Rows   []reservationRow
}

func (h *Handler) reservationList(c *fiber.Ctx) error {
	status := c.Query("status")
	switch status {
	case "", store.StatusPreReserved, store.StatusConfirmed, store.StatusCancelled, store.StatusExpired:
	default:
		status = ""
	}
	q := h.reservations(c.UserContext())
	if status != "" {
		q = q.Where("r.status = ?", status)
	}
	var rows []reservationRow
	if err := q.OrderExpr("r.check_in DESC, r.id DESC").Limit(200).Scan(c.UserContext(), &rows); err != nil {
		return fmt.Errorf("admin: list reservations: %w", err)
	}
	return h.render(c, fiber.StatusOK, "reservations", page{Title: "Reservas", Data: reservationList{Status: status, Rows: rows}})
}
