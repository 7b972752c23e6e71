package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/core/web"
)

func TestICalExportRoute(t *testing.T) {
	db := storetest.SQLite(t)
	demo := bookingtest.SeedDemo(t, db)
	exp, err := calendar.NewExporter(db, "route-test-salt-0123456789", calendar.ExportOptions{})
	require.NoError(t, err)
	s, err := web.New(web.Options{Registry: obs.NewRegistry(), Mounts: []web.Mounter{web.NewICalExport(exp, nil)}})
	require.NoError(t, err)
	get := func(path string) (*http.Response, string) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("User-Agent", "Airbnb Calendar Sync")
		resp, err := s.App().Test(req, int((5 * time.Second).Milliseconds()))
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(body)
	}
	good := "/ical/accommodation/" + itoa(demo.Robles) + "/" + exp.Token(demo.Robles, "airbnb") + ".ics"
	resp, body := get(good)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "text/calendar; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Contains(t, body, "BEGIN:VCALENDAR\r\n")

	var fetches []store.ICalExportFetch
	require.NoError(t, db.NewSelect().Model(&fetches).Scan(context.Background()))
	require.Len(t, fetches, 1)
	assert.Equal(t, "airbnb", fetches[0].Portal)
	assert.Equal(t, demo.Robles, fetches[0].AccommodationID)
	assert.Equal(t, "Airbnb Calendar Sync", fetches[0].UserAgent)

	for name, path := range map[string]string{
		"wrong token":              "/ical/accommodation/" + itoa(demo.Robles) + "/" + exp.Token(demo.Robles, "airbnb")[:63] + "0.ics",
		"another unit's token":     "/ical/accommodation/" + itoa(demo.Coihue) + "/" + exp.Token(demo.Robles, "airbnb") + ".ics",
		"no .ics":                  "/ical/accommodation/" + itoa(demo.Robles) + "/" + exp.Token(demo.Robles, "airbnb"),
		"not a number":             "/ical/accommodation/robles/" + exp.Token(demo.Robles, "airbnb") + ".ics",
		"unit that does not exist": "/ical/accommodation/999/" + exp.Token(999, "airbnb") + ".ics",
	} {
		t.Run(name, func(t *testing.T) {
			resp, _ := get(path)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		})
	}
	require.NoError(t, db.NewSelect().Model(&fetches).Scan(context.Background()))
	assert.Len(t, fetches, 1, "refused fetches are not recorded")
}

func itoa(n int64) string {
	return strconv.FormatInt(n, 10)
}
