package booking

import (
	"testing"

	"github.com/conserje/conserje/core/booking/holidays"
	"github.com/conserje/conserje/core/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func d(s string) store.Date {
	v, err := store.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func stay(in, out string) Stay { return Stay{CheckIn: d(in), CheckOut: d(out)} }

var (
	robles = Unit{ID: 1, Name: "Cabaña Robles", Capacity: 4, BaseOccupancy: 4, BasePriceCents: 4_500_000}
	coihue = Unit{ID: 2, Name: "Cabaña Coihue", Capacity: 6, BaseOccupancy: 6, BasePriceCents: 6_000_000}
)

// demoRules are the pricing rules of demo.md.
func demoRules() *PricingRules {
	return &PricingRules{WeekendBP: 12000, HolidayBP: 13000, MinNights: 2, LongWeekendMinNights: 3, DepositBP: 3000}
}

func TestQuote(t *testing.T) {
	cal := holidays.Default()
	withSeasons := demoRules()
	withSeasons.Seasons = []Season{
		{Name: "Alta", Start: d("2027-01-10"), End: d("2027-01-20"), Priority: 1, MultiplierBP: 15000},
		{Name: "Reyes", Start: d("2027-01-11"), End: d("2027-01-12"), Priority: 5, PriceCents: 8_000_000},
	}
	withDiscount := demoRules()
	withDiscount.Discounts = []LengthDiscount{{MinNights: 7, PercentBP: 1000}, {MinNights: 14, PercentBP: 1500}}
	withFees := demoRules()
	withFees.ExtraGuestFeeCents = 500_000
	withFees.CleaningFeeCents = 2_000_000
	twoBase := robles
	twoBase.BaseOccupancy = 2

	tests := []struct {
		name        string
		rules       *PricingRules
		unit        Unit
		stay        Stay
		guests      int
		nights      []int64 // pesos per night
		reasons     []string
		total       int64 // pesos
		deposit     int64 // pesos
		discount    int64 // pesos
		rulesByNite []string
	}{
		{
			name: "demo: Robles del 5 al 8/1/2027", rules: demoRules(), unit: robles, stay: stay("2027-01-05", "2027-01-08"), guests: 4,
			nights: []int64{45000, 45000, 45000}, total: 135000, deposit: 40500,
			rulesByNite: []string{"base", "base", "base"},
		},
		{
			name: "demo: Coihue del 5 al 8/1/2027", rules: demoRules(), unit: coihue, stay: stay("2027-01-05", "2027-01-08"), guests: 4,
			nights: []int64{60000, 60000, 60000}, total: 180000, deposit: 54000,
		},
		{
			name: "weekend: Friday and Saturday nights cost ×1.20", rules: demoRules(), unit: robles, stay: stay("2026-09-03", "2026-09-06"), guests: 2,
			nights: []int64{45000, 54000, 54000}, total: 153000, deposit: 45900,
			rulesByNite: []string{"base", "weekend", "weekend"},
			reasons:     []string{"tarifa base", "víspera de sábado ×1,20", "víspera de domingo ×1,20"},
		},
		{
			name: "national holiday on a Monday: Sunday night ×1.30", rules: demoRules(), unit: robles, stay: stay("2026-05-22", "2026-05-25"), guests: 2,
			nights: []int64{54000, 54000, 58500}, total: 166500, deposit: 49950,
			rulesByNite: []string{"weekend", "weekend", "holiday"},
			reasons:     []string{"víspera de sábado ×1,20", "víspera de domingo ×1,20", "víspera de feriado (Día de la Revolución de Mayo) ×1,30"},
		},
		{
			name: "holiday on a Saturday: the larger multiplier, not both", rules: demoRules(), unit: robles, stay: stay("2026-06-18", "2026-06-20"), guests: 2,
			nights: []int64{45000, 58500}, total: 103500, deposit: 31050,
			rulesByNite: []string{"base", "holiday"},
		},
		{
			name: "season boundary: nights from the start date are in season", rules: withSeasons, unit: robles, stay: stay("2027-01-08", "2027-01-11"), guests: 2,
			// Fri 8 → Sat ×1.20; Sat 9 → Sun ×1.20; Sun 10 in season ×1.50.
			nights: []int64{54000, 54000, 67500}, total: 175500, deposit: 52650,
			rulesByNite: []string{"weekend", "weekend", "season"},
		},
		{
			name: "season and weekend compound; a fixed price wins by priority and ignores multipliers", rules: withSeasons, unit: robles, stay: stay("2027-01-15", "2027-01-17"), guests: 2,
			nights: []int64{81000, 81000}, total: 162000, deposit: 48600,
			rulesByNite: []string{"season+weekend", "season+weekend"},
		},
		{
			name: "fixed-price season by priority", rules: withSeasons, unit: robles, stay: stay("2027-01-11", "2027-01-13"), guests: 2,
			nights: []int64{80000, 67500}, total: 147500, deposit: 44250,
			rulesByNite: []string{"season", "season"},
			reasons:     []string{"temporada «Reyes» (precio fijo)", "temporada «Alta» ×1,50"},
		},
		{
			name: "7 nights take 10 % off the nights", rules: withDiscount, unit: robles, stay: stay("2027-03-01", "2027-03-08"), guests: 2,
			nights: []int64{45000, 45000, 45000, 45000, 54000, 54000, 45000}, discount: 33300, total: 299700, deposit: 89910,
		},
		{
			name: "6 nights get no discount", rules: withDiscount, unit: robles, stay: stay("2027-03-01", "2027-03-07"), guests: 2,
			nights: []int64{45000, 45000, 45000, 45000, 54000, 54000}, total: 288000, deposit: 86400,
		},
		{
			name: "extra guests above base occupancy and a cleaning fee", rules: withFees, unit: twoBase, stay: stay("2027-01-05", "2027-01-07"), guests: 4,
			nights: []int64{55000, 55000}, total: 130000, deposit: 39000,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := tc.rules.Quote(tc.unit, tc.stay, tc.guests, cal)
			require.NoError(t, err)
			require.Len(t, q.Nights, len(tc.nights))
			for i, n := range q.Nights {
				assert.Equal(t, tc.nights[i]*100, n.PriceCents, "night %s", n.Date)
				assert.Equal(t, tc.stay.CheckIn.AddDays(i), n.Date)
				assert.NotEmpty(t, n.Reason)
				if tc.rulesByNite != nil {
					assert.Equal(t, tc.rulesByNite[i], n.Rule, "rule of night %s", n.Date)
				}
				if tc.reasons != nil {
					assert.Equal(t, tc.reasons[i], n.Reason)
				}
			}
			assert.Equal(t, tc.total*100, q.TotalCents, "total")
			assert.Equal(t, tc.deposit*100, q.DepositCents, "deposit")
			assert.Equal(t, tc.discount*100, q.DiscountCents, "discount")
			assert.Equal(t, q.NightsCents-q.DiscountCents+q.CleaningCents, q.TotalCents)
		})
	}
}

func TestQuoteMinimumStay(t *testing.T) {
	cal := holidays.Default()
	season := demoRules()
	season.Seasons = []Season{{Name: "Enero", Start: d("2027-01-01"), End: d("2027-02-01"), MultiplierBP: 10000, MinNights: 4}}
	override := demoRules()
	override.Overrides = []DateOverride{{Start: d("2026-10-01"), End: d("2026-10-03"), MinNights: 5}}
	tests := []struct {
		name     string
		rules    *PricingRules
		stay     Stay
		required int // 0 = allowed
		reason   string
	}{
		{name: "default minimum of 2 nights", rules: demoRules(), stay: stay("2026-09-08", "2026-09-09"), required: 2, reason: "default"},
		{name: "2 nights on a plain weekend are fine", rules: demoRules(), stay: stay("2026-09-04", "2026-09-06")},
		{name: "carnaval long weekend needs 3", rules: demoRules(), stay: stay("2026-02-14", "2026-02-16"), required: 3, reason: "long_weekend"},
		{name: "a night leading into the long weekend touches it", rules: demoRules(), stay: stay("2026-02-12", "2026-02-14"), required: 3, reason: "long_weekend"},
		{name: "checking out the morning the long weekend starts does not touch it", rules: demoRules(), stay: stay("2026-02-11", "2026-02-13")},
		{name: "3 nights over the long weekend are fine", rules: demoRules(), stay: stay("2026-02-13", "2026-02-16")},
		{name: "season minimum", rules: season, stay: stay("2027-01-25", "2027-01-28"), required: 4, reason: "season:Enero"},
		{name: "calendar override minimum", rules: override, stay: stay("2026-09-30", "2026-10-02"), required: 5, reason: "date_override"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.rules.Quote(robles, tc.stay, 2, cal)
			if tc.required == 0 {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrMinStay)
			ms, ok := asMinStay(err)
			require.True(t, ok)
			assert.Equal(t, tc.required, ms.Required)
			assert.Equal(t, tc.reason, ms.Reason)
		})
	}
}

func TestQuoteRejectsBadInput(t *testing.T) {
	cal := holidays.Default()
	for name, tc := range map[string]struct {
		stay   Stay
		guests int
		field  string
	}{
		"check-out before check-in": {stay("2027-01-08", "2027-01-05"), 2, "check_out"},
		"same day":                  {stay("2027-01-08", "2027-01-08"), 2, "check_out"},
		"over capacity":             {stay("2027-01-05", "2027-01-08"), 5, "guests"},
		"no guests":                 {stay("2027-01-05", "2027-01-08"), 0, "guests"},
		"over a year":               {stay("2027-01-05", "2028-02-06"), 2, "check_out"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := demoRules().Quote(robles, tc.stay, tc.guests, cal)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, ve.Fields, tc.field)
		})
	}
}

func TestRounding(t *testing.T) {
	tests := []struct {
		name   string
		amount int64
		bps    []int
		want   int64
	}{
		{"whole pesos stay", 4_500_000, nil, 4_500_000},
		{"49 centavos round down", 4_500_049, nil, 4_500_000},
		{"50 centavos round up", 4_500_050, nil, 4_500_100},
		{"51 centavos round up", 4_500_051, nil, 4_500_100},
		{"multiplier result rounded once: 33.333,33 × 1,20 = 39.999,996", 3_333_333, []int{12000}, 4_000_000},
		{"30 % of $10.001 = $3.000,30", 1_000_100, []int{3000}, 300_000},
		{"30 % of $10.005 = $3.001,50 rounds up", 1_000_500, []int{3000}, 300_200},
		{"compounded exactly: 45.000 × 1,50 × 1,20", 4_500_000, []int{15000, 12000}, 8_100_000},
		{"zero", 0, []int{12000}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, scaleBP(tc.amount, tc.bps...))
		})
	}
	t.Run("a quote's night and deposit follow the rule", func(t *testing.T) {
		u := robles
		u.BasePriceCents = 3_333_333
		q, err := demoRules().Quote(u, stay("2026-09-04", "2026-09-06"), 2, holidays.Default())
		require.NoError(t, err)
		assert.Equal(t, []int64{4_000_000, 4_000_000}, []int64{q.Nights[0].PriceCents, q.Nights[1].PriceCents})
		assert.Equal(t, int64(8_000_000), q.TotalCents)
		assert.Equal(t, int64(2_400_000), q.DepositCents)
	})
}

func TestBuildRules(t *testing.T) {
	unit := int64(7)
	other := int64(8)
	rows := []store.PricingRule{
		{ID: 1, Kind: RuleWeekendMultiplier, MultiplierBP: ptrTo(12000), Active: true},
		{ID: 2, Kind: RuleWeekendMultiplier, MultiplierBP: ptrTo(14000), AccommodationID: &unit, Active: true},
		{ID: 3, Kind: RuleWeekendMultiplier, MultiplierBP: ptrTo(19000), AccommodationID: &other, Active: true},
		{ID: 4, Kind: RuleDepositPercent, PercentBP: ptrTo(5000), Active: true},
		{ID: 5, Kind: RuleMinStay, Nights: ptrTo(3), Active: false},
		{ID: 6, Kind: RuleSeason, Name: "Alta", StartDate: ptrTo(d("2027-01-01")), EndDate: ptrTo(d("2027-03-01")), MultiplierBP: ptrTo(15000), Active: true},
		{ID: 7, Kind: RuleLengthDiscount, Nights: ptrTo(7), PercentBP: ptrTo(1000), Active: true},
	}
	r, err := BuildRules(unit, 30, rows, []store.AvailabilityEntry{
		{AccommodationID: unit, Kind: "price", StartDate: d("2027-01-05"), EndDate: d("2027-01-06"), PriceCents: ptrTo(int64(100))},
		{AccommodationID: other, Kind: "min_stay", StartDate: d("2027-01-05"), EndDate: d("2027-01-06"), MinNights: ptrTo(9)},
	})
	require.NoError(t, err)
	assert.Equal(t, 14000, r.WeekendBP, "the unit's own rule replaces the property's")
	assert.Equal(t, 10000, r.HolidayBP, "no rule: ×1")
	assert.Equal(t, 5000, r.DepositBP, "a deposit rule replaces the property column")
	assert.Equal(t, 1, r.MinNights, "inactive rules are ignored")
	require.Len(t, r.Seasons, 1)
	assert.Equal(t, []LengthDiscount{{MinNights: 7, PercentBP: 1000}}, r.Discounts)
	assert.Len(t, r.Overrides, 1, "other units' overrides are ignored")

	r, err = BuildRules(unit, 30, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 3000, r.DepositBP, "the property's deposit column when no rule")

	_, err = BuildRules(unit, 30, []store.PricingRule{{ID: 9, Kind: RuleSeason, Name: "rota", Active: true, MultiplierBP: ptrTo(1)}}, nil)
	require.ErrorContains(t, err, "needs start_date and end_date")
}

func ptrTo[T any](v T) *T { return &v }
