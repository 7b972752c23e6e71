package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/conserje/conserje/sdk/payment"
)

// Refund statuses.
const (
	RefundPending = "pending" // asked; the provider did not answer yet (asking again retries it)
	RefundDone    = "done"
	RefundFailed  = "failed" // the provider refused it; staff refund otherwise
)

// ErrRefundRefused means the provider refused the refund (already refunded, too old, no
// partial refunds for that method): staff must refund some other way.
var ErrRefundRefused = errors.New("payments: the provider refused the refund")

// RefundRequest is a refund asked from the admin.
type RefundRequest struct {
	Provider  string
	PaymentID string
	// AmountCents is what to refund; 0 refunds all that remains.
	AmountCents int64
	Reason      string
	// Key identifies this refund (the admin form's token): asking twice with one key
	// refunds once.
	Key string
	// By is who asked, e.g. "staff:ana".
	By string
}

// RefundResult is a refund's state.
type RefundResult struct {
	Status           string
	ProviderRefundID string
	RefundedCents    int64
	Error            string
}

// Refund refunds a payment, idempotently by Key: the first call records the request and
// asks the provider (with an idempotency key derived from Key); a repeated call returns
// the recorded result, or asks again with the same key when the provider had not
// answered. The payment is read again afterwards, so its record and the booking follow.
func (s *Service) Refund(ctx context.Context, req RefundRequest) (RefundResult, error) {
	req.Reason = strings.TrimSpace(req.Reason)
	switch {
	case req.Provider == "" || req.PaymentID == "":
		return RefundResult{}, fmt.Errorf("%w: which payment to refund", ErrInvalid)
	case req.Key == "" || len(req.Key) > 100:
		return RefundResult{}, fmt.Errorf("%w: a refund key of 1 to 100 characters is required", ErrInvalid)
	case req.AmountCents < 0:
		return RefundResult{}, fmt.Errorf("%w: a refund cannot be negative", ErrInvalid)
	case req.Reason == "":
		return RefundResult{}, fmt.Errorf("%w: say why the payment is refunded", ErrInvalid)
	}
	rec, err := s.Get(ctx, req.Provider, req.PaymentID)
	if err != nil {
		return RefundResult{}, err
	}
	if req.AmountCents > rec.AmountCents-rec.RefundedCents {
		return RefundResult{}, fmt.Errorf("%w: %d centavos is more than the %d left of payment %s", ErrInvalid,
			req.AmountCents, rec.AmountCents-rec.RefundedCents, req.PaymentID)
	}
	now := s.now()
	row := refundRow{Provider: req.Provider, PaymentID: req.PaymentID, ReservationCode: rec.Reference, IdempotencyKey: req.Key,
		AmountCents: req.AmountCents, Reason: req.Reason, RequestedBy: req.By, Status: RefundPending, CreatedAt: now, UpdatedAt: now}
	if _, err := s.db.NewInsert().Model(&row).On("CONFLICT (idempotency_key) DO NOTHING").Exec(ctx); err != nil {
		return RefundResult{}, fmt.Errorf("record refund of %s: %w", req.PaymentID, err)
	}
	var cur refundRow
	err = s.db.NewSelect().Model(&cur).Where("idempotency_key = ?", req.Key).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return RefundResult{}, fmt.Errorf("refund %s vanished: %w", req.Key, ErrNotFound)
	}
	if err != nil {
		return RefundResult{}, fmt.Errorf("load refund %s: %w", req.Key, err)
	}
	if cur.Provider != req.Provider || cur.PaymentID != req.PaymentID || cur.AmountCents != req.AmountCents {
		return RefundResult{}, fmt.Errorf("%w: refund key %s was used for another refund", ErrInvalid, req.Key)
	}
	if cur.Status != RefundPending {
		return resultOf(cur), nil
	}
	if cur.ID == row.ID && cur.ReservationCode != "" {
		if err := s.event(ctx, cur.ReservationCode, EventRefundRequested, map[string]any{
			"provider": req.Provider, "payment_id": req.PaymentID, "amount_cents": req.AmountCents, "reason": req.Reason, "by": req.By,
		}); err != nil {
			return RefundResult{}, err
		}
	}
	prov, err := s.providers.Provider(req.Provider)
	if err != nil {
		return resultOf(cur), fmt.Errorf("refund %s: %w", req.PaymentID, err)
	}
	r, err := prov.Refund(ctx, payment.RefundRequest{PaymentID: req.PaymentID, Amount: req.AmountCents,
		IdempotencyKey: "refund-" + req.PaymentID + "-" + req.Key, Reason: req.Reason})
	now = s.now()
	switch {
	case errors.Is(err, payment.ErrRefundRejected):
		cur.Status, cur.Error = RefundFailed, truncate(err.Error(), 500)
	case err != nil:
		return resultOf(cur), fmt.Errorf("refund %s: %w", req.PaymentID, err) // still pending: asking again retries
	default:
		cur.Status, cur.ProviderRefundID, cur.RefundedCents = RefundDone, r.RefundID, r.Amount
	}
	if _, err := s.db.NewUpdate().Model((*refundRow)(nil)).Set("status = ?", cur.Status).Set("error = ?", cur.Error).
		Set("provider_refund_id = ?", cur.ProviderRefundID).Set("refunded_cents = ?", cur.RefundedCents).
		Set("updated_at = ?", now).Where("id = ?", cur.ID).Exec(ctx); err != nil {
		return resultOf(cur), fmt.Errorf("record refund of %s: %w", req.PaymentID, err)
	}
	if cur.Status == RefundFailed {
		return resultOf(cur), fmt.Errorf("%w: %s", ErrRefundRefused, cur.Error)
	}
	s.log.InfoContext(ctx, "payment refunded by staff", "provider", req.Provider, "payment", req.PaymentID,
		"amount_cents", cur.RefundedCents, "by", req.By)
	// Read the payment again: its record and the booking follow the refund.
	if err := s.Notified(ctx, req.Provider, req.PaymentID); err != nil {
		return resultOf(cur), err
	}
	return resultOf(cur), nil
}

func resultOf(r refundRow) RefundResult {
	return RefundResult{Status: r.Status, ProviderRefundID: r.ProviderRefundID, RefundedCents: r.RefundedCents, Error: r.Error}
}

// refundedByStaff reports whether staff refunded this payment from the admin (then a
// refund is no surprise to flag).
func (s *Service) refundedByStaff(ctx context.Context, provider, paymentID string) (bool, error) {
	n, err := s.db.NewSelect().Model((*refundRow)(nil)).Where("provider = ? AND payment_id = ? AND status = ?", provider, paymentID, RefundDone).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("refunds of %s: %w", paymentID, err)
	}
	return n > 0, nil
}
