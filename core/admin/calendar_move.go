package admin

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/store"
)

// Price choices of the move form.
const (
	movePriceKeep  = "keep"
	movePriceQuote = "quote"
)

// moveForm is the "Cambiar fechas o unidad" form of the booking page.
type moveForm struct {
	Unit     int64
	CheckIn  string
	CheckOut string
	Price    string
	// Quote is the new stay's price, once staff asked for it (or a move was refused after
	// pricing).
	Quote *booking.Quote
	// Free says the preview found every night free.
	Free   bool
	Errors map[string]string
	// Refusal is why the engine refused the move, in Spanish, naming what is in the way.
	Refusal string
}

func newMoveForm(r booking.Reservation) moveForm {
	return moveForm{Unit: r.UnitID, CheckIn: r.Stay.CheckIn.String(), CheckOut: r.Stay.CheckOut.String(), Price: movePriceKeep, Errors: map[string]string{}}
}

// bookingMove moves a hold or booking to other nights or another unit through the engine
// (the same guards as a new booking). action=preview only prices the new stay and checks
// its nights, so staff can choose between the agreed total and the new quote. The guest
// is not told: staff write to them from the conversation.
func (h *Handler) bookingMove(c *fiber.Ctx) error {
	d := h.desk()
	if d == nil {
		return fiber.NewError(fiber.StatusNotFound, "no calendar")
	}
	ctx := c.UserContext()
	code := c.Params("code")
	r, err := d.Get(ctx, code)
	if errors.Is(err, booking.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such reservation")
	}
	if err != nil {
		return err
	}
	mf := moveForm{CheckIn: strings.TrimSpace(c.FormValue("check_in")), CheckOut: strings.TrimSpace(c.FormValue("check_out")),
		Price: c.FormValue("price"), Errors: map[string]string{}}
	unitID, stay := stayFromForm(c, mf.Errors)
	mf.Unit = unitID
	if mf.Price != movePriceQuote {
		mf.Price = movePriceKeep
	}
	if len(mf.Errors) > 0 {
		return h.renderMove(c, r, mf)
	}
	if c.FormValue("action") == "preview" {
		q, err := d.QuoteMove(ctx, code, unitID, stay)
		if err != nil {
			if rerr := h.moveRefusal(err, &mf); rerr != nil {
				return rerr
			}
			return h.renderMove(c, r, mf)
		}
		mf.Quote, mf.Free = &q, true
		return h.renderBooking(c, fiber.StatusOK, bookingData{R: r, Paid: pesosField(r.PaidCents), Move: mf})
	}
	moved, err := d.Move(ctx, code, booking.MoveRequest{UnitID: unitID, Stay: stay, KeepTotal: mf.Price == movePriceKeep, By: actor(c)})
	if err != nil {
		if rerr := h.moveRefusal(err, &mf); rerr != nil {
			return rerr
		}
		return h.renderMove(c, r, mf)
	}
	h.reports.forget()
	h.log.InfoContext(ctx, "booking moved by staff", "code", code, "staff", currentStaff(c).Username,
		"from", r.Stay.String(), "to", moved.Stay.String(), "unit", moved.UnitID)
	_, names, err := h.calendarUnits(ctx)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Reserva movida: %s, %s a %s, total %s", names[moved.UnitID], moved.Stay.CheckIn, moved.Stay.CheckOut, formatMoney(moved.TotalCents))
	if moved.ConversationID != nil {
		msg += ". El huésped no fue avisado: escribile desde la conversación"
	}
	return redirectWith(c, "/admin/calendar/bookings/"+code, msg)
}

// renderMove shows the booking page again with the move form as staff filled it (422).
func (h *Handler) renderMove(c *fiber.Ctx, r booking.Reservation, mf moveForm) error {
	return h.renderBooking(c, fiber.StatusUnprocessableEntity, bookingData{R: r, Paid: pesosField(r.PaidCents), Move: mf})
}

// moveRefusal puts the engine's refusal of a move into mf, in Spanish; anything that is
// not a refusal is returned.
func (h *Handler) moveRefusal(err error, mf *moveForm) error {
	var (
		ce     *booking.ConflictError
		ms     *booking.MinStayError
		mx     *booking.MaxStayError
		capErr *booking.CapacityError
	)
	switch fields, ok := fieldErrors(err); {
	case ok:
		for k, v := range bookingErrors(fields) {
			mf.Errors[k] = v
		}
	case errors.As(err, &ce):
		mf.Refusal = conflictMessage(ce)
	case errors.Is(err, booking.ErrUnavailable):
		mf.Refusal = "Esas noches ya están ocupadas por una reserva, una pre-reserva, un bloqueo o un portal: no se movió nada."
	case errors.As(err, &ms):
		mf.Refusal = fmt.Sprintf("La estadía mínima para esas fechas es de %d noches: no se movió nada.", ms.Required)
	case errors.As(err, &mx):
		mf.Refusal = fmt.Sprintf("Una reserva puede tener hasta %d noches (pediste %d): no se movió nada.", mx.Max, mx.Nights)
	case errors.As(err, &capErr):
		mf.Refusal = fmt.Sprintf("%s es para %d personas como máximo y la reserva es de %d: elegí otra unidad.", capErr.Unit, capErr.Capacity, capErr.Guests)
	case errors.Is(err, booking.ErrCancelled):
		mf.Refusal = "La reserva está cancelada: no se puede mover."
	case errors.Is(err, booking.ErrExpired):
		mf.Refusal = "La pre-reserva venció: no se puede mover. Creá una reserva nueva."
	case errors.Is(err, booking.ErrNotFound):
		return fiber.NewError(fiber.StatusNotFound, "no such reservation")
	default:
		return err
	}
	return nil
}

// conflictMessage names what takes the nights: "Esas noches ya están ocupadas: reserva
// RES270308001 (2027-03-08 a 2027-03-11), bloqueo de Airbnb (…)".
func conflictMessage(ce *booking.ConflictError) string {
	parts := make([]string, len(ce.Conflicts))
	for i, c := range ce.Conflicts {
		dates := fmt.Sprintf(" (%s a %s)", c.Stay.CheckIn, c.Stay.CheckOut)
		switch c.Kind {
		case booking.ConflictBooking:
			parts[i] = "reserva " + c.Code + dates
		case booking.ConflictHold:
			parts[i] = "pre-reserva " + c.Code + dates
		case booking.ConflictBlock:
			parts[i] = "bloqueo manual" + dates
		default:
			parts[i] = "bloqueo de " + portalName(c.Portal) + dates
		}
	}
	return "Esas noches ya están ocupadas: " + strings.Join(parts, ", ") + ". No se movió nada."
}

// portalName is a feed's platform as hosts know it.
func portalName(platform string) string {
	switch platform {
	case "airbnb":
		return "Airbnb"
	case "booking":
		return "Booking.com"
	case "vrbo":
		return "Vrbo"
	case "google":
		return "Google Calendar"
	}
	return "otro portal"
}

// moveDefaults fills the move form of a booking page shown for the first time.
func moveDefaults(bd *bookingData) {
	if bd.Move.Errors == nil {
		bd.Move = newMoveForm(bd.R)
	}
}

// movable reports whether the booking page offers the move form.
func movable(r booking.Reservation) bool {
	return r.Status == store.StatusConfirmed || r.Status == store.StatusPreReserved
}

// unitOption is one choice of the move form's unit select.
type unitOption struct {
	ID       int64
	Label    string
	Selected bool
}

func unitOptions(units []booking.Unit, selected int64) []unitOption {
	out := make([]unitOption, len(units))
	for i, u := range units {
		out[i] = unitOption{ID: u.ID, Label: u.Name + " (hasta " + strconv.Itoa(u.Capacity) + ")", Selected: u.ID == selected}
	}
	return out
}
