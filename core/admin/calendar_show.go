package admin

import (
	"github.com/gofiber/fiber/v2"
)

func (h *Handler) calendarShow(c *fiber.Ctx) error {
	ctx := c.UserContext()
	feeds, err := h.feeds(ctx, false)
	if err != nil {
		return err
	}
	conflicts, err := h.openConflicts(ctx)
	if err != nil {
		return err
	}
	var exports []struct {
		UnitName  string `bun:"unit_name"`
		Portal    string `bun:"portal"`
		LastFetch string `bun:"last_fetch"`
	}
	err = h.db.NewSelect().
		ColumnExpr("a.name AS unit_name, e.portal, CAST(MAX(e.fetched_at) AS TEXT) AS last_fetch").
		TableExpr("ical_export_fetches AS e").
		Join("JOIN accommodations AS a ON a.id = e.accommodation_id").
		GroupExpr("a.name, e.portal").OrderExpr("a.name, e.portal").
		Scan(ctx, &exports)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "calendar", page{Title: "Calendarios", Data: struct {
		Feeds     []feedRow
		Conflicts []conflictRow
		Exports   any
	}{feeds, conflicts, exports}})
}
