package builtin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/store"
)

func dateArg(c dialog.Call, name string) (store.Date, bool) {
	s, _ := c.Arg(name).(string)
	if s == "" {
		return store.Date{}, false
	}
	d, err := store.ParseDate(s)
	return d, err == nil
}

func intArg(c dialog.Call, name string) int64 {
	switch v := c.Arg(name).(type) {
	case int64:
		return v
	case int:
		return int64(v)
	case float64:
		return int64(v)
	case string:
		var n int64
		if _, err := fmt.Sscan(v, &n); err == nil {
			return n
		}
	}
	return 0
}

func strArg(c dialog.Call, name string) string {
	s, _ := c.Arg(name).(string)
	return s
}

func strsArg(c dialog.Call, name string) []string {
	list, _ := c.Arg(name).([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// stayArgs reads check_in, check_out and guests (arguments or slots).
func stayArgs(c dialog.Call) (booking.Stay, int, error) {
	in, ok1 := dateArg(c, "check_in")
	out, ok2 := dateArg(c, "check_out")
	if !ok1 || !ok2 {
		return booking.Stay{}, 0, errors.New("check_in and check_out are required (YYYY-MM-DD)")
	}
	guests := int(intArg(c, "guests"))
	if guests < 1 {
		return booking.Stay{}, 0, errors.New("guests is required")
	}
	return booking.NewStay(in, out), guests, nil
}

// perNight is the nightly price shown in an offer: the price when every night costs the
// same, else the average (uniform false, so the template can say "promedio").
func perNight(q booking.Quote) (int64, bool) {
	if len(q.Nights) == 0 {
		return 0, true
	}
	first := q.Nights[0].PriceCents
	uniform := true
	for _, n := range q.Nights[1:] {
		if n.PriceCents != first {
			uniform = false
		}
	}
	if uniform {
		return first, true
	}
	// Rounded half up to the peso: 444.000 over 7 nights is $63.429, not $63.428.
	n := int64(len(q.Nights))
	return (q.NightsCents + n*50) / (n * 100) * 100, false
}

func offerData(o booking.Offer) map[string]any {
	ppn, uniform := perNight(o.Quote)
	return map[string]any{
		"id": o.Unit.ID, "title": o.Unit.Name, "name": o.Unit.Name, "type": o.Unit.Type,
		"capacity": o.Unit.Capacity, "amenities": o.Unit.Amenities, "nights": len(o.Quote.Nights),
		"price_per_night_cents": ppn, "uniform_price": uniform,
		"total_cents": o.Quote.TotalCents, "deposit_cents": o.Quote.DepositCents,
	}
}

// stayTitle names a stay for a quick reply: "Cabaña Robles, 12/1 al 15/1".
func stayTitle(lang, name string, s booking.Stay) string {
	loc := time.UTC
	in, out := dialog.FormatDate(lang, s.CheckIn.String(), loc), dialog.FormatDate(lang, s.CheckOut.String(), loc)
	switch family(lang) {
	case "en":
		return fmt.Sprintf("%s, %s to %s", name, in, out)
	case "pt":
		return fmt.Sprintf("%s, %s a %s", name, in, out)
	}
	return fmt.Sprintf("%s, %s al %s", name, in, out)
}

func alternativesData(lang string, alts []booking.Alternative) []any {
	out := make([]any, 0, len(alts))
	for i, a := range alts {
		out = append(out, map[string]any{
			"id": fmt.Sprintf("alt%d", i+1), "title": stayTitle(lang, a.Unit.Name, a.Quote.Stay),
			"kind": a.Kind, "accommodation_id": a.Unit.ID, "name": a.Unit.Name, "type": a.Unit.Type,
			"capacity": a.Unit.Capacity, "amenities": a.Unit.Amenities,
			"check_in": a.Quote.Stay.CheckIn.String(), "check_out": a.Quote.Stay.CheckOut.String(),
			"nights": a.Quote.Stay.Nights(), "shift_days": a.ShiftDays,
			"total_cents": a.Quote.TotalCents, "deposit_cents": a.Quote.DepositCents,
		})
	}
	return out
}

// buscarDisponibilidad searches what is free. Business outcomes (nothing free, a minimum
// stay) are data for the dialog, never errors.
func (a *Actions) buscarDisponibilidad(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	stay, guests, err := stayArgs(c)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("buscar_disponibilidad: %w", err)
	}
	prop, err := a.property(ctx)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("buscar_disponibilidad: %w", err)
	}
	maxCap, totalCap := 0, 0
	units := make([]string, 0, len(prop.Units))
	for _, u := range prop.Units {
		maxCap = max(maxCap, u.Capacity)
		totalCap += u.Capacity
		units = append(units, u.Name)
	}
	data := map[string]any{
		"check_in": stay.CheckIn.String(), "check_out": stay.CheckOut.String(), "nights": stay.Nights(),
		"guests": guests, "max_capacity": maxCap, "total_capacity": totalCap, "units_count": len(prop.Units),
		"units_text": joinList(c.Language, units), "min_nights": 0, "max_nights": a.deps.MaxNights,
		"problem": "", "message": "", "offers": []any{}, "alternatives": []any{}, "ok": false, "fitting": nil,
	}
	// A stay in a year other than the one the guest would assume (a date already past
	// this year falls in the next) is shown with its year.
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	now := c.Now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	in := stay.CheckIn.Time()
	data["year"] = in.Year()
	data["show_year"] = in.Sub(today) > 270*24*time.Hour
	if last := store.DateOf(today).AddDays(a.deps.MaxAdvanceDays); last.Before(stay.CheckIn) {
		// How far ahead the host books, not "no room" (a hold in year 9999 was taken).
		data["problem"] = "too_far"
		data["last_check_in"] = last.String()
		data["last_check_in_year"] = last.Time().Year()
		data["max_advance_days"] = a.deps.MaxAdvanceDays
		return dialog.Result{Data: data}, nil
	}
	if stay.Nights() > a.deps.MaxNights {
		// The real reason, not "no room": the longest stay the host takes.
		data["problem"] = "max_nights"
		return dialog.Result{Data: data}, nil
	}
	req := booking.SearchRequest{Stay: stay, Guests: guests, UnitType: strArg(c, "unit_type"), Amenities: strsArg(c, "amenities")}
	res, err := a.deps.Booking.Search(ctx, req)
	var verr *booking.ValidationError
	switch {
	case errors.Is(err, booking.ErrLongStay):
		data["problem"] = "long_stay"
		data["bot_max_nights"] = a.deps.BotMaxNights
		return dialog.Result{Data: data}, nil
	case errors.Is(err, booking.ErrHoldLimit):
		data["problem"] = "hold_limit"
		return dialog.Result{Data: data}, nil
	case errors.As(err, &verr):
		data["problem"] = "invalid"
		data["message"] = verr.Error()
		return dialog.Result{Data: data}, nil
	case err != nil:
		return dialog.Result{}, fmt.Errorf("buscar_disponibilidad: %w", err)
	}
	offers := make([]any, 0, len(res.Offers))
	for _, o := range res.Offers {
		offers = append(offers, offerData(o))
	}
	data["offers"] = offers
	data["alternatives"] = alternativesData(c.Language, res.Alternatives)
	data["ok"] = len(offers) > 0
	if res.MinStay != nil {
		data["min_nights"] = res.MinStay.Required
		data["min_reason"] = res.MinStay.Reason
		data["problem"] = "min_stay"
		if len(offers) == 0 {
			fit, err := a.fittingStay(ctx, req, res.MinStay.Required, c.Language)
			if err != nil {
				return dialog.Result{}, fmt.Errorf("buscar_disponibilidad: %w", err)
			}
			data["fitting"] = fit
		}
	}
	var events []string
	if len(offers) > 0 {
		events = []string{dialog.EventOffer}
	}
	return dialog.Result{Data: data, Events: events}, nil
}

// fittingStay finds the nearest stay that meets a minimum: the same check-in with more
// nights, else the same check-out arriving earlier. nil when neither has room.
func (a *Actions) fittingStay(ctx context.Context, req booking.SearchRequest, nights int, lang string) (map[string]any, error) {
	for _, stay := range []booking.Stay{
		booking.NewStay(req.Stay.CheckIn, req.Stay.CheckIn.AddDays(nights)),
		booking.NewStay(req.Stay.CheckOut.AddDays(-nights), req.Stay.CheckOut),
	} {
		r := req
		r.Stay = stay
		res, err := a.deps.Booking.Search(ctx, r)
		var verr *booking.ValidationError
		if errors.As(err, &verr) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(res.Offers) == 0 {
			continue
		}
		offers := make([]any, 0, len(res.Offers))
		for _, o := range res.Offers {
			offers = append(offers, offerData(o))
		}
		return map[string]any{
			"check_in": stay.CheckIn.String(), "check_out": stay.CheckOut.String(), "nights": stay.Nights(), "offers": offers,
		}, nil
	}
	return nil, nil
}

// cotizar prices a stay night by night. The unit is the argument accommodation, else the
// chosen unit, else the cheapest offer of the last search.
func (a *Actions) cotizar(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	stay, guests, err := stayArgs(c)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("cotizar: %w", err)
	}
	unitID := intArg(c, "accommodation")
	if unitID == 0 {
		unitID = intArg(c, "unidad")
	}
	if unitID == 0 {
		if search, ok := c.Results["buscar_disponibilidad"].(map[string]any); ok {
			if offers, ok := search["offers"].([]any); ok && len(offers) > 0 {
				if first, ok := offers[0].(map[string]any); ok {
					unitID, _ = first["id"].(int64)
				}
			}
		}
	}
	prop, err := a.property(ctx)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("cotizar: %w", err)
	}
	if unitID == 0 && len(prop.Units) > 0 {
		unitID = prop.Units[0].ID
	}
	name := ""
	for _, u := range prop.Units {
		if u.ID == unitID {
			name = u.Name
		}
	}
	data := map[string]any{"ok": false, "name": name, "accommodation_id": unitID, "nights": stay.Nights(), "problem": "", "min_nights": 0}
	q, err := a.deps.Booking.Quote(ctx, unitID, stay, guests)
	var ms *booking.MinStayError
	switch {
	case errors.As(err, &ms):
		data["problem"] = "min_stay"
		data["min_nights"] = ms.Required
		return dialog.Result{Data: data}, nil
	case errors.Is(err, booking.ErrNotFound), errors.Is(err, booking.ErrInvalid):
		data["problem"] = "invalid"
		return dialog.Result{Data: data}, nil
	case err != nil:
		return dialog.Result{}, fmt.Errorf("cotizar: %w", err)
	}
	nightly := make([]any, 0, len(q.Nights))
	for _, n := range q.Nights {
		nightly = append(nightly, map[string]any{"date": n.Date.String(), "price_cents": n.PriceCents, "reason": n.Reason, "rule": n.Rule})
	}
	ppn, uniform := perNight(q)
	data["ok"] = true
	data["nightly"] = nightly
	data["price_per_night_cents"] = ppn
	data["uniform_price"] = uniform
	data["total_cents"] = q.TotalCents
	data["deposit_cents"] = q.DepositCents
	data["cleaning_cents"] = q.CleaningCents
	data["discount_cents"] = q.DiscountCents
	return dialog.Result{Data: data}, nil
}

// preReservar holds the chosen unit for 30 minutes.
func (a *Actions) preReservar(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	stay, guests, err := stayArgs(c)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("pre_reservar: %w", err)
	}
	unitID := intArg(c, "accommodation")
	if unitID == 0 {
		return dialog.Result{}, errors.New("pre_reservar: accommodation is required")
	}
	prop, err := a.property(ctx)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("pre_reservar: %w", err)
	}
	name := ""
	for _, u := range prop.Units {
		if u.ID == unitID {
			name = u.Name
		}
	}
	guest := booking.Guest{Name: strArg(c, "name"), Email: strArg(c, "email"), Phone: strArg(c, "phone")}
	if guest.Name == "" {
		guest.Name = c.Guest.Name
	}
	if guest.Phone == "" && c.Guest.AddressKind == dialog.AddressPhone {
		guest.Phone = c.Guest.Contact
	}
	if guest.Email == "" && c.Guest.AddressKind == dialog.AddressEmail {
		guest.Email = c.Guest.Contact
	}
	req := booking.HoldRequest{UnitID: unitID, Stay: stay, Guests: guests, Guest: guest, Source: "bot"}
	if c.Guest.ConversationID != 0 {
		id := c.Guest.ConversationID
		req.ConversationID = &id
	}
	data := map[string]any{
		"ok": false, "name": name, "accommodation_id": unitID, "check_in": stay.CheckIn.String(),
		"check_out": stay.CheckOut.String(), "nights": stay.Nights(), "guests": guests,
		"problem": "", "message": "", "alternatives": []any{},
	}
	r, err := a.deps.Booking.Hold(ctx, req)
	var unavailable *booking.UnavailableError
	var ms *booking.MinStayError
	var verr *booking.ValidationError
	switch {
	case errors.As(err, &unavailable):
		data["problem"] = "unavailable"
		data["alternatives"] = alternativesData(c.Language, unavailable.Alternatives)
		return dialog.Result{Data: data}, nil
	case errors.Is(err, booking.ErrUnavailable):
		data["problem"] = "unavailable"
		return dialog.Result{Data: data}, nil
	case errors.As(err, &ms):
		data["problem"] = "min_stay"
		data["min_nights"] = ms.Required
		return dialog.Result{Data: data}, nil
	case errors.As(err, &verr):
		data["problem"] = "invalid"
		data["message"] = verr.Error()
		return dialog.Result{Data: data}, nil
	case errors.Is(err, booking.ErrLongStay):
		// Staff book it; the guest still gets the numbers of what they chose.
		data["problem"] = "long_stay"
		data["bot_max_nights"] = a.deps.BotMaxNights
		if q, qerr := a.deps.Booking.Quote(ctx, unitID, stay, guests); qerr == nil {
			data["total_cents"] = q.TotalCents
			data["deposit_cents"] = q.DepositCents
		}
		return dialog.Result{Data: data}, nil
	case errors.Is(err, booking.ErrHoldLimit):
		// The requester's holds per hour (or the party's units) are used up: hold_fallido
		// says so and points to staff, not "a technical problem".
		data["problem"] = "hold_limit"
		return dialog.Result{Data: data}, nil
	case err != nil:
		return dialog.Result{}, fmt.Errorf("pre_reservar: %w", err)
	}
	data["ok"] = true
	data["code"] = r.Code
	data["total_cents"] = r.TotalCents
	data["deposit_cents"] = r.DepositCents
	data["deposit_percent"] = r.Quote.DepositBP / 100
	if r.ExpiresAt != nil {
		data["expires_at"] = r.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return dialog.Result{Data: data}, nil
}

// extenderHold gives the hold 15 more minutes, once.
func (a *Actions) extenderHold(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	code := strArg(c, "code")
	data := map[string]any{"ok": false, "code": code, "problem": "", "expires_at": ""}
	if code == "" {
		data["problem"] = "no_hold"
		return dialog.Result{Data: data}, nil
	}
	r, err := a.deps.Booking.Extend(ctx, code)
	if r.ExpiresAt != nil {
		data["expires_at"] = r.ExpiresAt.UTC().Format(time.RFC3339)
	}
	switch {
	case err == nil:
		data["ok"] = true
	case errors.Is(err, booking.ErrAlreadyExtended):
		data["problem"] = "already_extended"
	case errors.Is(err, booking.ErrExpired):
		data["problem"] = "expired"
	case errors.Is(err, booking.ErrNotHold):
		data["problem"] = "not_hold"
	case errors.Is(err, booking.ErrNotFound):
		data["problem"] = "no_hold"
	default:
		return dialog.Result{}, fmt.Errorf("extender_hold %s: %w", code, err)
	}
	return dialog.Result{Data: data}, nil
}

// datosPago says how to pay the deposit: a payment link when a provider is configured
// and the guest's channel takes links (falling back to transfer if it fails), else the
// property's bank transfer details; through a portal's relay that forbids paying outside
// it, method "platform" and no details.
func (a *Actions) datosPago(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	prop, err := a.property(ctx)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("datos_pago: %w", err)
	}
	code := strArg(c, "code")
	amount := intArg(c, "amount_cents")
	if !c.Guest.Allows(dialog.ConstraintNoOffPlatformPayment) {
		// A portal's relay (Airbnb, Booking.com): neither a link nor a transfer; the
		// guest pays through the portal.
		return dialog.Result{Data: map[string]any{"method": "platform", "link_url": "", "amount_cents": amount, "code": code, "bank_transfer": false}}, nil
	}
	// bank_transfer says the host takes the seña by transfer too (the hold's "transfer"
	// button is shown beside the payment link's).
	bank := prop.BankTransfer.Alias != "" || prop.BankTransfer.CBU != ""
	if a.deps.Payments != nil && code != "" && amount > 0 && c.Guest.Allows(dialog.ConstraintNoExternalLinks) {
		var expires time.Time
		if hold, ok := c.Results["pre_reservar"].(map[string]any); ok {
			if s, ok := hold["expires_at"].(string); ok {
				expires, _ = time.Parse(time.RFC3339, s)
			}
		}
		url, err := a.deps.Payments.CreateLink(ctx, LinkRequest{
			Code: code, AmountCents: amount, ExpiresAt: expires,
			Description: fmt.Sprintf("Seña %s – %s", code, prop.Name),
		})
		if err == nil && url != "" {
			return dialog.Result{Data: map[string]any{"method": "link", "link_url": url, "amount_cents": amount, "code": code, "bank_transfer": bank}}, nil
		}
		if err != nil && ctx.Err() != nil {
			return dialog.Result{}, fmt.Errorf("datos_pago: %w", err)
		}
		if err != nil {
			a.log.Warn("payment link failed; offering bank transfer", "code", code, "err", err)
		}
		// No error and no link: the host takes the seña by bank transfer.
	}
	return dialog.Result{Data: map[string]any{
		"method": "transfer", "alias": prop.BankTransfer.Alias, "cbu": prop.BankTransfer.CBU,
		"holder": prop.BankTransfer.Holder, "amount_cents": amount, "code": code, "bank_transfer": bank,
	}}, nil
}

// liberarHold lets go of the guest's own hold (argument code) when they change the stay,
// so the unit is free for their new search too, or when they tap the hold's "release"
// button. Only a hold is released: a confirmed booking is changed by a person. ok says a
// hold was released now; status is the reservation's status ("" when there is none), so
// the dialog can tell an expired hold from a paid booking.
func (a *Actions) liberarHold(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	code := strArg(c, "code")
	data := map[string]any{"ok": false, "code": code, "name": "", "status": ""}
	if code == "" {
		return dialog.Result{Data: data}, nil
	}
	r, err := a.deps.Booking.Get(ctx, code)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return dialog.Result{Data: data}, nil
	case err != nil:
		return dialog.Result{}, fmt.Errorf("liberar_hold %s: %w", code, err)
	}
	data["status"] = r.Status
	if r.Status == store.StatusPreReserved && r.ExpiresAt != nil && !r.ExpiresAt.After(c.Now) {
		// Past its deadline the hold is over, even before the sweeper marks it: saying
		// "I released it" would be untrue, and a late payment must still find it expired.
		data["status"] = store.StatusExpired
		return dialog.Result{Data: data}, nil
	}
	if r.Status != store.StatusPreReserved {
		return dialog.Result{Data: data}, nil
	}
	reason := strArg(c, "reason")
	if reason == "" {
		reason = "the guest changed the stay"
	}
	cancelled, err := a.deps.Booking.Cancel(ctx, code, reason)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("liberar_hold %s: %w", code, err)
	}
	data["status"] = cancelled.Status
	if prop, err := a.property(ctx); err == nil {
		for _, u := range prop.Units {
			if u.ID == r.UnitID {
				data["name"] = u.Name
			}
		}
	}
	data["ok"] = true
	return dialog.Result{Data: data}, nil
}
