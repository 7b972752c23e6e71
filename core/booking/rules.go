package booking

import (
	"fmt"
	"sort"

	"github.com/conserje/conserje/core/store"
)

// Kinds of pricing_rules rows.
const (
	RuleWeekendMultiplier  = "weekend_multiplier"
	RuleHolidayMultiplier  = "holiday_multiplier"
	RuleSeason             = "season"
	RuleMinStay            = "min_stay"
	RuleLongWeekendMinStay = "long_weekend_min_stay"
	RuleExtraGuestFee      = "extra_guest_fee"
	RuleLengthDiscount     = "length_discount"
	RuleCleaningFee        = "cleaning_fee"
	RuleDepositPercent     = "deposit_percent"
)

// BuildRules turns a property's active pricing_rules rows and a unit's calendar overrides
// into the rules for that unit. For single-valued kinds a unit's own rule replaces the
// property's, and among rows of the same scope the highest priority (then the newest row)
// wins. Seasons and length discounts of the property and of the unit all apply.
// propertyDepositPercent is the property's deposit when no deposit_percent rule exists.
func BuildRules(unitID int64, propertyDepositPercent int, rows []store.PricingRule, overrides []store.AvailabilityEntry) (*PricingRules, error) {
	r := &PricingRules{WeekendBP: bpOne, HolidayBP: bpOne, MinNights: 1, DepositBP: propertyDepositPercent * 100}
	type pick struct {
		row  store.PricingRule
		unit bool
	}
	single := map[string]pick{}
	for _, row := range rows {
		if !row.Active || (row.AccommodationID != nil && *row.AccommodationID != unitID) {
			continue
		}
		isUnit := row.AccommodationID != nil
		switch row.Kind {
		case RuleSeason:
			s, err := seasonFromRow(row)
			if err != nil {
				return nil, err
			}
			if isUnit {
				// A unit's season outranks a property season of the same priority.
				s.Priority = s.Priority*2 + 1
			} else {
				s.Priority *= 2
			}
			r.Seasons = append(r.Seasons, s)
		case RuleLengthDiscount:
			if row.Nights == nil || row.PercentBP == nil {
				return nil, ruleErr(row, "needs nights (minimum stay length) and percent_bp")
			}
			r.Discounts = append(r.Discounts, LengthDiscount{MinNights: *row.Nights, PercentBP: *row.PercentBP})
		case RuleWeekendMultiplier, RuleHolidayMultiplier, RuleMinStay, RuleLongWeekendMinStay,
			RuleExtraGuestFee, RuleCleaningFee, RuleDepositPercent:
			cur, seen := single[row.Kind]
			better := !seen || (isUnit && !cur.unit) ||
				(isUnit == cur.unit && (row.Priority > cur.row.Priority || (row.Priority == cur.row.Priority && row.ID > cur.row.ID)))
			if better {
				single[row.Kind] = pick{row: row, unit: isUnit}
			}
		default:
			return nil, ruleErr(row, "unknown kind")
		}
	}
	for kind, p := range single {
		row := p.row
		switch kind {
		case RuleWeekendMultiplier, RuleHolidayMultiplier:
			if row.MultiplierBP == nil {
				return nil, ruleErr(row, "needs multiplier_bp (12000 = ×1.20)")
			}
			if kind == RuleWeekendMultiplier {
				r.WeekendBP = *row.MultiplierBP
			} else {
				r.HolidayBP = *row.MultiplierBP
			}
		case RuleMinStay, RuleLongWeekendMinStay:
			if row.Nights == nil {
				return nil, ruleErr(row, "needs nights")
			}
			if kind == RuleMinStay {
				r.MinNights = *row.Nights
			} else {
				r.LongWeekendMinNights = *row.Nights
			}
		case RuleExtraGuestFee, RuleCleaningFee:
			if row.AmountCents == nil {
				return nil, ruleErr(row, "needs amount_cents")
			}
			if kind == RuleExtraGuestFee {
				r.ExtraGuestFeeCents = *row.AmountCents
			} else {
				r.CleaningFeeCents = *row.AmountCents
			}
		case RuleDepositPercent:
			if row.PercentBP == nil {
				return nil, ruleErr(row, "needs percent_bp (3000 = 30 %)")
			}
			r.DepositBP = *row.PercentBP
		}
	}
	sort.SliceStable(r.Seasons, func(i, j int) bool { return r.Seasons[i].Start.Before(r.Seasons[j].Start) })
	sort.SliceStable(r.Discounts, func(i, j int) bool { return r.Discounts[i].MinNights < r.Discounts[j].MinNights })
	for _, e := range overrides {
		if e.AccommodationID != unitID {
			continue
		}
		switch e.Kind {
		case "price":
			if e.PriceCents != nil {
				r.Overrides = append(r.Overrides, DateOverride{Start: e.StartDate, End: e.EndDate, PriceCents: *e.PriceCents})
			}
		case "min_stay":
			if e.MinNights != nil {
				r.Overrides = append(r.Overrides, DateOverride{Start: e.StartDate, End: e.EndDate, MinNights: *e.MinNights})
			}
		}
	}
	return r, nil
}

func seasonFromRow(row store.PricingRule) (Season, error) {
	if row.StartDate == nil || row.EndDate == nil {
		return Season{}, ruleErr(row, "a season needs start_date and end_date")
	}
	s := Season{Name: row.Name, Start: *row.StartDate, End: *row.EndDate, Priority: row.Priority}
	switch {
	case row.AmountCents != nil:
		s.PriceCents = *row.AmountCents
	case row.MultiplierBP != nil:
		s.MultiplierBP = *row.MultiplierBP
	default:
		return Season{}, ruleErr(row, "a season needs multiplier_bp or amount_cents (fixed nightly price)")
	}
	if row.Nights != nil {
		s.MinNights = *row.Nights
	}
	if s.Name == "" {
		s.Name = fmt.Sprintf("%s a %s", s.Start, s.End)
	}
	return s, nil
}

func ruleErr(row store.PricingRule, msg string) error {
	return fmt.Errorf("pricing rule %d (%s %q): %s", row.ID, row.Kind, row.Name, msg)
}
