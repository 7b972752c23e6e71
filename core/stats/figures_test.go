package stats_test

import (
	"context"
	"encoding/json"
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
			_, err := db.NewInsert().Model(&store.Reservation{Code: code, AccommodationID: unit, CheckIn: in, CheckOut: out, Guests: 2,
				Status: status, TotalCents: total, PaidCents: paid, Currency: "ARS", Quote: []byte("{}"), Source: "test"}).Exec(ctx)
			require.NoError(t, err)
		}
		// Four nights across January and February: 2 in each month, $100.000 in all.
		book("RES270130001", store.StatusConfirmed, store.NewDate(2027, 1, 30), store.NewDate(2027, 2, 3), 10000000, 4000000)
		// A cancelled booking and one of another year count for nothing.
		book("RES270110001", store.StatusCancelled, store.NewDate(2027, 1, 10), store.NewDate(2027, 1, 15), 5000000, 0)
		book("RES260110001", store.StatusConfirmed, store.NewDate(2026, 1, 10), store.NewDate(2026, 1, 15), 5000000, 0)

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
			{"january", time.January, 2, 31, 5000000, 2000000},
			{"february", time.February, 2, 28, 5000000, 2000000},
			{"march", time.March, 0, 31, 0, 0},
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
		assert.InDelta(t, 2.0/31, got[0].Occupancy(), 1e-9)
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
