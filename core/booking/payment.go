package booking

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// Payment statuses as stored in payment_records.
const (
	PaymentPending   = "pending"
	PaymentInProcess = "in_process"
	PaymentApproved  = "approved"
	PaymentRejected  = "rejected"
	PaymentCancelled = "cancelled"
	PaymentRefunded  = "refunded"
)

// Domain events of payments.
const (
	EventPaymentRecorded = "payment_recorded"
	// EventPaymentNeedsStaff is a payment that arrived for nights no longer free: staff
	// must move the guest or refund.
	EventPaymentNeedsStaff = "payment_needs_staff"
)

// PaymentNotice is a payment's current state as a payment provider reports it (read back
// from the provider, never trusted from a notification body alone).
type PaymentNotice struct {
	// Provider is the payment plugin's name ("mercadopago").
	Provider string
	// PaymentID is the provider's payment id; with Provider it identifies the record.
	PaymentID string
	// Reference is the reservation code the payment link was created for.
	Reference   string
	Status      string
	AmountCents int64
	Currency    string
	// Raw is the provider's payload, kept for audits.
	Raw json.RawMessage
}

// PaymentOutcome says what a notice did.
type PaymentOutcome struct {
	Reservation Reservation
	// Changed is false when the provider repeated a status already recorded.
	Changed bool
	// Confirmed is true when this notice confirmed the reservation.
	Confirmed bool
	// Rejected is true when this notice recorded a rejected attempt.
	Rejected bool
}

// ApplyPayment records a provider's payment for a reservation and, when it is approved,
// confirms the reservation (idempotently: providers repeat notifications). A payment for
// a hold that lapsed while its nights were taken is recorded and flagged for staff; the
// error is then an *UnavailableError.
func (s *Service) ApplyPayment(ctx context.Context, n PaymentNotice) (PaymentOutcome, error) {
	var out PaymentOutcome
	if n.Provider == "" || n.PaymentID == "" {
		return out, fmt.Errorf("apply payment: %w: provider and payment id are required", ErrInvalid)
	}
	switch n.Status {
	case PaymentPending, PaymentInProcess, PaymentApproved, PaymentRejected, PaymentCancelled, PaymentRefunded:
	default:
		return out, fmt.Errorf("apply payment %s: %w: unknown status %q", n.PaymentID, ErrInvalid, n.Status)
	}
	if n.AmountCents < 0 {
		return out, fmt.Errorf("apply payment %s: %w: negative amount", n.PaymentID, ErrInvalid)
	}
	if len(n.Raw) == 0 {
		n.Raw = json.RawMessage("{}")
	}
	if n.Currency == "" {
		n.Currency = "ARS"
	}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		out.Changed = false
		res, err := s.load(ctx, tx, n.Reference, true)
		if err != nil {
			return fmt.Errorf("apply payment %s for %q: %w", n.PaymentID, n.Reference, err)
		}
		now := s.now()
		var rec store.PaymentRecord
		err = tx.NewSelect().Model(&rec).Where("provider = ? AND provider_payment_id = ?", n.Provider, n.PaymentID).Scan(ctx)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id := n.PaymentID
			rec = store.PaymentRecord{ReservationID: res.ID, Provider: n.Provider, ProviderPaymentID: &id, Status: n.Status,
				AmountCents: n.AmountCents, Currency: n.Currency, Raw: n.Raw, CreatedAt: now, UpdatedAt: now}
			if _, err := tx.NewInsert().Model(&rec).Exec(ctx); err != nil {
				return fmt.Errorf("record payment %s: %w", n.PaymentID, err)
			}
		case err != nil:
			return fmt.Errorf("look up payment %s: %w", n.PaymentID, err)
		case rec.ReservationID != res.ID:
			return fmt.Errorf("apply payment %s: %w: it belongs to another reservation", n.PaymentID, ErrInvalid)
		case rec.Status == n.Status && rec.AmountCents == n.AmountCents:
			return nil // a repeated notification
		default:
			_, err := tx.NewUpdate().Model((*store.PaymentRecord)(nil)).
				Set("status = ?", n.Status).Set("amount_cents = ?", n.AmountCents).Set("raw = ?", string(n.Raw)).
				Set("updated_at = ?", now).Where("id = ?", rec.ID).Exec(ctx)
			if err != nil {
				return fmt.Errorf("update payment %s: %w", n.PaymentID, err)
			}
		}
		out.Changed = true
		return writeEvent(ctx, tx, res.Code, EventPaymentRecorded, now, map[string]any{
			"provider": n.Provider, "payment_id": n.PaymentID, "status": n.Status, "amount_cents": n.AmountCents,
		})
	})
	if err != nil {
		return out, err
	}
	if !out.Changed {
		r, err := s.Get(ctx, n.Reference)
		out.Reservation = r
		return out, err
	}
	switch n.Status {
	case PaymentApproved:
		r, err := s.Confirm(ctx, n.Reference, ConfirmInput{PaidCents: n.AmountCents, By: "payment:" + n.Provider})
		var unavailable *UnavailableError
		if errors.As(err, &unavailable) {
			_ = writeEvent(ctx, s.db.DB, n.Reference, EventPaymentNeedsStaff, s.now(), map[string]any{
				"provider": n.Provider, "payment_id": n.PaymentID, "reason": "paid after the hold lapsed and the nights were taken",
			})
			return out, err
		}
		if err != nil {
			return out, err
		}
		out.Reservation, out.Confirmed = r, true
	case PaymentRejected:
		out.Rejected = true
		out.Reservation, err = s.Get(ctx, n.Reference)
	default:
		out.Reservation, err = s.Get(ctx, n.Reference)
	}
	return out, err
}
