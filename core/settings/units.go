package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// UnitTypes are the kinds of unit the bot tells apart.
var UnitTypes = []string{"cabaña", "departamento", "casa"}

// PetsAmenity is the amenity that says a unit takes pets (the bot reads it as such).
const PetsAmenity = "mascotas"

// Unit is one rentable accommodation as the host sets it up. The JSON names are those of
// GET /api/v1/accommodations, plus base_occupancy, photos_url and active.
type Unit struct {
	ID             int64    `json:"id"`
	Slug           string   `json:"slug"`
	Name           string   `json:"name"`
	Type           string   `json:"type"`
	Capacity       int      `json:"capacity"`
	BaseOccupancy  int      `json:"base_occupancy"`
	BasePriceCents int64    `json:"base_price_cents"`
	Amenities      []string `json:"amenities"`
	Description    string   `json:"description"`
	PhotosURL      string   `json:"photos_url"`
	Active         bool     `json:"active"`
}

// Pets reports whether the unit takes pets.
func (u Unit) Pets() bool { return contains(u.Amenities, PetsAmenity) }

// SetPets adds or removes the pets amenity.
func (u *Unit) SetPets(on bool) {
	out := u.Amenities[:0:0]
	for _, a := range u.Amenities {
		if a != PetsAmenity {
			out = append(out, a)
		}
	}
	if on {
		out = append(out, PetsAmenity)
	}
	u.Amenities = out
}

func unitFromModel(m store.Accommodation) Unit {
	am := m.Amenities
	if am == nil {
		am = []string{}
	}
	return Unit{ID: m.ID, Slug: m.Slug, Name: m.Name, Type: m.UnitType, Capacity: m.Capacity, BaseOccupancy: m.BaseOccupancy,
		BasePriceCents: m.BasePriceCents, Amenities: am, Description: m.Description, PhotosURL: m.PhotosURL, Active: m.Active}
}

// Units lists every unit, active or not, by id.
func (s *Service) Units(ctx context.Context) ([]Unit, error) {
	var rows []store.Accommodation
	if err := s.db.NewSelect().Model(&rows).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	out := make([]Unit, len(rows))
	for i, r := range rows {
		out[i] = unitFromModel(r)
	}
	return out, nil
}

// Unit returns one unit, active or not.
func (s *Service) Unit(ctx context.Context, id int64) (Unit, error) {
	m, err := s.unitRow(ctx, s.db.DB, id)
	if err != nil {
		return Unit{}, err
	}
	return unitFromModel(m), nil
}

func (s *Service) unitRow(ctx context.Context, db bun.IDB, id int64) (store.Accommodation, error) {
	var m store.Accommodation
	err := db.NewSelect().Model(&m).Where("id = ?", id).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("unit %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("load unit %d: %w", id, err)
	}
	return m, nil
}

func (u *Unit) normalize() {
	u.Name = strings.TrimSpace(u.Name)
	u.Type = strings.ToLower(strings.TrimSpace(u.Type))
	u.Description = strings.TrimSpace(u.Description)
	u.PhotosURL = strings.TrimSpace(u.PhotosURL)
	seen := map[string]bool{}
	am := []string{}
	for _, a := range u.Amenities {
		a = strings.ToLower(strings.TrimSpace(a))
		if a != "" && !seen[a] {
			seen[a] = true
			am = append(am, a)
		}
	}
	u.Amenities = am
	if u.BaseOccupancy == 0 {
		u.BaseOccupancy = u.Capacity
	}
}

func (u Unit) validate() error {
	fe := fieldErrors{}
	textField(fe, "name", u.Name, 1, 80)
	if !contains(UnitTypes, u.Type) {
		fe.add("type", "one of cabaña, departamento, casa")
	}
	if u.Capacity < 1 || u.Capacity > 50 {
		fe.add("capacity", "between 1 and 50 guests")
	}
	if u.BaseOccupancy < 1 || u.BaseOccupancy > u.Capacity {
		fe.add("base_occupancy", "between 1 and the capacity")
	}
	if u.BasePriceCents <= 0 || u.BasePriceCents > 100_000_000_00 {
		fe.add("base_price_cents", "a nightly price above 0 (in centavos)")
	}
	if len(u.Amenities) > 30 {
		fe.add("amenities", "at most 30")
	}
	for _, a := range u.Amenities {
		if utf8.RuneCountInString(a) > 40 {
			fe.add("amenities", "each at most 40 characters")
		}
	}
	textField(fe, "description", u.Description, 0, 2000)
	urlField(fe, "photos_url", u.PhotosURL)
	return fe.err()
}

// CreateUnit adds an active unit to the property; the bot offers it at once.
func (s *Service) CreateUnit(ctx context.Context, actor string, u Unit) (Unit, error) {
	u.normalize()
	u.Active = true
	if err := u.validate(); err != nil {
		return Unit{}, err
	}
	err := s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		prop, err := s.propertyRow(ctx, tx)
		if errors.Is(err, ErrNotFound) {
			return &ValidationError{Fields: map[string]string{"property": "set up the property first"}}
		}
		if err != nil {
			return err
		}
		now := s.now()
		base := slugify(u.Name)
		slug := base
		for i := 2; ; i++ {
			taken, err := tx.NewSelect().Table("accommodations").Where("slug = ?", slug).Exists(ctx)
			if err != nil {
				return fmt.Errorf("check unit slug: %w", err)
			}
			if !taken {
				break
			}
			slug = fmt.Sprintf("%s-%d", base, i)
		}
		u.Slug = slug
		m := store.Accommodation{PropertyID: prop.ID, Slug: slug, Name: u.Name, UnitType: u.Type, Capacity: u.Capacity,
			BaseOccupancy: u.BaseOccupancy, BasePriceCents: u.BasePriceCents, Amenities: u.Amenities,
			Description: u.Description, PhotosURL: u.PhotosURL, Active: true, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(&m).Exec(ctx); err != nil {
			return fmt.Errorf("create unit: %w", err)
		}
		u.ID = m.ID
		return Record(ctx, tx, now, actor, "create", "unit", u.ID, diff(nil, u))
	})
	if err != nil {
		return Unit{}, err
	}
	return u, nil
}

// UpdateUnit replaces the editable fields of unit u.ID (its slug stays); deactivating it
// takes it off sale (bookings already made stay).
func (s *Service) UpdateUnit(ctx context.Context, actor string, u Unit) (Unit, error) {
	u.normalize()
	if err := u.validate(); err != nil {
		return Unit{}, err
	}
	err := s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, err := s.unitRow(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		old := unitFromModel(cur)
		u.Slug = cur.Slug
		now := s.now()
		m := store.Accommodation{ID: u.ID, Name: u.Name, UnitType: u.Type, Capacity: u.Capacity, BaseOccupancy: u.BaseOccupancy,
			BasePriceCents: u.BasePriceCents, Amenities: u.Amenities, Description: u.Description, PhotosURL: u.PhotosURL,
			Active: u.Active, UpdatedAt: now}
		_, err = tx.NewUpdate().Model(&m).Column("name", "unit_type", "capacity", "base_occupancy", "base_price_cents",
			"amenities", "description", "photos_url", "active", "updated_at").WherePK().Exec(ctx)
		if err != nil {
			return fmt.Errorf("update unit %d: %w", u.ID, err)
		}
		return Record(ctx, tx, now, actor, "update", "unit", u.ID, diff(old, u))
	})
	if err != nil {
		return Unit{}, err
	}
	return u, nil
}
