package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/payments"
)

// Refunds issues refunds through the payment provider (*payments.Service).
type Refunds interface {
	Refund(ctx context.Context, req payments.RefundRequest) (payments.RefundResult, error)
}

var _ Refunds = (*payments.Service)(nil)

// refundKey is a fresh key for one refund form: submitting the same form twice (a double
// tap, a retry after a timeout) refunds once.
func refundKey() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return ""
	}
	return hex.EncodeToString(b)
}

// thousands is a whole amount with its thousands grouped by dots ("10.000", "1.234.567").
var thousands = regexp.MustCompile(`^\d{1,3}(\.\d{3})+$`)

// pesosToCents reads "12.395,24", "12395.24", "12395" (pesos) as centavos; "" is 0 (all
// that remains).
func pesosToCents(s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "$"))
	if s == "" {
		return 0, nil
	}
	if strings.Contains(s, ",") { // es-AR: dots group thousands, the comma is decimal
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	} else if thousands.MatchString(s) { // "10.000" is ten thousand pesos
		s = strings.ReplaceAll(s, ".", "")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, errors.New("at most two decimals")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || v < 0 {
		return 0, errors.New("not an amount")
	}
	return v, nil
}

// paymentRefund refunds a payment from the admin: amount (empty = all that remains) and
// reason, idempotent by the form's key.
func (h *Handler) paymentRefund(c *fiber.Ctx) error {
	if h.opts.Refunds == nil {
		return fiber.NewError(fiber.StatusNotFound, "no payment plugin to refund with")
	}
	amount, err := pesosToCents(c.FormValue("amount"))
	if err != nil {
		return redirectWith(c, backTo(c), "Monto inválido: escribilo en pesos, por ejemplo 12.395,24 (vacío devuelve todo)")
	}
	who := currentStaff(c)
	req := payments.RefundRequest{Provider: c.FormValue("provider"), PaymentID: c.FormValue("payment_id"), AmountCents: amount,
		Reason: c.FormValue("reason"), Key: c.FormValue("key"), By: "staff:" + who.Username}
	res, err := h.opts.Refunds.Refund(c.UserContext(), req)
	switch {
	case errors.Is(err, payments.ErrInvalid), errors.Is(err, payments.ErrNotFound):
		return redirectWith(c, backTo(c), "No se pudo devolver: "+err.Error())
	case errors.Is(err, payments.ErrRefundRefused):
		return redirectWith(c, backTo(c), "Mercado Pago rechazó la devolución: hay que hacerla por otro medio")
	case err != nil:
		h.log.WarnContext(c.UserContext(), "refund not confirmed by the provider yet", "payment", req.PaymentID, "err", err)
		return redirectWith(c, backTo(c), "La devolución no se confirmó todavía: reintentá con el mismo formulario")
	}
	h.log.InfoContext(c.UserContext(), "payment refunded by staff", "payment", req.PaymentID, "amount_cents", res.RefundedCents, "staff", who.Username)
	return redirectWith(c, backTo(c), fmt.Sprintf("Devolución hecha: pago %s", req.PaymentID))
}
