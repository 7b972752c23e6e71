package app

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// TestIcalAgeLeavesPausedFeedsOut: /healthz's ical_age_min is the age of the stalest feed
// being read; a feed staff paused a week ago does not make the import look a week late.
func TestIcalAgeLeavesPausedFeedsOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var prop, unit int64
		require.NoError(t, db.NewRaw(`INSERT INTO properties (slug, name) VALUES ('p', 'P') RETURNING id`).Scan(ctx, &prop))
		require.NoError(t, db.NewRaw(`INSERT INTO accommodations (property_id, slug, name, unit_type, capacity, base_occupancy, base_price_cents) VALUES (?, 'u', 'U', 'casa', 2, 2, 100) RETURNING id`, prop).Scan(ctx, &unit))
		weekAgo := time.Now().UTC().Add(-7 * 24 * time.Hour)
		paused := store.CalendarFeed{AccommodationID: unit, Platform: "booking", URL: "https://b.example/1.ics", Enabled: false,
			LastStatus: "ok", LastSuccessAt: &weekAgo, CreatedAt: weekAgo, UpdatedAt: weekAgo}
		_, err := db.NewInsert().Model(&paused).Exec(ctx)
		require.NoError(t, err)
		assert.Nil(t, icalAgeMinutes(ctx, db), "only a paused feed: nothing is being imported")

		recent := time.Now().UTC().Add(-10 * time.Minute)
		read := store.CalendarFeed{AccommodationID: unit, Platform: "airbnb", URL: "https://a.example/1.ics", Enabled: true,
			LastStatus: "ok", LastSuccessAt: &recent, CreatedAt: weekAgo, UpdatedAt: recent}
		_, err = db.NewInsert().Model(&read).Exec(ctx)
		require.NoError(t, err)
		age, ok := icalAgeMinutes(ctx, db).(int)
		require.True(t, ok)
		assert.Less(t, age, 60, "the age of the feed being read, not of the paused one (%d min)", age)
		assert.GreaterOrEqual(t, age, 10)
	})
}
