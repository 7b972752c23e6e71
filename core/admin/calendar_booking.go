package admin

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/booking"
)

var manualFields = []string{"unit", "check_in", "check_out", "guests", "name", "phone", "email", "paid", "notes", "note", "kind"}

// stayFromForm reads unit, check_in and check_out.
func stayFromForm(c *fiber.Ctx, errs map[string]string) (int64, booking.Stay) {
	unitID, err := strconv.ParseInt(c.FormValue("unit"), 10, 64)
	if err != nil {
		errs["unit"] = "elegí una unidad"
	}
	var stay booking.Stay
	if d := formDate(c, "check_in", errs); d != nil {
		stay.CheckIn = *d
	} else if errs["check_in"] == "" {
		errs["check_in"] = "requerida"
	}
	if d := formDate(c, "check_out", errs); d != nil {
		stay.CheckOut = *d
	} else if errs["check_out"] == "" {
		errs["check_out"] = "requerida"
	}
	return unitID, stay
}

// unavailableMessage says in plain words why nights were refused.
func unavailableMessage(stay booking.Stay) string {
	return fmt.Sprintf("Esas noches (%s a %s) ya están ocupadas por una reserva, una pre-reserva, un bloqueo o un portal: no se guardó nada.", stay.CheckIn, stay.CheckOut)
}

// bookingErrors maps the engine's field names (guest.name...) to the form's.
func bookingErrors(fields map[string]string) map[string]string {
	for api, form := range map[string]string{"guest.name": "name", "guest.phone": "phone", "guest.email": "email", "paid_cents": "paid", "accommodation_id": "unit"} {
		if m, ok := fields[api]; ok {
			fields[form] = m
		}
	}
	return fields
}

func formValues(c *fiber.Ctx) map[string]string {
	form := map[string]string{}
	for _, k := range manualFields {
		form[k] = c.FormValue(k)
	}
	return form
}

// manualBookingCreate books a phone or walk-in guest: held and confirmed through the
// engine, so taken nights are refused.
func (h *Handler) manualBookingCreate(c *fiber.Ctx) error {
	d := h.desk()
	if d == nil {
		return fiber.NewError(fiber.StatusNotFound, "the booking engine takes no manual bookings")
	}
	errs := map[string]string{}
	form := formValues(c)
	unitID, stay := stayFromForm(c, errs)
	guests := formInt(c, "guests", errs)
	var paid int64
	if p := formPesos(c, "paid", errs); p != nil {
		paid = *p
	}
	if len(errs) == 0 {
		res, err := d.BookManual(c.UserContext(), booking.ManualBooking{UnitID: unitID, Stay: stay, Guests: guests,
			Guest:     booking.Guest{Name: strings.TrimSpace(form["name"]), Phone: strings.TrimSpace(form["phone"]), Email: strings.TrimSpace(form["email"])},
			PaidCents: paid, Notes: strings.TrimSpace(form["notes"]), By: actor(c)})
		var ms *booking.MinStayError
		switch fields, ok := fieldErrors(err); {
		case ok:
			errs = bookingErrors(fields)
		case errors.Is(err, booking.ErrUnavailable):
			errs["_"] = unavailableMessage(stay)
		case errors.As(err, &ms):
			errs["_"] = fmt.Sprintf("La estadía mínima para esas fechas es de %d noches.", ms.Required)
		case err != nil:
			return err
		default:
			h.reports.forget()
			h.log.InfoContext(c.UserContext(), "manual booking by staff", "code", res.Code, "staff", currentStaff(c).Username)
			return redirectWith(c, "/admin/calendar/timeline?from="+stay.CheckIn.AddDays(-2).String(), fmt.Sprintf("Reserva %s guardada", res.Code))
		}
	}
	return h.renderTimeline(c, fiber.StatusUnprocessableEntity, form, errs)
}

func (h *Handler) blockCreate(c *fiber.Ctx) error {
	d := h.desk()
	if d == nil {
		return fiber.NewError(fiber.StatusNotFound, "the booking engine takes no blocks")
	}
	errs := map[string]string{}
	form := formValues(c)
	form["kind"] = "block"
	unitID, stay := stayFromForm(c, errs)
	if len(errs) == 0 {
		_, err := d.Block(c.UserContext(), unitID, stay, strings.TrimSpace(form["note"]), actor(c))
		switch fields, ok := fieldErrors(err); {
		case ok:
			errs = bookingErrors(fields)
		case errors.Is(err, booking.ErrUnavailable):
			errs["_"] = unavailableMessage(stay)
		case err != nil:
			return err
		default:
			return redirectWith(c, "/admin/calendar/timeline?from="+stay.CheckIn.AddDays(-2).String(), "Noches bloqueadas: el bot no las ofrece")
		}
	}
	return h.renderTimeline(c, fiber.StatusUnprocessableEntity, form, errs)
}

func (h *Handler) blockDelete(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	d := h.desk()
	if d == nil {
		return fiber.NewError(fiber.StatusNotFound, "the booking engine takes no blocks")
	}
	if err := d.Unblock(c.UserContext(), id); errors.Is(err, booking.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such block")
	} else if err != nil {
		return err
	}
	return redirectWith(c, backTo(c), "Bloqueo quitado: esas noches vuelven a estar a la venta")
}

type bookingData struct {
	R      booking.Reservation
	Unit   string
	Paid   string
	Errors map[string]string
	// Move is the "Cambiar fechas o unidad" form; Units its unit choices.
	Move    moveForm
	Units   []unitOption
	Movable bool
}

func (h *Handler) bookingShow(c *fiber.Ctx) error {
	d := h.desk()
	if d == nil {
		return fiber.NewError(fiber.StatusNotFound, "no calendar")
	}
	r, err := d.Get(c.UserContext(), c.Params("code"))
	if errors.Is(err, booking.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such reservation")
	}
	if err != nil {
		return err
	}
	return h.renderBooking(c, fiber.StatusOK, bookingData{R: r, Paid: pesosField(r.PaidCents)})
}

func (h *Handler) renderBooking(c *fiber.Ctx, status int, bd bookingData) error {
	units, names, err := h.calendarUnits(c.UserContext())
	if err != nil {
		return err
	}
	bd.Unit = names[bd.R.UnitID]
	moveDefaults(&bd)
	bd.Units = unitOptions(units, bd.Move.Unit)
	bd.Movable = movable(bd.R)
	p := page{Title: "Reserva " + bd.R.Code, Data: bd}
	switch {
	case len(bd.Errors) > 0 || len(bd.Move.Errors) > 0:
		p.Error = "Revisá los campos marcados."
	case bd.Move.Refusal != "":
		p.Error = bd.Move.Refusal
	}
	return h.render(c, status, "calendar_booking", p)
}

func (h *Handler) bookingSave(c *fiber.Ctx) error {
	d := h.desk()
	if d == nil {
		return fiber.NewError(fiber.StatusNotFound, "no calendar")
	}
	code := c.Params("code")
	errs := map[string]string{}
	det := booking.Details{Guest: booking.Guest{Name: strings.TrimSpace(c.FormValue("name")), Phone: strings.TrimSpace(c.FormValue("phone")),
		Email: strings.TrimSpace(c.FormValue("email"))}, Notes: strings.TrimSpace(c.FormValue("notes")), By: actor(c)}
	det.PaidCents = formPesos(c, "paid", errs)
	if len(errs) == 0 {
		_, err := d.UpdateDetails(c.UserContext(), code, det)
		switch fields, ok := fieldErrors(err); {
		case ok:
			errs = bookingErrors(fields)
		case errors.Is(err, booking.ErrNotFound):
			return fiber.NewError(fiber.StatusNotFound, "no such reservation")
		case err != nil:
			return err
		default:
			h.reports.forget()
			return redirectWith(c, "/admin/calendar/bookings/"+code, "Datos guardados")
		}
	}
	r, err := d.Get(c.UserContext(), code)
	if err != nil {
		return fiber.NewError(fiber.StatusNotFound, "no such reservation")
	}
	r.Guest, r.Notes = det.Guest, det.Notes
	return h.renderBooking(c, fiber.StatusUnprocessableEntity, bookingData{R: r, Paid: c.FormValue("paid"), Errors: errs})
}
