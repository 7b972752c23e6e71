package admin

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/payments"
	"github.com/conserje/conserje/core/store"
)

// providerPayment is a payment a payment plugin notified for a reservation.
type providerPayment struct {
	payments.Record
	// Left is what can still be refunded.
	Left int64
}

// refundLine is one refund asked from the admin, with who asked and how it ended.
type refundLine struct {
	PaymentID     string    `bun:"payment_id"`
	AmountCents   int64     `bun:"amount_cents"`
	RefundedCents int64     `bun:"refunded_cents"`
	Reason        string    `bun:"reason"`
	RequestedBy   string    `bun:"requested_by"`
	Status        string    `bun:"status"`
	Error         string    `bun:"error"`
	CreatedAt     time.Time `bun:"created_at"`
}

type reservationPage struct {
	Res reservationRow
	// Provider are the payment plugin's payments; Recorded the payments staff or the
	// booking engine recorded (a bank transfer confirmed by hand).
	Provider  []providerPayment
	Recorded  []store.PaymentRecord
	Refunds   []refundLine
	CanRefund bool
}

// reservationShow is one reservation with its payments, refunds and a refund form.
func (h *Handler) reservationShow(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := reservationPage{CanRefund: h.opts.Refunds != nil}
	if err := h.reservations(ctx).Where("r.id = ?", id).Scan(ctx, &p.Res); err != nil {
		return fiber.NewError(fiber.StatusNotFound, "no such reservation")
	}
	var recs []payments.Record
	if err := h.db.NewSelect().Model(&recs).Where("reference = ?", p.Res.Code).OrderExpr("id").Scan(ctx); err != nil {
		return fmt.Errorf("admin: payments of %s: %w", p.Res.Code, err)
	}
	for _, r := range recs {
		p.Provider = append(p.Provider, providerPayment{Record: r, Left: max(r.AmountCents-r.RefundedCents, 0)})
	}
	if err := h.db.NewSelect().Model(&p.Recorded).Where("reservation_id = ?", id).OrderExpr("id").Scan(ctx); err != nil {
		return fmt.Errorf("admin: payment records of %s: %w", p.Res.Code, err)
	}
	err = h.db.NewSelect().TableExpr("payment_refunds").
		Column("payment_id", "amount_cents", "refunded_cents", "reason", "requested_by", "status", "error", "created_at").
		Where("reservation_code = ?", p.Res.Code).OrderExpr("id").Scan(ctx, &p.Refunds)
	if err != nil {
		return fmt.Errorf("admin: refunds of %s: %w", p.Res.Code, err)
	}
	return h.render(c, fiber.StatusOK, "reservation", page{Title: "Reserva " + p.Res.Code, Data: p})
}
