package admin

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
)

type holidayData struct {
	Year       int
	Prev, Next int
	Holidays   []store.Holiday
	Errors     map[string]string
}

func (h *Handler) holidayList(c *fiber.Ctx) error {
	return h.renderHolidays(c, fiber.StatusOK, c.QueryInt("year", h.opts.Now().In(argentina).Year()), nil)
}

func (h *Handler) renderHolidays(c *fiber.Ctx, status, year int, errs map[string]string) error {
	if year < 2000 || year > 2100 {
		year = h.opts.Now().In(argentina).Year()
	}
	rows, err := h.opts.Settings.Holidays(c.UserContext(), year)
	if err != nil {
		return err
	}
	p := page{Title: "Feriados " + strconv.Itoa(year), Data: holidayData{Year: year, Prev: year - 1, Next: year + 1, Holidays: rows, Errors: errs}}
	if len(errs) > 0 {
		p.Error = "Revisá los campos marcados."
	}
	return h.render(c, status, "settings_holidays", p)
}

func (h *Handler) holidaySet(c *fiber.Ctx) error {
	errs := map[string]string{}
	d := formDate(c, "date", errs)
	year := h.opts.Now().In(argentina).Year()
	if d == nil && errs["date"] == "" {
		errs["date"] = "requerida"
	}
	if len(errs) == 0 {
		year = d.Time().Year()
		err := h.opts.Settings.SetHoliday(c.UserContext(), actor(c), *d, c.FormValue("name"), c.FormValue("day_off") != "no")
		if fields, ok := fieldErrors(err); ok {
			errs = fields
		} else if err != nil {
			return err
		} else {
			return redirectWith(c, "/admin/settings/holidays?year="+strconv.Itoa(year), "Feriado guardado: los precios lo usan desde ya")
		}
	}
	return h.renderHolidays(c, fiber.StatusUnprocessableEntity, year, errs)
}

func (h *Handler) holidayClear(c *fiber.Ctx) error {
	d, err := store.ParseDate(strings.TrimSpace(c.FormValue("date")))
	if err != nil {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "date: YYYY-MM-DD")
	}
	err = h.opts.Settings.ClearHoliday(c.UserContext(), actor(c), d)
	if errors.Is(err, settings.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no host holiday on that date")
	}
	if err != nil {
		return err
	}
	return redirectWith(c, "/admin/settings/holidays?year="+strconv.Itoa(d.Time().Year()), "Vuelve a regir el calendario oficial para "+d.String())
}
