package admin

import (
	"context"
	"fmt"
	"html/template"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/stats"
)

// reportPage is the reports: occupancy and revenue per unit and month of a year, and the
// bot's figures over the last days.
type reportPage struct {
	Year, PrevYear, NextYear int
	Months                   []string
	Units                    [][]stats.UnitMonth
	// Totals per month over every unit.
	Totals []stats.UnitMonth
	Days   int
	Bot    stats.Report
	First  stats.FirstResponse
	// Tables are the occupancy and revenue tables, written once per computed report
	// (reportTables): 2,400 cells with 100 units, kept with it in the cache.
	Tables template.HTML
}

var monthNames = []string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"}

// reportShow shows the reports (?year=2027, ?days=30).
func (h *Handler) reportShow(c *fiber.Ctx) error {
	ctx := c.UserContext()
	now := h.opts.Now().In(argentina)
	p := reportPage{Year: now.Year(), Days: 30, Months: monthNames}
	if y, err := strconv.Atoi(c.Query("year")); err == nil && y >= 2000 && y <= 2100 {
		p.Year = y
	}
	if d, err := strconv.Atoi(c.Query("days")); err == nil && d >= 1 && d <= 366 {
		p.Days = d
	}
	p.PrevYear, p.NextYear = p.Year-1, p.Year+1
	key, computedAt := reportKey{year: p.Year, days: p.Days}, time.Now()
	if cached, ok := h.reports.get(key, computedAt); ok {
		return h.render(c, fiber.StatusOK, "reports", page{Title: "Reportes", Data: cached})
	}
	if err := h.computeReport(ctx, &p, now); err != nil {
		return err
	}
	h.reports.put(key, p, computedAt)
	return h.render(c, fiber.StatusOK, "reports", page{Title: "Reportes", Data: p})
}

// computeReport reads the figures of p's year and days (up to now) into p.
func (h *Handler) computeReport(ctx context.Context, p *reportPage, now time.Time) error {
	var err error
	if p.Units, err = stats.Occupancy(ctx, h.db, p.Year); err != nil {
		return fmt.Errorf("admin reports: %w", err)
	}
	p.Totals = make([]stats.UnitMonth, 12)
	for _, row := range p.Units {
		for m, cell := range row {
			t := &p.Totals[m]
			t.Nights += cell.Nights
			t.NightsInAll += cell.NightsInAll
			t.RevenueCents += cell.RevenueCents
			t.PaidCents += cell.PaidCents
		}
	}
	since := now.Add(-time.Duration(p.Days) * 24 * time.Hour)
	if p.Bot, err = stats.Read(ctx, h.db, since, now); err != nil {
		return fmt.Errorf("admin reports: %w", err)
	}
	if p.First, err = stats.ReadFirstResponse(ctx, h.db, since, now); err != nil {
		return fmt.Errorf("admin reports: %w", err)
	}
	p.Tables = reportTables(p)
	return nil
}
