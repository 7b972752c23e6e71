package admin

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
)

var ruleLabels = map[string]string{
	booking.RuleSeason:             "Temporada",
	booking.RuleWeekendMultiplier:  "Recargo de fin de semana",
	booking.RuleHolidayMultiplier:  "Recargo de feriado",
	booking.RuleMinStay:            "Estadía mínima",
	booking.RuleLongWeekendMinStay: "Mínimo en fin de semana largo",
	booking.RuleLengthDiscount:     "Descuento por estadía larga",
	booking.RuleCleaningFee:        "Limpieza",
	booking.RuleExtraGuestFee:      "Persona extra (por noche)",
	booking.RuleDepositPercent:     "Seña (%)",
}

// ruleValue says what a rule does, in the form's units.
func ruleValue(r settings.Rule) string {
	f := ruleFormOf(r)
	var parts []string
	if f.Multiplier != "" {
		parts = append(parts, "×"+strings.Replace(f.Multiplier, ".", ",", 1))
	}
	if r.AmountCents != nil {
		parts = append(parts, formatMoney(*r.AmountCents))
	}
	if f.Percent != "" {
		parts = append(parts, strings.Replace(f.Percent, ".", ",", 1)+" %")
	}
	if f.Nights != "" {
		parts = append(parts, f.Nights+" noches")
	}
	return strings.Join(parts, " · ")
}

func ruleLabel(kind string) string {
	if l, ok := ruleLabels[kind]; ok {
		return l
	}
	return kind
}

// ruleForm is a pricing rule as the form shows it: multipliers as 1,20, percentages as
// 10, amounts in pesos.
type ruleForm struct {
	ID                                   int64
	Kind, Name, Unit, StartDate, EndDate string
	Priority                             int
	Multiplier, Percent, Amount, Nights  string
	Active                               bool
	Errors                               map[string]string
	Kinds                                []string
	Units                                []settings.Unit
}

func ruleFormOf(r settings.Rule) ruleForm {
	f := ruleForm{ID: r.ID, Kind: r.Kind, Name: r.Name, Priority: r.Priority, Active: r.Active}
	if r.AccommodationID != nil {
		f.Unit = strconv.FormatInt(*r.AccommodationID, 10)
	}
	if r.StartDate != nil {
		f.StartDate = r.StartDate.String()
	}
	if r.EndDate != nil {
		f.EndDate = r.EndDate.String()
	}
	if r.MultiplierBP != nil {
		f.Multiplier = strconv.FormatFloat(float64(*r.MultiplierBP)/10000, 'f', -1, 64)
	}
	if r.PercentBP != nil {
		f.Percent = strconv.FormatFloat(float64(*r.PercentBP)/100, 'f', -1, 64)
	}
	if r.AmountCents != nil {
		f.Amount = pesosField(*r.AmountCents)
	}
	if r.Nights != nil {
		f.Nights = strconv.Itoa(*r.Nights)
	}
	return f
}

func ruleFromForm(c *fiber.Ctx, errs map[string]string) (settings.Rule, ruleForm) {
	f := ruleForm{Kind: c.FormValue("kind"), Name: c.FormValue("name"), Unit: c.FormValue("unit"),
		StartDate: c.FormValue("start_date"), EndDate: c.FormValue("end_date"), Multiplier: c.FormValue("multiplier"),
		Percent: c.FormValue("percent"), Amount: c.FormValue("amount"), Nights: c.FormValue("nights")}
	r := settings.Rule{Kind: f.Kind, Name: f.Name, Active: true}
	r.Priority = formInt(c, "priority", errs)
	f.Priority = r.Priority
	if f.Unit != "" {
		id, err := strconv.ParseInt(f.Unit, 10, 64)
		if err != nil {
			errs["unit"] = "elegí una unidad"
		}
		r.AccommodationID = &id
	}
	r.StartDate = formDate(c, "start_date", errs)
	r.EndDate = formDate(c, "end_date", errs)
	r.MultiplierBP = formDecimalBP(c, "multiplier", false, errs)
	r.PercentBP = formDecimalBP(c, "percent", true, errs)
	r.AmountCents = formPesos(c, "amount", errs)
	r.Nights = formOptInt(c, "nights", errs)
	return r, f
}

// ruleErrors renames the API's field names to the form's.
func ruleErrors(fields map[string]string) map[string]string {
	for api, form := range map[string]string{"multiplier_bp": "multiplier", "percent_bp": "percent", "amount_cents": "amount", "accommodation_id": "unit"} {
		if m, ok := fields[api]; ok {
			fields[form] = m
		}
	}
	return fields
}

type quotePreview struct {
	Unit, CheckIn, CheckOut string
	Guests                  int
	Quote                   *booking.Quote
	Error                   string
}

type priceListData struct {
	Rules     []settings.Rule
	Units     []settings.Unit
	UnitNames map[int64]string
	New       ruleForm
	Preview   quotePreview
}

func (h *Handler) priceList(c *fiber.Ctx) error {
	return h.renderPrices(c, fiber.StatusOK, ruleForm{Kind: booking.RuleSeason})
}

func (h *Handler) renderPrices(c *fiber.Ctx, status int, f ruleForm) error {
	ctx := c.UserContext()
	rules, err := h.opts.Settings.Rules(ctx)
	if err != nil {
		return err
	}
	units, err := h.opts.Settings.Units(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, u := range units {
		names[u.ID] = u.Name
	}
	f.Kinds, f.Units = settings.RuleKinds, units
	d := priceListData{Rules: rules, Units: units, UnitNames: names, New: f}
	d.Preview = h.quotePreview(c)
	p := page{Title: "Precios", Data: d}
	if len(f.Errors) > 0 {
		p.Error = "Revisá los campos marcados."
	}
	return h.render(c, status, "settings_prices", p)
}

// quotePreview prices the stay of the query (?unit=&check_in=&check_out=&guests=) with
// the rules as saved, like the bot would.
func (h *Handler) quotePreview(c *fiber.Ctx) quotePreview {
	pv := quotePreview{Unit: c.Query("unit"), CheckIn: c.Query("check_in"), CheckOut: c.Query("check_out"), Guests: c.QueryInt("guests", 2)}
	if pv.Unit == "" || pv.CheckIn == "" || pv.CheckOut == "" {
		return pv
	}
	unitID, err := strconv.ParseInt(pv.Unit, 10, 64)
	in, err1 := store.ParseDate(pv.CheckIn)
	out, err2 := store.ParseDate(pv.CheckOut)
	if err != nil || err1 != nil || err2 != nil {
		pv.Error = "Elegí unidad y fechas AAAA-MM-DD."
		return pv
	}
	q, err := h.desk().Quote(c.UserContext(), unitID, booking.NewStay(in, out), pv.Guests)
	var ms *booking.MinStayError
	switch {
	case errors.As(err, &ms):
		pv.Error = fmt.Sprintf("La estadía mínima para esas fechas es de %d noches (%s).", ms.Required, ms.Reason)
	case err != nil:
		if fields, ok := fieldErrors(err); ok {
			pv.Error = fmt.Sprint(fields)
		} else {
			pv.Error = err.Error()
		}
	default:
		pv.Quote = &q
	}
	return pv
}

func (h *Handler) priceCreate(c *fiber.Ctx) error {
	errs := map[string]string{}
	r, f := ruleFromForm(c, errs)
	if len(errs) == 0 {
		_, err := h.opts.Settings.CreateRule(c.UserContext(), actor(c), r)
		if fields, ok := fieldErrors(err); ok {
			errs = ruleErrors(fields)
		} else if err != nil {
			return err
		} else {
			return redirectWith(c, "/admin/settings/prices", ruleLabel(r.Kind)+" agregada: rige desde ya")
		}
	}
	f.Errors = errs
	return h.renderPrices(c, fiber.StatusUnprocessableEntity, f)
}

func (h *Handler) priceShow(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	r, err := h.opts.Settings.Rule(c.UserContext(), id)
	if errors.Is(err, settings.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such pricing rule")
	}
	if err != nil {
		return err
	}
	return h.renderPrice(c, fiber.StatusOK, ruleFormOf(r))
}

func (h *Handler) renderPrice(c *fiber.Ctx, status int, f ruleForm) error {
	units, err := h.opts.Settings.Units(c.UserContext())
	if err != nil {
		return err
	}
	f.Kinds, f.Units = settings.RuleKinds, units
	p := page{Title: "Regla de precio", Data: f}
	if len(f.Errors) > 0 {
		p.Error = "Revisá los campos marcados."
	}
	return h.render(c, status, "settings_price", p)
}

func (h *Handler) priceSave(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	r, f := ruleFromForm(c, errs)
	r.ID, f.ID = id, id
	r.Active = c.FormValue("active") == "on"
	f.Active = r.Active
	if len(errs) == 0 {
		_, err := h.opts.Settings.UpdateRule(c.UserContext(), actor(c), r)
		switch fields, ok := fieldErrors(err); {
		case ok:
			errs = ruleErrors(fields)
		case errors.Is(err, settings.ErrNotFound):
			return fiber.NewError(fiber.StatusNotFound, "no such pricing rule")
		case err != nil:
			return err
		default:
			return redirectWith(c, "/admin/settings/prices", "Regla guardada: rige desde ya")
		}
	}
	f.Errors = errs
	return h.renderPrice(c, fiber.StatusUnprocessableEntity, f)
}

func (h *Handler) priceDelete(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	err = h.opts.Settings.DeleteRule(c.UserContext(), actor(c), id)
	if errors.Is(err, settings.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such pricing rule")
	}
	if err != nil {
		return err
	}
	return redirectWith(c, "/admin/settings/prices", "Regla borrada")
}
