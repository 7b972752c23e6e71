package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/conserje/conserje/core/store"
)

// catalog is what rarely changes and every search needs: the active units, the
// properties and their pricing rules. It is cached for Options.CatalogTTL (wall time), so
// a burst of searches reads it once; an edit in the admin shows within that time on every
// replica, or at once on this one after InvalidateCatalog. Availability itself (holds,
// bookings, blocks) is never cached.
type catalog struct {
	units  []Unit
	props  map[int64]store.Property
	rules  map[int64][]store.PricingRule
	expiry time.Time
}

// InvalidateCatalog drops the cached units, properties and pricing rules, and the
// effective holiday calendar; the settings editor calls it after saving any of them.
func (s *Service) InvalidateCatalog() {
	s.catMu.Lock()
	s.cat = nil
	s.catMu.Unlock()
	s.calMu.Lock()
	s.calExpires = time.Time{}
	s.calMu.Unlock()
}

func (s *Service) catalog(ctx context.Context) (*catalog, error) {
	s.catMu.Lock()
	defer s.catMu.Unlock()
	if s.cat != nil && time.Now().Before(s.cat.expiry) {
		return s.cat, nil
	}
	c := &catalog{props: map[int64]store.Property{}, rules: map[int64][]store.PricingRule{}}
	var err error
	if c.units, err = s.units(ctx, s.db.DB); err != nil {
		return nil, err
	}
	var props []store.Property
	if err := s.db.NewSelect().Model(&props).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load properties: %w", err)
	}
	for _, p := range props {
		c.props[p.ID] = p
	}
	var rows []store.PricingRule
	if err := s.db.NewSelect().Model(&rows).Where("active = ?", true).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load pricing rules: %w", err)
	}
	for _, r := range rows {
		c.rules[r.PropertyID] = append(c.rules[r.PropertyID], r)
	}
	c.expiry = time.Now().Add(s.opts.CatalogTTL)
	s.cat = c
	return c, nil
}

// zoneOf is the time zone of the units' property (the default zone without units);
// installations with several properties share one zone in practice.
func (c *catalog) zoneOf(units []Unit) string {
	if len(units) == 0 {
		return ""
	}
	return c.props[units[0].PropertyID].Timezone
}

func (c *catalog) unit(id int64) (Unit, bool) {
	for _, u := range c.units {
		if u.ID == id {
			return u, true
		}
	}
	return Unit{}, false
}
