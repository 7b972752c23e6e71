package booking_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// book makes a confirmed staff booking of guests in unit for s.
func (f fixture) book(t *testing.T, unit int64, s booking.Stay, guests int) booking.Reservation {
	t.Helper()
	r, err := f.svc.BookManual(context.Background(), booking.ManualBooking{UnitID: unit, Stay: s, Guests: guests,
		Guest: booking.Guest{Name: "Juan"}, PaidCents: 1_000_000, By: "staff:test"})
	require.NoError(t, err)
	return r
}

// portalBlock imports a block of unit for s from an Airbnb feed.
func portalBlock(t *testing.T, db *store.DB, unit int64, s booking.Stay) {
	t.Helper()
	ctx := context.Background()
	feed := store.CalendarFeed{AccommodationID: unit, Platform: "airbnb", URL: "https://airbnb.example/ical/1.ics", Enabled: true, LastStatus: "ok"}
	_, err := db.NewInsert().Model(&feed).Returning("id").Exec(ctx)
	require.NoError(t, err)
	b := store.ImportedBlock{FeedID: feed.ID, AccommodationID: unit, UID: "abc@airbnb.com", StartDate: s.CheckIn, EndDate: s.CheckOut,
		Kind: "reservation", Status: "active"}
	_, err = db.NewInsert().Model(&b).Exec(ctx)
	require.NoError(t, err)
}

// TestMoveGuards: a move goes through the same guards as a new hold (other bookings, live
// holds, manual and portal blocks, minimum and maximum stay, capacity), names what is in
// the way, ignores lapsed holds and the reservation's own nights, and re-prices or keeps
// the agreed total as asked.
func TestMoveGuards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)

		// A hold that lapses before the moves below.
		lapsed := f.hold(t, f.demo.Robles, stay("2027-03-22", "2027-03-25"))
		f.clock.Advance(31 * time.Minute)
		booked := f.book(t, f.demo.Robles, stay("2027-03-08", "2027-03-11"), 2)
		held := f.hold(t, f.demo.Coihue, stay("2027-03-01", "2027-03-04"))
		_, err := f.svc.Block(ctx, f.demo.Centro, stay("2027-03-15", "2027-03-18"), "pintura", "staff:test")
		require.NoError(t, err)
		portalBlock(t, db, f.demo.Robles, stay("2027-03-29", "2027-04-01"))

		cases := []struct {
			name     string
			from     booking.Stay
			guests   int
			unit     func() int64 // the target unit; nil: the same
			to       booking.Stay
			keep     bool
			wantErr  error
			conflict booking.Conflict // the first conflict named, when wantErr is ErrUnavailable
		}{
			{name: "later nights overlapping its own", from: stay("2027-05-03", "2027-05-06"), to: stay("2027-05-04", "2027-05-07")},
			{name: "another unit keeping the agreed total", from: stay("2027-05-10", "2027-05-13"), unit: func() int64 { return f.demo.Coihue },
				to: stay("2027-05-10", "2027-05-13"), keep: true},
			{name: "onto the nights of a lapsed hold", from: stay("2027-05-17", "2027-05-20"), to: stay("2027-03-22", "2027-03-25")},
			{name: "over a confirmed booking", from: stay("2027-05-24", "2027-05-27"), to: stay("2027-03-09", "2027-03-12"),
				wantErr: booking.ErrUnavailable, conflict: booking.Conflict{Kind: booking.ConflictBooking, Stay: stay("2027-03-08", "2027-03-11")}},
			{name: "over a live hold", from: stay("2027-05-31", "2027-06-03"), unit: func() int64 { return f.demo.Coihue },
				to: stay("2027-03-02", "2027-03-05"), wantErr: booking.ErrUnavailable, conflict: booking.Conflict{Kind: booking.ConflictHold, Stay: stay("2027-03-01", "2027-03-04")}},
			{name: "over a manual block", from: stay("2027-06-07", "2027-06-10"), unit: func() int64 { return f.demo.Centro },
				to: stay("2027-03-16", "2027-03-19"), wantErr: booking.ErrUnavailable, conflict: booking.Conflict{Kind: booking.ConflictBlock, Stay: stay("2027-03-15", "2027-03-18")}},
			{name: "over a portal's block", from: stay("2027-06-14", "2027-06-17"), to: stay("2027-03-30", "2027-04-02"),
				wantErr: booking.ErrUnavailable, conflict: booking.Conflict{Kind: booking.ConflictImported, Portal: "airbnb", Stay: stay("2027-03-29", "2027-04-01")}},
			{name: "shorter than the minimum stay", from: stay("2027-06-21", "2027-06-24"), to: stay("2027-07-05", "2027-07-06"), wantErr: booking.ErrMinStay},
			{name: "longer than the maximum stay", from: stay("2027-06-28", "2027-07-01"), to: stay("2027-08-02", "2027-11-01"), wantErr: booking.ErrMaxStay},
			{name: "more guests than the unit sleeps", from: stay("2027-07-12", "2027-07-15"), guests: 3, unit: func() int64 { return f.demo.Centro },
				to: stay("2027-07-12", "2027-07-15"), wantErr: booking.ErrOverCapacity},
			{name: "check-out before check-in", from: stay("2027-07-19", "2027-07-22"), to: stay("2027-07-25", "2027-07-23"), wantErr: booking.ErrInvalid},
			{name: "a check-in in the past", from: stay("2027-07-26", "2027-07-29"), to: stay("2026-12-20", "2026-12-23"), wantErr: booking.ErrInvalid},
			{name: "an unknown unit", from: stay("2027-08-02", "2027-08-05"), unit: func() int64 { return 999 }, to: stay("2027-08-02", "2027-08-05"), wantErr: booking.ErrInvalid},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				guests := tc.guests
				if guests == 0 {
					guests = 2
				}
				r := f.book(t, f.demo.Robles, tc.from, guests)
				var unit int64
				if tc.unit != nil {
					unit = tc.unit()
				}
				preview, previewErr := f.svc.QuoteMove(ctx, r.Code, unit, tc.to)
				moved, err := f.svc.Move(ctx, r.Code, booking.MoveRequest{UnitID: unit, Stay: tc.to, KeepTotal: tc.keep, By: "staff:ana"})
				got, gerr := f.svc.Get(ctx, r.Code)
				require.NoError(t, gerr)
				if tc.wantErr != nil {
					require.ErrorIs(t, err, tc.wantErr)
					require.ErrorIs(t, previewErr, tc.wantErr, "the preview refuses it too")
					assert.Equal(t, r.Stay, got.Stay, "nothing moved")
					assert.Equal(t, r.UnitID, got.UnitID)
					assert.Equal(t, []string{booking.EventHoldCreated, booking.EventReservationConfirmed}, eventTypes(t, f.svc, r.Code))
					if tc.conflict.Kind != "" {
						var ce *booking.ConflictError
						require.ErrorAs(t, err, &ce)
						require.NotEmpty(t, ce.Conflicts)
						c := ce.Conflicts[0]
						assert.Equal(t, tc.conflict.Kind, c.Kind)
						assert.Equal(t, tc.conflict.Stay, c.Stay)
						assert.Equal(t, tc.conflict.Portal, c.Portal)
						switch c.Kind {
						case booking.ConflictBooking:
							assert.Equal(t, booked.Code, c.Code)
						case booking.ConflictHold:
							assert.Equal(t, held.Code, c.Code)
						case booking.ConflictBlock:
							assert.NotZero(t, c.BlockID)
						}
					}
					return
				}
				require.NoError(t, err)
				require.NoError(t, previewErr)
				want := r.UnitID
				if unit != 0 {
					want = unit
				}
				quote, err := f.svc.Quote(ctx, want, tc.to, guests)
				require.NoError(t, err)
				assert.Equal(t, quote.TotalCents, preview.TotalCents, "the preview is the new stay's quote")
				for _, res := range []booking.Reservation{moved, got} {
					assert.Equal(t, tc.to, res.Stay)
					assert.Equal(t, want, res.UnitID)
					assert.Equal(t, store.StatusConfirmed, res.Status)
					assert.Equal(t, r.PaidCents, res.PaidCents, "what was paid stays")
					assert.Equal(t, tc.to, res.Quote.Stay, "the stored quote is the new stay's")
					if tc.keep {
						assert.Equal(t, r.TotalCents, res.TotalCents)
						assert.Equal(t, r.DepositCents, res.DepositCents)
					} else {
						assert.Equal(t, quote.TotalCents, res.TotalCents)
						assert.Equal(t, quote.DepositCents, res.DepositCents)
					}
				}
				evs, err := f.svc.History(ctx, r.Code)
				require.NoError(t, err)
				require.Len(t, evs, 3)
				ev := evs[2]
				assert.Equal(t, booking.EventReservationMoved, ev.Type)
				assert.Equal(t, store.StatusConfirmed, ev.StatusAfter())
				assert.Equal(t, "staff:ana", ev.Payload["by"])
				assert.Equal(t, map[string]any{"accommodation_id": float64(r.UnitID), "check_in": tc.from.CheckIn.String(), "check_out": tc.from.CheckOut.String()}, ev.Payload["from"])
				assert.Equal(t, map[string]any{"accommodation_id": float64(want), "check_in": tc.to.CheckIn.String(), "check_out": tc.to.CheckOut.String()}, ev.Payload["to"])
				assert.Equal(t, float64(r.TotalCents), ev.Payload["previous_total_cents"])
				assert.Equal(t, float64(quote.TotalCents), ev.Payload["quote_total_cents"])
				free, err := f.svc.IsFree(ctx, r.UnitID, tc.from)
				require.NoError(t, err)
				if want != r.UnitID {
					assert.True(t, free, "the old nights are on sale again")
				}
				free, err = f.svc.IsFree(ctx, want, tc.to)
				require.NoError(t, err)
				assert.False(t, free, "the new nights are taken")
			})
		}
		_ = lapsed

		t.Run("a hold moves and keeps its expiry", func(t *testing.T) {
			h := f.hold(t, f.demo.Coihue, stay("2027-09-06", "2027-09-09"))
			m, err := f.svc.Move(ctx, h.Code, booking.MoveRequest{Stay: stay("2027-09-13", "2027-09-16"), By: "staff:ana"})
			require.NoError(t, err)
			assert.Equal(t, store.StatusPreReserved, m.Status)
			require.NotNil(t, m.ExpiresAt)
			assert.True(t, h.ExpiresAt.Equal(*m.ExpiresAt))
			evs, err := f.svc.History(ctx, h.Code)
			require.NoError(t, err)
			assert.Equal(t, store.StatusPreReserved, evs[len(evs)-1].StatusAfter())
		})
		t.Run("the same unit and nights change nothing", func(t *testing.T) {
			r := f.book(t, f.demo.Robles, stay("2027-09-20", "2027-09-23"), 2)
			m, err := f.svc.Move(ctx, r.Code, booking.MoveRequest{Stay: r.Stay})
			require.NoError(t, err)
			assert.Equal(t, r.Stay, m.Stay)
			assert.Equal(t, []string{booking.EventHoldCreated, booking.EventReservationConfirmed}, eventTypes(t, f.svc, r.Code))
		})
		t.Run("a cancelled booking does not move", func(t *testing.T) {
			r := f.book(t, f.demo.Robles, stay("2027-09-27", "2027-09-30"), 2)
			_, err := f.svc.Cancel(ctx, r.Code, "test")
			require.NoError(t, err)
			_, err = f.svc.Move(ctx, r.Code, booking.MoveRequest{Stay: stay("2027-10-04", "2027-10-07")})
			require.ErrorIs(t, err, booking.ErrCancelled)
		})
		t.Run("a lapsed hold does not move", func(t *testing.T) {
			h := f.hold(t, f.demo.Centro, stay("2027-10-11", "2027-10-14"))
			f.clock.Advance(31 * time.Minute)
			_, err := f.svc.Move(ctx, h.Code, booking.MoveRequest{Stay: stay("2027-10-18", "2027-10-21")})
			require.ErrorIs(t, err, booking.ErrExpired)
			_, err = f.svc.Move(ctx, "RES000000999", booking.MoveRequest{Stay: stay("2027-10-18", "2027-10-21")})
			require.ErrorIs(t, err, booking.ErrNotFound)
		})
		t.Run("a guest in the house stays longer; a new check-in in the past is refused", func(t *testing.T) {
			r := f.book(t, f.demo.Centro, stay("2027-11-08", "2027-11-11"), 2)
			f.clock.Set(time.Date(2027, 11, 9, 15, 0, 0, 0, time.UTC))
			m, err := f.svc.Move(ctx, r.Code, booking.MoveRequest{Stay: stay("2027-11-08", "2027-11-13"), By: "staff:ana"})
			require.NoError(t, err)
			assert.Equal(t, stay("2027-11-08", "2027-11-13"), m.Stay)
			_, err = f.svc.Move(ctx, r.Code, booking.MoveRequest{Stay: stay("2027-11-07", "2027-11-13"), By: "staff:ana"})
			require.ErrorIs(t, err, booking.ErrInvalid)
			f.clock.Set(start.Add(2 * time.Hour))
		})
		t.Run("an edit's event says the status it left", func(t *testing.T) {
			r := f.book(t, f.demo.Robles, stay("2027-10-25", "2027-10-28"), 2)
			_, err := f.svc.UpdateDetails(ctx, r.Code, booking.Details{Guest: booking.Guest{Name: "Juan Pérez"}, By: "staff:ana"})
			require.NoError(t, err)
			evs, err := f.svc.History(ctx, r.Code)
			require.NoError(t, err)
			require.Len(t, evs, 3)
			assert.Equal(t, booking.EventReservationEdited, evs[2].Type)
			assert.Equal(t, store.StatusConfirmed, evs[2].StatusAfter())
		})
		t.Run("an edit recorded before the status was written takes the one before it", func(t *testing.T) {
			r := f.book(t, f.demo.Robles, stay("2027-11-01", "2027-11-04"), 2)
			ev := store.DomainEvent{AggregateType: booking.AggregateReservation, AggregateID: r.Code, Type: booking.EventReservationEdited,
				Payload: []byte(`{"changed":["notes"],"by":"staff:old"}`), OccurredAt: f.clock.Now()}
			_, err := db.NewInsert().Model(&ev).Exec(ctx)
			require.NoError(t, err)
			evs, err := f.svc.History(ctx, r.Code)
			require.NoError(t, err)
			assert.Equal(t, store.StatusConfirmed, evs[len(evs)-1].StatusAfter())
		})
	})
}

// TestMoveRacesABotHold: a booking moved onto nights the bot is holding at the same moment
// for another guest: exactly one of them gets the nights, every time, on both databases.
func TestMoveRacesABotHold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		moves, holds := 0, 0
		for i := range 12 {
			from := stay("2027-04-05", "2027-04-08").Shift(7 * i)
			to := from.Shift(3 * 7 * 12) // far from every other round
			r := f.book(t, f.demo.Robles, from, 2)
			var moveErr, holdErr error
			var wg sync.WaitGroup
			gate := make(chan struct{})
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-gate
				_, moveErr = f.svc.Move(ctx, r.Code, booking.MoveRequest{UnitID: f.demo.Coihue, Stay: to, By: "staff:ana"})
			}()
			go func() {
				defer wg.Done()
				<-gate
				_, holdErr = f.svc.Hold(ctx, booking.HoldRequest{UnitID: f.demo.Coihue, Stay: to.Shift(1), Guests: 2, Source: "bot",
					Guest: booking.Guest{Name: "Bot guest"}})
			}()
			close(gate)
			wg.Wait()
			switch {
			case moveErr == nil && holdErr == nil:
				t.Fatalf("round %d: both the move and the hold got the nights", i)
			case moveErr == nil:
				require.ErrorIs(t, holdErr, booking.ErrUnavailable, "round %d", i)
				moves++
			case holdErr == nil:
				var ce *booking.ConflictError
				require.ErrorAs(t, moveErr, &ce, "round %d", i)
				assert.Equal(t, booking.ConflictHold, ce.Conflicts[0].Kind)
				holds++
			default:
				t.Fatalf("round %d: neither won: move %v, hold %v", i, moveErr, holdErr)
			}
			var n int
			require.NoError(t, db.NewSelect().Table("reservations").ColumnExpr("count(*)").
				Where("accommodation_id = ? AND status IN ('pre_reserved', 'confirmed') AND check_in < ? AND check_out > ?", f.demo.Coihue, to.Shift(1).CheckOut, to.CheckIn).
				Scan(ctx, &n))
			assert.Equal(t, 1, n, "round %d: one reservation holds those nights", i)
		}
		t.Logf("moves won %d, bot holds won %d", moves, holds)
	})
}
