package booking

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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

// PaymentCurrency is the only currency a payment confirms a reservation in.
const PaymentCurrency = "ARS"

// Domain events of payments.
const (
	EventPaymentRecorded = "payment_recorded"
	// EventPaymentNeedsStaff is a payment the bot could not simply apply (see the Review*
	// reasons): staff must look at it, move the guest or refund.
	EventPaymentNeedsStaff = "payment_needs_staff"
	// EventPaymentReviewed is staff marking a flagged payment as dealt with.
	EventPaymentReviewed = "payment_reviewed"
)

// Reasons a payment needs staff (PaymentOutcome.NeedsStaff, payment_records.review_reason).
const (
	// ReviewUnderpaid: approved, but the reservation's approved payments add up to less
	// than its seña (a 1-cent or 0 payment never confirms).
	ReviewUnderpaid = "underpaid"
	// ReviewCurrency: approved in a currency other than ARS.
	ReviewCurrency = "currency"
	// ReviewCancelled: money arrived for a cancelled reservation.
	ReviewCancelled = "reservation_cancelled"
	// ReviewNightsTaken: paid after the hold lapsed and its nights were taken since.
	ReviewNightsTaken = "nights_taken"
	// ReviewReversed: refunded or charged back after the reservation was confirmed.
	ReviewReversed = "reversed"
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
	// NeedsStaff is the Review* reason when the payment was recorded but flagged for
	// staff instead of being applied ("" otherwise). It is not an error: retrying the
	// notification would change nothing, so a webhook answers 200.
	NeedsStaff string
}

// PaymentReview is a flagged payment waiting for staff.
type PaymentReview struct {
	ID              int64     `json:"id"`
	ReservationCode string    `json:"reservation_code"`
	Provider        string    `json:"provider"`
	PaymentID       string    `json:"payment_id"`
	Status          string    `json:"status"`
	AmountCents     int64     `json:"amount_cents"`
	Currency        string    `json:"currency"`
	DepositCents    int64     `json:"deposit_cents"`
	Reason          string    `json:"reason"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// paymentDecision is what ApplyPayment does after recording a notice.
type paymentDecision struct {
	confirm bool
	// paid is what the reservation's approved ARS payments add up to.
	paid   int64
	review string
}

// ApplyPayment records a provider's payment for a reservation and, when it is approved in
// ARS for at least the seña due, confirms the reservation (idempotently: providers repeat
// notifications, and a repeat retries a confirmation that failed half-way). Anything else
// worth a person's eye is recorded and flagged for staff (PaymentOutcome.NeedsStaff):
// less than the seña, another currency, a cancelled reservation, a lapsed hold whose
// nights were taken, a refund or charge-back of a confirmed booking. Errors are only
// invalid notices, unknown reservations (ErrNotFound) and storage failures.
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
		n.Currency = PaymentCurrency
	}
	var recID int64
	var dec paymentDecision
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		out.Changed, dec = false, paymentDecision{}
		res, err := s.load(ctx, tx, n.Reference, true)
		if err != nil {
			return fmt.Errorf("apply payment %s for %q: %w", n.PaymentID, n.Reference, err)
		}
		now := s.now()
		var rec store.PaymentRecord
		prevStatus := ""
		err = tx.NewSelect().Model(&rec).Where("provider = ? AND provider_payment_id = ?", n.Provider, n.PaymentID).Scan(ctx)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id := n.PaymentID
			rec = store.PaymentRecord{ReservationID: res.ID, Provider: n.Provider, ProviderPaymentID: &id, Status: n.Status,
				AmountCents: n.AmountCents, Currency: n.Currency, Raw: n.Raw, CreatedAt: now, UpdatedAt: now}
			if _, err := tx.NewInsert().Model(&rec).Exec(ctx); err != nil {
				return fmt.Errorf("record payment %s: %w", n.PaymentID, err)
			}
			out.Changed = true
		case err != nil:
			return fmt.Errorf("look up payment %s: %w", n.PaymentID, err)
		case rec.ReservationID != res.ID:
			return fmt.Errorf("apply payment %s: %w: it belongs to another reservation", n.PaymentID, ErrInvalid)
		case rec.Status == n.Status && rec.AmountCents == n.AmountCents && rec.Currency == n.Currency:
			// A repeated notification: nothing to record, but a confirmation that failed
			// after the record was written is retried below.
		default:
			prevStatus = rec.Status
			_, err := tx.NewUpdate().Model((*store.PaymentRecord)(nil)).
				Set("status = ?", n.Status).Set("amount_cents = ?", n.AmountCents).Set("currency = ?", n.Currency).
				Set("raw = ?", string(n.Raw)).Set("updated_at = ?", now).Where("id = ?", rec.ID).Exec(ctx)
			if err != nil {
				return fmt.Errorf("update payment %s: %w", n.PaymentID, err)
			}
			rec.Status, rec.AmountCents, rec.Currency = n.Status, n.AmountCents, n.Currency
			out.Changed = true
		}
		recID = rec.ID
		if out.Changed {
			if err := writeEvent(ctx, tx, res.Code, EventPaymentRecorded, now, map[string]any{
				"provider": n.Provider, "payment_id": n.PaymentID, "status": n.Status, "amount_cents": n.AmountCents,
				"currency": n.Currency,
			}); err != nil {
				return err
			}
		}
		dec, err = decidePayment(ctx, tx, res, rec, prevStatus)
		if err != nil {
			return err
		}
		if dec.review != "" {
			return flagPayment(ctx, tx, res.Code, rec, dec.review, now)
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	out.NeedsStaff = dec.review
	if dec.confirm {
		r, err := s.Confirm(ctx, n.Reference, ConfirmInput{PaidCents: dec.paid, By: "payment:" + n.Provider})
		var unavailable *UnavailableError
		switch {
		case errors.As(err, &unavailable):
			out.NeedsStaff = ReviewNightsTaken
		case errors.Is(err, ErrCancelled): // cancelled between the record and the confirmation
			out.NeedsStaff = ReviewCancelled
		case err != nil:
			return out, err
		default:
			out.Reservation, out.Confirmed = r, true
			return out, nil
		}
		if err := s.flagPaymentByID(ctx, n.Reference, recID, out.NeedsStaff); err != nil {
			return out, err
		}
	}
	out.Rejected = n.Status == PaymentRejected
	r, err := s.Get(ctx, n.Reference)
	out.Reservation = r
	return out, err
}

// decidePayment says whether the recorded payment rec confirms reservation res or needs
// staff. prevStatus is the record's status before this notice ("" when unchanged or new).
func decidePayment(ctx context.Context, tx bun.Tx, res store.Reservation, rec store.PaymentRecord, prevStatus string) (paymentDecision, error) {
	switch rec.Status {
	case PaymentApproved:
		if rec.ReviewReason != "" {
			return paymentDecision{}, nil // already flagged; staff decide
		}
		switch {
		case rec.Currency != PaymentCurrency:
			return paymentDecision{review: ReviewCurrency}, nil
		case res.Status == store.StatusCancelled:
			return paymentDecision{review: ReviewCancelled}, nil
		case res.Status == store.StatusConfirmed:
			return paymentDecision{}, nil
		}
		var paid int64
		err := tx.NewSelect().Model((*store.PaymentRecord)(nil)).ColumnExpr("COALESCE(SUM(amount_cents), 0)").
			Where("reservation_id = ? AND status = ? AND currency = ?", res.ID, PaymentApproved, PaymentCurrency).
			Scan(ctx, &paid)
		if err != nil {
			return paymentDecision{}, fmt.Errorf("sum payments of %s: %w", res.Code, err)
		}
		if rec.AmountCents <= 0 || paid < res.DepositCents {
			return paymentDecision{review: ReviewUnderpaid}, nil
		}
		return paymentDecision{confirm: true, paid: paid}, nil
	case PaymentRefunded, PaymentCancelled:
		reversed := rec.Status == PaymentRefunded || prevStatus == PaymentApproved
		if res.Status == store.StatusConfirmed && reversed && rec.ReviewReason != ReviewReversed {
			return paymentDecision{review: ReviewReversed}, nil
		}
	}
	return paymentDecision{}, nil
}

// flagPayment marks payment rec of reservation code for staff review with reason, and
// records the event staff and alerts read.
func flagPayment(ctx context.Context, db bun.IDB, code string, rec store.PaymentRecord, reason string, now time.Time) error {
	_, err := db.NewUpdate().Model((*store.PaymentRecord)(nil)).
		Set("review_reason = ?", reason).Set("reviewed_at = NULL").Set("reviewed_by = ''").Set("updated_at = ?", now).
		Where("id = ?", rec.ID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("flag payment %d of %s: %w", rec.ID, code, err)
	}
	pid := ""
	if rec.ProviderPaymentID != nil {
		pid = *rec.ProviderPaymentID
	}
	return writeEvent(ctx, db, code, EventPaymentNeedsStaff, now, map[string]any{
		"provider": rec.Provider, "payment_id": pid, "status": rec.Status, "amount_cents": rec.AmountCents,
		"currency": rec.Currency, "reason": reason,
	})
}

func (s *Service) flagPaymentByID(ctx context.Context, code string, id int64, reason string) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rec store.PaymentRecord
		if err := tx.NewSelect().Model(&rec).Where("id = ?", id).Scan(ctx); err != nil {
			return fmt.Errorf("load payment %d of %s: %w", id, code, err)
		}
		if rec.ReviewReason == reason && rec.ReviewedAt == nil {
			return nil
		}
		return flagPayment(ctx, tx, code, rec, reason, s.now())
	})
}

// PaymentReviews lists the flagged payments staff have not marked reviewed, oldest first.
func (s *Service) PaymentReviews(ctx context.Context, limit int) ([]PaymentReview, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []PaymentReview
	err := s.db.NewSelect().
		ColumnExpr("p.id, r.code AS reservation_code, p.provider, COALESCE(p.provider_payment_id, '') AS payment_id").
		ColumnExpr("p.status, p.amount_cents, p.currency, r.deposit_cents, p.review_reason AS reason, p.updated_at").
		TableExpr("payment_records AS p").
		Join("JOIN reservations AS r ON r.id = p.reservation_id").
		Where("p.review_reason <> '' AND p.reviewed_at IS NULL").
		OrderExpr("p.updated_at, p.id").Limit(limit).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("list payments to review: %w", err)
	}
	for i := range rows {
		rows[i].UpdatedAt = rows[i].UpdatedAt.UTC()
	}
	return rows, nil
}

// MarkPaymentReviewed records that staff (by) dealt with flagged payment id. Marking a
// payment twice is harmless; an unknown or unflagged payment is ErrNotFound.
func (s *Service) MarkPaymentReviewed(ctx context.Context, id int64, by string) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rec store.PaymentRecord
		err := tx.NewSelect().Model(&rec).Where("id = ? AND review_reason <> ''", id).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("review payment %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("review payment %d: %w", id, err)
		}
		if rec.ReviewedAt != nil {
			return nil
		}
		now := s.now()
		if _, err := tx.NewUpdate().Model((*store.PaymentRecord)(nil)).Set("reviewed_at = ?", now).Set("reviewed_by = ?", by).
			Where("id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("review payment %d: %w", id, err)
		}
		var code string
		if err := tx.NewSelect().Table("reservations").Column("code").Where("id = ?", rec.ReservationID).Scan(ctx, &code); err != nil {
			return fmt.Errorf("review payment %d: %w", id, err)
		}
		return writeEvent(ctx, tx, code, EventPaymentReviewed, now, map[string]any{"payment_record": id, "by": by, "reason": rec.ReviewReason})
	})
}
