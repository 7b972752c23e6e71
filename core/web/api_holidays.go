package web

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
)

// HolidaysService is what the holidays API needs (*settings.Service).
type HolidaysService interface {
	Holidays(ctx context.Context, year int) ([]store.Holiday, error)
	SetHoliday(ctx context.Context, actor string, date store.Date, name string, dayOff bool) error
	ClearHoliday(ctx context.Context, actor string, date store.Date) error
}

var _ HolidaysService = (*settings.Service)(nil)

// HolidaysAPI lets scripts read the holiday table pricing and the bot use, and set or
// clear the host's overrides (docs/settings.md), with the booking API's bearer token.
type HolidaysAPI struct {
	svc  HolidaysService
	auth fiber.Handler
	now  func() time.Time
}

var _ Mounter = (*HolidaysAPI)(nil)

// NewHolidaysAPI returns the holidays API over svc, behind the token of api.
func NewHolidaysAPI(svc HolidaysService, api *BookingAPI) *HolidaysAPI {
	return &HolidaysAPI{svc: svc, auth: api.auth, now: time.Now}
}

// Mount implements Mounter.
func (h *HolidaysAPI) Mount(r fiber.Router) {
	g := r.Group("/api/v1")
	g.Get("/holidays", h.auth, h.list)
	g.Put("/holidays/:date", h.auth, h.set)
	g.Delete("/holidays/:date", h.auth, h.clear)
}

type holidayJSON struct {
	Date        string `json:"date"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	DayOff      bool   `json:"day_off"`
	Provisional bool   `json:"provisional"`
	Source      string `json:"source"`
}

func (h *HolidaysAPI) list(c *fiber.Ctx) error {
	year := h.now().Year()
	if q := c.Query("year"); q != "" {
		y, err := strconv.Atoi(q)
		if err != nil || y < 2000 || y > 2100 {
			return invalid(map[string]string{"year": "a year between 2000 and 2100"})
		}
		year = y
	}
	rows, err := h.svc.Holidays(c.UserContext(), year)
	if err != nil {
		return err
	}
	out := make([]holidayJSON, len(rows))
	for i, r := range rows {
		out[i] = holidayJSON{Date: r.Date.String(), Name: r.Name, Kind: r.Kind, DayOff: r.DayOff, Provisional: r.Provisional, Source: r.Source}
	}
	return c.JSON(fiber.Map{"year": year, "holidays": out})
}

func pathDate(c *fiber.Ctx) (store.Date, error) {
	d, err := store.ParseDate(c.Params("date"))
	if err != nil {
		return store.Date{}, invalid(map[string]string{"date": "YYYY-MM-DD"})
	}
	return d, nil
}

// set records the host's word on a date: a day off named name, or (day_off false) no
// holiday at all, which removes an official one.
func (h *HolidaysAPI) set(c *fiber.Ctx) error {
	d, err := pathDate(c)
	if err != nil {
		return err
	}
	b := struct {
		Name   string `json:"name"`
		DayOff *bool  `json:"day_off"`
	}{}
	if err := decodeStrict(c, &b, false); err != nil {
		return err
	}
	if b.DayOff == nil {
		return invalid(map[string]string{"day_off": "required: true for a day off, false for no holiday on that date"})
	}
	if err := h.svc.SetHoliday(c.UserContext(), apiActor, d, b.Name, *b.DayOff); err != nil {
		return settingsError(err, "holiday")
	}
	return h.one(c, d)
}

func (h *HolidaysAPI) one(c *fiber.Ctx, d store.Date) error {
	rows, err := h.svc.Holidays(c.UserContext(), d.Time().Year())
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Date.String() == d.String() {
			return c.JSON(holidayJSON{Date: r.Date.String(), Name: r.Name, Kind: r.Kind, DayOff: r.DayOff, Provisional: r.Provisional, Source: r.Source})
		}
	}
	return errors.New("holiday saved but not found")
}

// clear removes the host's override of a date: the official table applies again.
func (h *HolidaysAPI) clear(c *fiber.Ctx) error {
	d, err := pathDate(c)
	if err != nil {
		return err
	}
	if err := h.svc.ClearHoliday(c.UserContext(), apiActor, d); err != nil {
		return settingsError(err, "host holiday on that date")
	}
	return c.SendStatus(fiber.StatusNoContent)
}
