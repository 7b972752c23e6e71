package settings_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

func TestValidCBU(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cbu  string
		want bool
	}{
		{"valid CBU", "2850590940090418135201", true},
		{"valid CVU", "0000003100010000000009", true},
		{"first check digit wrong", "2850590840090418135201", false},
		{"second check digit wrong", "2850590940090418135202", false},
		{"too short", "285059094009041813520", false},
		{"letters", "28505909400904181352AB", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, settings.ValidCBU(tc.cbu))
		})
	}
}

type countingCatalog struct{ invalidated, synced int }

func (c *countingCatalog) InvalidateCatalog() { c.invalidated++ }
func (c *countingCatalog) SyncHolidays(context.Context) (int, error) {
	c.synced++
	return 0, nil
}

func ptr[T any](v T) *T { return &v }

// recordingNotifier keeps the versions it was told about.
type recordingNotifier struct{ versions []string }

func (n *recordingNotifier) SettingsChanged(_ context.Context, version string) {
	n.versions = append(n.versions, version)
}

// TestChangesAreValidatedAuditedAndInvalidate: each kind of change refuses bad input
// naming the fields, and a saved change writes one audit row and drops the catalog.
func TestChangesAreValidatedAuditedAndInvalidate(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ctx := context.Background()
	cat := &countingCatalog{}
	notified := &recordingNotifier{}
	s := settings.New(db, settings.Options{Catalog: cat, Notifier: notified, PaymentPlugins: []string{"mercadopago"}})
	v0, err := s.Version(ctx)
	require.NoError(t, err)
	assert.Empty(t, v0, "no version before the first change")

	_, err = s.CreateUnit(ctx, "t", settings.Unit{Name: "A", Type: "casa", Capacity: 2, BasePriceCents: 100})
	assertFields(t, err, "property")
	_, err = s.SaveProperty(ctx, "t", settings.Property{Name: "P", CheckInTime: "14:00", CheckOutTime: "10:00", Timezone: "Mars/Olympus",
		BankAlias: "a b", Policies: map[string]map[string]string{"pets": {"fr": "non"}, "parking": {"es-AR": "sí"}}})
	assertFields(t, err, "timezone", "bank_alias", "policies.pets.fr", "policies.parking")
	p, err := s.SaveProperty(ctx, "staff:ana", settings.Property{Name: "P", CheckInTime: "14:00", CheckOutTime: "10:00", DepositPercent: 30})
	require.NoError(t, err)
	assert.Equal(t, "America/Argentina/Buenos_Aires", p.Timezone)

	for _, tc := range []struct {
		name string
		unit settings.Unit
		want []string
	}{
		{"base occupancy above capacity", settings.Unit{Name: "A", Type: "casa", Capacity: 2, BaseOccupancy: 3, BasePriceCents: 100}, []string{"base_occupancy"}},
		{"photos link not http", settings.Unit{Name: "A", Type: "casa", Capacity: 2, BasePriceCents: 100, PhotosURL: "javascript:alert(1)"}, []string{"photos_url"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateUnit(ctx, "t", tc.unit)
			assertFields(t, err, tc.want...)
		})
	}
	u, err := s.CreateUnit(ctx, "staff:ana", settings.Unit{Name: "Cabaña Ñandú", Type: "Cabaña", Capacity: 4, BasePriceCents: 100, Amenities: []string{" WiFi ", "wifi"}})
	require.NoError(t, err)
	assert.Equal(t, "cabana-nandu", u.Slug)
	assert.Equal(t, []string{"wifi"}, u.Amenities)
	assert.Equal(t, 4, u.BaseOccupancy)
	u2, err := s.CreateUnit(ctx, "staff:ana", settings.Unit{Name: "Cabaña Ñandú", Type: "cabaña", Capacity: 4, BasePriceCents: 100})
	require.NoError(t, err)
	assert.Equal(t, "cabana-nandu-2", u2.Slug, "slugs stay unique")

	for _, tc := range []struct {
		name string
		rule settings.Rule
		want []string
	}{
		{"unknown kind", settings.Rule{Kind: "happy_hour"}, []string{"kind"}},
		{"season without dates", settings.Rule{Kind: "season", MultiplierBP: ptr(15000)}, []string{"start_date", "end_date"}},
		{"season ending before it starts", settings.Rule{Kind: "season", MultiplierBP: ptr(15000),
			StartDate: ptr(store.NewDate(2027, 3, 10)), EndDate: ptr(store.NewDate(2027, 3, 1))}, []string{"end_date"}},
		{"discount over 100 %", settings.Rule{Kind: "length_discount", Nights: ptr(7), PercentBP: ptr(12000)}, []string{"percent_bp"}},
		{"unknown unit", settings.Rule{Kind: "min_stay", Nights: ptr(2), AccommodationID: ptr(int64(999))}, []string{"accommodation_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateRule(ctx, "t", tc.rule)
			assertFields(t, err, tc.want...)
		})
	}
	assertFields(t, s.SetPaymentPlugin(ctx, "t", "paypal"), "payment_plugin")
	require.NoError(t, s.SetPaymentPlugin(ctx, "staff:ana", "mercadopago"))
	got, err := s.PaymentPlugin(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, "mercadopago", got, "the stored choice wins over config")
	require.NoError(t, s.SetPaymentPlugin(ctx, "staff:ana", settings.BankTransfer))
	got, err = s.PaymentPlugin(ctx, "mercadopago")
	require.NoError(t, err)
	assert.Empty(t, got, "bank transfer chosen over the configured plugin")

	require.NoError(t, s.SetHoliday(ctx, "staff:ana", store.NewDate(2027, 5, 25), "", false))
	require.NoError(t, s.ClearHoliday(ctx, "staff:ana", store.NewDate(2027, 5, 25)))
	assert.Equal(t, 1, cat.synced, "clearing an override restores the official row")

	audit, err := s.Audit(ctx, 0)
	require.NoError(t, err)
	assert.Len(t, audit, 7)
	assert.Equal(t, 7, cat.invalidated, "every saved change drops the catalog, refused ones do not")
	require.Len(t, notified.versions, 7, "every saved change is broadcast, refused ones are not")
	seen := map[string]bool{}
	for _, v := range notified.versions {
		assert.False(t, seen[v], "each change writes a new version")
		seen[v] = true
	}
	stored, err := s.Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, notified.versions[6], stored, "the last change's version is stored")
	for _, a := range audit {
		assert.Equal(t, "staff:ana", a.Actor)
	}
}

func assertFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	var ve *settings.ValidationError
	require.ErrorAs(t, err, &ve)
	for _, f := range fields {
		assert.Contains(t, ve.Fields, f)
	}
}
