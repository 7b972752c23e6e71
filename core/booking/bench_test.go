package booking_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/booking/holidays"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/lock/locktest"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// Benchmarks (figures in the package's report):
//
//	go test -run '^$' -bench . -benchmem ./core/booking/
//	CONSERJE_TEST_POSTGRES_URL=postgres://... go test -run '^$' -bench . -benchmem ./core/booking/

func benchDBs(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
}

// seedTwoYears adds 100 units with two years of taken nights around start: every week a
// confirmed 3-night stay and a 1-night imported block right after it, shifted per unit,
// plus a manual block a month; about 31,000 rows.
func seedTwoYears(b *testing.B, db *store.DB, demo bookingtest.Demo) []int64 {
	ctx := context.Background()
	units := bookingtest.AddUnits(b, db, demo.PropertyID, 100-3)
	units = append([]int64{demo.Robles, demo.Coihue, demo.Centro}, units...)
	from := store.DateOf(start).AddDays(-365)
	var res []store.Reservation
	var blocks []store.ImportedBlock
	var manual []store.AvailabilityEntry
	flush := func() {
		if len(res) > 0 {
			if _, err := db.NewInsert().Model(&res).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if len(blocks) > 0 {
			if _, err := db.NewInsert().Model(&blocks).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if len(manual) > 0 {
			if _, err := db.NewInsert().Model(&manual).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
		res, blocks, manual = res[:0], blocks[:0], manual[:0]
	}
	for i, u := range units {
		feed := store.CalendarFeed{AccommodationID: u, Platform: "airbnb", URL: fmt.Sprintf("https://airbnb.example/%d.ics", u), Enabled: true, LastStatus: "ok"}
		if _, err := db.NewInsert().Model(&feed).Returning("id").Exec(ctx); err != nil {
			b.Fatal(err)
		}
		for w := range 104 {
			in := from.AddDays(7*w + i%7)
			res = append(res, store.Reservation{Code: fmt.Sprintf("B%03d%03d", i, w), AccommodationID: u, CheckIn: in, CheckOut: in.AddDays(3),
				Guests: 2, Status: store.StatusConfirmed, Currency: "ARS", Quote: []byte("{}"), Source: "bench", CreatedAt: start, UpdatedAt: start})
			blocks = append(blocks, store.ImportedBlock{FeedID: feed.ID, AccommodationID: u, UID: fmt.Sprintf("%d-%d@airbnb", u, w),
				StartDate: in.AddDays(3), EndDate: in.AddDays(4), Kind: "reservation", Status: "active"})
			if w%4 == 0 {
				manual = append(manual, store.AvailabilityEntry{AccommodationID: u, StartDate: in.AddDays(5), EndDate: in.AddDays(6), Kind: "block"})
			}
		}
		if len(res) >= 400 {
			flush()
		}
	}
	flush()
	return units
}

// BenchmarkSearch100Units: one availability search over 100 units with two years of
// bookings, imported and manual blocks (goal: under 1 ms on SQLite).
func BenchmarkSearch100Units(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *store.DB) {
		demo := bookingtest.SeedDemo(b, db)
		seedTwoYears(b, db, demo)
		svc := booking.NewService(db, booking.Options{Now: func() time.Time { return start }})
		req := booking.SearchRequest{Stay: stay("2027-03-09", "2027-03-12"), Guests: 2}
		res, err := svc.Search(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Offers) == 0 {
			b.Fatal("the benchmark search should find offers")
		}
		b.ReportMetric(float64(len(res.Offers)), "offers")
		b.ResetTimer()
		for b.Loop() {
			if _, err := svc.Search(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkQuote14Nights prices a 14-night stay with seasons, a discount and holidays.
func BenchmarkQuote14Nights(b *testing.B) {
	rules := &booking.PricingRules{WeekendBP: 12000, HolidayBP: 13000, MinNights: 2, LongWeekendMinNights: 3, DepositBP: 3000,
		ExtraGuestFeeCents: 500_000, CleaningFeeCents: 2_000_000,
		Seasons: []booking.Season{
			{Name: "Verano", Start: date("2026-12-15"), End: date("2027-03-01"), Priority: 1, MultiplierBP: 14000, MinNights: 3},
			{Name: "Fiestas", Start: date("2026-12-24"), End: date("2027-01-02"), Priority: 5, PriceCents: 9_000_000},
		},
		Discounts: []booking.LengthDiscount{{MinNights: 7, PercentBP: 1000}, {MinNights: 14, PercentBP: 1500}},
	}
	unit := booking.Unit{ID: 1, Name: "Cabaña Robles", Capacity: 6, BaseOccupancy: 4, BasePriceCents: 4_500_000}
	cal := holidays.Default()
	s := stay("2026-12-26", "2027-01-09")
	b.Run("pure", func(b *testing.B) {
		for b.Loop() {
			if _, err := rules.Quote(unit, s, 5, cal); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("service/sqlite", func(b *testing.B) {
		db := storetest.SQLite(b)
		demo := bookingtest.SeedDemo(b, db)
		svc := booking.NewService(db, booking.Options{Now: func() time.Time { return start }})
		s := stay("2027-01-10", "2027-01-24")
		for b.Loop() {
			if _, err := svc.Quote(context.Background(), demo.Robles, s, 2); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHoldThroughput creates holds in parallel on 100 different units, reporting
// holds per second (goal on PostgreSQL: 2,000/s). "spread" gives every hold its own
// check-in day; "same_day" makes the 100 concurrent-ish holds share a check-in day, so
// they also contend for that day's code counter row. "overrides" is spread on units with
// a price override on every night, which on PostgreSQL sends each hold the long way
// (calendar read, then the write) instead of the one-call path. "redis" is spread with
// the Redis Locker of multi-replica deployments (two more round trips per hold; needs
// CONSERJE_TEST_REDIS_URL).
func BenchmarkHoldThroughput(b *testing.B) {
	for _, tc := range []struct {
		name      string
		checkIn   func(n, units int) int // days after the first check-in
		overrides bool
		redis     bool
	}{
		{name: "spread", checkIn: func(n, _ int) int { return 3 * n }},
		{name: "same_day", checkIn: func(n, units int) int { return 3 * (n / units) }},
		{name: "overrides", checkIn: func(n, _ int) int { return 3 * n }, overrides: true},
		{name: "redis", checkIn: func(n, _ int) int { return 3 * n }, redis: true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			benchDBs(b, func(b *testing.B, db *store.DB) {
				demo := bookingtest.SeedDemo(b, db)
				units := append([]int64{demo.Robles, demo.Coihue}, bookingtest.AddUnits(b, db, demo.PropertyID, 98)...)
				// database/sql keeps 2 idle connections by default: with 16 writers most holds
				// would open a new connection (a PostgreSQL backend fork). Deployments set
				// database.max_open_conns, which store.Open also uses as the idle cap.
				db.SetMaxOpenConns(32)
				db.SetMaxIdleConns(32)
				first := date("2027-01-04")
				if tc.overrides {
					price := int64(5_000_000)
					entries := make([]store.AvailabilityEntry, len(units))
					for i, u := range units {
						entries[i] = store.AvailabilityEntry{AccommodationID: u, StartDate: first, EndDate: first.AddDays(3 * (b.N + 1)),
							Kind: "price", PriceCents: &price}
					}
					if _, err := db.NewInsert().Model(&entries).Exec(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				opts := booking.Options{Now: func() time.Time { return start }}
				if tc.redis {
					opts.Locker = lock.NewRedis(locktest.Redis(b), locktest.Prefix(b))
				}
				svc := booking.NewService(db, opts)
				var next atomic.Int64
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						n := int(next.Add(1) - 1)
						in := first.AddDays(tc.checkIn(n, len(units)))
						_, err := svc.Hold(context.Background(), booking.HoldRequest{UnitID: units[n%len(units)], Stay: booking.NewStay(in, in.AddDays(3)), Guests: 2})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "holds/s")
			})
		})
	}
}

// BenchmarkMove: staff move a booking between two free stays of a unit, back and forth,
// among 100 units with two years of bookings and blocks (each move re-prices the stay,
// takes the unit's locks, checks what takes those nights and writes the event).
func BenchmarkMove(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *store.DB) {
		demo := bookingtest.SeedDemo(b, db)
		seedTwoYears(b, db, demo)
		svc := booking.NewService(db, booking.Options{Now: func() time.Time { return start }})
		ctx := context.Background()
		stays := []booking.Stay{stay("2028-02-07", "2028-02-10"), stay("2028-02-14", "2028-02-17")}
		r, err := svc.BookManual(ctx, booking.ManualBooking{UnitID: demo.Robles, Stay: stays[0], Guests: 2, Guest: booking.Guest{Name: "Bench"}, By: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		b.ResetTimer()
		for b.Loop() {
			n++
			if _, err := svc.Move(ctx, r.Code, booking.MoveRequest{Stay: stays[n%2], By: "bench"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
