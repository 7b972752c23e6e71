package booking

import (
	"slices"
	"strings"

	"github.com/conserje/conserje/core/store"
)

// Unit is one rentable accommodation as guests and integrations see it.
type Unit struct {
	ID             int64    `json:"id"`
	PropertyID     int64    `json:"property_id"`
	Slug           string   `json:"slug"`
	Name           string   `json:"name"`
	Type           string   `json:"type"`
	Capacity       int      `json:"capacity"`
	BaseOccupancy  int      `json:"base_occupancy"`
	BasePriceCents int64    `json:"base_price_cents"`
	Amenities      []string `json:"amenities"`
	Description    string   `json:"description"`
}

func unitFromModel(a store.Accommodation) Unit {
	am := a.Amenities
	if am == nil {
		am = []string{}
	}
	return Unit{
		ID: a.ID, PropertyID: a.PropertyID, Slug: a.Slug, Name: a.Name, Type: a.UnitType,
		Capacity: a.Capacity, BaseOccupancy: a.BaseOccupancy, BasePriceCents: a.BasePriceCents,
		Amenities: am, Description: a.Description,
	}
}

// HasAmenities reports whether the unit offers every one of want (case-insensitive).
func (u Unit) HasAmenities(want []string) bool {
	for _, w := range want {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" {
			continue
		}
		if !slices.ContainsFunc(u.Amenities, func(a string) bool { return strings.EqualFold(a, w) }) {
			return false
		}
	}
	return true
}

// PropertyInfo is what the bot tells a guest about the complex.
type PropertyInfo struct {
	ID             int64        `json:"id"`
	Slug           string       `json:"slug"`
	Name           string       `json:"name"`
	Address        string       `json:"address"`
	City           string       `json:"city"`
	Province       string       `json:"province"`
	MapURL         string       `json:"map_url"`
	Phone          string       `json:"phone"`
	Email          string       `json:"email"`
	Timezone       string       `json:"timezone"`
	CheckInTime    string       `json:"check_in_time"`
	CheckOutTime   string       `json:"check_out_time"`
	DepositPercent int          `json:"deposit_percent"`
	BankTransfer   BankTransfer `json:"bank_transfer"`
	Units          []Unit       `json:"units"`
}

// BankTransfer is where guests send the deposit when paying by transfer.
type BankTransfer struct {
	Alias  string `json:"alias"`
	CBU    string `json:"cbu"`
	Holder string `json:"holder"`
}
