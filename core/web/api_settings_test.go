package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/core/web"
)

// serveSettings serves the booking and settings APIs over a fresh database (no demo).
func serveSettings(t *testing.T, db *store.DB) string {
	t.Helper()
	return serveSettingsWith(t, db, settings.Options{})
}

// serveSettingsWith is serveSettings with the settings' options (the booking engine is
// always the catalog).
func serveSettingsWith(t *testing.T, db *store.DB, opts settings.Options) string {
	t.Helper()
	svc := booking.NewService(db, booking.Options{Now: bookingtest.NewClock(apiStart).Now})
	api, err := web.NewBookingAPI(svc, apiToken, nil)
	require.NoError(t, err)
	opts.Catalog = svc
	set := settings.New(db, opts)
	s, err := web.New(web.Options{Registry: obs.NewRegistry(), Mounts: []web.Mounter{api, web.NewSettingsAPI(set, api)}})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

func fields(r apiResponse) map[string]any {
	e, _ := r.Body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

// TestSettingsAPISetsUpAFreshInstall: a script sets up the property, a unit, a weekend
// surcharge and a feed on an empty database, and availability offers the unit at once
// with those prices; bad input is 422 with the fields named.
func TestSettingsAPISetsUpAFreshInstall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		base := serveSettings(t, db)
		c := http.DefaultClient
		avail := base + "/api/v1/availability?check_in=2027-01-11&check_out=2027-01-13&guests=2" // Mon-Wed: no weekend

		r := call(t, c, http.MethodGet, base+"/api/v1/property", apiToken, "")
		assert.Equal(t, http.StatusNotFound, r.Status, r.Raw)
		r = call(t, c, http.MethodPost, base+"/api/v1/accommodations", "", `{}`)
		assert.Equal(t, http.StatusUnauthorized, r.Status, "the settings API takes the bearer token")

		for _, tc := range []struct {
			name, method, path, body string
			want                     []string
		}{
			{"property with bad times and CBU", http.MethodPatch, "/api/v1/property",
				`{"name": "Cabañas del Lago", "check_in_time": "2pm", "bank_cbu": "123"}`, []string{"check_in_time", "bank_cbu"}},
			{"property with an unknown field", http.MethodPatch, "/api/v1/property", `{"nombre": "x"}`, []string{"nombre"}},
			{"unit before the property", http.MethodPost, "/api/v1/accommodations",
				`{"name": "Lago 1", "type": "cabaña", "capacity": 4, "base_price_cents": 5000000}`, []string{"property"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := call(t, c, tc.method, base+tc.path, apiToken, tc.body)
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
				for _, f := range tc.want {
					assert.Contains(t, fields(r), f, r.Raw)
				}
			})
		}

		r = call(t, c, http.MethodPatch, base+"/api/v1/property", apiToken,
			`{"name": "Cabañas del Lago", "address": "Ruta 40 km 3", "bank_alias": "lago.cabanas", "bank_cbu": "2850590940090418135201",
			  "policies": {"pets": {"es-AR": "Mascotas chicas, con aviso.", "en": "Small pets, on request."}}}`)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		assert.Equal(t, "14:00", r.Body["check_in_time"], "unset fields keep their defaults")

		// Read availability once so the catalog is cached without the unit.
		r = call(t, c, http.MethodGet, avail, apiToken, "")
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		assert.Empty(t, r.Body["offers"])

		for _, tc := range []struct {
			name, body string
			want       []string
		}{
			{"unknown field", `{"name": "x", "rooms": 3}`, []string{"rooms"}},
			{"wrong type", `{"name": "x", "capacity": "four"}`, []string{"capacity"}},
			{"invalid values", `{"name": "", "type": "hotel", "capacity": 0, "base_price_cents": -5}`, []string{"name", "type", "capacity", "base_price_cents"}},
		} {
			t.Run("unit "+tc.name, func(t *testing.T) {
				r := call(t, c, http.MethodPost, base+"/api/v1/accommodations", apiToken, tc.body)
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
				for _, f := range tc.want {
					assert.Contains(t, fields(r), f, r.Raw)
				}
			})
		}
		r = call(t, c, http.MethodPost, base+"/api/v1/accommodations", apiToken,
			`{"name": "Lago 1", "type": "cabaña", "capacity": 4, "base_price_cents": 5000000, "amenities": ["wifi", "Parrilla"], "description": "Frente al lago"}`)
		require.Equal(t, http.StatusCreated, r.Status, r.Raw)
		id := int64(r.Body["id"].(float64))
		assert.Equal(t, []any{"wifi", "parrilla"}, r.Body["amenities"])

		r = call(t, c, http.MethodGet, avail, apiToken, "")
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		offers, _ := r.Body["offers"].([]any)
		require.Len(t, offers, 1, "a unit created through the API is offered at once: %s", r.Raw)
		assert.EqualValues(t, 10_000_000, offers[0].(map[string]any)["total_cents"])

		r = call(t, c, http.MethodPatch, fmt.Sprintf("%s/api/v1/accommodations/%d", base, id), apiToken, `{"base_price_cents": 6000000}`)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		assert.Equal(t, "Lago 1", r.Body["name"], "fields not sent stay")
		r = call(t, c, http.MethodGet, avail, apiToken, "")
		assert.EqualValues(t, 12_000_000, r.Body["offers"].([]any)[0].(map[string]any)["total_cents"], "the new price quotes at once")
		r = call(t, c, http.MethodGet, base+"/api/v1/accommodations", apiToken, "")
		assert.Len(t, r.Body["accommodations"], 1)

		r = call(t, c, http.MethodPost, base+"/api/v1/pricing-rules", apiToken, `{"kind": "weekend_multiplier", "multiplier_bp": 500000}`)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
		assert.Contains(t, fields(r), "multiplier_bp")
		r = call(t, c, http.MethodPost, base+"/api/v1/pricing-rules", apiToken, `{"kind": "length_discount", "nights": 2, "percent_bp": 1000}`)
		require.Equal(t, http.StatusCreated, r.Status, r.Raw)
		rule := int64(r.Body["id"].(float64))
		r = call(t, c, http.MethodGet, avail, apiToken, "")
		assert.EqualValues(t, 10_800_000, r.Body["offers"].([]any)[0].(map[string]any)["total_cents"], "10 %% off from 2 nights")
		r = call(t, c, http.MethodPatch, fmt.Sprintf("%s/api/v1/pricing-rules/%d", base, rule), apiToken, `{"nights": 3}`)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		r = call(t, c, http.MethodGet, avail, apiToken, "")
		assert.EqualValues(t, 12_000_000, r.Body["offers"].([]any)[0].(map[string]any)["total_cents"], "2 nights no longer get it")
		r = call(t, c, http.MethodDelete, fmt.Sprintf("%s/api/v1/pricing-rules/%d", base, rule), apiToken, "")
		assert.Equal(t, http.StatusNoContent, r.Status, r.Raw)
		r = call(t, c, http.MethodGet, base+"/api/v1/pricing-rules", apiToken, "")
		assert.Empty(t, r.Body["pricing_rules"])

		r = call(t, c, http.MethodPost, base+"/api/v1/calendar-feeds", apiToken, fmt.Sprintf(`{"accommodation_id": %d, "platform": "airbnb", "url": "ftp://x"}`, id))
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
		assert.Contains(t, fields(r), "url")
		r = call(t, c, http.MethodPost, base+"/api/v1/calendar-feeds", apiToken,
			fmt.Sprintf(`{"accommodation_id": %d, "platform": "airbnb", "url": "https://www.airbnb.com/calendar/ical/1.ics?s=abc"}`, id))
		require.Equal(t, http.StatusCreated, r.Status, r.Raw)
		feed := int64(r.Body["id"].(float64))
		r = call(t, c, http.MethodGet, base+"/api/v1/calendar-feeds", apiToken, "")
		assert.Len(t, r.Body["calendar_feeds"], 1)
		r = call(t, c, http.MethodDelete, fmt.Sprintf("%s/api/v1/calendar-feeds/%d", base, feed), apiToken, "")
		assert.Equal(t, http.StatusNoContent, r.Status, r.Raw)

		r = call(t, c, http.MethodPatch, fmt.Sprintf("%s/api/v1/accommodations/%d", base, id), apiToken, `{"active": false}`)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		r = call(t, c, http.MethodGet, avail, apiToken, "")
		assert.Empty(t, r.Body["offers"], "a deactivated unit is off sale at once")

		var audited int
		require.NoError(t, db.NewSelect().Table("settings_audit").ColumnExpr("count(*)").Where("actor = 'api'").Scan(context.Background(), &audited))
		assert.Equal(t, 9, audited, "every change is audited")
	})
}

// feedReads records the feeds read at once.
type feedReads struct {
	mu  sync.Mutex
	ids []int64
}

func (f *feedReads) SyncFeed(_ context.Context, id int64) (calendar.FeedReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, id)
	return calendar.FeedReport{FeedID: id}, nil
}

func (f *feedReads) got() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.ids...)
}

// TestSettingsAPIPausesFeeds: PATCH /calendar-feeds/{id} with "paused" pauses a feed
// and resumes it (read at once), audited as the API; anything else is refused.
func TestSettingsAPIPausesFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		reads := &feedReads{}
		base := serveSettingsWith(t, db, settings.Options{Feeds: reads})
		c := http.DefaultClient
		r := call(t, c, http.MethodPatch, base+"/api/v1/property", apiToken, `{"name": "Cabañas del Lago", "check_in_time": "14:00", "check_out_time": "10:00"}`)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		r = call(t, c, http.MethodPost, base+"/api/v1/accommodations", apiToken, `{"name": "Lago 1", "type": "cabaña", "capacity": 4, "base_price_cents": 5000000}`)
		require.Equal(t, http.StatusCreated, r.Status, r.Raw)
		r = call(t, c, http.MethodPost, base+"/api/v1/calendar-feeds", apiToken,
			fmt.Sprintf(`{"accommodation_id": %d, "platform": "airbnb", "url": "https://www.airbnb.com/calendar/ical/1.ics?s=abc"}`, int64(r.Body["id"].(float64))))
		require.Equal(t, http.StatusCreated, r.Status, r.Raw)
		assert.Equal(t, false, r.Body["paused"])
		feed := int64(r.Body["id"].(float64))
		path := fmt.Sprintf("%s/api/v1/calendar-feeds/%d", base, feed)

		for _, tc := range []struct {
			name, path, token, body string
			status                  int
			field                   string
		}{
			{"without the token", path, "", `{"paused": true}`, http.StatusUnauthorized, ""},
			{"paused missing", path, apiToken, `{}`, http.StatusUnprocessableEntity, "paused"},
			{"paused not a boolean", path, apiToken, `{"paused": "yes"}`, http.StatusUnprocessableEntity, "paused"},
			{"another field", path, apiToken, `{"paused": true, "url": "https://x.example/a.ics"}`, http.StatusUnprocessableEntity, "url"},
			{"an unknown feed", path + "00", apiToken, `{"paused": true}`, http.StatusNotFound, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := call(t, c, http.MethodPatch, tc.path, tc.token, tc.body)
				require.Equal(t, tc.status, r.Status, r.Raw)
				if tc.field != "" {
					assert.Contains(t, fields(r), tc.field, r.Raw)
				}
			})
		}

		r = call(t, c, http.MethodPatch, path, apiToken, `{"paused": true}`)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		assert.Equal(t, true, r.Body["paused"])
		assert.Equal(t, false, r.Body["enabled"])
		r = call(t, c, http.MethodGet, base+"/api/v1/calendar-feeds", apiToken, "")
		listed := r.Body["calendar_feeds"].([]any)
		require.Len(t, listed, 1)
		assert.Equal(t, true, listed[0].(map[string]any)["paused"])
		assert.Empty(t, reads.got(), "pausing reads nothing")

		r = call(t, c, http.MethodPatch, path, apiToken, `{"paused": false}`)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		assert.Equal(t, false, r.Body["paused"])
		assert.Equal(t, []int64{feed}, reads.got(), "resuming reads the feed at once")

		var audit []string
		require.NoError(t, db.NewSelect().Table("settings_audit").Column("action").Where("actor = 'api' AND entity = 'calendar_feed'").Order("id").Scan(context.Background(), &audit))
		assert.Equal(t, []string{"create", "pause", "resume"}, audit)
	})
}
