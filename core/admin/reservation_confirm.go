package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/booking"
)

// reservationCode resolves the id in the URL to the reservation's code.
func (h *Handler) reservationCode(ctx context.Context, id int64) (string, error) {
	var code string
	err := h.db.NewSelect().Table("reservations").Column("code").Where("id = ?", id).Scan(ctx, &code)
	if err != nil {
		return "", fiber.NewError(fiber.StatusNotFound, "no such reservation")
	}
	return code, nil
}

func backTo(c *fiber.Ctx) string {
	if r := c.FormValue("back"); len(r) > 1 && r[0] == '/' && r[1] != '/' {
		return r
	}
	return "/admin/"
}

func (h *Handler) reservationConfirmPayment(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	code, err := h.reservationCode(c.UserContext(), id)
	if err != nil {
		return err
	}
	who := currentStaff(c)
	paid, err := h.amountReceived(c, code)
	if err != nil {
		return redirectWith(c, backTo(c), "Monto inválido: escribilo en pesos, por ejemplo 45.000")
	}
	res, err := h.opts.Bookings.Confirm(c.UserContext(), code, booking.ConfirmInput{PaidCents: paid, By: "staff:" + who.Username})
	var unavailable *booking.UnavailableError
	switch {
	case errors.As(err, &unavailable):
		return redirectWith(c, backTo(c), fmt.Sprintf("No se pudo confirmar %s: la pre-reserva venció y las noches ya no están libres", code))
	case err != nil:
		return fmt.Errorf("admin: confirm %s: %w", code, err)
	}
	h.reports.forget()
	h.log.InfoContext(c.UserContext(), "payment confirmed by staff", "code", res.Code, "staff", who.Username)
	return redirectWith(c, backTo(c), fmt.Sprintf("Reserva %s confirmada", res.Code))
}

func (h *Handler) reservationCancel(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	code, err := h.reservationCode(c.UserContext(), id)
	if err != nil {
		return err
	}
	who := currentStaff(c)
	if _, err := h.opts.Bookings.Cancel(c.UserContext(), code, "cancelled by staff:"+who.Username); err != nil {
		return fmt.Errorf("admin: cancel %s: %w", code, err)
	}
	h.reports.forget()
	h.log.InfoContext(c.UserContext(), "reservation cancelled by staff", "code", code, "staff", who.Username)
	return redirectWith(c, backTo(c), fmt.Sprintf("Reserva %s cancelada", code))
}

func (h *Handler) preReservationExtend(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	code, err := h.reservationCode(c.UserContext(), id)
	if err != nil {
		return err
	}
	_, err = h.opts.Bookings.Extend(c.UserContext(), code)
	switch {
	case errors.Is(err, booking.ErrAlreadyExtended):
		return redirectWith(c, backTo(c), fmt.Sprintf("La pre-reserva %s ya fue extendida una vez", code))
	case errors.Is(err, booking.ErrExpired):
		return redirectWith(c, backTo(c), fmt.Sprintf("La pre-reserva %s ya venció", code))
	case errors.Is(err, booking.ErrNotHold):
		return redirectWith(c, backTo(c), fmt.Sprintf("%s no es una pre-reserva activa", code))
	case err != nil:
		return fmt.Errorf("admin: extend %s: %w", code, err)
	}
	return redirectWith(c, backTo(c), fmt.Sprintf("Pre-reserva %s extendida 15 minutos", code))
}

// amountReceived is the amount staff typed when confirming (field "paid", pesos), or the
// hold's seña when they confirm with one tap: paid_cents records what was received.
func (h *Handler) amountReceived(c *fiber.Ctx, code string) (int64, error) {
	if v := strings.TrimSpace(c.FormValue("paid")); v != "" {
		return pesosToCents(v)
	}
	if d := h.desk(); d != nil {
		if r, err := d.Get(c.UserContext(), code); err == nil && r.PaidCents == 0 {
			return r.DepositCents, nil
		}
	}
	return 0, nil
}
