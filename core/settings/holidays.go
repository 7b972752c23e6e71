package settings

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// Holidays lists the holidays of a year as pricing uses them: the official table with
// the host's overrides (source "host"; day_off false removes an official holiday).
func (s *Service) Holidays(ctx context.Context, year int) ([]store.Holiday, error) {
	var rows []store.Holiday
	from, to := store.NewDate(year, 1, 1), store.NewDate(year+1, 1, 1)
	if err := s.db.NewSelect().Model(&rows).Where("date >= ? AND date < ?", from, to).Order("date").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list holidays: %w", err)
	}
	return rows, nil
}

// SetHoliday records the host's word on a date: a day off named name (dayOff true) or no
// holiday at all (dayOff false, to remove an official one).
func (s *Service) SetHoliday(ctx context.Context, actor string, date store.Date, name string, dayOff bool) error {
	name = strings.TrimSpace(name)
	fe := fieldErrors{}
	if date.IsZero() {
		fe.add("date", "required (YYYY-MM-DD)")
	}
	if dayOff {
		textField(fe, "name", name, 1, 120)
	}
	if err := fe.err(); err != nil {
		return err
	}
	if !dayOff && name == "" {
		name = "Sin feriado (decisión del complejo)"
	}
	kind := "inamovible"
	if !dayOff {
		kind = "none"
	}
	return s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		var old []store.Holiday
		if err := tx.NewSelect().Model(&old).Where("date = ?", date).Scan(ctx); err != nil {
			return fmt.Errorf("load holiday %s: %w", date, err)
		}
		row := store.Holiday{Date: date, Name: name, Kind: kind, DayOff: dayOff, Source: "host", UpdatedAt: now}
		if _, err := tx.NewInsert().Model(&row).On("CONFLICT (date) DO UPDATE").
			Set("name = EXCLUDED.name, kind = EXCLUDED.kind, day_off = EXCLUDED.day_off, provisional = EXCLUDED.provisional, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return fmt.Errorf("save holiday %s: %w", date, err)
		}
		ch := map[string]Change{"day_off": {To: dayOff}, "name": {To: name}}
		if len(old) == 1 {
			ch["day_off"] = Change{From: old[0].DayOff, To: dayOff}
			ch["name"] = Change{From: old[0].Name, To: name}
		}
		return Record(ctx, tx, now, actor, "set", "holiday", date.String(), ch)
	})
}

// ClearHoliday removes the host's override of date: the official table applies again.
func (s *Service) ClearHoliday(ctx context.Context, actor string, date store.Date) error {
	err := s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*store.Holiday)(nil)).Where("date = ? AND source = 'host'", date).Exec(ctx)
		if err != nil {
			return fmt.Errorf("clear holiday %s: %w", date, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("host holiday %s: %w", date, ErrNotFound)
		}
		return Record(ctx, tx, s.now(), actor, "clear", "holiday", date.String(), nil)
	})
	if err != nil {
		return err
	}
	if s.opts.Catalog != nil {
		if _, err := s.opts.Catalog.SyncHolidays(ctx); err != nil {
			return fmt.Errorf("restore official holidays: %w", err)
		}
	}
	return nil
}
