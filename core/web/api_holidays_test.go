package web_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/core/web"
)

// countingNotifier counts the settings changes broadcast.
type countingNotifier struct {
	mu sync.Mutex
	n  int
}

func (c *countingNotifier) SettingsChanged(context.Context, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
}

func (c *countingNotifier) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestHolidaysAPISetsAndClearsHostOverrides: a script lists the holidays of a year, adds
// a day off of its own and removes an official one, each change broadcast to the
// replicas and used by pricing at once; clearing brings the official day back.
func TestHolidaysAPISetsAndClearsHostOverrides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := booking.NewService(db, booking.Options{Now: bookingtest.NewClock(apiStart).Now})
		_, err := svc.SyncHolidays(ctx)
		require.NoError(t, err)
		api, err := web.NewBookingAPI(svc, apiToken, nil)
		require.NoError(t, err)
		notified := &countingNotifier{}
		set := settings.New(db, settings.Options{Catalog: svc, Notifier: notified})
		s, err := web.New(web.Options{Registry: obs.NewRegistry(), Mounts: []web.Mounter{api, web.NewHolidaysAPI(set, api)}})
		require.NoError(t, err)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		go func() { _ = s.Serve(ln) }()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = s.Shutdown(ctx)
		})
		base := "http://" + ln.Addr().String() + "/api/v1/holidays"
		c := http.DefaultClient
		dayOff := func(d string) bool {
			cal, err := svc.Holidays(ctx)
			require.NoError(t, err)
			p, err := store.ParseDate(d)
			require.NoError(t, err)
			return cal.IsDayOff(p.Time())
		}

		r := call(t, c, http.MethodGet, base+"?year=2027", "", "")
		assert.Equal(t, http.StatusUnauthorized, r.Status, "the holidays API takes the bearer token")
		r = call(t, c, http.MethodGet, base+"?year=2027", apiToken, "")
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		list, _ := r.Body["holidays"].([]any)
		require.NotEmpty(t, list)
		first, _ := list[0].(map[string]any)
		assert.Equal(t, "2027-01-01", first["date"])
		assert.Equal(t, "computed", first["source"], "2027 is generated from the law until its decree")

		for _, tc := range []struct {
			name, method, path, body string
			status                   int
			field                    string
		}{
			{"a date that is no date", http.MethodPut, "/2027-02-30", `{"name": "x", "day_off": true}`, http.StatusUnprocessableEntity, "date"},
			{"day_off missing", http.MethodPut, "/2027-03-10", `{"name": "Fiesta"}`, http.StatusUnprocessableEntity, "day_off"},
			{"a day off without a name", http.MethodPut, "/2027-03-10", `{"day_off": true}`, http.StatusUnprocessableEntity, "name"},
			{"an unknown field", http.MethodPut, "/2027-03-10", `{"nombre": "x", "day_off": true}`, http.StatusUnprocessableEntity, "nombre"},
			{"a year out of range", http.MethodGet, "?year=1850", "", http.StatusUnprocessableEntity, "year"},
			{"clearing a date the host never set", http.MethodDelete, "/2027-03-11", "", http.StatusNotFound, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := call(t, c, tc.method, base+tc.path, apiToken, tc.body)
				require.Equal(t, tc.status, r.Status, r.Raw)
				if tc.field != "" {
					assert.Contains(t, fields(r), tc.field, r.Raw)
				}
			})
		}
		assert.Equal(t, 0, notified.count(), "refused changes are not broadcast")

		require.False(t, dayOff("2027-03-10"))
		r = call(t, c, http.MethodPut, base+"/2027-03-10", apiToken, `{"name": "Fiesta del pueblo", "day_off": true}`)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		assert.Equal(t, map[string]any{"date": "2027-03-10", "name": "Fiesta del pueblo", "kind": "inamovible", "day_off": true, "provisional": false, "source": "host"}, r.Body)
		assert.True(t, dayOff("2027-03-10"), "pricing uses it at once")

		require.True(t, dayOff("2027-05-25"))
		r = call(t, c, http.MethodPut, base+"/2027-05-25", apiToken, `{"day_off": false}`)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		assert.Equal(t, false, r.Body["day_off"])
		assert.False(t, dayOff("2027-05-25"), "the host works on an official holiday")
		r = call(t, c, http.MethodDelete, base+"/2027-05-25", apiToken, "")
		require.Equal(t, http.StatusNoContent, r.Status, r.Raw)
		assert.True(t, dayOff("2027-05-25"), "the official holiday is back")
		assert.Equal(t, 3, notified.count(), "every saved change is broadcast")
	})
}
