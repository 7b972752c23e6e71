package booking

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/conserje/conserje/core/booking/holidays"
	"github.com/conserje/conserje/core/store"
)

// PricingRules are the rules that price a unit's stays, read from pricing_rules (unit
// rules replace the property's rule of the same kind) and from the unit's date overrides
// in availability_calendar. Multipliers and percentages are basis points.
type PricingRules struct {
	// WeekendBP applies to a night whose next morning is a Saturday or Sunday.
	WeekendBP int `json:"weekend_bp"`
	// HolidayBP applies to a night whose next morning is a holiday that is a day off. When
	// both apply the larger one does; they never compound.
	HolidayBP int `json:"holiday_bp"`
	// Seasons by priority: the highest-priority season containing a night prices it.
	Seasons []Season `json:"seasons,omitempty"`
	// MinNights is the default minimum stay (1 when unset).
	MinNights int `json:"min_nights"`
	// LongWeekendMinNights applies when a night of the stay leads into a long weekend.
	LongWeekendMinNights int `json:"long_weekend_min_nights,omitempty"`
	// ExtraGuestFeeCents is charged per night for each guest above the unit's base occupancy.
	ExtraGuestFeeCents int64 `json:"extra_guest_fee_cents,omitempty"`
	// Discounts by length of stay; the one with the largest MinNights reached applies.
	Discounts []LengthDiscount `json:"discounts,omitempty"`
	// CleaningFeeCents is added once per stay.
	CleaningFeeCents int64 `json:"cleaning_fee_cents,omitempty"`
	// DepositBP is the share of the total asked as deposit (seña).
	DepositBP int `json:"deposit_bp"`
	// Overrides are per-date prices and minimum stays set on the unit's calendar.
	Overrides []DateOverride `json:"overrides,omitempty"`
}

// Season is a date range [Start, End) priced by a multiplier of the base price or by a
// fixed nightly price, with an optional minimum stay.
type Season struct {
	Name         string     `json:"name"`
	Start        store.Date `json:"start"`
	End          store.Date `json:"end"`
	Priority     int        `json:"priority"`
	MultiplierBP int        `json:"multiplier_bp,omitempty"`
	// PriceCents, when set, is the night's price before the extra-guest fee; weekend and
	// holiday multipliers do not apply on top of a fixed price (that is what fixed means).
	PriceCents int64 `json:"price_cents,omitempty"`
	MinNights  int   `json:"min_nights,omitempty"`
}

// LengthDiscount takes PercentBP off the nights' subtotal of stays of MinNights or more.
type LengthDiscount struct {
	MinNights int `json:"min_nights"`
	PercentBP int `json:"percent_bp"`
}

// DateOverride is a unit's own price or minimum stay for the nights in [Start, End).
type DateOverride struct {
	Start      store.Date `json:"start"`
	End        store.Date `json:"end"`
	PriceCents int64      `json:"price_cents,omitempty"`
	MinNights  int        `json:"min_nights,omitempty"`
}

func (o DateOverride) contains(d store.Date) bool {
	return !d.Before(o.Start) && d.Before(o.End)
}

func (s Season) contains(d store.Date) bool { return !d.Before(s.Start) && d.Before(s.End) }

// NightPrice is one night of a quote and why it costs what it does.
type NightPrice struct {
	Date       store.Date `json:"date"`
	PriceCents int64      `json:"price_cents"`
	// Reason explains the price in Spanish, for guests and staff ("tarifa base",
	// "víspera de feriado (Año Nuevo) ×1,30").
	Reason string `json:"reason"`
	// Rule names the rule that set the price: base, weekend, holiday, season, override.
	Rule string `json:"rule"`
}

// Quote is the price of one stay in one unit.
type Quote struct {
	UnitID        int64        `json:"accommodation_id"`
	Stay          Stay         `json:"stay"`
	Guests        int          `json:"guests"`
	Nights        []NightPrice `json:"nightly"`
	NightsCents   int64        `json:"nights_cents"`
	DiscountCents int64        `json:"discount_cents"`
	// DiscountBP is the length-of-stay discount applied (0 when none).
	DiscountBP    int   `json:"discount_bp,omitempty"`
	CleaningCents int64 `json:"cleaning_cents"`
	TotalCents    int64 `json:"total_cents"`
	DepositBP     int   `json:"deposit_bp"`
	DepositCents  int64 `json:"deposit_cents"`
	MinNights     int   `json:"min_nights"`
	// HolidayData names the holiday data versions used, so a disputed price can be traced.
	HolidayData string `json:"holiday_data,omitempty"`
}

// maxQuoteNights bounds the work of one quote; the service's own limit (Options.MaxNights)
// is lower and checked before pricing.
const maxQuoteNights = 366

// Quote prices stay for guests in unit under rules, with the day-off calendar cal.
// It enforces the minimum stay (a *MinStayError) and the unit's capacity; availability is
// the caller's business.
func (r *PricingRules) Quote(unit Unit, stay Stay, guests int, cal *holidays.Calendar) (Quote, error) {
	fe := fieldErrors{}
	if n := stay.Nights(); n <= 0 {
		fe.add("check_out", "must be after check_in")
	} else if n > maxQuoteNights {
		fe.add("check_out", fmt.Sprintf("stays are at most %d nights, asked for %d", maxQuoteNights, n))
	}
	if guests < 1 {
		fe.add("guests", "must be at least 1")
	} else if guests > unit.Capacity {
		fe.add("guests", fmt.Sprintf("%s sleeps at most %d", unit.Name, unit.Capacity))
	}
	if err := fe.err(); err != nil {
		return Quote{}, err
	}
	if required, reason := r.minNights(stay, cal); stay.Nights() < required {
		return Quote{}, &MinStayError{Required: required, Nights: stay.Nights(), Reason: reason}
	}

	q := Quote{UnitID: unit.ID, Stay: stay, Guests: guests, DepositBP: r.depositBP()}
	q.MinNights, _ = r.minNights(stay, cal)
	extra := guests - unit.BaseOccupancy
	years := map[int]bool{}
	for d := stay.CheckIn; d.Before(stay.CheckOut); d = d.AddDays(1) {
		np := r.priceNight(unit, d, cal)
		if extra > 0 && r.ExtraGuestFeeCents > 0 {
			np.PriceCents += int64(extra) * r.ExtraGuestFeeCents
			np.Reason += fmt.Sprintf(" + %d huésped(es) extra", extra)
		}
		q.Nights = append(q.Nights, np)
		q.NightsCents += np.PriceCents
		years[d.AddDays(1).Time().Year()] = true
	}
	if d, ok := r.discountFor(stay.Nights()); ok {
		q.DiscountBP = d.PercentBP
		q.DiscountCents = scaleBP(q.NightsCents, d.PercentBP)
	}
	q.CleaningCents = r.CleaningFeeCents
	q.TotalCents = q.NightsCents - q.DiscountCents + q.CleaningCents
	q.DepositCents = scaleBP(q.TotalCents, q.DepositBP)
	q.HolidayData = holidayVersions(cal, years)
	return q, nil
}

// priceNight prices the night of d (before the extra-guest fee), rounded to whole pesos.
func (r *PricingRules) priceNight(unit Unit, d store.Date, cal *holidays.Calendar) NightPrice {
	for i := len(r.Overrides) - 1; i >= 0; i-- {
		if o := r.Overrides[i]; o.PriceCents > 0 && o.contains(d) {
			return NightPrice{Date: d, PriceCents: roundPesos(o.PriceCents), Rule: "override", Reason: "precio fijado para la fecha"}
		}
	}
	base := unit.BasePriceCents
	seasonBP := bpOne
	rule, reason := "base", "tarifa base"
	if s, ok := r.seasonFor(d); ok {
		if s.PriceCents > 0 {
			return NightPrice{Date: d, PriceCents: roundPesos(s.PriceCents), Rule: "season",
				Reason: fmt.Sprintf("temporada «%s» (precio fijo)", s.Name)}
		}
		seasonBP = s.MultiplierBP
		rule, reason = "season", fmt.Sprintf("temporada «%s» %s", s.Name, formatBP(s.MultiplierBP))
	}
	morning := d.AddDays(1)
	dayBP, dayRule, dayReason := bpOne, "", ""
	if wd := morning.Weekday(); (wd == time.Saturday || wd == time.Sunday) && r.WeekendBP > dayBP {
		dayBP, dayRule = r.WeekendBP, "weekend"
		dayReason = fmt.Sprintf("víspera de %s %s", weekdayES[wd], formatBP(r.WeekendBP))
	}
	if h, ok := dayOffHoliday(cal, morning); ok && r.HolidayBP > dayBP {
		dayBP, dayRule = r.HolidayBP, "holiday"
		dayReason = fmt.Sprintf("víspera de feriado (%s) %s", h.Name, formatBP(r.HolidayBP))
	}
	if dayRule != "" {
		if rule == "base" {
			rule, reason = dayRule, dayReason
		} else {
			rule, reason = rule+"+"+dayRule, reason+", "+dayReason
		}
	}
	return NightPrice{Date: d, PriceCents: scaleBP(base, seasonBP, dayBP), Rule: rule, Reason: reason}
}

func dayOffHoliday(cal *holidays.Calendar, d store.Date) (holidays.Holiday, bool) {
	if cal == nil {
		return holidays.Holiday{}, false
	}
	for _, h := range cal.On(d.Time()) {
		if h.Kind.DayOff() {
			return h, true
		}
	}
	return holidays.Holiday{}, false
}

// seasonFor returns the season pricing d: highest priority first, then the one starting
// later (the more specific range), then the earlier rule.
func (r *PricingRules) seasonFor(d store.Date) (Season, bool) {
	var best Season
	found := false
	for _, s := range r.Seasons {
		if !s.contains(d) {
			continue
		}
		if !found || s.Priority > best.Priority || (s.Priority == best.Priority && s.Start.After(best.Start)) {
			best, found = s, true
		}
	}
	return best, found
}

// minNights is the minimum stay that applies to stay, and which rule set it: the largest
// of the default, the seasons the stay's nights fall in, the long-weekend minimum when a
// night leads into a long weekend, and date overrides.
func (r *PricingRules) minNights(stay Stay, cal *holidays.Calendar) (int, string) {
	nights, reason := 1, "default"
	if r.MinNights > nights {
		nights = r.MinNights
	}
	for d := stay.CheckIn; d.Before(stay.CheckOut); d = d.AddDays(1) {
		if s, ok := r.seasonFor(d); ok && s.MinNights > nights {
			nights, reason = s.MinNights, "season:"+s.Name
		}
		for _, o := range r.Overrides {
			if o.MinNights > nights && o.contains(d) {
				nights, reason = o.MinNights, "date_override"
			}
		}
	}
	if r.LongWeekendMinNights > nights && touchesLongWeekend(stay, cal) {
		nights, reason = r.LongWeekendMinNights, "long_weekend"
	}
	return nights, reason
}

// touchesLongWeekend reports whether some night of the stay has a next morning inside a
// run of three or more days off.
func touchesLongWeekend(stay Stay, cal *holidays.Calendar) bool {
	if cal == nil {
		return false
	}
	run, ok := cal.LongWeekendAfter(stay.CheckIn.Time())
	if !ok {
		return false
	}
	// The mornings of the stay are (CheckIn, CheckOut]; the run is [First, Last].
	return !store.DateOf(run.First).After(stay.CheckOut)
}

func (r *PricingRules) discountFor(nights int) (LengthDiscount, bool) {
	var best LengthDiscount
	found := false
	for _, d := range r.Discounts {
		if nights >= d.MinNights && (!found || d.MinNights > best.MinNights) {
			best, found = d, true
		}
	}
	return best, found
}

func (r *PricingRules) depositBP() int { return r.DepositBP }

// formatBP writes a multiplier the Argentine way: 12000 → "×1,20".
func formatBP(bp int) string {
	return fmt.Sprintf("×%d,%02d", bp/bpOne, (bp%bpOne)/100)
}

var weekdayES = map[time.Weekday]string{time.Saturday: "sábado", time.Sunday: "domingo"}

func holidayVersions(cal *holidays.Calendar, years map[int]bool) string {
	if cal == nil {
		return ""
	}
	ys := make([]int, 0, len(years))
	for y := range years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	var parts []string
	for _, y := range ys {
		if v := cal.Version(y); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, ",")
}
