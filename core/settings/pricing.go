package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/store"
)

// RuleKinds are the pricing rules a host sets, in the order the admin lists them.
var RuleKinds = []string{
	booking.RuleSeason, booking.RuleWeekendMultiplier, booking.RuleHolidayMultiplier, booking.RuleMinStay,
	booking.RuleLongWeekendMinStay, booking.RuleLengthDiscount, booking.RuleCleaningFee,
	booking.RuleExtraGuestFee, booking.RuleDepositPercent,
}

// Rule is a pricing rule: which of the value fields it needs depends on its kind
// (multiplier_bp 12000 = ×1.20; percent_bp 1000 = 10 %; amount_cents in centavos).
// AccommodationID nil applies it to every unit.
type Rule struct {
	ID              int64       `json:"id"`
	AccommodationID *int64      `json:"accommodation_id"`
	Kind            string      `json:"kind"`
	Name            string      `json:"name"`
	StartDate       *store.Date `json:"start_date"`
	EndDate         *store.Date `json:"end_date"`
	Priority        int         `json:"priority"`
	MultiplierBP    *int        `json:"multiplier_bp"`
	AmountCents     *int64      `json:"amount_cents"`
	PercentBP       *int        `json:"percent_bp"`
	Nights          *int        `json:"nights"`
	Active          bool        `json:"active"`
}

func ruleFromModel(m store.PricingRule) Rule {
	return Rule{ID: m.ID, AccommodationID: m.AccommodationID, Kind: m.Kind, Name: m.Name, StartDate: m.StartDate,
		EndDate: m.EndDate, Priority: m.Priority, MultiplierBP: m.MultiplierBP, AmountCents: m.AmountCents,
		PercentBP: m.PercentBP, Nights: m.Nights, Active: m.Active}
}

func (r Rule) model(propertyID int64) store.PricingRule {
	return store.PricingRule{ID: r.ID, PropertyID: propertyID, AccommodationID: r.AccommodationID, Kind: r.Kind, Name: r.Name,
		StartDate: r.StartDate, EndDate: r.EndDate, Priority: r.Priority, MultiplierBP: r.MultiplierBP,
		AmountCents: r.AmountCents, PercentBP: r.PercentBP, Nights: r.Nights, Active: r.Active}
}

// Rules lists every pricing rule, active or not, by kind then id.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) {
	var rows []store.PricingRule
	if err := s.db.NewSelect().Model(&rows).Order("kind", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list pricing rules: %w", err)
	}
	out := make([]Rule, len(rows))
	for i, r := range rows {
		out[i] = ruleFromModel(r)
	}
	return out, nil
}

// Rule returns one pricing rule.
func (s *Service) Rule(ctx context.Context, id int64) (Rule, error) {
	m, err := ruleRow(ctx, s.db.DB, id)
	if err != nil {
		return Rule{}, err
	}
	return ruleFromModel(m), nil
}

func ruleRow(ctx context.Context, db bun.IDB, id int64) (store.PricingRule, error) {
	var m store.PricingRule
	err := db.NewSelect().Model(&m).Where("id = ?", id).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("pricing rule %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("load pricing rule %d: %w", id, err)
	}
	return m, nil
}

// validate checks the fields the kind needs, their ranges, and that the booking engine
// reads the rule (booking.BuildRules).
func (r Rule) validate() error {
	fe := fieldErrors{}
	if !contains(RuleKinds, r.Kind) {
		fe.add("kind", "one of "+strings.Join(RuleKinds, ", "))
		return fe.err()
	}
	textField(fe, "name", r.Name, 0, 120)
	need := func(field string, ok bool, msg string) {
		if !ok {
			fe.add(field, msg)
		}
	}
	switch r.Kind {
	case booking.RuleSeason:
		need("start_date", r.StartDate != nil, "required for a season")
		need("end_date", r.EndDate != nil, "required for a season (the first night after it)")
		need("multiplier_bp", r.MultiplierBP != nil || r.AmountCents != nil, "a season needs multiplier_bp or amount_cents (nightly price)")
	case booking.RuleWeekendMultiplier, booking.RuleHolidayMultiplier:
		need("multiplier_bp", r.MultiplierBP != nil, "required (12000 = ×1.20)")
	case booking.RuleMinStay, booking.RuleLongWeekendMinStay:
		need("nights", r.Nights != nil, "required")
	case booking.RuleLengthDiscount:
		need("nights", r.Nights != nil, "required (stays of at least this many nights)")
		need("percent_bp", r.PercentBP != nil, "required (1000 = 10 %)")
	case booking.RuleCleaningFee, booking.RuleExtraGuestFee:
		need("amount_cents", r.AmountCents != nil, "required (centavos)")
	case booking.RuleDepositPercent:
		need("percent_bp", r.PercentBP != nil, "required (3000 = 30 %)")
	}
	if r.StartDate != nil && r.EndDate != nil && !r.StartDate.Before(*r.EndDate) {
		fe.add("end_date", "must be after start_date")
	}
	if (r.StartDate == nil) != (r.EndDate == nil) {
		fe.add("end_date", "give both dates or neither")
	}
	if r.MultiplierBP != nil && (*r.MultiplierBP < 1000 || *r.MultiplierBP > 100000) {
		fe.add("multiplier_bp", "between 1000 (×0.10) and 100000 (×10)")
	}
	if r.PercentBP != nil && (*r.PercentBP < 0 || *r.PercentBP > 10000) {
		fe.add("percent_bp", "between 0 and 10000 (100 %)")
	}
	if r.AmountCents != nil && (*r.AmountCents < 0 || *r.AmountCents > 100_000_000_00) {
		fe.add("amount_cents", "between 0 and 100.000.000,00")
	}
	if r.Nights != nil && (*r.Nights < 1 || *r.Nights > 365) {
		fe.add("nights", "between 1 and 365")
	}
	if r.Priority < -1000 || r.Priority > 1000 {
		fe.add("priority", "between -1000 and 1000")
	}
	if err := fe.err(); err != nil {
		return err
	}
	m := r.model(0)
	m.Active = true
	var unit int64
	if r.AccommodationID != nil {
		unit = *r.AccommodationID
	}
	if _, err := booking.BuildRules(unit, 0, []store.PricingRule{m}, nil); err != nil {
		return &ValidationError{Fields: map[string]string{"kind": err.Error()}}
	}
	return nil
}

func (s *Service) checkRuleUnit(ctx context.Context, db bun.IDB, r Rule) error {
	if r.AccommodationID == nil {
		return nil
	}
	if _, err := s.unitRow(ctx, db, *r.AccommodationID); errors.Is(err, ErrNotFound) {
		return &ValidationError{Fields: map[string]string{"accommodation_id": "unknown unit"}}
	} else if err != nil {
		return err
	}
	return nil
}

// CreateRule adds a pricing rule; quotes use it at once.
func (s *Service) CreateRule(ctx context.Context, actor string, r Rule) (Rule, error) {
	r.Name = strings.TrimSpace(r.Name)
	r.Active = true
	if err := r.validate(); err != nil {
		return Rule{}, err
	}
	err := s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		prop, err := s.propertyRow(ctx, tx)
		if errors.Is(err, ErrNotFound) {
			return &ValidationError{Fields: map[string]string{"property": "set up the property first"}}
		}
		if err != nil {
			return err
		}
		if err := s.checkRuleUnit(ctx, tx, r); err != nil {
			return err
		}
		now := s.now()
		m := r.model(prop.ID)
		m.CreatedAt, m.UpdatedAt = now, now
		if _, err := tx.NewInsert().Model(&m).Exec(ctx); err != nil {
			return fmt.Errorf("create pricing rule: %w", err)
		}
		r.ID = m.ID
		return Record(ctx, tx, now, actor, "create", "pricing_rule", r.ID, diff(nil, r))
	})
	if err != nil {
		return Rule{}, err
	}
	return r, nil
}

// UpdateRule replaces pricing rule r.ID (its kind included).
func (s *Service) UpdateRule(ctx context.Context, actor string, r Rule) (Rule, error) {
	r.Name = strings.TrimSpace(r.Name)
	if err := r.validate(); err != nil {
		return Rule{}, err
	}
	err := s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, err := ruleRow(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if err := s.checkRuleUnit(ctx, tx, r); err != nil {
			return err
		}
		now := s.now()
		m := r.model(cur.PropertyID)
		m.UpdatedAt = now
		if _, err := tx.NewUpdate().Model(&m).ExcludeColumn("property_id", "created_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update pricing rule %d: %w", r.ID, err)
		}
		return Record(ctx, tx, now, actor, "update", "pricing_rule", r.ID, diff(ruleFromModel(cur), r))
	})
	if err != nil {
		return Rule{}, err
	}
	return r, nil
}

// DeleteRule removes pricing rule id.
func (s *Service) DeleteRule(ctx context.Context, actor string, id int64) error {
	return s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, err := ruleRow(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*store.PricingRule)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("delete pricing rule %d: %w", id, err)
		}
		old := ruleFromModel(cur)
		return Record(ctx, tx, s.now(), actor, "delete", "pricing_rule", id, map[string]Change{"rule": {From: old, To: nil}})
	})
}
