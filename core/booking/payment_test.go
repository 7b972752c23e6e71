package booking_test

import (
	"context"
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
			_, err = svc.ApplyPayment(ctx, booking.PaymentNotice{Provider: "mercadopago", PaymentID: "222", Reference: other.Code,
				Status: booking.PaymentApproved, AmountCents: other.DepositCents})
			var unavailable *booking.UnavailableError
			require.ErrorAs(t, err, &unavailable)
			var flagged int
			require.NoError(t, db.NewRaw(`SELECT count(*) FROM domain_events WHERE type = ? AND aggregate_id = ?`, booking.EventPaymentNeedsStaff, other.Code).Scan(ctx, &flagged))
			assert.Equal(t, 1, flagged, "staff see the payment that could not confirm")
			var status string
			require.NoError(t, db.NewRaw(`SELECT status FROM payment_records WHERE provider_payment_id = '222'`).Scan(ctx, &status))
			assert.Equal(t, booking.PaymentApproved, status, "the money is recorded whatever happens to the booking")
		})
	})
}
