package stats

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/conserje/conserje/core/store"
)

// UnitMonth is one unit's figures for one calendar month: nights sold (confirmed
// bookings, counted in the month they are slept), the month's nights, and the revenue of
// those nights (each booking's total spread evenly over its nights) with what was
// received of it.
type UnitMonth struct {
	UnitID      int64
	UnitName    string
	Month       time.Month
	Nights      int
	NightsInAll int
	// RevenueCents is the total of the nights slept in the month; PaidCents what was
	// received of those bookings, spread the same way.
	RevenueCents int64
	PaidCents    int64
}

// Occupancy is the share of the month's nights sold.
func (u UnitMonth) Occupancy() float64 {
	if u.NightsInAll == 0 {
		return 0
	}
	return float64(u.Nights) / float64(u.NightsInAll)
}

// Occupancy reads every active unit's figures for the twelve months of year: a row per
// unit (in name order), each with twelve months.
func Occupancy(ctx context.Context, db *store.DB, year int) ([][]UnitMonth, error) {
	var units []store.Accommodation
	if err := db.NewSelect().Model(&units).Column("id", "name").Where("active").OrderExpr("name, id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("occupancy: units: %w", err)
	}
	rows := make([][]UnitMonth, len(units))
	index := map[int64]int{}
	for i, u := range units {
		index[u.ID] = i
		rows[i] = make([]UnitMonth, 12)
		for m := range 12 {
			first := store.NewDate(year, time.Month(m+1), 1)
			rows[i][m] = UnitMonth{UnitID: u.ID, UnitName: u.Name, Month: time.Month(m + 1),
				NightsInAll: store.NewDate(year, time.Month(m+2), 1).Sub(first)}
		}
	}
	// The database sums each unit's month (at most 12 rows a unit) instead of handing over
	// every booking of the year: scanning thousands of bookings was most of the report's time.
	var cells []struct {
		AccommodationID int64 `bun:"accommodation_id"`
		Month           int   `bun:"month"`
		Nights          int   `bun:"nights"`
		RevenueCents    int64 `bun:"revenue_cents"`
		PaidCents       int64 `bun:"paid_cents"`
	}
	if err := db.NewRaw(occupancyQuery(db.Dialect(), year), store.StatusConfirmed).Scan(ctx, &cells); err != nil {
		return nil, fmt.Errorf("occupancy: bookings: %w", err)
	}
	for _, c := range cells {
		i, ok := index[c.AccommodationID]
		if !ok || c.Month < 1 || c.Month > 12 {
			continue
		}
		cell := &rows[i][c.Month-1]
		cell.Nights, cell.RevenueCents, cell.PaidCents = c.Nights, c.RevenueCents, c.PaidCents
	}
	return rows, nil
}

// occupancyQuery sums, per unit and month of year, the nights of confirmed bookings slept
// in the month and their share of each booking's total and paid amounts: a booking's
// amount is spread evenly over its nights (integer division per night, as a night is
// charged), so a stay crossing months counts in each for the nights slept there. Its one
// parameter is the confirmed status. Dates are literals built from year, never from input.
func occupancyQuery(d store.Dialect, year int) string {
	date := func(y int, m time.Month) string { return "'" + store.NewDate(y, m, 1).String() + "'" }
	days := func(to, from string) string {
		return "CAST(julianday(" + to + ") - julianday(" + from + ") AS INTEGER)"
	}
	least, greatest := "min", "max"
	if d == store.Postgres {
		date = func(y int, m time.Month) string { return "DATE '" + store.NewDate(y, m, 1).String() + "'" }
		days = func(to, from string) string { return "(" + to + " - " + from + ")" }
		least, greatest = "LEAST", "GREATEST"
	}
	months := make([]string, 12)
	for m := range 12 {
		months[m] = fmt.Sprintf("(%d, %s, %s)", m+1, date(year, time.Month(m+1)), date(year, time.Month(m+2)))
	}
	return "WITH months (month, first_day, next_day) AS (VALUES " + strings.Join(months, ", ") + ")\n" +
		"SELECT accommodation_id, month, CAST(SUM(nights) AS BIGINT) AS nights,\n" +
		"  CAST(SUM(total_cents / stay_nights * nights) AS BIGINT) AS revenue_cents,\n" +
		"  CAST(SUM(paid_cents / stay_nights * nights) AS BIGINT) AS paid_cents\n" +
		"FROM (SELECT r.accommodation_id, m.month, r.total_cents, r.paid_cents,\n" +
		"    " + days("r.check_out", "r.check_in") + " AS stay_nights,\n" +
		"    " + days(least+"(r.check_out, m.next_day)", greatest+"(r.check_in, m.first_day)") + " AS nights\n" +
		"  FROM reservations AS r JOIN months AS m ON r.check_in < m.next_day AND r.check_out > m.first_day\n" +
		"  WHERE r.status = ? AND r.check_in < " + date(year+1, time.January) + " AND r.check_out > " + date(year, time.January) + ") AS b\n" +
		"WHERE stay_nights > 0\n" +
		"GROUP BY accommodation_id, month"
}
