package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/lock/locktest"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// deliveryBound is how long a settings hint may take from one replica to another here:
// pub/sub delivery plus a version read (plus a retrain for holidays), on a busy machine.
const deliveryBound = 5 * time.Second

// replicaConfig is a replica of a PostgreSQL + Redis deployment whose caches outlive the
// test, so only the settings broadcast can refresh them: a catalog cached for an hour
// and, unless check is given, no version check within the test.
func replicaConfig(t *testing.T, dbURL, redisURL string, check time.Duration) *config.Config {
	cfg := testConfig(t, dbURL)
	cfg.Redis.URL = redisURL
	cfg.Booking.CatalogTTL = time.Hour
	cfg.Redis.SettingsCheck = check
	require.NoError(t, cfg.Validate())
	return cfg
}

// chatOnce asks one question in a new web chat conversation and returns the replies.
func chatOnce(t *testing.T, base, text string) string {
	t.Helper()
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	ans := postChat(t, base, "wc_"+hex.EncodeToString(b), "m1", text)
	require.Equal(t, http.StatusOK, ans.status, ans.body)
	return ans.replies
}

// staffOf logs the demo's admin into base.
func staffOf(t *testing.T, base string) *settingsClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	staff := &settingsClient{t: t, base: base, c: &http.Client{Jar: jar}}
	staff.get("/admin/login")
	status, _ := staff.post("/admin/login", url.Values{"username": {"admin"}, "password": {"admin-password-1"}})
	require.Equal(t, http.StatusOK, status, "logged in")
	return staff
}

// patchUnitPrice changes a unit's base price through base's bearer API.
func patchUnitPrice(t *testing.T, base string, id, cents int64) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, fmt.Sprintf("%s/api/v1/accommodations/%d", base, id), strings.NewReader(fmt.Sprintf(`{"base_price_cents":%d}`, cents)))
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// weekdayStay is a Monday-to-Wednesday stay at least ten days ahead with no holiday
// near it, and the message asking for it.
func weekdayStay(t *testing.T, a *app.App) (booking.Stay, string) {
	t.Helper()
	in, out := nextWeekdays(time.Now().In(time.FixedZone("ART", -3*3600)))
	cal, err := a.Booking.Holidays(context.Background())
	require.NoError(t, err)
	for cal.IsDayOff(in) || cal.IsDayOff(in.AddDate(0, 0, 1)) || cal.IsDayOff(out) {
		in, out = nextWeekdays(in)
	}
	stay := booking.NewStay(store.DateOf(in), store.DateOf(out))
	return stay, fmt.Sprintf("Hola, para 2 del %d al %d/%d", in.Day(), out.Day(), int(out.Month()))
}

// quietMonth is a month after this one with no long weekend, and a Monday in it whose
// weekend has no day off around it (Friday to Tuesday): a holiday on that Monday makes
// the month's only long weekend.
func quietMonth(t *testing.T, a *app.App) (time.Month, time.Time) {
	t.Helper()
	cal, err := a.Booking.Holidays(context.Background())
	require.NoError(t, err)
	now := time.Now().UTC()
	for m := 1; m <= 18; m++ {
		first := time.Date(now.Year(), now.Month()+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		if r, ok := cal.LongWeekendAfter(first); ok && r.First.Month() == first.Month() && r.First.Year() == first.Year() {
			continue
		}
		for d := first.AddDate(0, 0, 7); d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
			if d.Weekday() == time.Monday && !cal.IsDayOff(d.AddDate(0, 0, -3)) && !cal.IsDayOff(d) && !cal.IsDayOff(d.AddDate(0, 0, 1)) {
				return first.Month(), d
			}
		}
	}
	t.Fatal("no month without a long weekend in the next 18")
	return 0, time.Time{}
}

var spanishMonths = []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}

// TestSettingsChangesReachEveryReplica: two serve replicas on one PostgreSQL and one
// Redis, their catalogs cached for an hour and no version check in the test's time: a
// price changed through replica A's API is quoted by replica B's web chat on the next
// message, and a holiday added through A's admin makes B's bot read "el finde largo" of
// that date as the long weekend.
func TestSettingsChangesReachEveryReplica(t *testing.T) {
	dbURL, redisURL := storetest.PostgresURL(t), storetest.RedisURL(t)
	a, baseA := serveSeeded(t, replicaConfig(t, dbURL, redisURL, time.Hour))
	b, baseB := start(t, replicaConfig(t, dbURL, redisURL, time.Hour))
	ctx := context.Background()

	// caughtUp waits for B to reflect the settings version stored now, and returns it.
	caughtUp := func(t *testing.T) string {
		t.Helper()
		version, err := settings.StoredVersion(ctx, a.DB.DB)
		require.NoError(t, err)
		require.NotEmpty(t, version)
		assert.Equal(t, version, a.SettingsBus.Seen(), "A took its own change before answering")
		require.Eventually(t, func() bool { return b.SettingsBus.Seen() == version }, deliveryBound, 5*time.Millisecond,
			"B got the hint")
		return version
	}

	t.Run("a unit price changed through A is quoted by B on the next message", func(t *testing.T) {
		stay, ask := weekdayStay(t, a)
		units, err := a.Booking.Units(ctx)
		require.NoError(t, err)
		robles := units[0]
		require.Equal(t, "Cabaña Robles", robles.Name)
		old, err := b.Booking.Quote(ctx, robles.ID, stay, 2)
		require.NoError(t, err)
		require.Contains(t, chatOnce(t, baseB, ask), dialog.FormatMoney("es", old.TotalCents), "B quotes (and caches) the old price")

		patchUnitPrice(t, baseA, robles.ID, robles.BasePriceCents+1_000_000)
		caughtUp(t)
		fresh, err := a.Booking.Quote(ctx, robles.ID, stay, 2)
		require.NoError(t, err)
		require.NotEqual(t, old.TotalCents, fresh.TotalCents)
		replies := chatOnce(t, baseB, ask)
		assert.Contains(t, replies, dialog.FormatMoney("es", fresh.TotalCents), "B quotes the new price")
		assert.NotContains(t, replies, dialog.FormatMoney("es", old.TotalCents), "never the old one once the hint arrived")
	})

	t.Run("a holiday added through A's admin is B's long weekend on the next message", func(t *testing.T) {
		month, monday := quietMonth(t, a)
		ask := fmt.Sprintf("Hola, somos 2, ¿tienen lugar el finde largo de %s?", spanishMonths[month-1])
		friday := monday.AddDate(0, 0, -3)
		stay := fmt.Sprintf("Del viernes %d/%d al lunes %d/%d", friday.Day(), int(friday.Month()), monday.Day(), int(monday.Month()))
		before := chatOnce(t, baseB, ask)
		t.Logf("before: %s", before)
		require.NotContains(t, before, stay, "no long weekend that month yet")

		staff := staffOf(t, baseA)
		staff.get("/admin/settings/holidays")
		status, page := staff.post("/admin/settings/holidays", url.Values{"date": {monday.Format(time.DateOnly)}, "name": {"Fiesta del pueblo"}, "day_off": {"yes"}})
		require.Equal(t, http.StatusOK, status, page)
		require.Contains(t, page, "Feriado guardado")
		caughtUp(t)

		after := chatOnce(t, baseB, ask)
		t.Logf("after: %s", after)
		assert.Contains(t, after, stay, "B's bot reads the host's long weekend")
	})

	t.Run("a change made by the CLI reaches both replicas", func(t *testing.T) {
		cfg := replicaConfig(t, dbURL, redisURL, time.Hour)
		require.NoError(t, app.AnnounceSettingsChange(ctx, cfg, a.DB, slog.New(slog.DiscardHandler)))
		version, err := settings.StoredVersion(ctx, a.DB.DB)
		require.NoError(t, err)
		for name, r := range map[string]*app.App{"A": a, "B": b} {
			require.Eventually(t, func() bool { return r.SettingsBus.Seen() == version }, deliveryBound, 5*time.Millisecond, "replica %s", name)
		}
	})
}

// TestSettingsReachAReplicaCutFromRedis: replica C is cut from Redis (a TCP proxy in
// front of the test Redis) while a price is changed through replica A, so A's hint never
// reaches it. C still converges: by its version check while Redis is down, or, with no
// check in the test's time, by the check it makes when its subscription is back.
func TestSettingsReachAReplicaCutFromRedis(t *testing.T) {
	dbURL, redisURL := storetest.PostgresURL(t), storetest.RedisURL(t)
	target, err := url.Parse(redisURL)
	require.NoError(t, err)
	a, baseA := serveSeeded(t, replicaConfig(t, dbURL, redisURL, time.Hour))
	ctx := context.Background()
	units, err := a.Booking.Units(ctx)
	require.NoError(t, err)
	robles := units[0]
	stay, ask := weekdayStay(t, a)

	for i, tc := range []struct {
		name  string
		check time.Duration
		// backFirst: Redis comes back before C is expected to have caught up.
		backFirst bool
	}{
		{"the version check catches up while Redis is down", 200 * time.Millisecond, false},
		{"the subscription coming back catches up", time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy := locktest.NewProxy(t, target.Host)
			c, baseC := start(t, replicaConfig(t, dbURL, "redis://"+proxy.Addr+target.Path, tc.check))
			old, err := c.Booking.Quote(ctx, robles.ID, stay, 2)
			require.NoError(t, err)
			require.Contains(t, chatOnce(t, baseC, ask), dialog.FormatMoney("es", old.TotalCents), "C caches the current price")

			proxy.Stop()
			patchUnitPrice(t, baseA, robles.ID, robles.BasePriceCents+int64(i+1)*1_000_000)
			version, err := settings.StoredVersion(ctx, a.DB.DB)
			require.NoError(t, err)
			if tc.backFirst {
				proxy.Start(t)
			}
			require.Eventually(t, func() bool { return c.SettingsBus.Seen() == version }, 2*deliveryBound, 10*time.Millisecond,
				"C caught up without the hint")
			if !tc.backFirst {
				proxy.Start(t) // C's chat takes its locks on Redis
			}
			fresh, err := a.Booking.Quote(ctx, robles.ID, stay, 2)
			require.NoError(t, err)
			require.NotEqual(t, old.TotalCents, fresh.TotalCents)
			replies := chatOnce(t, baseC, ask)
			assert.Contains(t, replies, dialog.FormatMoney("es", fresh.TotalCents), "C quotes the new price")
			assert.NotContains(t, replies, dialog.FormatMoney("es", old.TotalCents))
		})
	}
}
