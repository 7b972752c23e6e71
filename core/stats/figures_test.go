package stats_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/stats"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

func TestOccupancyPerUnitAndMonth(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		demo := bookingtest.SeedDemo(t, db)
		unit := demo.Robles
		book := func(code, status string, in, out store.Date, total, paid int64) {
			r := store.Reservation{Code: code, AccommodationID: unit, CheckIn: in, CheckOut: out, Guests: 2,
				Status: status, TotalCents: total, PaidCents: paid, Currency: "ARS", Quote: []byte("{}"), Source: "test"}
			if status == store.StatusPreReserved {
				expires := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
				r.ExpiresAt = &expires
			}
			_, err := db.NewInsert().Model(&r).Exec(ctx)
			require.NoError(t, err)
		}
		// Four nights across January and February: 2 in each month, $100.000 in all.
		book("RES270130001", store.StatusConfirmed, store.NewDate(2027, 1, 30), store.NewDate(2027, 2, 3), 10000000, 4000000)
		// A cancelled booking, a hold, a block and one of another year count for nothing.
		book("RES270110001", store.StatusCancelled, store.NewDate(2027, 1, 10), store.NewDate(2027, 1, 15), 5000000, 0)
		book("RES270110002", store.StatusPreReserved, store.NewDate(2027, 1, 10), store.NewDate(2027, 1, 15), 5000000, 0)
		book("RES260110001", store.StatusConfirmed, store.NewDate(2026, 1, 10), store.NewDate(2026, 1, 15), 5000000, 0)
		_, err := db.NewInsert().Model(&store.AvailabilityEntry{AccommodationID: unit, StartDate: store.NewDate(2027, 3, 1),
			EndDate: store.NewDate(2027, 3, 20), Kind: "block", CreatedBy: "test"}).Exec(ctx)
		require.NoError(t, err)
		// New Year's Eve: 2 nights in 2026 (not counted), 3 in January 2027; $50.000,01 over
		// 5 nights is $10.000 a night (the cent is not spread).
		book("RES261230001", store.StatusConfirmed, store.NewDate(2026, 12, 30), store.NewDate(2027, 1, 4), 5000001, 1000000)
		// Three months: 2 nights in April, 31 in May, 1 in June, $3.400 a night.
		book("RES270429001", store.StatusConfirmed, store.NewDate(2027, 4, 29), store.NewDate(2027, 6, 2), 340000*34, 0)
		// Into 2028: 2 nights in December 2027.
		book("RES271230001", store.StatusConfirmed, store.NewDate(2027, 12, 30), store.NewDate(2028, 1, 2), 300000, 300000)

		rows, err := stats.Occupancy(ctx, db, 2027)
		require.NoError(t, err)
		require.Len(t, rows, 3)
		var got []stats.UnitMonth
		for _, r := range rows {
			require.Len(t, r, 12)
			if r[0].UnitID == unit {
				got = r
			}
		}
		require.NotNil(t, got)
		tests := []struct {
			name                  string
			month                 time.Month
			nights, all           int
			revenueCents, paidCts int64
		}{
			{"january", time.January, 2 + 3, 31, 5000000 + 3*1000000, 2000000 + 3*200000},
			{"february", time.February, 2, 28, 5000000, 2000000},
			{"march", time.March, 0, 31, 0, 0},
			{"april", time.April, 2, 30, 2 * 340000, 0},
			{"may", time.May, 31, 31, 31 * 340000, 0},
			{"june", time.June, 1, 30, 340000, 0},
			{"december", time.December, 2, 31, 200000, 200000},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				m := got[tc.month-1]
				assert.Equal(t, tc.nights, m.Nights)
				assert.Equal(t, tc.all, m.NightsInAll)
				assert.Equal(t, tc.revenueCents, m.RevenueCents)
				assert.Equal(t, tc.paidCts, m.PaidCents)
			})
		}
		assert.InDelta(t, 5.0/31, got[0].Occupancy(), 1e-9)
	})
}

func TestFirstResponseTime(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		// Conversations answered after 1, 2, 3 ... 10 seconds, one never answered, and one
		// before the period.
		for i := range 12 {
			asked := start.Add(time.Duration(i) * time.Hour)
			if i == 11 {
				asked = start.Add(-48 * time.Hour)
			}
			c := store.Conversation{Channel: "webchat", Contact: "g" + strconv.Itoa(i), State: "bot", Session: json.RawMessage("{}"), CreatedAt: asked, UpdatedAt: asked}
			_, err := db.NewInsert().Model(&c).Returning("id").Exec(ctx)
			require.NoError(t, err)
			msg := func(dir string, at time.Time) {
				_, err := db.NewInsert().Model(&store.Message{ConversationID: c.ID, Direction: dir, Channel: "webchat", Kind: "text", Text: "x",
					Payload: json.RawMessage("{}"), Status: "sent", CreatedAt: at}).Exec(ctx)
				require.NoError(t, err)
			}
			msg("in", asked)
			if i < 10 || i == 11 {
				msg("out", asked.Add(time.Duration(i+1)*time.Second))
				msg("in", asked.Add(time.Minute))
				msg("out", asked.Add(time.Minute+time.Hour)) // later answers do not count
			}
		}
		got, err := stats.ReadFirstResponse(ctx, db, start, start.Add(24*time.Hour))
		require.NoError(t, err)
		assert.Equal(t, 10, got.Answered)
		assert.Equal(t, 6*time.Second, got.Median)
		assert.Equal(t, 10*time.Second, got.P90)
	})
}

// TestOccupancyMatchesNightByNight: the sums the database makes equal counting every
// night of every booking one by one (the report's definition), over many bookings of
// random lengths, amounts and statuses, some crossing the year's edges.
func TestOccupancyMatchesNightByNight(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		demo := bookingtest.SeedDemo(t, db)
		rnd := rand.New(rand.NewPCG(15, 2027)) //nolint:gosec // a fixed seed: the same bookings every run
		type stay struct {
			unit        int64
			in, out     store.Date
			total, paid int64
		}
		var counted []stay
		var all []store.Reservation
		for _, unit := range []int64{demo.Robles, demo.Coihue, demo.Centro} {
			for d := store.NewDate(2026, 11, 1); d.Before(store.NewDate(2028, 3, 1)); {
				d = d.AddDays(rnd.IntN(5))
				out := d.AddDays(1 + rnd.IntN(45))
				s := stay{unit: unit, in: d, out: out, total: rnd.Int64N(50_000_000), paid: rnd.Int64N(20_000_000)}
				status := []string{store.StatusConfirmed, store.StatusConfirmed, store.StatusConfirmed, store.StatusCancelled, store.StatusExpired}[rnd.IntN(5)]
				if status == store.StatusConfirmed {
					counted = append(counted, s)
				}
				all = append(all, store.Reservation{Code: "RESR" + strconv.Itoa(len(all)), AccommodationID: unit, CheckIn: d, CheckOut: out,
					Guests: 2, Status: status, TotalCents: s.total, PaidCents: s.paid, Currency: "ARS", Quote: []byte("{}"), Source: "test"})
				d = out
			}
		}
		_, err := db.NewInsert().Model(&all).Exec(ctx)
		require.NoError(t, err)
		type key struct {
			unit  int64
			month time.Month
		}
		want := map[key]stats.UnitMonth{}
		for _, s := range counted {
			nights := int64(s.out.Sub(s.in))
			for d := s.in; d.Before(s.out); d = d.AddDays(1) {
				if d.Time().Year() != 2027 {
					continue
				}
				k := key{s.unit, d.Time().Month()}
				m := want[k]
				m.Nights++
				m.RevenueCents += s.total / nights
				m.PaidCents += s.paid / nights
				want[k] = m
			}
		}
		rows, err := stats.Occupancy(ctx, db, 2027)
		require.NoError(t, err)
		require.Len(t, rows, 3)
		for _, row := range rows {
			for _, got := range row {
				w := want[key{got.UnitID, got.Month}]
				t.Run(got.UnitName+" "+got.Month.String(), func(t *testing.T) {
					assert.Equal(t, w.Nights, got.Nights)
					assert.Equal(t, w.RevenueCents, got.RevenueCents)
					assert.Equal(t, w.PaidCents, got.PaidCents)
				})
			}
		}
	})
}
