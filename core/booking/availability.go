package booking

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/conserje/conserje/core/booking/holidays"
	"github.com/conserje/conserje/core/store"
	"github.com/uptrace/bun"
)

// SearchRequest asks what is free for a stay and a group.
type SearchRequest struct {
	Stay   Stay
	Guests int
	// UnitType and Amenities narrow the offers ("cabaña", ["pileta", "mascotas"]).
	UnitType  string
	Amenities []string
}

// Offer is a free unit and its price for the stay.
type Offer struct {
	Unit  Unit
	Quote Quote
}

// Alternative kinds.
const (
	// AltOtherUnit is another unit free for the same dates that fits the group.
	AltOtherUnit = "other_unit"
	// AltOtherDates is the wanted unit free for a stay of the same length nearby.
	AltOtherDates = "other_dates"
)

// Alternative is something to propose when the wanted stay cannot be had.
type Alternative struct {
	Kind  string
	Unit  Unit
	Quote Quote
	// ShiftDays is how many days the stay moved (negative: earlier); 0 for AltOtherUnit.
	ShiftDays int
}

// SearchResult lists offers sorted by total (cheapest first) and, when there is none,
// alternatives: other units for the same dates first, then the nearest shifted stays.
type SearchResult struct {
	Offers       []Offer
	Alternatives []Alternative
	// MinStay is set when some unit was free but the stay is shorter than its minimum.
	MinStay *MinStayError
}

// maxAlternatives caps what is proposed at once; a guest reads these on a phone.
const maxAlternatives = 6

// Search finds the units free for the stay that fit the group.
func (s *Service) Search(ctx context.Context, req SearchRequest) (SearchResult, error) {
	fe := fieldErrors{}
	if req.Guests < 1 {
		fe.add("guests", "must be at least 1")
	}
	cat, err := s.catalog(ctx)
	if err != nil {
		return SearchResult{}, err
	}
	all := cat.units
	today := s.today(cat.zoneOf(all))
	req.Stay.validate(today, s.opts.MaxNights, s.opts.MaxAdvanceDays, fe)
	if err := fe.err(); err != nil {
		return SearchResult{}, err
	}
	var fit []Unit
	for _, u := range all {
		if u.Capacity >= req.Guests {
			fit = append(fit, u)
		}
	}
	if len(fit) == 0 {
		return SearchResult{}, nil
	}
	sn, err := s.loadSnapshot(ctx, s.db.DB, fit, req.Stay, 0)
	if err != nil {
		return SearchResult{}, err
	}
	var res SearchResult
	var wanted, others []Unit
	for _, u := range fit {
		if matchesFilters(u, req) {
			wanted = append(wanted, u)
		} else {
			others = append(others, u)
		}
	}
	for _, u := range wanted {
		if !sn.free(u.ID, req.Stay) {
			continue
		}
		q, err := sn.quote(u, req.Stay, req.Guests)
		if err != nil {
			if ms, ok := asMinStay(err); ok {
				res.MinStay = tighterMinStay(res.MinStay, ms)
				continue
			}
			return SearchResult{}, err
		}
		res.Offers = append(res.Offers, Offer{Unit: u, Quote: q})
	}
	sortOffers(res.Offers)
	if len(res.Offers) > 0 {
		return res, nil
	}
	// Only a search that found nothing pays for reading the weeks around the stay.
	if sn, err = s.loadSnapshot(ctx, s.db.DB, fit, req.Stay, AlternativeWindow); err != nil {
		return SearchResult{}, err
	}
	res.Alternatives, err = sn.alternatives(others, wanted, req.Stay, req.Guests, today)
	if err != nil {
		return SearchResult{}, err
	}
	return res, nil
}

// Quote prices a stay in one unit without checking availability.
func (s *Service) Quote(ctx context.Context, unitID int64, stay Stay, guests int) (Quote, error) {
	u, err := s.Unit(ctx, unitID)
	if err != nil {
		return Quote{}, err
	}
	sn, err := s.loadSnapshot(ctx, s.db.DB, []Unit{u}, stay, 0)
	if err != nil {
		return Quote{}, err
	}
	return sn.quote(u, stay, guests)
}

// IsFree reports whether every night of the stay is free in the unit right now.
func (s *Service) IsFree(ctx context.Context, unitID int64, stay Stay) (bool, error) {
	busy, err := s.loadBusy(ctx, s.db.DB, []int64{unitID}, stay)
	if err != nil {
		return false, err
	}
	return !overlapsAny(busy[unitID], stay), nil
}

func matchesFilters(u Unit, req SearchRequest) bool {
	if t := strings.TrimSpace(req.UnitType); t != "" && !strings.EqualFold(u.Type, t) {
		return false
	}
	return u.HasAmenities(req.Amenities)
}

func sortOffers(offers []Offer) {
	sort.SliceStable(offers, func(i, j int) bool {
		if offers[i].Quote.TotalCents != offers[j].Quote.TotalCents {
			return offers[i].Quote.TotalCents < offers[j].Quote.TotalCents
		}
		return offers[i].Unit.ID < offers[j].Unit.ID
	})
}

func tighterMinStay(cur, next *MinStayError) *MinStayError {
	if cur == nil || next.Required < cur.Required {
		return next
	}
	return cur
}

// snapshot is everything needed to decide availability and price for some units over a
// window of dates, read once so a search does a handful of queries however many units
// and shifted stays it tries.
type snapshot struct {
	svc       *Service
	busy      map[int64][]Stay
	overrides []store.AvailabilityEntry
	props     map[int64]store.Property
	ruleRows  map[int64][]store.PricingRule
	rules     map[int64]*PricingRules
	cal       *holidays.Calendar
}

func (s *Service) loadSnapshot(ctx context.Context, db bun.IDB, units []Unit, stay Stay, margin int) (*snapshot, error) {
	window := Stay{CheckIn: stay.CheckIn.AddDays(-margin), CheckOut: stay.CheckOut.AddDays(margin)}
	ids := make([]int64, len(units))
	propIDs := map[int64]bool{}
	for i, u := range units {
		ids[i] = u.ID
		propIDs[u.PropertyID] = true
	}
	sn := &snapshot{svc: s, props: map[int64]store.Property{}, ruleRows: map[int64][]store.PricingRule{}, rules: map[int64]*PricingRules{}}
	var err error
	sn.overrides = []store.AvailabilityEntry{}
	if sn.busy, err = s.loadCalendar(ctx, db, ids, window, &sn.overrides); err != nil {
		return nil, err
	}
	cat, err := s.catalog(ctx)
	if err != nil {
		return nil, err
	}
	for pid := range propIDs {
		p, ok := cat.props[pid]
		if !ok {
			return nil, fmt.Errorf("property %d: %w", pid, ErrNotFound)
		}
		sn.props[pid] = p
		sn.ruleRows[pid] = cat.rules[pid]
	}
	if sn.cal, err = s.Holidays(ctx); err != nil {
		return nil, err
	}
	return sn, nil
}

func (sn *snapshot) free(unitID int64, stay Stay) bool { return !overlapsAny(sn.busy[unitID], stay) }

func (sn *snapshot) quote(u Unit, stay Stay, guests int) (Quote, error) {
	r, ok := sn.rules[u.ID]
	if !ok {
		var err error
		r, err = BuildRules(u.ID, sn.props[u.PropertyID].DepositPercent, sn.ruleRows[u.PropertyID], sn.overrides)
		if err != nil {
			return Quote{}, err
		}
		sn.rules[u.ID] = r
	}
	return r.Quote(u, stay, guests, sn.cal)
}

// alternatives proposes other units for the same dates, then the nearest free stays of
// the same length for the wanted units within ±AlternativeWindow days (never before today).
func (sn *snapshot) alternatives(others, wanted []Unit, stay Stay, guests int, today store.Date) ([]Alternative, error) {
	var sameDates, shifted []Alternative
	for _, u := range others {
		if !sn.free(u.ID, stay) {
			continue
		}
		q, err := sn.quote(u, stay, guests)
		if err != nil {
			if _, ok := asMinStay(err); ok {
				continue
			}
			return nil, err
		}
		sameDates = append(sameDates, Alternative{Kind: AltOtherUnit, Unit: u, Quote: q})
	}
	sort.SliceStable(sameDates, func(i, j int) bool { return sameDates[i].Quote.TotalCents < sameDates[j].Quote.TotalCents })
	for _, u := range wanted {
		found := 0
		for k := 1; k <= AlternativeWindow && found < 2; k++ {
			for _, shift := range []int{-k, k} {
				cand := stay.Shift(shift)
				if cand.CheckIn.Before(today) || !sn.free(u.ID, cand) {
					continue
				}
				q, err := sn.quote(u, cand, guests)
				if err != nil {
					if _, ok := asMinStay(err); ok {
						continue
					}
					return nil, err
				}
				shifted = append(shifted, Alternative{Kind: AltOtherDates, Unit: u, Quote: q, ShiftDays: shift})
				found++
			}
		}
	}
	sort.SliceStable(shifted, func(i, j int) bool {
		ai, aj := abs(shifted[i].ShiftDays), abs(shifted[j].ShiftDays)
		if ai != aj {
			return ai < aj
		}
		return shifted[i].Quote.TotalCents < shifted[j].Quote.TotalCents
	})
	out := append(sameDates, shifted...)
	if len(out) > maxAlternatives {
		out = out[:maxAlternatives]
	}
	return out, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func overlapsAny(busy []Stay, stay Stay) bool {
	for _, b := range busy {
		if b.Overlaps(stay) {
			return true
		}
	}
	return false
}

// shortRangeNights splits taken ranges for indexed reads: a range of at most this many
// nights that overlaps a window starts at most this many days before it, so it is found by
// a seek bounded on both sides; longer ones have partial indexes of their own (migration
// 0002_booking_long_ranges uses the same number).
const shortRangeNights = 14

// byUnitMax is the most units a taken-nights read filters by id in SQL; beyond it, one
// seek by date over every unit and a filter in Go beats a seek per unit.
const byUnitMax = 8

// busySQL is the union that loadBusy runs, per dialect (only the length test differs),
// with or without the unit filter (each part then takes the ids as its first argument),
// and with or without the calendar's price and minimum-stay overrides (read in the same
// round trip; they are few, so they are read for every unit and filtered in Go).
func busySQL(d store.Dialect, byUnit, withOverrides bool) string {
	long := func(start, end string) string {
		if d == store.Postgres {
			return end + " - " + start + " > 14"
		}
		return "julianday(" + end + ") - julianday(" + start + ") > 14"
	}
	units := ""
	if byUnit {
		units = "accommodation_id IN (?) AND "
	}
	const none = ", '' AS kind, CAST(0 AS BIGINT) AS id, CAST(NULL AS BIGINT) AS price_cents, CAST(NULL AS BIGINT) AS min_nights"
	part := func(table, start, end, extra string) string {
		// SQLite plans without statistics and would rather walk every past row of a
		// start-date index than the small partial index; name the index for it.
		longIndex := ""
		if d != store.Postgres {
			longIndex = " INDEXED BY " + table + "_long"
		}
		return `SELECT accommodation_id, ` + start + ` AS s, ` + end + ` AS e` + none + ` FROM ` + table + `
 WHERE ` + units + start + ` >= ? AND ` + start + ` < ? AND ` + end + ` > ?` + extra + `
UNION ALL
SELECT accommodation_id, ` + start + `, ` + end + none + ` FROM ` + table + longIndex + `
 WHERE ` + units + long(start, end) + ` AND ` + end + ` > ? AND ` + start + ` < ?` + extra
	}
	active := " AND (status = 'confirmed' OR (status = 'pre_reserved' AND expires_at > ?))"
	q := part("reservations", "check_in", "check_out", active) + "\nUNION ALL\n" +
		part("availability_calendar", "start_date", "end_date", " AND kind = 'block'") + "\nUNION ALL\n" +
		part("imported_blocks", "start_date", "end_date", "")
	if withOverrides {
		q += `
UNION ALL
SELECT accommodation_id, start_date, end_date, kind, id, price_cents, min_nights FROM availability_calendar
 WHERE kind IN ('price', 'min_stay') AND end_date > ? AND start_date < ?`
	}
	return q
}

type busyRow struct {
	UnitID     int64      `bun:"accommodation_id"`
	Start      store.Date `bun:"s"`
	End        store.Date `bun:"e"`
	Kind       string     `bun:"kind"`
	ID         int64      `bun:"id"`
	PriceCents *int64     `bun:"price_cents"`
	MinNights  *int64     `bun:"min_nights"`
}

// loadBusy returns, per unit, the ranges taken within window: active holds (not lapsed),
// confirmed bookings, manual blocks and imported blocks of every portal (including those
// pending removal, which keep blocking until the removal is confirmed). A range may be
// listed twice; callers only test overlaps.
func (s *Service) loadBusy(ctx context.Context, db bun.IDB, unitIDs []int64, window Stay) (map[int64][]Stay, error) {
	return s.loadCalendar(ctx, db, unitIDs, window, nil)
}

// loadCalendar is loadBusy that also fills overrides (when not nil) with the units' price
// and minimum-stay overrides within window, oldest first, in the same query.
func (s *Service) loadCalendar(ctx context.Context, db bun.IDB, unitIDs []int64, window Stay, overrides *[]store.AvailabilityEntry) (map[int64][]Stay, error) {
	out := map[int64][]Stay{}
	if len(unitIDs) == 0 {
		return out, nil
	}
	now := s.now()
	from := window.CheckIn.AddDays(-shortRangeNights)
	byUnit := len(unitIDs) <= byUnitMax
	var args []any
	add := func(vals ...any) {
		if byUnit {
			args = append(args, bun.List(unitIDs))
		}
		args = append(args, vals...)
	}
	add(from, window.CheckOut, window.CheckIn, now)
	add(window.CheckIn, window.CheckOut, now)
	for range 2 { // availability_calendar, imported_blocks
		add(from, window.CheckOut, window.CheckIn)
		add(window.CheckIn, window.CheckOut)
	}
	if overrides != nil {
		args = append(args, window.CheckIn, window.CheckOut)
	}
	var rows []busyRow
	if err := db.NewRaw(busySQL(s.db.Dialect(), byUnit, overrides != nil), args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("load taken nights: %w", err)
	}
	wanted := make(map[int64]bool, len(unitIDs))
	for _, id := range unitIDs {
		wanted[id] = true
	}
	for _, r := range rows {
		if !wanted[r.UnitID] {
			continue
		}
		if r.Kind == "" {
			out[r.UnitID] = append(out[r.UnitID], Stay{CheckIn: r.Start, CheckOut: r.End})
			continue
		}
		e := store.AvailabilityEntry{ID: r.ID, AccommodationID: r.UnitID, StartDate: r.Start, EndDate: r.End, Kind: r.Kind, PriceCents: r.PriceCents}
		if r.MinNights != nil {
			n := int(*r.MinNights)
			e.MinNights = &n
		}
		*overrides = append(*overrides, e)
	}
	if overrides != nil {
		// The newest override wins (BuildRules keeps this order).
		sort.Slice(*overrides, func(i, j int) bool { return (*overrides)[i].ID < (*overrides)[j].ID })
	}
	return out, nil
}
