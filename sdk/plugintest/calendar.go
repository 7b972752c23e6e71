package plugintest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/plugin"
)

// Feeds the calendar suite uses (CRLF, as producers write them).
const (
	feedOneStay = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//conserje//conformance//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:conformance-stay@conserje\r\nDTSTAMP:20261101T000000Z\r\n" +
		"DTSTART;VALUE=DATE:20270105\r\nDTEND;VALUE=DATE:20270108\r\nSUMMARY:Reserved\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:conformance-cancelled@conserje\r\nDTSTAMP:20261101T000000Z\r\nSTATUS:CANCELLED\r\n" +
		"DTSTART;VALUE=DATE:20270110\r\nDTEND;VALUE=DATE:20270112\r\nSUMMARY:Reserved\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:conformance-tentative@conserje\r\nDTSTAMP:20261101T000000Z\r\nSTATUS:TENTATIVE\r\n" +
		"DTSTART;VALUE=DATE:20270120\r\nDTEND;VALUE=DATE:20270121\r\nSUMMARY:Blocked\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	feedEmpty     = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//conserje//conformance//EN\r\nEND:VCALENDAR\r\n"
	feedHTML      = "<!DOCTYPE html>\n<html><head><title>Log in</title></head><body>Please log in</body></html>\n"
	feedTruncated = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//conserje//conformance//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:conformance-stay@conserje\r\nDTSTART;VALUE=DATE:20270105\r\n"
)

// RunCalendarConformance checks that impl honours the calendar contract end to end
// through the gRPC boundary: the lifecycle, normalized blocks, typed rejections, and
// conditional fetches against a local HTTP server.
func RunCalendarConformance(t *testing.T, impl calendar.Plugin, opts ...Option) {
	o := buildOptions(opts)
	raw := pair(t, plugin.KindCalendar, impl)
	c, lc := raw.(calendar.Plugin), raw.(lifecycleClient)
	runLifecycle(t, lc, plugin.KindCalendar, o)
	feedOptions := calendar.Options{FeedID: "conformance-feed", Platform: calendar.PlatformGeneric, Timezone: "America/Argentina/Buenos_Aires"}

	t.Run("parse normalizes blocks", func(t *testing.T) {
		r, err := c.Parse(o.ctx(t), calendar.ParseRequest{Options: feedOptions, Body: []byte(feedOneStay)})
		require.NoError(t, err)
		assertValidBlocks(t, r.Blocks)
		byUID := map[string]calendar.Block{}
		for _, b := range r.Blocks {
			byUID[b.UID] = b
		}
		stay, ok := byUID["conformance-stay@conserje"]
		require.True(t, ok, "the confirmed stay must block")
		assert.Equal(t, "2027-01-05", stay.Start)
		assert.Equal(t, "2027-01-08", stay.End)
		assert.False(t, stay.Tentative)
		assert.NotContains(t, byUID, "conformance-cancelled@conserje", "a cancelled event blocks nothing")
		tentative, ok := byUID["conformance-tentative@conserje"]
		require.True(t, ok, "a tentative event still blocks")
		assert.True(t, tentative.Tentative)
	})
	t.Run("parse empty calendar", func(t *testing.T) {
		r, err := c.Parse(o.ctx(t), calendar.ParseRequest{Options: feedOptions, Body: []byte(feedEmpty)})
		require.NoError(t, err)
		assert.Empty(t, r.Blocks)
	})
	rejections := []struct {
		name   string
		body   string
		reason calendar.RejectReason
	}{
		{"html page", feedHTML, calendar.RejectNotICalendar},
		{"truncated", feedTruncated, calendar.RejectTruncated},
		{"empty body", "", calendar.RejectNotICalendar},
	}
	for _, tc := range rejections {
		t.Run("parse rejects "+tc.name, func(t *testing.T) {
			_, err := c.Parse(o.ctx(t), calendar.ParseRequest{Options: feedOptions, Body: []byte(tc.body)})
			assertRejected(t, err, tc.reason)
		})
	}
	if !o.noUpstream {
		runCalendarFetch(t, c, o, feedOptions)
	}
	stopLast(t, lc, o)
}

func runCalendarFetch(t *testing.T, c calendar.Plugin, o options, feedOptions calendar.Options) {
	const etag = `"conformance-v1"`
	const lastModified = "Tue, 01 Dec 2026 12:00:00 GMT"
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.ics", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastModified)
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		_, _ = w.Write([]byte(feedOneStay))
	})
	mux.HandleFunc("/login.ics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(feedHTML))
	})
	mux.HandleFunc("/gone.ics", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not found", http.StatusNotFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	t.Run("fetch", func(t *testing.T) {
		r, err := c.Fetch(o.ctx(t), calendar.FetchRequest{Options: feedOptions, URL: srv.URL + "/feed.ics"})
		require.NoError(t, err)
		assert.False(t, r.NotModified)
		assertValidBlocks(t, r.Blocks)
		assert.NotEmpty(t, r.Blocks)
		assert.Equal(t, etag, r.ETag)
		assert.Equal(t, lastModified, r.LastModified)
	})
	t.Run("fetch not modified", func(t *testing.T) {
		r, err := c.Fetch(o.ctx(t), calendar.FetchRequest{Options: feedOptions, URL: srv.URL + "/feed.ics", ETag: etag, LastModified: lastModified})
		require.NoError(t, err)
		assert.True(t, r.NotModified)
		assert.Empty(t, r.Blocks)
	})
	t.Run("fetch rejects html", func(t *testing.T) {
		_, err := c.Fetch(o.ctx(t), calendar.FetchRequest{Options: feedOptions, URL: srv.URL + "/login.ics"})
		assertRejected(t, err, calendar.RejectNotICalendar)
	})
	t.Run("fetch rejects http error", func(t *testing.T) {
		_, err := c.Fetch(o.ctx(t), calendar.FetchRequest{Options: feedOptions, URL: srv.URL + "/gone.ics"})
		assertRejected(t, err, calendar.RejectHTTPStatus)
		var rej *calendar.RejectedError
		require.ErrorAs(t, err, &rej)
		assert.Equal(t, http.StatusNotFound, rej.HTTPStatus)
	})
	t.Run("fetch rejects too large", func(t *testing.T) {
		_, err := c.Fetch(o.ctx(t), calendar.FetchRequest{Options: feedOptions, URL: srv.URL + "/feed.ics", MaxBytes: 64})
		assertRejected(t, err, calendar.RejectTooLarge)
	})
}

func assertValidBlocks(t *testing.T, blocks []calendar.Block) {
	t.Helper()
	for _, b := range blocks {
		assert.NoError(t, b.Validate())
	}
}

// assertRejected requires err to be a typed rejection (calendar.RejectedError) for reason.
func assertRejected(t *testing.T, err error, reason calendar.RejectReason) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, calendar.ErrRejected)
	var rej *calendar.RejectedError
	require.ErrorAs(t, err, &rej)
	assert.Equal(t, reason, rej.Reason, strings.TrimSpace(rej.Error()))
}
