package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/host"
	"github.com/conserje/conserje/sdk/plugin"
)

// pluginBinary is the real plugin, built once by TestMain.
var pluginBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ical-plugin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pluginBinary = filepath.Join(dir, "ical")
	build := exec.Command("go", "build", "-o", pluginBinary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the ical plugin:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const samplesDir = "icsnorm/testdata/samples"

func startPlugin(t *testing.T) calendar.Plugin {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := host.Start(ctx, host.Config{
		Name:   "ical",
		Path:   pluginBinary,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		stopCtx, stopCancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer stopCancel()
		_ = p.Stop(stopCtx)
	})
	require.Equal(t, plugin.KindCalendar, p.Description().Kind)
	require.NoError(t, p.Configure(ctx, plugin.ConfigureRequest{Instance: "ical", Settings: map[string]any{"max_redirects": 3.0}}))
	c, err := p.Calendar()
	require.NoError(t, err)
	return c
}

// sampleServer serves the sample feeds with an ETag per file, plus redirect chains.
func sampleServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/feeds/", func(w http.ResponseWriter, r *http.Request) {
		name := filepath.Base(r.URL.Path)
		body, err := os.ReadFile(filepath.Join(samplesDir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf(`"%s-%d"`, name, len(body))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		_, _ = w.Write(body)
	})
	mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		var name string
		_, _ = fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/hop/"), "%d/%s", &n, &name)
		if n <= 0 {
			http.Redirect(w, r, "/feeds/"+name, http.StatusMovedPermanently)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d/%s", n-1, name), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

type expectedSamples struct {
	Context struct {
		Now string `json:"now"`
	} `json:"context"`
	Files map[string]struct {
		Result  string `json:"result"`
		Error   string `json:"error"`
		Blocked []struct {
			Start, End, UID string
		} `json:"blocked"`
		BlockedSummary *struct {
			EventCount int `json:"event_count"`
		} `json:"blocked_summary"`
	} `json:"files"`
}

func platformOf(name string) calendar.Platform {
	switch {
	case strings.HasPrefix(name, "airbnb"), strings.HasPrefix(name, "large"), strings.HasPrefix(name, "empty"):
		return calendar.PlatformAirbnb
	case strings.HasPrefix(name, "booking"):
		return calendar.PlatformBooking
	case strings.HasPrefix(name, "google"):
		return calendar.PlatformGoogle
	}
	return calendar.PlatformGeneric
}

func TestPluginBinaryFetchesSamples(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(samplesDir, "expected.json"))
	require.NoError(t, err)
	var exp expectedSamples
	require.NoError(t, json.Unmarshal(raw, &exp))
	now, err := time.Parse(time.RFC3339, exp.Context.Now)
	require.NoError(t, err)

	c := startPlugin(t)
	srv := sampleServer(t)
	ctx := context.Background()
	for name, want := range exp.Files {
		t.Run(name, func(t *testing.T) {
			opts := calendar.Options{FeedID: "it-" + name, Platform: platformOf(name), Now: now}
			r, err := c.Fetch(ctx, calendar.FetchRequest{Options: opts, URL: srv.URL + "/feeds/" + name})
			if want.Result == "error" {
				require.ErrorIs(t, err, calendar.ErrRejected)
				var rej *calendar.RejectedError
				require.ErrorAs(t, err, &rej)
				assert.Equal(t, calendar.RejectReason(want.Error), rej.Reason)
				return
			}
			require.NoError(t, err)
			if want.BlockedSummary != nil {
				assert.Len(t, r.Blocks, want.BlockedSummary.EventCount)
				return
			}
			got := map[string]string{}
			for _, b := range r.Blocks {
				require.NoError(t, b.Validate())
				got[b.UID] = b.Start + "/" + b.End
			}
			wantRanges := map[string]string{}
			for _, b := range want.Blocked {
				wantRanges[b.UID] = b.Start + "/" + b.End
			}
			assert.Equal(t, wantRanges, got)
		})
	}
}

func TestPluginBinaryHTTPBehaviour(t *testing.T) {
	c := startPlugin(t)
	srv := sampleServer(t)
	ctx := context.Background()
	opts := calendar.Options{FeedID: "it", Platform: calendar.PlatformAirbnb}

	t.Run("ETag then 304", func(t *testing.T) {
		first, err := c.Fetch(ctx, calendar.FetchRequest{Options: opts, URL: srv.URL + "/feeds/airbnb_reserved_and_blocked.ics"})
		require.NoError(t, err)
		require.NotEmpty(t, first.ETag)
		assert.Len(t, first.Blocks, 5)
		second, err := c.Fetch(ctx, calendar.FetchRequest{Options: opts, URL: srv.URL + "/feeds/airbnb_reserved_and_blocked.ics", ETag: first.ETag})
		require.NoError(t, err)
		assert.True(t, second.NotModified)
		assert.Empty(t, second.Blocks)
	})
	t.Run("size cap", func(t *testing.T) {
		_, err := c.Fetch(ctx, calendar.FetchRequest{Options: opts, URL: srv.URL + "/feeds/large_feed_5000.ics", MaxBytes: 1 << 20})
		var rej *calendar.RejectedError
		require.ErrorAs(t, err, &rej)
		assert.Equal(t, calendar.RejectTooLarge, rej.Reason)
	})
	t.Run("redirects within the configured bound", func(t *testing.T) {
		r, err := c.Fetch(ctx, calendar.FetchRequest{Options: opts, URL: srv.URL + "/hop/2/booking_com.ics"})
		require.NoError(t, err)
		assert.Len(t, r.Blocks, 4)
	})
	t.Run("redirect cap", func(t *testing.T) {
		_, err := c.Fetch(ctx, calendar.FetchRequest{Options: opts, URL: srv.URL + "/hop/8/booking_com.ics"})
		var rej *calendar.RejectedError
		require.ErrorAs(t, err, &rej)
		assert.Equal(t, calendar.RejectTooManyHops, rej.Reason)
	})
	t.Run("HTML error page", func(t *testing.T) {
		_, err := c.Fetch(ctx, calendar.FetchRequest{Options: opts, URL: srv.URL + "/feeds/html_error_page.ics"})
		var rej *calendar.RejectedError
		require.ErrorAs(t, err, &rej)
		assert.Equal(t, calendar.RejectNotICalendar, rej.Reason)
	})
	t.Run("a budget cut-off comes back partial, through Fetch and Parse", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
		for i := range 1001 { // one more recurring event than the reader expands
			fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:r%d\r\nDTSTART;VALUE=DATE:20270101\r\nRRULE:FREQ=YEARLY;COUNT=2\r\nEND:VEVENT\r\n", i)
		}
		b.WriteString("END:VCALENDAR\r\n")
		body := b.String()
		feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) }))
		defer feed.Close()
		fetched, err := c.Fetch(ctx, calendar.FetchRequest{Options: opts, URL: feed.URL + "/many.ics"})
		require.NoError(t, err)
		assert.True(t, fetched.Partial)
		assert.Contains(t, budgetWarnings(fetched.Warnings), "more than 1000 recurring events")
		parsed, err := c.Parse(ctx, calendar.ParseRequest{Options: opts, Body: []byte(body)})
		require.NoError(t, err)
		assert.True(t, parsed.Partial)
		assert.Len(t, parsed.Blocks, len(fetched.Blocks))

		whole, err := c.Fetch(ctx, calendar.FetchRequest{Options: opts, URL: srv.URL + "/feeds/booking_com.ics"})
		require.NoError(t, err)
		assert.False(t, whole.Partial)
	})
	t.Run("HTTP status", func(t *testing.T) {
		_, err := c.Fetch(ctx, calendar.FetchRequest{Options: opts, URL: srv.URL + "/feeds/missing.ics"})
		var rej *calendar.RejectedError
		require.ErrorAs(t, err, &rej)
		assert.Equal(t, calendar.RejectHTTPStatus, rej.Reason)
		assert.Equal(t, http.StatusNotFound, rej.HTTPStatus)
	})
}

// budgetWarnings joins the messages of the budget warnings.
func budgetWarnings(ws []calendar.Warning) string {
	var msgs []string
	for _, w := range ws {
		if w.Code == calendar.WarningBudget {
			msgs = append(msgs, w.Message)
		}
	}
	return strings.Join(msgs, "\n")
}
