// Package bookingtest gives booking tests the demo property of demo.md as fixtures and a
// controllable clock. It writes rows straight into a migrated database, so it works on
// SQLite and PostgreSQL alike.
package bookingtest

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/conserje/conserje/core/store"
)

// Demo holds the ids of the demo fixtures.
type Demo struct {
	PropertyID int64
	Robles     int64 // sleeps 4, $45.000
	Coihue     int64 // sleeps 6, $60.000
	Centro     int64 // sleeps 2, $30.000
}

// SeedDemo inserts Complejo Los Robles with its three units and the demo pricing rules:
// ×1.20 before a weekend morning, ×1.30 before a holiday, 2 nights minimum, 3 when the
// stay touches a long weekend, 30 % deposit.
func SeedDemo(t testing.TB, db *store.DB) Demo {
	t.Helper()
	ctx := context.Background()
	p := store.Property{
		Slug: "los-robles", Name: "Complejo Los Robles", Address: "Av. San Martín 123", City: "Villa General Belgrano",
		Province: "Córdoba", MapURL: "https://maps.example/los-robles", Timezone: "America/Argentina/Buenos_Aires",
		CheckInTime: "14:00", CheckOutTime: "10:00", DepositPercent: 30,
		BankAlias: "los.robles.demo", BankCBU: "0000003100012345678901", BankHolder: "Complejo Los Robles",
		Policies: []byte("{}"),
	}
	must(t, errOf(db.NewInsert().Model(&p).Returning("id").Exec(ctx)))
	unit := func(slug, name, typ string, capacity int, price int64, amenities ...string) int64 {
		a := store.Accommodation{PropertyID: p.ID, Slug: slug, Name: name, UnitType: typ, Capacity: capacity,
			BaseOccupancy: capacity, BasePriceCents: price, Amenities: amenities, Active: true}
		must(t, errOf(db.NewInsert().Model(&a).Returning("id").Exec(ctx)))
		return a.ID
	}
	d := Demo{PropertyID: p.ID}
	d.Robles = unit("robles", "Cabaña Robles", "cabaña", 4, 4_500_000, "wifi", "pileta", "parrilla", "cochera")
	d.Coihue = unit("coihue", "Cabaña Coihue", "cabaña", 6, 6_000_000, "wifi", "pileta", "parrilla", "mascotas", "cochera")
	d.Centro = unit("centro", "Depto Centro", "departamento", 2, 3_000_000, "wifi", "cochera")
	AddRule(t, db, store.PricingRule{PropertyID: p.ID, Kind: "weekend_multiplier", MultiplierBP: ptr(12000)})
	AddRule(t, db, store.PricingRule{PropertyID: p.ID, Kind: "holiday_multiplier", MultiplierBP: ptr(13000)})
	AddRule(t, db, store.PricingRule{PropertyID: p.ID, Kind: "min_stay", Nights: ptr(2)})
	AddRule(t, db, store.PricingRule{PropertyID: p.ID, Kind: "long_weekend_min_stay", Nights: ptr(3)})
	return d
}

// AddRule inserts an active pricing rule.
func AddRule(t testing.TB, db *store.DB, r store.PricingRule) store.PricingRule {
	t.Helper()
	r.Active = true
	must(t, errOf(db.NewInsert().Model(&r).Returning("id").Exec(context.Background())))
	return r
}

// AddUnits inserts n more cabins of the demo property (for benchmarks and races).
func AddUnits(t testing.TB, db *store.DB, propertyID int64, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	rows := make([]store.Accommodation, n)
	for i := range rows {
		rows[i] = store.Accommodation{PropertyID: propertyID, Slug: "extra-" + itoa(i), Name: "Cabaña " + itoa(i),
			UnitType: "cabaña", Capacity: 4, BaseOccupancy: 2, BasePriceCents: int64(4_000_000 + 10_000*(i%50)),
			Amenities: []string{"wifi"}, Active: true}
	}
	must(t, errOf(db.NewInsert().Model(&rows).Returning("id").Exec(context.Background())))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }

func errOf(_ sql.Result, err error) error { return err }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("bookingtest: %v", err)
	}
}

// Clock is a settable clock for holds; safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }
