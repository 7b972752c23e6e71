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
	from, to := store.NewDate(year, time.January, 1), store.NewDate(year+1, time.January, 1)
	// Only the five columns the figures need, scanned without the reservation model.
	var bookings []struct {
		AccommodationID int64      `bun:"accommodation_id"`
		CheckIn         store.Date `bun:"check_in"`
		CheckOut        store.Date `bun:"check_out"`
		TotalCents      int64      `bun:"total_cents"`
		PaidCents       int64      `bun:"paid_cents"`
	}
	err := db.NewSelect().TableExpr("reservations").Column("accommodation_id", "check_in", "check_out", "total_cents", "paid_cents").
		Where("status = ? AND check_in < ? AND check_out > ?", store.StatusConfirmed, to, from).Scan(ctx, &bookings)
	if err != nil {
		return nil, fmt.Errorf("occupancy: bookings: %w", err)
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
	for _, b := range bookings {
		i, ok := index[b.AccommodationID]
		if !ok {
			continue
		}
		nights := b.CheckOut.Sub(b.CheckIn)
		if nights <= 0 {
			continue
		}
		for d := b.CheckIn; d.Before(b.CheckOut); d = d.AddDays(1) {
			if d.Before(from) || !d.Before(to) {
				continue
			}
			cell := &rows[i][d.Time().Month()-1]
			cell.Nights++
			cell.RevenueCents += b.TotalCents / int64(nights)
			cell.PaidCents += b.PaidCents / int64(nights)
		}
	}
	return rows, nil
}
