package demo_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

func TestSeedIsIdempotentAndMatchesDemoDoc(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first, err := demo.Seed(ctx, db, "")
		require.NoError(t, err)
		assert.True(t, first.Created)
		assert.NotEmpty(t, first.AdminPassword, "a generated password is shown once")

		second, err := demo.Seed(ctx, db, "")
		require.NoError(t, err)
		assert.False(t, second.Created)
		assert.Empty(t, second.AdminPassword, "the password is never shown again")

		var units []store.Accommodation
		require.NoError(t, db.NewSelect().Model(&units).Order("id").Scan(ctx))
		require.Len(t, units, 3)
		want := []struct {
			name, typ string
			sleeps    int
			price     int64
			amenities []string
		}{
			{"Cabaña Robles", "cabaña", 4, 4_500_000, []string{"wifi", "pileta", "parrilla", "cochera"}},
			{"Cabaña Coihue", "cabaña", 6, 6_000_000, []string{"wifi", "pileta", "parrilla", "mascotas", "cochera"}},
			{"Depto Centro", "departamento", 2, 3_000_000, []string{"wifi", "cochera"}},
		}
		for i, w := range want {
			assert.Equal(t, w.name, units[i].Name)
			assert.Equal(t, w.typ, units[i].UnitType)
			assert.Equal(t, w.sleeps, units[i].Capacity)
			assert.Equal(t, w.price, units[i].BasePriceCents)
			assert.Equal(t, w.amenities, units[i].Amenities)
		}
		var prop store.Property
		require.NoError(t, db.NewSelect().Model(&prop).Where("slug = ?", demo.PropertySlug).Scan(ctx))
		assert.Equal(t, 30, prop.DepositPercent)
		assert.Equal(t, "14:00", prop.CheckInTime)
		assert.Equal(t, "10:00", prop.CheckOutTime)
		assert.Equal(t, "los.robles.demo", prop.BankAlias)
		assert.Equal(t, "0000003100012345678901", prop.BankCBU)

		var rules []store.PricingRule
		require.NoError(t, db.NewSelect().Model(&rules).Scan(ctx))
		byKind := map[string]store.PricingRule{}
		for _, r := range rules {
			byKind[r.Kind] = r
		}
		assert.Equal(t, 12000, *byKind["weekend_multiplier"].MultiplierBP)
		assert.Equal(t, 13000, *byKind["holiday_multiplier"].MultiplierBP)
		assert.Equal(t, 2, *byKind["min_stay"].Nights)
		assert.Equal(t, 3, *byKind["long_weekend_min_stay"].Nights)
		assert.Equal(t, 3000, *byKind["deposit_percent"].PercentBP)
		assert.Len(t, rules, 5, "no seasons, cleaning or extra-guest fees in the demo")

		configured, err := demo.Seed(ctx, db, "from-config-123")
		require.NoError(t, err)
		assert.True(t, configured.AdminPasswordSet)
		var admin store.StaffUser
		require.NoError(t, db.NewSelect().Model(&admin).Where("username = 'admin'").Scan(ctx))
		assert.NoError(t, bcrypt.CompareHashAndPassword([]byte(admin.PasswordHash), []byte("from-config-123")))
	})
}
