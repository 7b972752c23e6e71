package admin

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
)

// requireAdmin lets only the admin role through: staff manage guests and bookings, not
// users or settings (issue 10 item 10). It runs after requireSession, on every method.
func (h *Handler) requireAdmin(c *fiber.Ctx) error {
	if currentStaff(c).Role != "admin" {
		return fiber.NewError(fiber.StatusForbidden, "only an administrator can manage settings and users")
	}
	if h.opts.Settings == nil {
		return fiber.NewError(fiber.StatusNotFound, "settings are not available")
	}
	return c.Next()
}

// mountSettings adds the settings pages (admin role only).
func (h *Handler) mountSettings(r fiber.Router) {
	g := r.Group("/settings", h.requireAdmin)
	g.Get("/", h.settingsIndex)
	g.Get("/property", h.propertyShow)
	g.Post("/property", h.propertySave)
	g.Get("/units", h.unitList)
	g.Post("/units", h.unitCreate)
	g.Get("/units/:id", h.unitShow)
	g.Post("/units/:id", h.unitSave)
	g.Get("/prices", h.priceList)
	g.Post("/prices", h.priceCreate)
	g.Get("/prices/:id", h.priceShow)
	g.Post("/prices/:id", h.priceSave)
	g.Post("/prices/:id/delete", h.priceDelete)
	g.Get("/holidays", h.holidayList)
	g.Post("/holidays", h.holidaySet)
	g.Post("/holidays/clear", h.holidayClear)
	g.Get("/feeds", h.feedList)
	g.Post("/feeds", h.feedAdd)
	g.Post("/feeds/:id/delete", h.feedRemove)
	g.Post("/feeds/:id/test", h.feedTest)
	g.Post("/feeds/:id/pause", h.feedPause)
	g.Post("/feeds/:id/resume", h.feedResume)
	g.Get("/users", h.userList)
	g.Post("/users", h.userInvite)
	g.Post("/users/:id", h.userSave)
	g.Post("/users/:id/reset", h.userReset)
	g.Get("/payments", h.paymentChoiceShow)
	g.Post("/payments", h.paymentChoiceSave)
	// Every user's own page (not admin-only).
	r.Get("/account", h.accountShow)
	r.Post("/account/password", h.accountPassword)
}

// fieldErrors returns the per-field messages of a validation error of the settings or
// the booking engine, in Spanish.
func fieldErrors(err error) (map[string]string, bool) {
	var se *settings.ValidationError
	if errors.As(err, &se) {
		return spanishFields(se.Fields), true
	}
	var be *booking.ValidationError
	if errors.As(err, &be) {
		return spanishFields(be.Fields), true
	}
	return nil, false
}

// actor names the staff member in audits and events.
func actor(c *fiber.Ctx) string { return "staff:" + currentStaff(c).Username }

// formInt reads an integer form field; a malformed one is reported in errs.
func formInt(c *fiber.Ctx, name string, errs map[string]string) int {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		errs[name] = "un número entero"
	}
	return n
}

// formOptInt is formInt for an optional field (nil when empty).
func formOptInt(c *fiber.Ctx, name string, errs map[string]string) *int {
	if strings.TrimSpace(c.FormValue(name)) == "" {
		return nil
	}
	n := formInt(c, name, errs)
	return &n
}

// formPesos reads an amount in pesos as centavos (nil when empty).
func formPesos(c *fiber.Ctx, name string, errs map[string]string) *int64 {
	if strings.TrimSpace(c.FormValue(name)) == "" {
		return nil
	}
	v, err := pesosToCents(c.FormValue(name))
	if err != nil {
		errs[name] = "un monto en pesos, p. ej. 135.000 o 135000,50"
	}
	return &v
}

// formDecimalBP reads "1,20" or "1.2" as basis points ×10000 (12000); with percent, "10"
// as 1000 (10 %). nil when empty.
func formDecimalBP(c *fiber.Ctx, name string, percent bool, errs map[string]string) *int {
	v := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(c.FormValue(name)), "%"))
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
	if err != nil {
		errs[name] = "un número, p. ej. 1,20"
		return nil
	}
	scale := 10000.0
	if percent {
		scale = 100
	}
	bp := int(f*scale + 0.5)
	return &bp
}

// formDate reads a YYYY-MM-DD field (nil when empty).
func formDate(c *fiber.Ctx, name string, errs map[string]string) *store.Date {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return nil
	}
	d, err := store.ParseDate(v)
	if err != nil {
		errs[name] = "una fecha AAAA-MM-DD"
		return nil
	}
	return &d
}
