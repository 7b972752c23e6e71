package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// seedBusy fills the demo with a busy host's history: 10,000 conversations of 4 messages
// each, 100 units and two years of bookings (a stay of 3 nights every 6 days per unit,
// one booking in three made through a conversation).
func seedBusy(b *testing.B, db *store.DB) (conversationID, reservationID int64) {
	b.Helper()
	ctx := context.Background()
	var prop int64
	require.NoError(b, db.NewSelect().Model((*store.Property)(nil)).Column("id").Limit(1).Scan(ctx, &prop))
	units := bookingtest.AddUnits(b, db, prop, 97)
	start := time.Date(2025, 12, 1, 12, 0, 0, 0, time.UTC)
	const conversations = 10_000
	convIDs := make([]int64, 0, conversations)
	for batch := 0; batch < conversations; batch += 500 {
		rows := make([]store.Conversation, 500)
		for i := range rows {
			n := batch + i
			at := start.Add(time.Duration(n) * 90 * time.Minute)
			state, reason := "bot", ""
			if n%50 == 0 {
				state, reason = "escalated", "explicit"
			}
			rows[i] = store.Conversation{Channel: []string{"whatsapp", "webchat", "email"}[n%3], Contact: fmt.Sprintf("+549351%07d", n),
				AddressKind: []string{"phone", "web", "email"}[n%3], GuestName: fmt.Sprintf("Huésped %05d", n), State: state, EscalationReason: reason,
				Session: json.RawMessage("{}"), LastInboundAt: &at, LastMessageAt: &at, CreatedAt: at, UpdatedAt: at}
		}
		_, err := db.NewInsert().Model(&rows).Returning("id").Exec(ctx)
		require.NoError(b, err)
		msgs := make([]store.Message, 0, len(rows)*4)
		for _, c := range rows {
			convIDs = append(convIDs, c.ID)
			for j, dir := range []string{"in", "out", "in", "out"} {
				msgs = append(msgs, store.Message{ConversationID: c.ID, Direction: dir, Channel: c.Channel, Kind: "text",
					Text: "Hola, ¿tienen lugar para 4 del 5 al 8 de enero?", Payload: json.RawMessage("{}"), Status: "sent",
					CreatedAt: c.CreatedAt.Add(time.Duration(j) * time.Second)})
			}
		}
		_, err = db.NewInsert().Model(&msgs).Exec(ctx)
		require.NoError(b, err)
	}
	var res []store.Reservation
	seq := 0
	for _, u := range units {
		for d := store.NewDate(2026, 1, 1); d.Before(store.NewDate(2028, 1, 1)); d = d.AddDays(6) {
			seq++
			var conv *int64
			if seq%3 == 0 {
				conv = &convIDs[seq%len(convIDs)]
			}
			res = append(res, store.Reservation{Code: fmt.Sprintf("RESB%08d", seq), AccommodationID: u, CheckIn: d, CheckOut: d.AddDays(3),
				Guests: 2, GuestName: fmt.Sprintf("Huésped %05d", seq%conversations), GuestPhone: fmt.Sprintf("+549351%07d", seq%conversations),
				Status: store.StatusConfirmed, TotalCents: 13_500_000, DepositCents: 4_050_000, PaidCents: 4_050_000, Currency: "ARS",
				Quote: json.RawMessage("{}"), Source: "bench", ConversationID: conv})
		}
	}
	for i := 0; i < len(res); i += 1000 {
		chunk := res[i:min(i+1000, len(res))]
		_, err := db.NewInsert().Model(&chunk).Returning("id").Exec(ctx)
		require.NoError(b, err)
	}
	if db.Dialect() == store.Postgres {
		_, err := db.ExecContext(ctx, "ANALYZE") // as autovacuum would have by then
		require.NoError(b, err)
	}
	return convIDs[conversations/2], res[len(res)/2].ID
}

// BenchmarkPages measures the server time of each admin page with a busy host's data
// (seedBusy), and reports its 95th percentile as p95-ms.
//
//	go test ./core/admin -run '^$' -bench Pages -benchtime 200x
func BenchmarkPages(b *testing.B) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			var db *store.DB
			if dbName == "sqlite" {
				db = storetest.SQLite(b)
			} else {
				db = storetest.Postgres(b)
			}
			e := setupOn(b, db)
			conv, res := seedBusy(b, db)
			br := &browser{t: b, app: e.app, cookies: map[string]string{}}
			br.login("correct horse")
			pages := []struct{ name, path string }{
				{"home", "/admin/"},
				{"inbox", "/admin/conversations"},
				{"inbox-page-100", "/admin/conversations?page=100"},
				{"inbox-search-name", "/admin/conversations?q=" + "hu%C3%A9sped%2004321"},
				{"inbox-search-phone", "/admin/conversations?q=3510004321"},
				{"conversation", fmt.Sprintf("/admin/conversations/%d", conv)},
				{"reservation", fmt.Sprintf("/admin/reservations/%d", res)},
				{"reports", "/admin/reports?year=2027"},
				// Each iteration asks for other days, so none is served from the reports cache.
				{"reports-uncached", "/admin/reports?year=2027&days=%d"},
			}
			for _, p := range pages {
				b.Run(p.name, func(b *testing.B) {
					took := make([]time.Duration, 0, b.N)
					for i := range b.N {
						path := p.path
						if strings.Contains(path, "%d") {
							path = fmt.Sprintf(path, 1+i%366)
						}
						t0 := time.Now()
						resp, _ := br.do(http.MethodGet, path, nil)
						took = append(took, time.Since(t0))
						if resp.StatusCode != http.StatusOK {
							b.Fatalf("%s: %d", path, resp.StatusCode)
						}
					}
					sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
					b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
				})
			}
		})
	}
}
