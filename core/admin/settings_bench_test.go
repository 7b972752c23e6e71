package admin_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/core/web/clientip"
)

// Server time per page of the settings and calendar (issue 15; goal p95 < 50 ms) with
// 100 units, two years of bookings and 10,000 conversations:
//
//	go test -run '^$' -bench BenchmarkSettingsPages -benchtime 200x ./core/admin/
//	CONSERJE_TEST_POSTGRES_URL=postgres://... go test -run '^$' -bench BenchmarkSettingsPages -benchtime 200x ./core/admin/

var benchNow = time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC)

// seedBusyInstall adds 97 units to the demo's 3, a 3-night booking every week of two years
// per unit (about 10,400, with guests' names and phones) plus a live hold per unit, and
// 10,000 conversations of three messages each.
func seedBusyInstall(b *testing.B, db *store.DB) {
	ctx := context.Background()
	if _, err := demo.Seed(ctx, db, "correct horse"); err != nil {
		b.Fatal(err)
	}
	var prop int64
	if err := db.NewSelect().Table("properties").Column("id").Limit(1).Scan(ctx, &prop); err != nil {
		b.Fatal(err)
	}
	bookingtest.AddUnits(b, db, prop, 97)
	var units []int64
	if err := db.NewSelect().Table("accommodations").Column("id").Order("id").Scan(ctx, &units); err != nil {
		b.Fatal(err)
	}
	from := store.DateOf(benchNow).AddDays(-365)
	expires := benchNow.Add(20 * time.Minute)
	var res []store.Reservation
	flush := func() {
		if len(res) > 0 {
			if _, err := db.NewInsert().Model(&res).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
		res = res[:0]
	}
	for i, u := range units {
		for w := range 104 {
			in := from.AddDays(7*w + i%7)
			r := store.Reservation{Code: fmt.Sprintf("B%03d%03d", i, w), AccommodationID: u, CheckIn: in, CheckOut: in.AddDays(3),
				Guests: 2, GuestName: fmt.Sprintf("Huésped %d-%d", i, w), GuestPhone: fmt.Sprintf("+54935155%05d", i*104+w),
				Status: store.StatusConfirmed, TotalCents: 13_500_000, DepositCents: 4_050_000, PaidCents: 4_050_000,
				Currency: "ARS", Quote: []byte("{}"), Source: "bench", CreatedAt: benchNow, UpdatedAt: benchNow}
			if in.AddDays(3).After(store.DateOf(benchNow)) && w == 60 {
				r.Status, r.ExpiresAt, r.PaidCents = store.StatusPreReserved, &expires, 0
			}
			res = append(res, r)
		}
		if len(res) >= 400 {
			flush()
		}
	}
	flush()
	convs := make([]store.Conversation, 0, 500)
	for start := 0; start < 10_000; start += 500 {
		convs = convs[:0]
		for i := start; i < start+500; i++ {
			at := benchNow.Add(-time.Duration(i) * time.Minute)
			convs = append(convs, store.Conversation{Channel: "webchat", Contact: fmt.Sprintf("wc_%06d", i), GuestName: fmt.Sprintf("Visitante %d", i),
				State: "bot", Session: []byte("{}"), LastInboundAt: &at, LastMessageAt: &at, CreatedAt: at, UpdatedAt: at})
		}
		if _, err := db.NewInsert().Model(&convs).Returning("id").Exec(ctx); err != nil {
			b.Fatal(err)
		}
		msgs := make([]store.Message, 0, 1500)
		for _, c := range convs {
			for k, dir := range []string{"in", "out", "in"} {
				msgs = append(msgs, store.Message{ConversationID: c.ID, Direction: dir, Channel: "webchat", Kind: "text",
					Text: fmt.Sprintf("mensaje %d", k), Payload: []byte("{}"), Status: "received", CreatedAt: c.CreatedAt})
			}
		}
		if _, err := db.NewInsert().Model(&msgs).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSettingsPages(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(d.name, func(b *testing.B) {
			db := d.open(b)
			seedBusyInstall(b, db)
			svc := booking.NewService(db, booking.Options{Now: func() time.Time { return benchNow }})
			h, err := admin.New(admin.Options{Log: slog.New(slog.DiscardHandler), DB: db, Bookings: svc, Conversations: &recordingConversations{},
				Now: func() time.Time { return benchNow }, Settings: settings.New(db, settings.Options{Catalog: svc})})
			if err != nil {
				b.Fatal(err)
			}
			app := fiber.New(fiber.Config{Immutable: true})
			ips, err := clientip.New([]string{"0.0.0.0"})
			if err != nil {
				b.Fatal(err)
			}
			app.Use(ips.Middleware())
			h.Mount(app)
			cookie := benchLogin(b, app)
			for _, path := range []string{
				"/admin/calendar/timeline?from=2027-01-04",
				"/admin/calendar/timeline?from=2027-01-01&days=31",
				"/admin/calendar/month?unit=50&month=2027-01",
				"/admin/calendar/bookings/B050060",
				"/admin/settings/",
				"/admin/settings/units",
				"/admin/settings/prices?unit=50&check_in=2027-03-08&check_out=2027-03-15&guests=2",
				"/admin/settings/holidays?year=2027",
				"/admin/settings/feeds",
				"/admin/settings/users",
			} {
				b.Run(strings.TrimPrefix(path, "/admin/"), func(b *testing.B) {
					times := make([]time.Duration, 0, b.N)
					for b.Loop() {
						req := httptest.NewRequest(http.MethodGet, path, nil)
						req.Header.Set("Cookie", cookie)
						t0 := time.Now()
						resp, err := app.Test(req, -1)
						if err != nil {
							b.Fatal(err)
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						times = append(times, time.Since(t0))
						if resp.StatusCode != http.StatusOK {
							b.Fatalf("%s: %d", path, resp.StatusCode)
						}
					}
					slices.Sort(times)
					b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
					b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
				})
			}
		})
	}
}

// benchLogin logs the demo admin in and returns the session cookie header.
func benchLogin(b *testing.B, app *fiber.App) string {
	resp, err := app.Test(httptest.NewRequest(http.MethodGet, "/admin/login", nil), -1)
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	m := csrfField.FindStringSubmatch(string(page))
	var loginCookie string
	for _, c := range resp.Cookies() {
		loginCookie = c.Name + "=" + c.Value
	}
	form := url.Values{"csrf": {m[1]}, "username": {"admin"}, "password": {"correct horse"}}
	req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", loginCookie)
	resp, err = app.Test(req, -1)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.Value != "" && c.Name == "conserje_admin" {
			return c.Name + "=" + c.Value
		}
	}
	b.Fatal("login failed")
	return ""
}
