package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCalendarParse(t *testing.T) {
	samples, err := filepath.Abs("../../../plugins/ical/icsnorm/testdata/samples")
	require.NoError(t, err)
	dir := t.TempDir()
	const now = "--now=2026-12-01T12:00:00-03:00"

	t.Run("airbnb sample prints JSON lines", func(t *testing.T) {
		stdout, stderr, code := run(t, dir, nil, "calendar", "parse", "--platform", "airbnb", now, filepath.Join(samples, "airbnb_reserved_and_blocked.ics"))
		require.Equal(t, 0, code, stderr)
		assert.Empty(t, stderr)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		require.Len(t, lines, 5)
		var first map[string]any
		require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
		assert.Equal(t, map[string]any{
			"uid": "a3c81f07d2e9-5b0e9c2a41d74f3c8e6a1b9d0f2c7e45@airbnb.com", "start": "2027-01-03", "end": "2027-01-10",
			"kind": "reservation", "tentative": false,
		}, first)
	})
	t.Run("warnings go to stderr", func(t *testing.T) {
		stdout, stderr, code := run(t, dir, nil, "calendar", "parse", now, filepath.Join(samples, "empty_calendar.ics"))
		require.Equal(t, 0, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, "warning: R12 feed is empty")
	})
	t.Run("a partial reading says so on stderr and still exits 0", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("BEGIN:VCALENDAR\r\n")
		for i := range 1001 {
			fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:r%d\r\nDTSTART;VALUE=DATE:20270101\r\nRRULE:FREQ=YEARLY;COUNT=2\r\nEND:VEVENT\r\n", i)
		}
		b.WriteString("END:VCALENDAR\r\n")
		file := filepath.Join(dir, "many.ics")
		require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o644))
		stdout, stderr, code := run(t, dir, nil, "calendar", "parse", now, file)
		require.Equal(t, 0, code, stderr)
		assert.NotEmpty(t, stdout)
		assert.Contains(t, stderr, "more than 1000 recurring events in the feed (budget)")
		assert.Contains(t, stderr, "partial: a budget cut the reading short")
	})
	t.Run("end-inclusive and time zone flags", func(t *testing.T) {
		file := filepath.Join(dir, "incl.ics")
		require.NoError(t, os.WriteFile(file, []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:20270103\r\nDTEND;VALUE=DATE:20270105\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:t\r\nDTSTART:20270110T020000Z\r\nDTEND:20270111T020000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), 0o644))
		stdout, stderr, code := run(t, dir, nil, "calendar", "parse", "--end-inclusive", "--tz", "UTC", file)
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, `{"uid":"x","start":"2027-01-03","end":"2027-01-06","kind":"unknown","tentative":false}`+"\n"+
			`{"uid":"t","start":"2027-01-10","end":"2027-01-11","kind":"unknown","tentative":false}`+"\n", stdout)
	})
	t.Run("rejected file exits 1 with a clear message", func(t *testing.T) {
		stdout, stderr, code := run(t, dir, nil, "calendar", "parse", filepath.Join(samples, "html_error_page.ics"))
		assert.Equal(t, 1, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, "rejected (not_icalendar)")
		assert.Contains(t, stderr, "<!DOCTYPE html>")
	})
	t.Run("unknown platform exits 2", func(t *testing.T) {
		_, stderr, code := run(t, dir, nil, "calendar", "parse", "--platform", "expedia", filepath.Join(samples, "booking_com.ics"))
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, `unknown calendar platform "expedia"`)
	})
	t.Run("missing file exits 1", func(t *testing.T) {
		_, stderr, code := run(t, dir, nil, "calendar", "parse", filepath.Join(dir, "nope.ics"))
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "no such file")
	})
}

func TestCalendarAddFeedAndSync(t *testing.T) {
	dir := t.TempDir()
	plugin := filepath.Join(dir, "ical")
	build := exec.Command("go", "build", "-o", plugin, "../../../plugins/ical")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	samples, err := filepath.Abs("../../../plugins/ical/icsnorm/testdata/samples")
	require.NoError(t, err)
	srv := httptest.NewServer(http.FileServer(http.Dir(samples)))
	t.Cleanup(srv.Close)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(
		"log:\n  level: warn\nplugins:\n  - name: ical\n    path: "+plugin+"\n    call_timeout: 30s\n"), 0o644))
	env := []string{"CONSERJE_LOG_LEVEL=warn"}
	_, stderr, code := run(t, dir, env, "seed", "demo")
	require.Equal(t, 0, code, stderr)

	t.Run("add-feed validates", func(t *testing.T) {
		_, stderr, code := run(t, dir, env, "calendar", "add-feed", "--unit", "1", "--platform", "expedia", "--url", srv.URL+"/booking_com.ics")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "platform")
		_, stderr, code = run(t, dir, env, "calendar", "add-feed", "--unit", "999", "--platform", "airbnb", "--url", srv.URL+"/x.ics")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "unknown accommodation")
	})
	stdout, stderr, code := run(t, dir, env, "calendar", "add-feed", "--unit", "1", "--platform", "airbnb", "--url", srv.URL+"/airbnb_reserved_and_blocked.ics", "--priority", "2")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "feed 1 added to unit 1")

	stdout, stderr, code = run(t, dir, env, "calendar", "sync", "--unit", "1")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2, stdout)
	assert.Regexp(t, `^1\s+1\s+airbnb\s+ok\s+5\s+5\s`, lines[1])

	stdout, stderr, code = run(t, dir, env, "calendar", "sync")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `\s+not_modified\s+5\s+0\s`, stdout, "http.FileServer answers If-Modified-Since with 304")

	_, stderr, code = run(t, dir, env, "calendar", "add-feed", "--unit", "1", "--platform", "generic", "--url", srv.URL+"/html_error_page.ics")
	require.Equal(t, 0, code, stderr)
	stdout, stderr, code = run(t, dir, env, "calendar", "sync", "--unit", "1")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "rejected")
	assert.Contains(t, stderr, "1 of 2 feeds not imported")
}
