package receptionist_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/receptionist"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// TestRefreshHolidaysRetrainsOnlyWhenTheCalendarChanged: a host holiday makes a long
// weekend the NLU reads at once after RefreshHolidays; with the calendar unchanged the
// running engine stays.
func TestRefreshHolidaysRetrainsOnlyWhenTheCalendarChanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A fixed clock: 2027 has no long weekend in September (no national holiday).
		ref := time.Date(2027, 8, 2, 12, 0, 0, 0, time.UTC)
		bk := booking.NewService(db, booking.Options{Now: func() time.Time { return ref }})
		_, err := bk.SyncHolidays(ctx)
		require.NoError(t, err)
		r, err := receptionist.New(ctx, receptionist.Options{DB: db, Booking: bk,
			Sources: dialog.Sources{Dialogs: "../../dialogs", Locales: "../../locales"}})
		require.NoError(t, err)
		ask := "somos 2 para el finde largo de septiembre"
		before := r.Reloader.Engine()
		require.Empty(t, before.Understand(ask, ref).CheckIn, "no long weekend in September yet")

		for _, tc := range []struct {
			name       string
			change     func(t *testing.T)
			retrained  bool
			checkIn    string
			checkOut   string
			sameEngine bool
		}{
			{name: "nothing changed", change: func(*testing.T) {}, sameEngine: true},
			{name: "a host holiday on Monday 13 September", change: func(t *testing.T) {
				require.NoError(t, settings.New(db, settings.Options{Catalog: bk}).SetHoliday(ctx, "staff:ana", store.NewDate(2027, 9, 13), "Fiesta del pueblo", true))
			}, retrained: true, checkIn: "2027-09-10", checkOut: "2027-09-13"},
			{name: "the same calendar read again", change: func(*testing.T) { bk.InvalidateCatalog() }, sameEngine: true, checkIn: "2027-09-10", checkOut: "2027-09-13"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				running := r.Reloader.Engine()
				tc.change(t)
				retrained, err := r.RefreshHolidays(ctx)
				require.NoError(t, err)
				assert.Equal(t, tc.retrained, retrained)
				if tc.sameEngine {
					assert.Same(t, running, r.Reloader.Engine())
				} else {
					assert.NotSame(t, running, r.Reloader.Engine())
				}
				u := r.Reloader.Engine().Understand(ask, ref)
				assert.Equal(t, tc.checkIn, u.CheckIn)
				assert.Equal(t, tc.checkOut, u.CheckOut)
			})
		}
		assert.Empty(t, before.Understand(ask, ref).CheckIn, "an engine a turn holds keeps its calendar")
	})
}
