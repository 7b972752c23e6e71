package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// start is 09:00 in Buenos Aires on 1 January 2027.
var start = time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)

func date(s string) store.Date {
	d, err := store.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func stay(in, out string) booking.Stay { return booking.NewStay(date(in), date(out)) }

type fixture struct {
	db    *store.DB
	svc   *booking.Service
	clock *bookingtest.Clock
	demo  bookingtest.Demo
}

func newFixture(t *testing.T, db *store.DB) fixture {
	clock := bookingtest.NewClock(start)
	demo := bookingtest.SeedDemo(t, db)
	// One guest makes every hold of these tests; the per-requester limit has its own test.
	svc := booking.NewService(db, booking.Options{Now: clock.Now, HoldsPerHour: 1000})
	return fixture{db: db, svc: svc, clock: clock, demo: demo}
}

func (f fixture) hold(t *testing.T, unit int64, s booking.Stay) booking.Reservation {
	t.Helper()
	r, err := f.svc.Hold(context.Background(), booking.HoldRequest{UnitID: unit, Stay: s, Guests: 2,
		Guest: booking.Guest{Name: "Ana Pérez", Phone: "+5493511234567", Email: "ana@example.com"}})
	require.NoError(t, err)
	return r
}

func eventTypes(t *testing.T, svc *booking.Service, code string) []string {
	t.Helper()
	evs, err := svc.History(context.Background(), code)
	require.NoError(t, err)
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func TestHoldLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)

		t.Run("hold gets a code and 30 minutes", func(t *testing.T) {
			r := f.hold(t, f.demo.Robles, stay("2027-01-05", "2027-01-08"))
			assert.Equal(t, "RES270105001", r.Code)
			assert.Equal(t, store.StatusPreReserved, r.Status)
			require.NotNil(t, r.ExpiresAt)
			assert.True(t, r.ExpiresAt.Equal(start.Add(30*time.Minute)), "expires at %s", r.ExpiresAt)
			assert.Equal(t, int64(13_500_000), r.TotalCents)
			assert.Equal(t, int64(4_050_000), r.DepositCents)
			assert.Equal(t, []string{booking.EventHoldCreated}, eventTypes(t, f.svc, r.Code))
		})
		t.Run("overlapping hold is refused with alternatives", func(t *testing.T) {
			_, err := f.svc.Hold(ctx, booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2027-01-07", "2027-01-09"), Guests: 4})
			var ue *booking.UnavailableError
			require.ErrorAs(t, err, &ue)
			require.ErrorIs(t, err, booking.ErrUnavailable)
			require.NotEmpty(t, ue.Alternatives)
			assert.Equal(t, booking.AltOtherUnit, ue.Alternatives[0].Kind)
			assert.Equal(t, f.demo.Coihue, ue.Alternatives[0].Unit.ID, "Coihue fits 4; Centro sleeps 2")
			var shifted []booking.Alternative
			for _, a := range ue.Alternatives {
				if a.Kind == booking.AltOtherDates {
					shifted = append(shifted, a)
				}
			}
			require.NotEmpty(t, shifted)
			assert.Equal(t, f.demo.Robles, shifted[0].Unit.ID)
			assert.Equal(t, 2, shifted[0].Quote.Stay.Nights(), "same length")
			assert.Equal(t, 1, shifted[0].ShiftDays, "the nearest free stay starts at the hold's check-out")
		})
		t.Run("back-to-back stays do not collide", func(t *testing.T) {
			r := f.hold(t, f.demo.Robles, stay("2027-01-08", "2027-01-10"))
			assert.Equal(t, "RES270108001", r.Code)
		})
		t.Run("a hold lapses at 30 minutes and the job expires it", func(t *testing.T) {
			f.clock.Set(start.Add(30*time.Minute - time.Second))
			n, err := f.svc.ExpireLapsed(ctx)
			require.NoError(t, err)
			assert.Equal(t, 0, n, "not yet")
			free, err := f.svc.IsFree(ctx, f.demo.Robles, stay("2027-01-05", "2027-01-08"))
			require.NoError(t, err)
			assert.False(t, free)

			f.clock.Set(start.Add(30 * time.Minute))
			free, err = f.svc.IsFree(ctx, f.demo.Robles, stay("2027-01-05", "2027-01-08"))
			require.NoError(t, err)
			assert.True(t, free, "a lapsed hold blocks nothing even before the job runs")
			n, err = f.svc.ExpireLapsed(ctx)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			r, err := f.svc.Get(ctx, "RES270105001")
			require.NoError(t, err)
			assert.Equal(t, store.StatusExpired, r.Status)
			assert.Equal(t, []string{booking.EventHoldCreated, booking.EventHoldExpired}, eventTypes(t, f.svc, r.Code))
			n, err = f.svc.ExpireLapsed(ctx)
			require.NoError(t, err)
			assert.Equal(t, 0, n, "expiring is idempotent")
		})
		t.Run("the day's sequence goes on after an expiry", func(t *testing.T) {
			r := f.hold(t, f.demo.Robles, stay("2027-01-05", "2027-01-08"))
			assert.Equal(t, "RES270105002", r.Code)
		})
	})
}

func TestExtend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r := f.hold(t, f.demo.Coihue, stay("2027-01-05", "2027-01-08"))

		f.clock.Advance(10 * time.Minute)
		ext, err := f.svc.Extend(ctx, r.Code)
		require.NoError(t, err)
		assert.True(t, ext.ExpiresAt.Equal(start.Add(45*time.Minute)), "30 + 15 minutes from creation, got %s", ext.ExpiresAt)

		_, err = f.svc.Extend(ctx, r.Code)
		require.ErrorIs(t, err, booking.ErrAlreadyExtended)

		f.clock.Set(start.Add(45*time.Minute - time.Second))
		got, err := f.svc.Get(ctx, r.Code)
		require.NoError(t, err)
		assert.False(t, got.Lapsed(f.clock.Now()))

		f.clock.Set(start.Add(45 * time.Minute))
		_, err = f.svc.Extend(ctx, r.Code)
		require.ErrorIs(t, err, booking.ErrExpired)
		got, err = f.svc.Get(ctx, r.Code)
		require.NoError(t, err)
		assert.Equal(t, store.StatusExpired, got.Status, "a refused extension records the expiry")
		assert.Equal(t, []string{booking.EventHoldCreated, booking.EventHoldExtended, booking.EventHoldExpired}, eventTypes(t, f.svc, r.Code))

		_, err = f.svc.Extend(ctx, "RES000000999")
		require.ErrorIs(t, err, booking.ErrNotFound)

		f.clock.Set(start.Add(time.Hour))
		c := f.hold(t, f.demo.Coihue, stay("2027-01-10", "2027-01-12"))
		_, err = f.svc.Confirm(ctx, c.Code, booking.ConfirmInput{})
		require.NoError(t, err)
		_, err = f.svc.Extend(ctx, c.Code)
		require.ErrorIs(t, err, booking.ErrNotHold)
	})
}

func TestConfirmAndCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)

		t.Run("confirm is idempotent", func(t *testing.T) {
			r := f.hold(t, f.demo.Robles, stay("2027-02-01", "2027-02-04"))
			c1, err := f.svc.Confirm(ctx, r.Code, booking.ConfirmInput{PaidCents: r.DepositCents, By: "test"})
			require.NoError(t, err)
			assert.Equal(t, store.StatusConfirmed, c1.Status)
			assert.Equal(t, r.DepositCents, c1.PaidCents)
			c2, err := f.svc.Confirm(ctx, r.Code, booking.ConfirmInput{})
			require.NoError(t, err)
			assert.Equal(t, store.StatusConfirmed, c2.Status)
			assert.Equal(t, []string{booking.EventHoldCreated, booking.EventReservationConfirmed}, eventTypes(t, f.svc, r.Code))
		})
		t.Run("late confirmation succeeds when the nights are still free", func(t *testing.T) {
			f.clock.Set(start)
			r := f.hold(t, f.demo.Robles, stay("2027-03-01", "2027-03-04"))
			f.clock.Advance(31 * time.Minute)
			_, err := f.svc.ExpireLapsed(ctx)
			require.NoError(t, err)
			c, err := f.svc.Confirm(ctx, r.Code, booking.ConfirmInput{})
			require.NoError(t, err)
			assert.Equal(t, store.StatusConfirmed, c.Status)
			evs, err := f.svc.History(ctx, r.Code)
			require.NoError(t, err)
			require.Len(t, evs, 3)
			assert.Equal(t, booking.EventReservationConfirmed, evs[2].Type)
			assert.Equal(t, true, evs[2].Payload["late"])
		})
		t.Run("late confirmation fails when someone else took the nights", func(t *testing.T) {
			f.clock.Set(start)
			a := f.hold(t, f.demo.Robles, stay("2027-04-05", "2027-04-08"))
			f.clock.Advance(31 * time.Minute)
			// No expiry job ran: the new hold expires the lapsed one itself.
			b := f.hold(t, f.demo.Robles, stay("2027-04-06", "2027-04-09"))
			_, err := f.svc.Confirm(ctx, a.Code, booking.ConfirmInput{})
			var ue *booking.UnavailableError
			require.ErrorAs(t, err, &ue)
			got, err := f.svc.Get(ctx, a.Code)
			require.NoError(t, err)
			assert.Equal(t, store.StatusExpired, got.Status)
			got, err = f.svc.Get(ctx, b.Code)
			require.NoError(t, err)
			assert.Equal(t, store.StatusPreReserved, got.Status)
		})
		t.Run("cancel is idempotent, frees the nights and blocks confirmation", func(t *testing.T) {
			f.clock.Set(start)
			r := f.hold(t, f.demo.Centro, stay("2027-05-03", "2027-05-05"))
			c1, err := f.svc.Cancel(ctx, r.Code, "guest changed plans")
			require.NoError(t, err)
			assert.Equal(t, store.StatusCancelled, c1.Status)
			_, err = f.svc.Cancel(ctx, r.Code, "again")
			require.NoError(t, err)
			assert.Equal(t, []string{booking.EventHoldCreated, booking.EventReservationCancelled}, eventTypes(t, f.svc, r.Code))
			free, err := f.svc.IsFree(ctx, f.demo.Centro, stay("2027-05-03", "2027-05-05"))
			require.NoError(t, err)
			assert.True(t, free)
			_, err = f.svc.Confirm(ctx, r.Code, booking.ConfirmInput{})
			require.ErrorIs(t, err, booking.ErrCancelled)
			_, err = f.svc.Cancel(ctx, "RES990101001", "")
			require.ErrorIs(t, err, booking.ErrNotFound)
		})
	})
}

func TestHoldRespectsBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, err := db.NewInsert().Model(&store.AvailabilityEntry{AccommodationID: f.demo.Robles, StartDate: date("2027-01-10"),
			EndDate: date("2027-01-12"), Kind: "block", Note: "pintura"}).Exec(ctx)
		require.NoError(t, err)
		feed := store.CalendarFeed{AccommodationID: f.demo.Robles, Platform: "airbnb", URL: "https://airbnb.example/robles.ics", Enabled: true, LastStatus: "ok"}
		_, err = db.NewInsert().Model(&feed).Returning("id").Exec(ctx)
		require.NoError(t, err)
		_, err = db.NewInsert().Model(&store.ImportedBlock{FeedID: feed.ID, AccommodationID: f.demo.Robles, UID: "abc@airbnb",
			StartDate: date("2027-01-20"), EndDate: date("2027-01-23"), Kind: "reservation", Status: "active"}).Exec(ctx)
		require.NoError(t, err)

		for name, s := range map[string]booking.Stay{
			"manual block":               stay("2027-01-11", "2027-01-13"),
			"imported block":             stay("2027-01-18", "2027-01-21"),
			"imported block, last night": stay("2027-01-22", "2027-01-24"),
		} {
			t.Run(name, func(t *testing.T) {
				_, err := f.svc.Hold(ctx, booking.HoldRequest{UnitID: f.demo.Robles, Stay: s, Guests: 2})
				require.ErrorIs(t, err, booking.ErrUnavailable)
			})
		}
		t.Run("the nights around the blocks are free", func(t *testing.T) {
			f.hold(t, f.demo.Robles, stay("2027-01-12", "2027-01-14"))
			f.hold(t, f.demo.Robles, stay("2027-01-23", "2027-01-25"))
		})
	})
}

func TestHoldValidation(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	tests := []struct {
		name  string
		req   booking.HoldRequest
		field string
	}{
		{"unknown unit", booking.HoldRequest{UnitID: 9999, Stay: stay("2027-01-05", "2027-01-08"), Guests: 2}, "accommodation_id"},
		{"check-out not after check-in", booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2027-01-08", "2027-01-08"), Guests: 2}, "check_out"},
		{"past dates", booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2026-12-30", "2027-01-02"), Guests: 2}, "check_in"},
		{"over capacity", booking.HoldRequest{UnitID: f.demo.Centro, Stay: stay("2027-01-05", "2027-01-08"), Guests: 3}, "guests"},
		{"over 90 nights", booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2027-01-05", "2027-04-06"), Guests: 2}, "check_out"},
		{"bad email", booking.HoldRequest{UnitID: f.demo.Robles, Stay: stay("2027-01-05", "2027-01-08"), Guests: 2, Guest: booking.Guest{Email: "nope"}}, "guest.email"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Hold(context.Background(), tc.req)
			var ve *booking.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, ve.Fields, tc.field)
		})
	}
	t.Run("today is a valid check-in in Buenos Aires", func(t *testing.T) {
		// 02:00 UTC on 2 January is still 1 January in Buenos Aires.
		f.clock.Set(time.Date(2027, 1, 2, 2, 0, 0, 0, time.UTC))
		f.hold(t, f.demo.Robles, stay("2027-01-01", "2027-01-04"))
	})
	t.Run("minimum stay", func(t *testing.T) {
		_, err := f.svc.Hold(context.Background(), booking.HoldRequest{UnitID: f.demo.Coihue, Stay: stay("2027-01-12", "2027-01-13"), Guests: 2})
		require.ErrorIs(t, err, booking.ErrMinStay)
	})
}

func TestSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		t.Run("demo: para 4 del 5 al 8/1", func(t *testing.T) {
			res, err := f.svc.Search(ctx, booking.SearchRequest{Stay: stay("2027-01-05", "2027-01-08"), Guests: 4})
			require.NoError(t, err)
			require.Len(t, res.Offers, 2, "Depto Centro sleeps 2")
			assert.Equal(t, "Cabaña Robles", res.Offers[0].Unit.Name)
			assert.Equal(t, int64(13_500_000), res.Offers[0].Quote.TotalCents)
			assert.Equal(t, int64(4_050_000), res.Offers[0].Quote.DepositCents)
			assert.Equal(t, "Cabaña Coihue", res.Offers[1].Unit.Name)
			assert.Equal(t, int64(18_000_000), res.Offers[1].Quote.TotalCents)
			assert.Equal(t, int64(5_400_000), res.Offers[1].Quote.DepositCents)
			assert.Empty(t, res.Alternatives)
		})
		t.Run("filters", func(t *testing.T) {
			res, err := f.svc.Search(ctx, booking.SearchRequest{Stay: stay("2027-01-05", "2027-01-08"), Guests: 2, Amenities: []string{"Mascotas"}})
			require.NoError(t, err)
			require.Len(t, res.Offers, 1)
			assert.Equal(t, f.demo.Coihue, res.Offers[0].Unit.ID)
			res, err = f.svc.Search(ctx, booking.SearchRequest{Stay: stay("2027-01-05", "2027-01-08"), Guests: 2, UnitType: "departamento"})
			require.NoError(t, err)
			require.Len(t, res.Offers, 1)
			assert.Equal(t, f.demo.Centro, res.Offers[0].Unit.ID)
		})
		t.Run("nothing fits: other units for the same dates, then nearby dates", func(t *testing.T) {
			f.hold(t, f.demo.Coihue, stay("2027-01-05", "2027-01-08"))
			res, err := f.svc.Search(ctx, booking.SearchRequest{Stay: stay("2027-01-05", "2027-01-08"), Guests: 2, Amenities: []string{"mascotas"}})
			require.NoError(t, err)
			assert.Empty(t, res.Offers)
			require.NotEmpty(t, res.Alternatives)
			assert.Equal(t, booking.AltOtherUnit, res.Alternatives[0].Kind)
			assert.Equal(t, f.demo.Centro, res.Alternatives[0].Unit.ID, "cheapest other unit first")
			var shifted []booking.Stay
			for _, a := range res.Alternatives {
				if a.Kind == booking.AltOtherDates {
					assert.Equal(t, f.demo.Coihue, a.Unit.ID)
					assert.Equal(t, 3, abs(a.ShiftDays), "±1 and ±2 still overlap the hold")
					shifted = append(shifted, a.Quote.Stay)
				}
			}
			assert.ElementsMatch(t, []booking.Stay{stay("2027-01-02", "2027-01-05"), stay("2027-01-08", "2027-01-11")}, shifted)
		})
		t.Run("nearby dates never start in the past", func(t *testing.T) {
			f.clock.Set(time.Date(2027, 1, 11, 12, 0, 0, 0, time.UTC))
			defer f.clock.Set(start)
			f.hold(t, f.demo.Coihue, stay("2027-01-12", "2027-01-14"))
			res, err := f.svc.Search(ctx, booking.SearchRequest{Stay: stay("2027-01-12", "2027-01-14"), Guests: 5})
			require.NoError(t, err)
			require.NotEmpty(t, res.Alternatives)
			for _, a := range res.Alternatives {
				assert.False(t, a.Quote.Stay.CheckIn.Before(date("2027-01-11")), "alternative %s", a.Quote.Stay)
			}
		})
		t.Run("long weekend minimum is reported", func(t *testing.T) {
			// Carnaval 2027: Monday 8 and Tuesday 9 February.
			res, err := f.svc.Search(ctx, booking.SearchRequest{Stay: stay("2027-02-06", "2027-02-08"), Guests: 2})
			require.NoError(t, err)
			assert.Empty(t, res.Offers)
			require.NotNil(t, res.MinStay)
			assert.Equal(t, 3, res.MinStay.Required)
		})
		t.Run("invalid", func(t *testing.T) {
			_, err := f.svc.Search(ctx, booking.SearchRequest{Stay: stay("2026-12-01", "2026-12-03"), Guests: 0})
			var ve *booking.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, ve.Fields, "guests")
			assert.Contains(t, ve.Fields, "check_in")
		})
	})
}

func TestPropertyInfo(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	p, err := f.svc.DefaultProperty(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Complejo Los Robles", p.Name)
	assert.Equal(t, "14:00", p.CheckInTime)
	assert.Equal(t, "10:00", p.CheckOutTime)
	assert.Equal(t, 30, p.DepositPercent)
	assert.Equal(t, "los.robles.demo", p.BankTransfer.Alias)
	require.Len(t, p.Units, 3)
	assert.Contains(t, p.Units[1].Amenities, "mascotas")
}

func TestHolidaysTable(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	ctx := context.Background()
	n, err := f.svc.SyncHolidays(ctx)
	require.NoError(t, err)
	assert.Greater(t, n, 40)
	var count int
	require.NoError(t, db.NewSelect().Table("holidays").ColumnExpr("count(*)").Scan(ctx, &count))
	assert.Equal(t, n, count)

	// The host declares a provincial holiday on Wednesday 6 January 2027 and removes
	// Carnaval Monday (a host override always wins, and survives a re-sync).
	_, err = db.NewInsert().Model(&store.Holiday{Date: date("2027-01-06"), Name: "Fiesta local", Kind: "inamovible", DayOff: true, Source: "host"}).Exec(ctx)
	require.NoError(t, err)
	_, err = db.NewUpdate().Table("holidays").Set("source = 'host', day_off = ?", false).Where("date = ?", date("2027-02-08")).Exec(ctx)
	require.NoError(t, err)
	_, err = f.svc.SyncHolidays(ctx)
	require.NoError(t, err)

	svc := booking.NewService(db, booking.Options{Now: f.clock.Now})
	q, err := svc.Quote(ctx, f.demo.Robles, stay("2027-01-05", "2027-01-08"), 2)
	require.NoError(t, err)
	assert.Equal(t, "holiday", q.Nights[0].Rule, "the night before the host's holiday")
	assert.Equal(t, int64(5_850_000), q.Nights[0].PriceCents)
	q, err = svc.Quote(ctx, f.demo.Robles, stay("2027-02-07", "2027-02-09"), 2)
	require.NoError(t, err, "with Carnaval Monday removed the stay no longer touches a long weekend")
	assert.Equal(t, "base", q.Nights[0].Rule)
	var h store.Holiday
	require.NoError(t, db.NewSelect().Model(&h).Where("date = ?", date("2027-02-08")).Scan(ctx))
	assert.Equal(t, "host", h.Source)
	assert.False(t, h.DayOff)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestHoldExpiryJob(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	r := f.hold(t, f.demo.Robles, stay("2027-01-05", "2027-01-08"))
	job := f.svc.HoldExpiryJob(0)
	assert.Equal(t, 30*time.Second, job.Every)
	require.NoError(t, job.Run(context.Background()))
	got, err := f.svc.Get(context.Background(), r.Code)
	require.NoError(t, err)
	assert.Equal(t, store.StatusPreReserved, got.Status)
	f.clock.Advance(30 * time.Minute)
	require.NoError(t, job.Run(context.Background()))
	got, err = f.svc.Get(context.Background(), r.Code)
	require.NoError(t, err)
	assert.Equal(t, store.StatusExpired, got.Status)
}

// TestRangesOfAnyLengthBlock covers both read paths of availability: ranges of up to 14
// nights (found by a bounded seek) and longer ones (found through partial indexes).
func TestRangesOfAnyLengthBlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		units := bookingtest.AddUnits(t, db, f.demo.PropertyID, 6)
		feed := store.CalendarFeed{AccommodationID: units[2], Platform: "booking", URL: "https://booking.example/x.ics", Enabled: true, LastStatus: "ok"}
		_, err := db.NewInsert().Model(&feed).Returning("id").Exec(ctx)
		require.NoError(t, err)
		// Each range ends inside the stay [2027-03-10, 2027-03-12) or covers it.
		insertRes := func(unit int64, in, out string) {
			_, err := db.NewInsert().Model(&store.Reservation{Code: "L" + in + out, AccommodationID: unit, CheckIn: date(in), CheckOut: date(out),
				Guests: 2, Status: store.StatusConfirmed, Currency: "ARS", Quote: []byte("{}"), Source: "admin", CreatedAt: start, UpdatedAt: start}).Exec(ctx)
			require.NoError(t, err)
		}
		insertRes(units[0], "2027-02-23", "2027-03-11") // 16 nights, starting before the bounded seek: the long path
		insertRes(units[1], "2027-02-25", "2027-03-11") // 14 nights: the short path's edge
		_, err = db.NewInsert().Model(&store.ImportedBlock{FeedID: feed.ID, AccommodationID: units[2], UID: "long@booking",
			StartDate: date("2027-01-01"), EndDate: date("2027-06-01"), Kind: "block", Status: "active"}).Exec(ctx)
		require.NoError(t, err)
		_, err = db.NewInsert().Model(&store.AvailabilityEntry{AccommodationID: units[3], StartDate: date("2027-02-01"),
			EndDate: date("2027-04-01"), Kind: "block"}).Exec(ctx)
		require.NoError(t, err)
		insertRes(units[4], "2027-02-20", "2027-03-10") // ends on check-in day: no overlap

		s := stay("2027-03-10", "2027-03-12")
		for i, want := range []bool{false, false, false, false, true, true} {
			free, err := f.svc.IsFree(ctx, units[i], s)
			require.NoError(t, err)
			assert.Equal(t, want, free, "unit %d", i)
		}
		res, err := f.svc.Search(ctx, booking.SearchRequest{Stay: s, Guests: 3})
		require.NoError(t, err)
		var offered []int64
		for _, o := range res.Offers {
			offered = append(offered, o.Unit.ID)
		}
		assert.Subset(t, offered, []int64{units[4], units[5]})
		assert.NotContains(t, offered, units[0])
		assert.NotContains(t, offered, units[3])
	})
}

func TestCalendarOverrides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		price, nights := int64(5_000_000), 4
		_, err := db.NewInsert().Model(&[]store.AvailabilityEntry{
			{AccommodationID: f.demo.Robles, StartDate: date("2027-01-06"), EndDate: date("2027-01-07"), Kind: "price", PriceCents: &price},
			{AccommodationID: f.demo.Coihue, StartDate: date("2027-01-05"), EndDate: date("2027-01-06"), Kind: "min_stay", MinNights: &nights},
		}).Exec(ctx)
		require.NoError(t, err)
		res, err := f.svc.Search(ctx, booking.SearchRequest{Stay: stay("2027-01-05", "2027-01-08"), Guests: 4})
		require.NoError(t, err)
		require.Len(t, res.Offers, 1, "Coihue needs 4 nights from the 5th")
		q := res.Offers[0].Quote
		assert.Equal(t, f.demo.Robles, q.UnitID)
		assert.Equal(t, []int64{4_500_000, 5_000_000, 4_500_000}, []int64{q.Nights[0].PriceCents, q.Nights[1].PriceCents, q.Nights[2].PriceCents})
		assert.Equal(t, "override", q.Nights[1].Rule)
		require.NotNil(t, res.MinStay)
		assert.Equal(t, 4, res.MinStay.Required)
	})
}

func TestHoldOnAUnitAddedAfterTheCatalogWasRead(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	_, err := f.svc.Units(context.Background())
	require.NoError(t, err)
	_, err = f.svc.Search(context.Background(), booking.SearchRequest{Stay: stay("2027-01-05", "2027-01-08"), Guests: 2})
	require.NoError(t, err)
	ids := bookingtest.AddUnits(t, db, f.demo.PropertyID, 1)
	f.hold(t, ids[0], stay("2027-01-05", "2027-01-08"))
}
