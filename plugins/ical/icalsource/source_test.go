package icalsource

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/plugintest"
)

func TestConformance(t *testing.T) {
	plugintest.RunCalendarConformance(t, New(), plugintest.WithSettings(map[string]any{"timeout_seconds": 10.0}))
}

const oneStay = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s1\r\nDTSTART;VALUE=DATE:20270105\r\nDTEND;VALUE=DATE:20270108\r\nSUMMARY:Reserved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

func feedOptions() calendar.Options {
	return calendar.Options{FeedID: "f1", Platform: calendar.PlatformAirbnb, Timezone: "America/Argentina/Buenos_Aires",
		Now: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)}
}

func rejectReason(t *testing.T, err error) *calendar.RejectedError {
	t.Helper()
	require.Error(t, err)
	var rej *calendar.RejectedError
	require.ErrorAs(t, err, &rej, "%v", err)
	return rej
}

func TestFetch(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.ics", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` || r.Header.Get("If-Modified-Since") == "Tue, 01 Dec 2026 12:00:00 GMT" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Tue, 01 Dec 2026 12:00:00 GMT")
		fmt.Fprint(w, oneStay)
	})
	mux.HandleFunc("/chunked.ics", func(w http.ResponseWriter, r *http.Request) {
		// No Content-Length: the cap must hold while reading.
		for range 100 {
			fmt.Fprint(w, strings.Repeat("X-PAD:0123456789\r\n", 10))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/redirect/", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/redirect/"))
		if err != nil {
			t.Errorf("test server: bad redirect path %q: %v", r.URL.Path, err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if n == 0 {
			http.Redirect(w, r, "/feed.ics", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/redirect/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("/status/", func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/status/"))
		if err != nil {
			t.Errorf("test server: bad status path %q: %v", r.URL.Path, err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Error(w, "<html>error</html>", code)
	})
	mux.HandleFunc("/html-200.ics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html><body>Sign in</body></html>")
	})
	mux.HandleFunc("/slow.ics", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := New()
	ctx := context.Background()

	t.Run("ok then not modified by ETag and by date", func(t *testing.T) {
		r, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: srv.URL + "/feed.ics"})
		require.NoError(t, err)
		require.Len(t, r.Blocks, 1)
		assert.Equal(t, calendar.Block{UID: "s1", Start: "2027-01-05", End: "2027-01-08", Kind: calendar.KindReservation, Summary: "Reserved"}, r.Blocks[0])
		assert.Equal(t, `"v1"`, r.ETag)
		assert.Equal(t, int64(len(oneStay)), r.Bytes)

		again, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: srv.URL + "/feed.ics", ETag: r.ETag})
		require.NoError(t, err)
		assert.True(t, again.NotModified)
		assert.Equal(t, `"v1"`, again.ETag, "validators carry over a 304 without headers")

		byDate, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: srv.URL + "/feed.ics", LastModified: r.LastModified})
		require.NoError(t, err)
		assert.True(t, byDate.NotModified)
	})
	t.Run("webcal scheme is fetched over http(s)", func(t *testing.T) {
		u, err := feedURL("webcal://example.com/cal.ics")
		require.NoError(t, err)
		assert.Equal(t, "https://example.com/cal.ics", u)
	})
	t.Run("size cap by Content-Length", func(t *testing.T) {
		_, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: srv.URL + "/feed.ics", MaxBytes: 50})
		assert.Equal(t, calendar.RejectTooLarge, rejectReason(t, err).Reason)
	})
	t.Run("size cap while streaming", func(t *testing.T) {
		_, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: srv.URL + "/chunked.ics", MaxBytes: 4096})
		assert.Equal(t, calendar.RejectTooLarge, rejectReason(t, err).Reason)
	})
	t.Run("redirects within the bound are followed", func(t *testing.T) {
		r, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: srv.URL + "/redirect/3"})
		require.NoError(t, err)
		assert.Len(t, r.Blocks, 1)
	})
	t.Run("redirects past the bound are refused", func(t *testing.T) {
		_, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: srv.URL + "/redirect/10"})
		assert.Equal(t, calendar.RejectTooManyHops, rejectReason(t, err).Reason)
	})
	for _, code := range []int{401, 403, 404, 410, 429, 500, 503} {
		t.Run(fmt.Sprintf("HTTP %d", code), func(t *testing.T) {
			_, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: fmt.Sprintf("%s/status/%d", srv.URL, code)})
			rej := rejectReason(t, err)
			assert.Equal(t, calendar.RejectHTTPStatus, rej.Reason)
			assert.Equal(t, code, rej.HTTPStatus)
			assert.Contains(t, rej.Error(), fmt.Sprintf("HTTP %d", code))
		})
	}
	t.Run("HTML with 200 is not a calendar", func(t *testing.T) {
		_, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: srv.URL + "/html-200.ics"})
		assert.Equal(t, calendar.RejectNotICalendar, rejectReason(t, err).Reason)
	})
	t.Run("timeout", func(t *testing.T) {
		_, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: srv.URL + "/slow.ics", Timeout: 100 * time.Millisecond})
		rej := rejectReason(t, err)
		assert.Equal(t, calendar.RejectUnreachable, rej.Reason)
		assert.Contains(t, rej.Detail, "within 100ms")
	})
	t.Run("unreachable host", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		addr := closed.URL
		closed.Close()
		_, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: addr + "/feed.ics"})
		assert.Equal(t, calendar.RejectUnreachable, rejectReason(t, err).Reason)
	})
	for _, bad := range []string{"ftp://example.com/a.ics", "not a url at all", "https:///nohost.ics", ""} {
		t.Run("invalid source "+bad, func(t *testing.T) {
			_, err := s.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: bad})
			assert.Equal(t, calendar.RejectInvalidSource, rejectReason(t, err).Reason)
		})
	}
	t.Run("bad time zone is an invalid request", func(t *testing.T) {
		o := feedOptions()
		o.Timezone = "Nowhere/Atlantis"
		_, err := s.Fetch(ctx, calendar.FetchRequest{Options: o, URL: srv.URL + "/feed.ics"})
		require.ErrorIs(t, err, plugin.ErrInvalidRequest)
	})
	t.Run("settings bound redirects", func(t *testing.T) {
		strict := New()
		require.NoError(t, strict.Configure(ctx, plugin.ConfigureRequest{Settings: map[string]any{"max_redirects": 0.0}}))
		_, err := strict.Fetch(ctx, calendar.FetchRequest{Options: feedOptions(), URL: srv.URL + "/redirect/0"})
		assert.Equal(t, calendar.RejectTooManyHops, rejectReason(t, err).Reason)
	})
}

func TestConfigure(t *testing.T) {
	cases := []struct {
		name     string
		settings map[string]any
		wantErr  bool
	}{
		{name: "none", settings: nil},
		{name: "all", settings: map[string]any{"timeout_seconds": 5.0, "max_bytes": 2048.0, "max_redirects": 2.0, "user_agent": "x"}},
		{name: "unknown key", settings: map[string]any{"proxy": "x"}, wantErr: true},
		{name: "negative timeout", settings: map[string]any{"timeout_seconds": -1.0}, wantErr: true},
		{name: "fractional bytes", settings: map[string]any{"max_bytes": 2048.5}, wantErr: true},
		{name: "string redirects", settings: map[string]any{"max_redirects": "3"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := New().Configure(context.Background(), plugin.ConfigureRequest{Settings: tc.settings})
			if tc.wantErr {
				require.ErrorIs(t, err, plugin.ErrInvalidSettings)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestParseMapsKinds(t *testing.T) {
	body := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20270105\r\nDTEND;VALUE=DATE:20270105\r\nSUMMARY:CLOSED - Not available\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	o := feedOptions()
	o.Platform = calendar.PlatformBooking
	r, err := New().Parse(context.Background(), calendar.ParseRequest{Options: o, Body: []byte(body)})
	require.NoError(t, err)
	require.Len(t, r.Blocks, 1)
	assert.Equal(t, calendar.KindBlock, r.Blocks[0].Kind, "Booking.com's unknown kind is a block in the contract")
	require.Len(t, r.Warnings, 1)
	assert.Equal(t, "zero_length", r.Warnings[0].Code)
	assert.NoError(t, r.Blocks[0].Validate())
}
