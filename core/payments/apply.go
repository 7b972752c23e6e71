package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

// Domain events this package writes (besides what booking.ApplyPayment writes).
const (
	// EventLateRefund: a payment approved after its hold lapsed and its nights were taken
	// was refunded in full (or the refund failed: see "refunded").
	EventLateRefund = "payment_late_refund"
	// EventRefundRequested: staff refunded a payment from the admin.
	EventRefundRequested = "payment_refund_requested"
)

// bookingStatus maps a provider status to what booking.ApplyPayment records; "" means the
// booking engine has no such state (a dispute is only flagged here).
func bookingStatus(st payment.Status) string {
	switch st {
	case payment.StatusApproved:
		return booking.PaymentApproved
	case payment.StatusRejected:
		return booking.PaymentRejected
	case payment.StatusCancelled:
		return booking.PaymentCancelled
	case payment.StatusRefunded, payment.StatusChargedBack:
		return booking.PaymentRefunded // the money went back to the payer
	case payment.StatusInProcess:
		return booking.PaymentInProcess
	case payment.StatusInMediation:
		return ""
	}
	return booking.PaymentPending // pending, authorized, and any status nobody knows yet
}

// flagState names a payment's state for "flag each change once".
func flagState(p payment.Payment) string {
	return string(p.Status) + ":" + strconv.FormatInt(p.RefundedAmount, 10)
}

// apply acts on a payment read from its provider and returns how its record changes.
// Errors are transient (storage, the provider during a refund): the read is retried and
// every step is idempotent.
func (s *Service) apply(ctx context.Context, rec *Record, p payment.Payment) (func(*Record), error) {
	prev := *rec
	var res booking.Reservation
	found := false
	if p.Reference != "" {
		r, err := s.bookings.Get(ctx, p.Reference)
		switch {
		case errors.Is(err, booking.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("payment %s: reservation %q: %w", p.ID, p.Reference, err)
		default:
			res, found = r, true
		}
	}
	order := Order{Currency: payment.CurrencyARS}
	if found {
		order.Reference, order.DepositCents = res.Code, res.DepositCents
	}
	outcome := Classify(p, order)
	state := flagState(p)
	next := prev
	next.Reference, next.Status, next.StatusDetail = p.Reference, string(p.Status), p.StatusDetail
	next.AmountCents, next.RefundedCents, next.Currency, next.Outcome = p.Amount, p.RefundedAmount, p.Currency, outcome
	update := func(r *Record) { *r = next }
	s.opts.Metrics.outcome(rec.Provider, outcome)

	if !found {
		if p.Status == payment.StatusApproved && prev.Flagged != state {
			s.log.ErrorContext(ctx, "approved payment for no hold of ours: staff must look at it", "provider", rec.Provider,
				"payment", p.ID, "reference", p.Reference, "amount_cents", p.Amount)
			next.StaffReason, next.Flagged = ReasonUnknownRef, state
		}
		return update, nil
	}

	// The booking engine records the payment and decides: it confirms only an approval in
	// ARS for at least the seña, and flags for staff (NeedsStaff) what it cannot apply.
	bookingFlag := ""
	if status := bookingStatus(p.Status); status != "" {
		raw, _ := json.Marshal(p)
		out, err := s.bookings.ApplyPayment(ctx, booking.PaymentNotice{
			Provider: rec.Provider, PaymentID: p.ID, Reference: p.Reference, Status: status,
			AmountCents: p.Amount, Currency: p.Currency, Raw: raw,
		})
		if err != nil {
			return nil, fmt.Errorf("apply %s payment %s to %s: %w", rec.Provider, p.ID, res.Code, err)
		}
		if out.Confirmed && s.opts.Confirmed != nil {
			s.opts.Confirmed(ctx, res.Code)
		}
		bookingFlag = out.NeedsStaff
		if bookingFlag != "" {
			next.StaffReason, next.Flagged = bookingFlag, state
		}
		if out.Rejected && out.Changed && res.ConversationID != nil && s.guests != nil {
			if err := s.guests.PaymentRejected(ctx, *res.ConversationID); err != nil {
				// The record is written: a retry would not tell the guest again. Log it.
				s.log.ErrorContext(ctx, "could not tell the guest their payment was rejected", "reservation", res.Code, "payment", p.ID, obs.KeyErr, err)
			}
		}
	}
	after, err := s.bookings.Get(ctx, res.Code)
	if err != nil {
		return nil, fmt.Errorf("payment %s: reload %s: %w", p.ID, res.Code, err)
	}
	now := s.now()
	lapsed := after.Status == store.StatusExpired || after.Lapsed(now)
	switch {
	case outcome == OutcomePaid && lapsed:
		if err := s.refundLate(ctx, rec, p, after, &next); err != nil {
			return nil, err
		}
	case outcome == OutcomeMismatch && prev.Flagged != state:
		// booking.ApplyPayment recorded it and flagged it (underpaid, currency).
		s.log.ErrorContext(ctx, "approved payment that does not pay the seña: staff must look at it", "provider", rec.Provider,
			"payment", p.ID, "reservation", res.Code, "amount_cents", p.Amount, "currency", p.Currency, "deposit_cents", res.DepositCents)
		if next.StaffReason == "" {
			next.StaffReason = ReasonMismatch
		}
		next.Flagged = state
	case after.Status == store.StatusConfirmed && reversed(p) && prev.Flagged != state && prev.LateRefund == "" && bookingFlag == "":
		// What the booking engine does not flag itself: a dispute, a partial refund.
		byStaff, err := s.refundedByStaff(ctx, rec.Provider, p.ID)
		if err != nil {
			return nil, err
		}
		if !byStaff {
			s.log.ErrorContext(ctx, "payment of a confirmed booking reversed: staff must look at it", "provider", rec.Provider,
				"payment", p.ID, "reservation", res.Code, "status", p.Status, "refunded_cents", p.RefundedAmount)
			if err := s.event(ctx, res.Code, booking.EventPaymentNeedsStaff, map[string]any{
				"provider": rec.Provider, "payment_id": p.ID, "status": string(p.Status), "refunded_cents": p.RefundedAmount, "reason": ReasonReversed,
			}); err != nil {
				return nil, err
			}
			next.StaffReason = ReasonReversed
		}
		next.Flagged = state
	}
	return update, nil
}

// reversed: the money went, or may go, back to the payer.
func reversed(p payment.Payment) bool {
	switch p.Status {
	case payment.StatusRefunded, payment.StatusChargedBack, payment.StatusInMediation:
		return true
	case payment.StatusApproved:
		return p.RefundedAmount > 0
	}
	return false
}

// refundLate refunds in full a payment approved after its hold lapsed while the nights
// were taken (booking.ApplyPayment confirms when they are still free), alerts staff and
// tells the guest. Once per payment: the idempotency key makes a retried refund the same
// refund, and the record remembers it was done.
func (s *Service) refundLate(ctx context.Context, rec *Record, p payment.Payment, res booking.Reservation, next *Record) error {
	if rec.LateRefund != "" {
		return nil
	}
	prov, err := s.providers.Provider(rec.Provider)
	if err != nil {
		return fmt.Errorf("late payment %s: %w", p.ID, err)
	}
	key := "refund-" + p.ID + "-full"
	r, err := prov.Refund(ctx, payment.RefundRequest{PaymentID: p.ID, IdempotencyKey: key,
		Reason: "paid after the hold " + res.Code + " lapsed and its nights were taken"})
	switch {
	case errors.Is(err, payment.ErrRefundRejected), errors.Is(err, plugin.ErrUnsupported):
		s.log.ErrorContext(ctx, "late payment for taken nights could not be refunded: staff must refund it", "provider", rec.Provider,
			"payment", p.ID, "reservation", res.Code, obs.KeyErr, err)
		next.StaffReason, next.LateRefund, next.Flagged = ReasonLateRefund, "failed", flagState(p)
		return s.event(ctx, res.Code, EventLateRefund, map[string]any{"provider": rec.Provider, "payment_id": p.ID, "refunded": false, "error": err.Error()})
	case err != nil:
		return fmt.Errorf("refund late payment %s: %w", p.ID, err)
	}
	s.log.ErrorContext(ctx, "late payment for taken nights refunded in full; staff alerted", "provider", rec.Provider,
		"payment", p.ID, "reservation", res.Code, "refund", r.RefundID, "amount_cents", r.Amount)
	next.StaffReason, next.LateRefund, next.Flagged = ReasonLateRefunded, key, flagState(p)
	if r.Payment.ID != "" {
		next.Status, next.RefundedCents = string(r.Payment.Status), r.Payment.RefundedAmount
	}
	if err := s.event(ctx, res.Code, EventLateRefund, map[string]any{"provider": rec.Provider, "payment_id": p.ID, "refunded": true,
		"refund_id": r.RefundID, "amount_cents": r.Amount}); err != nil {
		return err
	}
	if res.ConversationID != nil && s.guests != nil {
		extra := map[string]any{
			"reserva": map[string]any{"code": res.Code, "check_in": res.Stay.CheckIn.String(), "check_out": res.Stay.CheckOut.String()},
			"pago":    map[string]any{"amount_cents": p.Amount},
		}
		if err := s.guests.Notify(ctx, *res.ConversationID, LateRefundTemplate, extra, conversation.Transactional, "late-refund:"+rec.Provider+":"+p.ID); err != nil {
			s.log.ErrorContext(ctx, "could not tell the guest their late payment was refunded", "reservation", res.Code, obs.KeyErr, err)
		}
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, plugin.ErrNotFound) }

// event appends a domain event on a reservation.
func (s *Service) event(ctx context.Context, code, typ string, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("event %s: %w", typ, err)
	}
	ev := store.DomainEvent{AggregateType: "reservation", AggregateID: code, Type: typ, Payload: b, OccurredAt: s.now()}
	if _, err := s.db.NewInsert().Model(&ev).Exec(ctx); err != nil {
		return fmt.Errorf("event %s of %s: %w", typ, code, err)
	}
	return nil
}
