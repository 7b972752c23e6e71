package admin

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/settings"
)

type unitForm struct {
	U      settings.Unit
	Errors map[string]string
	Types  []string
	// Price is the base price as typed (pesos).
	Price string
}

type unitListData struct {
	Units []settings.Unit
	New   unitForm
}

func (h *Handler) unitList(c *fiber.Ctx) error {
	return h.renderUnits(c, fiber.StatusOK, unitForm{U: settings.Unit{Type: "cabaña", Capacity: 4, Active: true}})
}

func (h *Handler) renderUnits(c *fiber.Ctx, status int, f unitForm) error {
	units, err := h.opts.Settings.Units(c.UserContext())
	if err != nil {
		return err
	}
	f.Types = settings.UnitTypes
	p := page{Title: "Unidades", Data: unitListData{Units: units, New: f}}
	if len(f.Errors) > 0 {
		p.Error = "Revisá los campos marcados."
	}
	return h.render(c, status, "settings_units", p)
}

// unitFromForm reads the unit form; malformed numbers are reported in errs.
func unitFromForm(c *fiber.Ctx, errs map[string]string) (settings.Unit, string) {
	u := settings.Unit{
		Name: c.FormValue("name"), Type: c.FormValue("type"), Capacity: formInt(c, "capacity", errs),
		BaseOccupancy: formInt(c, "base_occupancy", errs), Description: c.FormValue("description"),
		PhotosURL: c.FormValue("photos_url"), Active: c.FormValue("active") == "on",
	}
	for _, a := range strings.Split(c.FormValue("amenities"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			u.Amenities = append(u.Amenities, a)
		}
	}
	u.SetPets(c.FormValue("pets") == "on")
	price := c.FormValue("base_price")
	if p := formPesos(c, "base_price", errs); p != nil {
		u.BasePriceCents = *p
	}
	return u, price
}

// unitErrors renames the API's field names to the form's.
func unitErrors(fields map[string]string) map[string]string {
	if m, ok := fields["base_price_cents"]; ok {
		fields["base_price"] = m
	}
	return fields
}

func (h *Handler) unitCreate(c *fiber.Ctx) error {
	errs := map[string]string{}
	u, price := unitFromForm(c, errs)
	if len(errs) == 0 {
		created, err := h.opts.Settings.CreateUnit(c.UserContext(), actor(c), u)
		if fields, ok := fieldErrors(err); ok {
			errs = unitErrors(fields)
		} else if err != nil {
			return err
		} else {
			return redirectWith(c, "/admin/settings/units", fmt.Sprintf("Unidad %q creada: el bot ya la ofrece", created.Name))
		}
	}
	return h.renderUnits(c, fiber.StatusUnprocessableEntity, unitForm{U: u, Errors: errs, Price: price})
}

func (h *Handler) unitShow(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	u, err := h.opts.Settings.Unit(c.UserContext(), id)
	if errors.Is(err, settings.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such unit")
	}
	if err != nil {
		return err
	}
	return h.renderUnit(c, fiber.StatusOK, unitForm{U: u, Price: pesosField(u.BasePriceCents)})
}

func (h *Handler) renderUnit(c *fiber.Ctx, status int, f unitForm) error {
	f.Types = settings.UnitTypes
	p := page{Title: "Unidad · " + f.U.Name, Data: f}
	if len(f.Errors) > 0 {
		p.Error = "Revisá los campos marcados."
	}
	return h.render(c, status, "settings_unit", p)
}

func (h *Handler) unitSave(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	u, price := unitFromForm(c, errs)
	u.ID = id
	if len(errs) == 0 {
		_, err := h.opts.Settings.UpdateUnit(c.UserContext(), actor(c), u)
		switch fields, ok := fieldErrors(err); {
		case ok:
			errs = unitErrors(fields)
		case errors.Is(err, settings.ErrNotFound):
			return fiber.NewError(fiber.StatusNotFound, "no such unit")
		case err != nil:
			return err
		default:
			return redirectWith(c, "/admin/settings/units", fmt.Sprintf("Unidad %q guardada", u.Name))
		}
	}
	return h.renderUnit(c, fiber.StatusUnprocessableEntity, unitForm{U: u, Errors: errs, Price: price})
}

// pesosField writes centavos as a form value in pesos ("135000", "1234,50").
func pesosField(cents int64) string {
	if cents%100 == 0 {
		return fmt.Sprint(cents / 100)
	}
	return fmt.Sprintf("%d,%02d", cents/100, cents%100)
}
