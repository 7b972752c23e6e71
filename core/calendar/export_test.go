package calendar_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testSalt = "0123456789abcdef-test-salt"

// exportNow is 09:00 in Buenos Aires on 1 January 2027.
var exportNow = time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)

func day(s string) store.Date {
	d, err := store.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

type exportFixture struct {
	db   *store.DB
	exp  *calendar.Exporter
	demo bookingtest.Demo
}

// newExportFixture seeds Cabaña Robles with one of everything a feed may or may not show.
func newExportFixture(t *testing.T, db *store.DB) exportFixture {
	t.Helper()
	ctx := context.Background()
	demo := bookingtest.SeedDemo(t, db)
	exp, err := calendar.NewExporter(db, testSalt, calendar.ExportOptions{Now: func() time.Time { return exportNow }, ExportHolds: true})
	require.NoError(t, err)
	expires := func(d time.Duration) *time.Time { t := exportNow.Add(d); return &t }
	res := func(code, in, out, status string, exp *time.Time) store.Reservation {
		return store.Reservation{Code: code, AccommodationID: demo.Robles, CheckIn: day(in), CheckOut: day(out), Guests: 2,
			GuestName: "Ana Pérez", GuestPhone: "+5493511234567", GuestEmail: "ana@example.com", Status: status,
			TotalCents: 1, DepositCents: 1, Currency: "ARS", Quote: []byte("{}"), Source: "bot", ExpiresAt: exp,
			CreatedAt: exportNow, UpdatedAt: exportNow}
	}
	rows := []store.Reservation{
		res("RES270105001", "2027-01-05", "2027-01-08", store.StatusConfirmed, nil),
		res("RES270110001", "2027-01-10", "2027-01-12", store.StatusPreReserved, expires(20*time.Minute)),
		res("RES270115001", "2027-01-15", "2027-01-17", store.StatusPreReserved, expires(-time.Minute)), // lapsed
		res("RES270120001", "2027-01-20", "2027-01-22", store.StatusCancelled, nil),
		res("RES261101001", "2026-11-01", "2026-11-03", store.StatusConfirmed, nil), // long gone
	}
	_, err = db.NewInsert().Model(&rows).Exec(ctx)
	require.NoError(t, err)
	_, err = db.NewInsert().Model(&store.AvailabilityEntry{AccommodationID: demo.Robles, StartDate: day("2027-02-01"),
		EndDate: day("2027-02-03"), Kind: "block", Note: "arreglo de la pileta", CreatedBy: "admin"}).Exec(ctx)
	require.NoError(t, err)
	for _, f := range []struct{ platform, uid, in, out string }{
		{"airbnb", "HMABCDEF1234@airbnb.com", "2027-02-10", "2027-02-14"},
		{"booking", "9876543@booking.com", "2027-03-01", "2027-03-05"},
	} {
		feed := store.CalendarFeed{AccommodationID: demo.Robles, Platform: f.platform, URL: "https://" + f.platform + ".example/robles.ics",
			Enabled: true, LastStatus: "ok"}
		_, err = db.NewInsert().Model(&feed).Returning("id").Exec(ctx)
		require.NoError(t, err)
		_, err = db.NewInsert().Model(&store.ImportedBlock{FeedID: feed.ID, AccommodationID: demo.Robles, UID: f.uid,
			StartDate: day(f.in), EndDate: day(f.out), Kind: "reservation", Summary: "Reserved - Juan Gómez",
			ReservationCode: "HMABCDEF1234", Status: "active"}).Exec(ctx)
		require.NoError(t, err)
	}
	return exportFixture{db: db, exp: exp, demo: demo}
}

func TestExportTokens(t *testing.T) {
	db := storetest.SQLite(t)
	exp, err := calendar.NewExporter(db, testSalt, calendar.ExportOptions{})
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, unit := range []int64{1, 2} {
		for _, portal := range calendar.ExportPortals() {
			tok := exp.Token(unit, portal)
			assert.Len(t, tok, 64)
			assert.False(t, seen[tok], "one token per unit and portal")
			seen[tok] = true
			assert.Equal(t, tok, exp.Token(unit, portal), "stable")
			got, ok := exp.Verify(unit, tok)
			assert.True(t, ok)
			assert.Equal(t, portal, got)
		}
	}
	_, ok := exp.Verify(2, exp.Token(1, "airbnb"))
	assert.False(t, ok, "a token is bound to its unit")
	_, ok = exp.Verify(1, strings.ToUpper(exp.Token(1, "airbnb")))
	assert.False(t, ok)
	_, ok = exp.Verify(1, "")
	assert.False(t, ok)
	other, err := calendar.NewExporter(db, "another-salt-0123456789", calendar.ExportOptions{})
	require.NoError(t, err)
	assert.NotEqual(t, exp.Token(1, "airbnb"), other.Token(1, "airbnb"), "the salt is the secret")
	_, err = calendar.NewExporter(db, "short", calendar.ExportOptions{})
	require.Error(t, err)
	assert.Equal(t, "https://reservas.example/ical/accommodation/1/"+exp.Token(1, "vrbo")+".ics", exp.URL("https://reservas.example/", 1, "vrbo"))
}

func TestExportFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := newExportFixture(t, db)
		body, err := fx.exp.Feed(context.Background(), fx.demo.Robles, "airbnb")
		require.NoError(t, err)

		t.Run("golden", func(t *testing.T) {
			golden := filepath.Join("testdata", "export_airbnb.ics")
			if *update && db.Dialect() == store.SQLite {
				require.NoError(t, os.WriteFile(golden, body, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(body))
		})
		t.Run("strict reader", func(t *testing.T) {
			events, err := strictRead(body)
			require.NoError(t, err)
			var got []string
			for _, e := range events {
				got = append(got, e["DTSTART;VALUE=DATE"]+"-"+e["DTEND;VALUE=DATE"]+" "+e["SUMMARY"])
			}
			assert.Equal(t, []string{
				"20270105-20270108 Reservado",     // confirmed
				"20270110-20270112 Reservado",     // active hold
				"20270201-20270203 No disponible", // manual block
				"20270301-20270305 No disponible", // Booking.com's block
			}, got, "lapsed and cancelled holds, old stays and Airbnb's own block are left out")
		})
		t.Run("go-ical reads it back", func(t *testing.T) {
			cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
			require.NoError(t, err)
			evs := cal.Events()
			require.Len(t, evs, 4)
			start, err := evs[0].DateTimeStart(time.UTC)
			require.NoError(t, err)
			assert.Equal(t, "2027-01-05", start.Format("2006-01-02"))
			end, err := evs[0].DateTimeEnd(time.UTC)
			require.NoError(t, err)
			assert.Equal(t, "2027-01-08", end.Format("2006-01-02"))
			assert.Equal(t, ical.ValueDate, evs[0].Props.Get(ical.PropDateTimeStart).ValueType(), "all-day events")
			name, err := cal.Props.Text("X-WR-CALNAME")
			require.NoError(t, err)
			assert.Equal(t, "Cabaña Robles · conserje → airbnb", name, "unfolded across a split line")
		})
		t.Run("no guest data", func(t *testing.T) {
			for _, secret := range []string{"Ana", "Pérez", "5493511234567", "ana@example.com", "Juan", "HMABCDEF1234", "9876543", "pileta"} {
				assert.NotContains(t, string(body), secret)
			}
		})
		t.Run("another portal gets Airbnb's block and not its own", func(t *testing.T) {
			other, err := fx.exp.Feed(context.Background(), fx.demo.Robles, "booking")
			require.NoError(t, err)
			events, err := strictRead(other)
			require.NoError(t, err)
			var starts []string
			for _, e := range events {
				starts = append(starts, e["DTSTART;VALUE=DATE"])
			}
			assert.Equal(t, []string{"20270105", "20270110", "20270201", "20270210"}, starts)
		})
		t.Run("UIDs are stable and the hold keeps its UID when confirmed", func(t *testing.T) {
			_, err := db.NewUpdate().Table("reservations").Set("status = ?", store.StatusConfirmed).Where("code = ?", "RES270110001").Exec(context.Background())
			require.NoError(t, err)
			again, err := fx.exp.Feed(context.Background(), fx.demo.Robles, "airbnb")
			require.NoError(t, err)
			a, err := strictRead(body)
			require.NoError(t, err)
			b, err := strictRead(again)
			require.NoError(t, err)
			require.Len(t, b, len(a))
			for i := range a {
				assert.Equal(t, a[i]["UID"], b[i]["UID"])
			}
		})
		t.Run("unknown unit", func(t *testing.T) {
			_, err := fx.exp.Feed(context.Background(), 9999, "airbnb")
			require.ErrorIs(t, err, calendar.ErrUnknownExport)
		})
	})
}

func TestExportEmptyFeed(t *testing.T) {
	db := storetest.SQLite(t)
	demo := bookingtest.SeedDemo(t, db)
	exp, err := calendar.NewExporter(db, testSalt, calendar.ExportOptions{Now: func() time.Time { return exportNow }})
	require.NoError(t, err)
	body, err := exp.Feed(context.Background(), demo.Centro, "vrbo")
	require.NoError(t, err)
	events, err := strictRead(body)
	require.NoError(t, err)
	assert.Empty(t, events)
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	require.NoError(t, err)
	assert.Empty(t, cal.Events())
}

func TestRecordFetchAndFreshness(t *testing.T) {
	db := storetest.SQLite(t)
	demo := bookingtest.SeedDemo(t, db)
	now := exportNow
	exp, err := calendar.NewExporter(db, testSalt, calendar.ExportOptions{Now: func() time.Time { return now }})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, exp.RecordFetch(ctx, demo.Robles, "airbnb", "Airbnb/1.0", "203.0.113.5"))
	now = now.Add(8 * 24 * time.Hour)
	require.NoError(t, exp.RecordFetch(ctx, demo.Robles, "airbnb", "Airbnb/1.0", "203.0.113.5"))
	require.NoError(t, exp.RecordFetch(ctx, demo.Robles, "booking", strings.Repeat("x", 1000), "203.0.113.6"))
	var n int
	require.NoError(t, db.NewSelect().Table("ical_export_fetches").ColumnExpr("count(*)").Scan(ctx, &n))
	assert.Equal(t, 2, n, "the week-old airbnb fetch was pruned")
	fresh, err := exp.Freshness(ctx)
	require.NoError(t, err)
	require.Len(t, fresh, 2)
	assert.Equal(t, "airbnb", fresh[0].Portal)
	assert.True(t, fresh[0].LastFetched.Equal(now), "got %s", fresh[0].LastFetched)
}

func TestFoldingNeverSplitsUTF8(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	demo := bookingtest.SeedDemo(t, db)
	for i := range 12 {
		// Names whose multi-byte letters land on every possible fold position.
		name := strings.Repeat("x", i) + strings.Repeat("ñandú ", 20)
		_, err := db.NewUpdate().Table("accommodations").Set("name = ?", name).Where("id = ?", demo.Robles).Exec(ctx)
		require.NoError(t, err)
		exp, err := calendar.NewExporter(db, testSalt, calendar.ExportOptions{Now: func() time.Time { return exportNow }})
		require.NoError(t, err)
		body, err := exp.Feed(ctx, demo.Robles, "google")
		require.NoError(t, err)
		_, err = strictRead(body)
		require.NoError(t, err)
		cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
		require.NoError(t, err)
		got, err := cal.Props.Text("X-WR-CALNAME")
		require.NoError(t, err)
		assert.Equal(t, name+" · conserje → google", got)
	}
}

// strictRead checks an iCalendar body the way the strictest portal would: CRLF line ends
// only, physical lines of at most 75 octets, every physical line valid UTF-8 (so no fold
// split a character), continuation lines starting with one space, balanced components,
// and the required properties. It returns each VEVENT's properties by name (with params).
func strictRead(body []byte) ([]map[string]string, error) {
	if !bytes.HasSuffix(body, []byte("\r\n")) {
		return nil, fmt.Errorf("body does not end in CRLF")
	}
	physical := strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n")
	var logical []string
	for i, l := range physical {
		if strings.ContainsAny(l, "\r\n") {
			return nil, fmt.Errorf("line %d: bare CR or LF", i+1)
		}
		if len(l) > 75 {
			return nil, fmt.Errorf("line %d: %d octets", i+1, len(l))
		}
		if !utf8.ValidString(l) {
			return nil, fmt.Errorf("line %d: invalid UTF-8 (a fold split a character?)", i+1)
		}
		if strings.HasPrefix(l, " ") {
			if len(logical) == 0 {
				return nil, fmt.Errorf("line %d: continuation with nothing to continue", i+1)
			}
			logical[len(logical)-1] += l[1:]
			continue
		}
		if strings.HasPrefix(l, "\t") || l == "" {
			return nil, fmt.Errorf("line %d: unexpected blank or tab-folded line", i+1)
		}
		logical = append(logical, l)
	}
	var stack []string
	var events []map[string]string
	var cur map[string]string
	calProps := map[string]bool{}
	for i, l := range logical {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("content line %d has no value: %q", i+1, l)
		}
		switch name {
		case "BEGIN":
			stack = append(stack, value)
			if value == "VEVENT" {
				cur = map[string]string{}
			}
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				return nil, fmt.Errorf("END:%s does not close %v", value, stack)
			}
			stack = stack[:len(stack)-1]
			if value == "VEVENT" {
				for _, req := range []string{"UID", "DTSTAMP", "DTSTART;VALUE=DATE", "DTEND;VALUE=DATE"} {
					if cur[req] == "" {
						return nil, fmt.Errorf("event %v lacks %s", cur, req)
					}
				}
				events = append(events, cur)
				cur = nil
			}
			continue
		}
		if len(stack) == 1 {
			calProps[name] = true
		}
		if cur != nil {
			if _, dup := cur[name]; dup {
				return nil, fmt.Errorf("event has %s twice", name)
			}
			cur[name] = value
		}
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("unclosed components %v", stack)
	}
	if len(logical) == 0 || logical[0] != "BEGIN:VCALENDAR" {
		return nil, fmt.Errorf("does not start with BEGIN:VCALENDAR")
	}
	for _, req := range []string{"PRODID", "VERSION"} {
		if !calProps[req] {
			return nil, fmt.Errorf("calendar lacks %s", req)
		}
	}
	return events, nil
}

// TestExportLeavesHoldsOutByDefault: a 30-minute hold is not "Reservado" on the portals
// unless calendar.export_holds says so (they poll every 1–3 h and keep it for hours).
func TestExportLeavesHoldsOutByDefault(t *testing.T) {
	db := storetest.SQLite(t)
	f := newExportFixture(t, db)
	def, err := calendar.NewExporter(db, testSalt, calendar.ExportOptions{Now: func() time.Time { return exportNow }})
	require.NoError(t, err)
	body, err := def.Feed(context.Background(), f.demo.Robles, "airbnb")
	require.NoError(t, err)
	assert.Contains(t, string(body), "stay-RES270105001@conserje", "confirmed bookings are exported")
	assert.NotContains(t, string(body), "RES270110001", "a live hold is not")
	withHolds, err := f.exp.Feed(context.Background(), f.demo.Robles, "airbnb")
	require.NoError(t, err)
	assert.Contains(t, string(withHolds), "stay-RES270110001@conserje", "unless export_holds is on")
}

// TestExportFollowsAMove: a booking staff move shows at its new nights in the new unit's
// feed, under the same UID, and leaves the old unit's feed on the very next fetch (the
// feed is rendered from the database on every request: nothing to invalidate).
func TestExportFollowsAMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		demo := bookingtest.SeedDemo(t, db)
		svc := booking.NewService(db, booking.Options{Now: func() time.Time { return exportNow }})
		exp, err := calendar.NewExporter(db, testSalt, calendar.ExportOptions{Now: func() time.Time { return exportNow }})
		require.NoError(t, err)
		r, err := svc.BookManual(ctx, booking.ManualBooking{UnitID: demo.Robles, Stay: booking.NewStay(day("2027-01-11"), day("2027-01-14")),
			Guests: 2, Guest: booking.Guest{Name: "Ana"}, By: "staff:test"})
		require.NoError(t, err)
		events := func(unit int64) []string {
			t.Helper()
			body, err := exp.Feed(ctx, unit, "airbnb")
			require.NoError(t, err)
			evs, err := strictRead(body)
			require.NoError(t, err)
			var out []string
			for _, e := range evs {
				out = append(out, e["UID"]+" "+e["DTSTART;VALUE=DATE"]+"-"+e["DTEND;VALUE=DATE"])
			}
			return out
		}
		uid := "stay-" + r.Code + "@conserje"
		assert.Equal(t, []string{uid + " 20270111-20270114"}, events(demo.Robles))
		_, err = svc.Move(ctx, r.Code, booking.MoveRequest{UnitID: demo.Coihue, Stay: booking.NewStay(day("2027-01-18"), day("2027-01-21")), KeepTotal: true, By: "staff:test"})
		require.NoError(t, err)
		assert.Empty(t, events(demo.Robles), "the old unit's nights are free for the portals")
		assert.Equal(t, []string{uid + " 20270118-20270121"}, events(demo.Coihue))
	})
}
