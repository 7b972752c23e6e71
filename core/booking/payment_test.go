package booking_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

func TestApplyPayment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := bookingtest.SeedDemo(t, db)
		clock := bookingtest.NewClock(time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC))
		svc := booking.NewService(db, booking.Options{Now: clock.Now})
		stay := booking.NewStay(store.NewDate(2027, 1, 5), store.NewDate(2027, 1, 8))
		hold, err := svc.Hold(ctx, booking.HoldRequest{UnitID: d.Robles, Stay: stay, Guests: 4, Guest: booking.Guest{Name: "Ana"}})
		require.NoError(t, err)
		notice := booking.PaymentNotice{Provider: "mercadopago", PaymentID: "111", Reference: hold.Code,
			Status: booking.PaymentApproved, AmountCents: hold.DepositCents}

		t.Run("approved confirms the reservation", func(t *testing.T) {
			out, err := svc.ApplyPayment(ctx, notice)
			require.NoError(t, err)
			assert.True(t, out.Changed)
			assert.True(t, out.Confirmed)
			assert.Equal(t, store.StatusConfirmed, out.Reservation.Status)
			assert.Equal(t, hold.DepositCents, out.Reservation.PaidCents)
		})
		t.Run("a repeated notification changes nothing", func(t *testing.T) {
			out, err := svc.ApplyPayment(ctx, notice)
			require.NoError(t, err)
			assert.False(t, out.Changed)
			assert.False(t, out.Confirmed)
			var n int
			require.NoError(t, db.NewRaw(`SELECT count(*) FROM payment_records`).Scan(ctx, &n))
			assert.Equal(t, 1, n)
		})

		other, err := svc.Hold(ctx, booking.HoldRequest{UnitID: d.Coihue, Stay: stay, Guests: 4, Guest: booking.Guest{Name: "Beto"}})
		require.NoError(t, err)
		t.Run("rejected is recorded and reported", func(t *testing.T) {
			out, err := svc.ApplyPayment(ctx, booking.PaymentNotice{Provider: "mercadopago", PaymentID: "222", Reference: other.Code,
				Status: booking.PaymentRejected, AmountCents: other.DepositCents})
			require.NoError(t, err)
			assert.True(t, out.Rejected)
			assert.Equal(t, store.StatusPreReserved, out.Reservation.Status)
		})
		t.Run("unknown reservation is an error", func(t *testing.T) {
			_, err := svc.ApplyPayment(ctx, booking.PaymentNotice{Provider: "mercadopago", PaymentID: "333", Reference: "RES999999001", Status: booking.PaymentApproved})
			require.ErrorIs(t, err, booking.ErrNotFound)
		})
		t.Run("invalid status is refused", func(t *testing.T) {
			_, err := svc.ApplyPayment(ctx, booking.PaymentNotice{Provider: "mercadopago", PaymentID: "444", Reference: other.Code, Status: "paid-ish"})
			require.ErrorIs(t, err, booking.ErrInvalid)
		})
		t.Run("paid after the hold lapsed and the nights were taken", func(t *testing.T) {
			clock.Advance(31 * time.Minute)
			_, err := svc.Hold(ctx, booking.HoldRequest{UnitID: d.Coihue, Stay: stay, Guests: 2, Guest: booking.Guest{Name: "Carla"}})
			require.NoError(t, err, "the lapsed hold freed the nights")
			notice := booking.PaymentNotice{Provider: "mercadopago", PaymentID: "222", Reference: other.Code,
				Status: booking.PaymentApproved, AmountCents: other.DepositCents}
			out, err := svc.ApplyPayment(ctx, notice)
			require.NoError(t, err, "recorded and flagged: a provider retry would change nothing")
			assert.Equal(t, booking.ReviewNightsTaken, out.NeedsStaff)
			assert.False(t, out.Confirmed)
			_, err = svc.ApplyPayment(ctx, notice)
			require.NoError(t, err, "the provider's retry")
			var flagged int
			require.NoError(t, db.NewRaw(`SELECT count(*) FROM domain_events WHERE type = ? AND aggregate_id = ?`, booking.EventPaymentNeedsStaff, other.Code).Scan(ctx, &flagged))
			assert.Equal(t, 1, flagged, "staff see the payment that could not confirm, once")
			var status string
			require.NoError(t, db.NewRaw(`SELECT status FROM payment_records WHERE provider_payment_id = '222'`).Scan(ctx, &status))
			assert.Equal(t, booking.PaymentApproved, status, "the money is recorded whatever happens to the booking")
		})
	})
}

// TestApplyPaymentNeedsStaff: money that does not simply pay the seña of a live hold is
// recorded and flagged for staff, never confirming and never failing the webhook.
func TestApplyPaymentNeedsStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := bookingtest.SeedDemo(t, db)
		clock := bookingtest.NewClock(time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC))
		svc := booking.NewService(db, booking.Options{Now: clock.Now})
		day := 0
		newHold := func(t *testing.T) booking.Reservation {
			t.Helper()
			day += 4
			stay := booking.NewStay(store.NewDate(2027, 2, 1).AddDays(day), store.NewDate(2027, 2, 4).AddDays(day))
			hold, err := svc.Hold(ctx, booking.HoldRequest{UnitID: d.Robles, Stay: stay, Guests: 2, Guest: booking.Guest{Name: "Ana"}})
			require.NoError(t, err)
			require.Positive(t, hold.DepositCents)
			return hold
		}
		reviews := func(t *testing.T, code string) []booking.PaymentReview {
			t.Helper()
			all, err := svc.PaymentReviews(ctx, 0)
			require.NoError(t, err)
			var mine []booking.PaymentReview
			for _, r := range all {
				if r.ReservationCode == code {
					mine = append(mine, r)
				}
			}
			return mine
		}
		n := 0
		pay := func(t *testing.T, code, status string, cents int64, currency string) booking.PaymentOutcome {
			t.Helper()
			n++
			out, err := svc.ApplyPayment(ctx, booking.PaymentNotice{Provider: "mp", PaymentID: "p" + strconv.Itoa(n), Reference: code,
				Status: status, AmountCents: cents, Currency: currency})
			require.NoError(t, err)
			return out
		}

		for _, tc := range []struct {
			name     string
			cents    func(deposit int64) int64
			currency string
			reason   string
		}{
			{"one cent", func(int64) int64 { return 1 }, "ARS", booking.ReviewUnderpaid},
			{"zero", func(int64) int64 { return 0 }, "ARS", booking.ReviewUnderpaid},
			{"one peso short", func(d int64) int64 { return d - 100 }, "ARS", booking.ReviewUnderpaid},
			{"the full seña in dollars", func(d int64) int64 { return d }, "USD", booking.ReviewCurrency},
		} {
			t.Run(tc.name, func(t *testing.T) {
				hold := newHold(t)
				out := pay(t, hold.Code, booking.PaymentApproved, tc.cents(hold.DepositCents), tc.currency)
				assert.False(t, out.Confirmed)
				assert.Equal(t, tc.reason, out.NeedsStaff)
				assert.Equal(t, store.StatusPreReserved, out.Reservation.Status)
				got := reviews(t, hold.Code)
				require.Len(t, got, 1)
				assert.Equal(t, tc.reason, got[0].Reason)
				assert.Equal(t, hold.DepositCents, got[0].DepositCents)
			})
		}
		t.Run("two payments that add up to the seña confirm", func(t *testing.T) {
			hold := newHold(t)
			out := pay(t, hold.Code, booking.PaymentApproved, hold.DepositCents/2, "ARS")
			assert.Equal(t, booking.ReviewUnderpaid, out.NeedsStaff)
			out = pay(t, hold.Code, booking.PaymentApproved, hold.DepositCents-hold.DepositCents/2, "ARS")
			assert.True(t, out.Confirmed)
			assert.Empty(t, out.NeedsStaff)
			assert.Equal(t, hold.DepositCents, out.Reservation.PaidCents)
		})
		t.Run("more than the seña confirms", func(t *testing.T) {
			hold := newHold(t)
			out := pay(t, hold.Code, booking.PaymentApproved, hold.TotalCents, "ARS")
			assert.True(t, out.Confirmed)
			assert.Equal(t, hold.TotalCents, out.Reservation.PaidCents)
		})
		t.Run("a cancelled reservation", func(t *testing.T) {
			hold := newHold(t)
			_, err := svc.Cancel(ctx, hold.Code, "guest changed plans")
			require.NoError(t, err)
			out := pay(t, hold.Code, booking.PaymentApproved, hold.DepositCents, "ARS")
			assert.Equal(t, booking.ReviewCancelled, out.NeedsStaff)
			assert.Equal(t, store.StatusCancelled, out.Reservation.Status)
			require.Len(t, reviews(t, hold.Code), 1)
		})
		t.Run("a refund or charge-back after confirmation", func(t *testing.T) {
			hold := newHold(t)
			n++
			notice := booking.PaymentNotice{Provider: "mp", PaymentID: "p" + strconv.Itoa(n), Reference: hold.Code,
				Status: booking.PaymentApproved, AmountCents: hold.DepositCents}
			out, err := svc.ApplyPayment(ctx, notice)
			require.NoError(t, err)
			require.True(t, out.Confirmed)
			assert.Empty(t, reviews(t, hold.Code))
			notice.Status = booking.PaymentRefunded
			out, err = svc.ApplyPayment(ctx, notice)
			require.NoError(t, err)
			assert.Equal(t, booking.ReviewReversed, out.NeedsStaff)
			assert.Equal(t, store.StatusConfirmed, out.Reservation.Status, "staff decide what happens to the booking")
			_, err = svc.ApplyPayment(ctx, notice)
			require.NoError(t, err)
			got := reviews(t, hold.Code)
			require.Len(t, got, 1, "a repeated refund notice flags once")

			require.NoError(t, svc.MarkPaymentReviewed(ctx, got[0].ID, "staff:ana"))
			require.NoError(t, svc.MarkPaymentReviewed(ctx, got[0].ID, "staff:ana"), "twice is harmless")
			assert.Empty(t, reviews(t, hold.Code))
			h, err := svc.History(ctx, hold.Code)
			require.NoError(t, err)
			assert.Equal(t, booking.EventPaymentReviewed, h[len(h)-1].Type)
		})
		t.Run("reviewing an unflagged payment", func(t *testing.T) {
			require.ErrorIs(t, svc.MarkPaymentReviewed(ctx, 999999, "staff:ana"), booking.ErrNotFound)
		})
	})
}
