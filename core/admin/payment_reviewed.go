package admin

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/booking"
)

// reviewLabels say in Spanish why a payment waits for staff.
var reviewLabels = map[string]string{
	booking.ReviewUnderpaid:   "el pago no cubre la seña; la reserva no se confirmó",
	booking.ReviewCurrency:    "el pago llegó en otra moneda; la reserva no se confirmó",
	booking.ReviewCancelled:   "llegó un pago para una reserva cancelada: hay que devolverlo o reactivarla",
	booking.ReviewNightsTaken: "pagó después de vencer la pre-reserva y las noches ya están ocupadas: hay que mudar al huésped o devolver",
	booking.ReviewReversed:    "el pago de una reserva confirmada fue devuelto o desconocido (contracargo)",
}

func reviewLabel(reason string) string {
	if l, ok := reviewLabels[reason]; ok {
		return l
	}
	return reason
}

// paymentReviewed records that staff dealt with a flagged payment.
func (h *Handler) paymentReviewed(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	who := currentStaff(c)
	err = h.opts.Bookings.MarkPaymentReviewed(c.UserContext(), id, "staff:"+who.Username)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return fiber.NewError(fiber.StatusNotFound, "no such payment to review")
	case err != nil:
		return fmt.Errorf("admin: review payment %d: %w", id, err)
	}
	h.log.InfoContext(c.UserContext(), "payment reviewed by staff", "payment_record", id, "staff", who.Username)
	return redirectWith(c, backTo(c), "Pago marcado como revisado")
}
