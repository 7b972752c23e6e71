package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

func TestBacklogGauges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
		c := newBacklogCollector(db)
		c.now = func() time.Time { return now }
		reg := prometheus.NewRegistry()
		require.NoError(t, reg.Register(c))

		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP conserje_booking_holds_overdue Pre-reservations past their expiry by more than two minutes that are still active.
# TYPE conserje_booking_holds_overdue gauge
conserje_booking_holds_overdue 0
# HELP conserje_outbox_oldest_pending_seconds Age of the oldest outbox message due for delivery and not yet sent (0 when none).
# TYPE conserje_outbox_oldest_pending_seconds gauge
conserje_outbox_oldest_pending_seconds 0
`), "conserje_booking_holds_overdue", "conserje_outbox_oldest_pending_seconds"))

		var prop, unit int64
		require.NoError(t, db.NewRaw(`INSERT INTO properties (slug, name) VALUES ('p', 'P') RETURNING id`).Scan(ctx, &prop))
		require.NoError(t, db.NewRaw(`INSERT INTO accommodations (property_id, slug, name, unit_type, capacity, base_occupancy, base_price_cents) VALUES (?, 'u', 'U', 'casa', 2, 2, 100) RETURNING id`, prop).Scan(ctx, &unit))
		for i, exp := range []time.Time{now.Add(-10 * time.Minute), now.Add(-time.Minute), now.Add(10 * time.Minute)} {
			_, err := db.NewInsert().Model(&store.Reservation{
				Code: "RES27010" + string(rune('1'+i)) + "001", AccommodationID: unit,
				CheckIn: store.NewDate(2027, 1, 1+3*i), CheckOut: store.NewDate(2027, 1, 2+3*i), Guests: 1,
				Status: store.StatusPreReserved, Currency: "ARS", Quote: []byte("{}"), Source: "test", ExpiresAt: &exp,
			}).Exec(ctx)
			require.NoError(t, err)
		}
		_, err := db.NewInsert().Model(&store.OutboxItem{Channel: "whatsapp", Recipient: "x", Kind: "text", Payload: []byte("{}"),
			IdempotencyKey: "k1", Status: "pending", NotBefore: now.Add(-90 * time.Second)}).Exec(ctx)
		require.NoError(t, err)
		_, err = db.NewInsert().Model(&store.OutboxItem{Channel: "webchat", Recipient: "wc_x", Kind: "text", Payload: []byte("{}"),
			IdempotencyKey: "k3", Status: "pending", NotBefore: now.Add(-20 * time.Minute)}).Exec(ctx)
		require.NoError(t, err, "a web chat message waits for the guest's page, not for a sender: not a backlog")
		_, err = db.NewInsert().Model(&store.OutboxItem{Channel: "whatsapp", Recipient: "x", Kind: "text", Payload: []byte("{}"),
			IdempotencyKey: "k2", Status: "pending", NotBefore: now.Add(8 * time.Hour)}).Exec(ctx)
		require.NoError(t, err, "a message deferred by quiet hours is not a backlog")

		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP conserje_booking_holds_overdue Pre-reservations past their expiry by more than two minutes that are still active.
# TYPE conserje_booking_holds_overdue gauge
conserje_booking_holds_overdue 1
# HELP conserje_outbox_oldest_pending_seconds Age of the oldest outbox message due for delivery and not yet sent (0 when none).
# TYPE conserje_outbox_oldest_pending_seconds gauge
conserje_outbox_oldest_pending_seconds 90
`), "conserje_booking_holds_overdue", "conserje_outbox_oldest_pending_seconds"))
	})
}
