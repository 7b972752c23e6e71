package stats_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/stats"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

// fixture writes what a week of guests leaves in the database: 5 conversations (one of them
// 10 days old, outside a 7-day report), 3 shown an offer (one of them twice), 2 holds of
// which 1 lapsed and 1 was paid and confirmed, fallbacks and an escalation.
func fixture(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	demo := bookingtest.SeedDemo(t, db)
	convs := make([]int64, 0, 5)
	for i, age := range []time.Duration{240 * time.Hour, 48 * time.Hour, 30 * time.Hour, 5 * time.Hour, time.Hour} {
		at := t0.Add(-age)
		c := store.Conversation{Channel: "webchat", Contact: "g" + strconv.Itoa(i), State: "bot", Session: json.RawMessage("{}"),
			CreatedAt: at, UpdatedAt: at}
		_, err := db.NewInsert().Model(&c).Returning("id").Exec(ctx)
		require.NoError(t, err)
		convs = append(convs, c.ID)
		for j := range 2 {
			m := store.Message{ConversationID: c.ID, Direction: "in", Channel: "webchat", Kind: "text", Text: "hola",
				Payload: json.RawMessage("{}"), Status: "processed", CreatedAt: at.Add(time.Duration(j) * time.Minute)}
			_, err := db.NewInsert().Model(&m).Exec(ctx)
			require.NoError(t, err)
		}
	}
	event := func(aggType, aggID, typ string, at time.Time) {
		ev := store.DomainEvent{AggregateType: aggType, AggregateID: aggID, Type: typ, Payload: json.RawMessage("{}"), OccurredAt: at}
		_, err := db.NewInsert().Model(&ev).Exec(ctx)
		require.NoError(t, err)
	}
	conv := func(i int) string { return strconv.FormatInt(convs[i], 10) }
	event(conversation.AggregateConversation, conv(0), conversation.EventOfferMade, t0.Add(-240*time.Hour))
	event(conversation.AggregateConversation, conv(1), conversation.EventOfferMade, t0.Add(-48*time.Hour))
	event(conversation.AggregateConversation, conv(1), conversation.EventOfferMade, t0.Add(-47*time.Hour))
	event(conversation.AggregateConversation, conv(3), conversation.EventOfferMade, t0.Add(-5*time.Hour))
	event(conversation.AggregateConversation, conv(4), conversation.EventOfferMade, t0.Add(-time.Hour))
	event(conversation.AggregateConversation, conv(2), conversation.EventFallback, t0.Add(-30*time.Hour))
	event(conversation.AggregateConversation, conv(2), conversation.EventFallback, t0.Add(-30*time.Hour+time.Minute))
	event(conversation.AggregateConversation, conv(2), conversation.EventEscalated, t0.Add(-30*time.Hour+time.Minute))

	hold := func(code string, at time.Time, checkIn string) int64 {
		in, _ := store.ParseDate(checkIn)
		r := store.Reservation{Code: code, AccommodationID: demo.Robles, CheckIn: in, CheckOut: in.AddDays(3), Guests: 4,
			Status: store.StatusPreReserved, TotalCents: 13_500_000, DepositCents: 4_050_000, Currency: "ARS",
			Quote: json.RawMessage("{}"), Source: "bot", ExpiresAt: new(at.Add(30 * time.Minute)), CreatedAt: at, UpdatedAt: at}
		_, err := db.NewInsert().Model(&r).Returning("id").Exec(ctx)
		require.NoError(t, err)
		event(booking.AggregateReservation, code, booking.EventHoldCreated, at)
		return r.ID
	}
	hold("RES000000001", t0.Add(-47*time.Hour), "2027-01-05")
	event(booking.AggregateReservation, "RES000000001", booking.EventHoldExpired, t0.Add(-46*time.Hour))
	paid := hold("RES000000002", t0.Add(-4*time.Hour), "2027-01-10")
	p := store.PaymentRecord{ReservationID: paid, Provider: "mercadopago", ProviderPaymentID: new("mp-1"), Status: "approved",
		AmountCents: 4_050_000, Currency: "ARS", Raw: json.RawMessage("{}"), CreatedAt: t0.Add(-3 * time.Hour), UpdatedAt: t0.Add(-3 * time.Hour)}
	_, err := db.NewInsert().Model(&p).Exec(ctx)
	require.NoError(t, err)
	event(booking.AggregateReservation, "RES000000002", booking.EventReservationConfirmed, t0.Add(-3*time.Hour))
}

func TestReadCountsTheFunnelAndRates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixture(t, db)
		r, err := stats.Read(context.Background(), db, t0.AddDate(0, 0, -7), t0)
		require.NoError(t, err)
		assert.Equal(t, map[string]int64{
			stats.StageStarted: 4, stats.StageOffered: 3, stats.StageHeld: 2,
			stats.StageHoldsExpired: 1, stats.StagePaid: 1, stats.StageConfirmed: 1,
		}, r.Funnel, "the 10-day-old conversation is outside; an offer shown twice counts once")
		assert.Equal(t, int64(8), r.Messages)
		assert.Equal(t, int64(2), r.Fallbacks)
		assert.Equal(t, int64(1), r.Escalated)
		assert.InDelta(t, 0.25, r.FallbackRate(), 1e-9)
		assert.InDelta(t, 0.25, r.HandoffRate(), 1e-9)
		assert.InDelta(t, 0.25, r.Conversion(), 1e-9)

		var buf bytes.Buffer
		require.NoError(t, r.WriteText(&buf))
		golden(t, "week.txt", buf.Bytes())

		all, err := stats.Read(context.Background(), db, time.Time{}, t0.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, int64(5), all.Funnel[stats.StageStarted])
		assert.Equal(t, int64(4), all.Funnel[stats.StageOffered])
	})
}

// The collector reads the same figures for /metrics, plus each feed's last good read and
// the conflicts found by whichever process ran the sync (here: rows, as a CLI sync leaves).
func TestCollectorExportsWhatTheDatabaseHolds(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	fixture(t, db)
	ctx := context.Background()
	var unit int64
	require.NoError(t, db.NewSelect().Model((*store.Accommodation)(nil)).Column("id").Limit(1).Scan(ctx, &unit))
	read := t0.Add(-10 * time.Minute)
	monthAgo := t0.AddDate(0, -1, 0)
	feeds := []store.CalendarFeed{
		{AccommodationID: unit, Platform: "airbnb", URL: "https://a.example/1.ics", Enabled: true, LastStatus: "ok",
			LastSuccessAt: &read, LastAttemptAt: &read},
		{AccommodationID: unit, Platform: "booking", URL: "https://b.example/1.ics", Enabled: true, LastStatus: "never"},
		// Paused by staff a month ago: no series, so the stale-feed alert stays silent.
		{AccommodationID: unit, Platform: "vrbo", URL: "https://v.example/1.ics", Enabled: false, LastStatus: "ok",
			LastSuccessAt: &monthAgo, LastAttemptAt: &monthAgo},
	}
	_, err := db.NewInsert().Model(&feeds).Exec(ctx)
	require.NoError(t, err)
	resolved := t0
	conflicts := []store.CalendarConflict{
		{AccommodationID: unit, Detail: "open one"},
		{AccommodationID: unit, Detail: "resolved one", ResolvedAt: &resolved, ResolvedBy: "admin"},
	}
	_, err = db.NewInsert().Model(&conflicts).Exec(ctx)
	require.NoError(t, err)

	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(stats.NewCollector(db)))
	want := `
# HELP conserje_calendar_conflicts_open Calendar conflicts not resolved yet: a unit may be booked twice.
# TYPE conserje_calendar_conflicts_open gauge
conserje_calendar_conflicts_open 1
# HELP conserje_calendar_conflicts_detected_total Calendar conflicts (an imported booking colliding with ours) ever detected, by whichever process ran the sync.
# TYPE conserje_calendar_conflicts_detected_total counter
conserje_calendar_conflicts_detected_total 2
# HELP conserje_funnel_total Booking funnel since the start, from the database, by stage: conversations_started, offers (conversations shown an offer), holds, holds_expired, paid, confirmed.
# TYPE conserje_funnel_total counter
conserje_funnel_total{stage="confirmed"} 1
conserje_funnel_total{stage="conversations_started"} 5
conserje_funnel_total{stage="holds"} 2
conserje_funnel_total{stage="holds_expired"} 1
conserje_funnel_total{stage="offers"} 4
conserje_funnel_total{stage="paid"} 1
# HELP conserje_stats_scrape_ok 1 when the figures read from the database could be read.
# TYPE conserje_stats_scrape_ok gauge
conserje_stats_scrape_ok 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want),
		"conserje_calendar_conflicts_open", "conserje_calendar_conflicts_detected_total", "conserje_funnel_total", "conserje_stats_scrape_ok"))
	families, err := reg.Gather()
	require.NoError(t, err)
	last := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "conserje_calendar_feed_last_success_timestamp_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "platform" {
					last[l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
	}
	assert.Equal(t, map[string]float64{"airbnb": float64(read.Unix()), "booking": 0}, last, "the paused vrbo feed is left out")

	// A database that went away: the scrape says so instead of failing /metrics.
	require.NoError(t, db.Close())
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP conserje_stats_scrape_ok 1 when the figures read from the database could be read.
# TYPE conserje_stats_scrape_ok gauge
conserje_stats_scrape_ok 0
`), "conserje_stats_scrape_ok"))
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Time
		wantErr  bool
	}{
		{"days", "7d", now.AddDate(0, 0, -7), false},
		{"hours", "36h", now.Add(-36 * time.Hour), false},
		{"minutes", "90m", now.Add(-90 * time.Minute), false},
		{"date", "2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), false},
		{"zero days", "0d", time.Time{}, true},
		{"negative", "-5h", time.Time{}, true},
		{"words", "last week", time.Time{}, true},
		{"empty", "", time.Time{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := stats.ParseSince(tc.in, now)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got))
}
