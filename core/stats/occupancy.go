package stats

import (
	"context"
	"fmt"
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
	// Each booking of the year as day numbers from January 1 and amounts: plain integers,
	// read from a covering index and scanned without reflection or date parsing (scanning
	// thousands of bookings as models was most of the report's time). Summing per month in
	// SQL instead was slower on both databases: it joins every booking with the months.
	jan1 := store.NewDate(year, time.January, 1)
	bounds := make([]int, 13) // bounds[m] is the day number of the first of month m+1
	for m := range bounds {
		bounds[m] = store.NewDate(year, time.Month(m+1), 1).Sub(jan1)
	}
	from, to := jan1, store.NewDate(year+1, time.January, 1)
	dayOf := func(col string) string { return "CAST(julianday(" + col + ") - julianday(?) AS INTEGER)" }
	if db.Dialect() == store.Postgres {
		dayOf = func(col string) string { return "(" + col + " - CAST(? AS DATE))" }
	}
	rs, err := db.QueryContext(ctx, "SELECT accommodation_id, "+dayOf("check_in")+", "+dayOf("check_out")+", total_cents, paid_cents "+
		"FROM reservations WHERE status = ? AND check_out > ? AND check_in < ?", from, from, store.StatusConfirmed, from, to)
	if err != nil {
		return nil, fmt.Errorf("occupancy: bookings: %w", err)
	}
	defer func() { _ = rs.Close() }()
	for rs.Next() {
		var unit, total, paid int64
		var in, out int
		if err := rs.Scan(&unit, &in, &out, &total, &paid); err != nil {
			return nil, fmt.Errorf("occupancy: bookings: %w", err)
		}
		i, ok := index[unit]
		nights := out - in
		if !ok || nights <= 0 {
			continue
		}
		// Each night earns the booking's amounts divided by its nights (whole cents), and
		// counts in the month it is slept.
		perNight, paidPerNight := total/int64(nights), paid/int64(nights)
		lo, hi := max(in, 0), min(out, bounds[12])
		for m := range 12 {
			n := min(hi, bounds[m+1]) - max(lo, bounds[m])
			if n <= 0 {
				continue
			}
			cell := &rows[i][m]
			cell.Nights += n
			cell.RevenueCents += perNight * int64(n)
			cell.PaidCents += paidPerNight * int64(n)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("occupancy: bookings: %w", err)
	}
	return rows, nil
}
