package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/conserje/conserje/core/booking/holidays"
	"github.com/conserje/conserje/core/store"
)

// SyncHolidays copies the base holiday calendar into the holidays table so SQL, the admin
// and reports see the same days pricing uses. Rows the host edited (source "host") are
// never touched. It returns the number of dates written.
func (s *Service) SyncHolidays(ctx context.Context) (int, error) {
	base := s.opts.Holidays
	seen := map[store.Date]bool{}
	var rows []store.Holiday
	now := s.now()
	for _, h := range base.All() {
		d := store.DateOf(h.Date)
		if seen[d] {
			continue
		}
		seen[d] = true
		top, _ := base.Lookup(h.Date) // a day-off holiday wins over Jueves Santo on one date
		src := "official"
		if top.Provisional {
			src = "computed"
		}
		rows = append(rows, store.Holiday{Date: d, Name: top.Name, Kind: string(top.Kind), DayOff: top.Kind.DayOff(),
			Provisional: top.Provisional, Source: src, UpdatedAt: now})
	}
	if len(rows) == 0 {
		return 0, nil
	}
	_, err := s.db.NewInsert().Model(&rows).
		On("CONFLICT (date) DO UPDATE").
		Set("name = EXCLUDED.name, kind = EXCLUDED.kind, day_off = EXCLUDED.day_off, provisional = EXCLUDED.provisional, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at").
		Where("holiday.source <> 'host'"). // bun aliases the table as "holiday".
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("sync holidays: %w", err)
	}
	s.calMu.Lock()
	s.calExpires = time.Time{}
	s.calMu.Unlock()
	return len(rows), nil
}

// Holidays returns the effective day-off calendar: the base data with the host's rows of
// the holidays table applied (a host row replaces whatever the data says of that date; a
// host row with day_off false removes the holiday). It is cached for Options.CalendarRefresh.
func (s *Service) Holidays(ctx context.Context) (*holidays.Calendar, error) {
	s.calMu.Lock()
	defer s.calMu.Unlock()
	now := s.opts.Now()
	if s.cal != nil && now.Before(s.calExpires) {
		return s.cal, nil
	}
	var host []store.Holiday
	if err := s.db.NewSelect().Model(&host).Where("source = 'host'").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load host holidays: %w", err)
	}
	var add []holidays.Holiday
	remove := make([]time.Time, 0, len(host))
	for _, h := range host {
		remove = append(remove, h.Date.Time())
		if !h.DayOff {
			continue
		}
		kind := holidays.Kind(h.Kind)
		if !kind.DayOff() {
			kind = holidays.Inamovible
		}
		add = append(add, holidays.Holiday{Date: h.Date.Time(), Key: "host", Name: h.Name, Kind: kind, Provisional: h.Provisional})
	}
	cal := s.opts.Holidays
	if len(host) > 0 {
		cal = cal.WithOverrides(add, remove...)
	}
	s.cal = cal
	s.calExpires = now.Add(s.opts.CalendarRefresh)
	return cal, nil
}
