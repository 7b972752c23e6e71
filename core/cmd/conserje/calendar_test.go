package main_test

import (
	"encoding/json"
	"os"
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
