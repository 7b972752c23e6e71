package main_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCalendarExportURLs(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := run(t, dir, nil, "seed", "demo")
	require.Equal(t, 0, code, stderr)

	t.Run("without a configured salt one is kept in the data folder and reused", func(t *testing.T) {
		first, stderr, code := run(t, dir, nil, "calendar", "export-urls")
		require.Equal(t, 0, code, stderr)
		second, _, code := run(t, dir, nil, "calendar", "export-urls")
		require.Equal(t, 0, code)
		assert.Equal(t, first, second, "the URLs pasted into the portals stay valid")
		assert.FileExists(t, filepath.Join(dir, "data", "ics_salt"))
	})

	env := []string{"CONSERJE_ICS_SALT=export-urls-test-salt-0123456789", "CONSERJE_HTTP_PUBLIC_URL=https://reservas.losrobles.example"}
	stdout, stderr, code := run(t, dir, env, "calendar", "export-urls", "--json")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 15, "3 units × 5 portals")
	pattern := regexp.MustCompile(`^https://reservas\.losrobles\.example/ical/accommodation/(\d+)/([0-9a-f]{64})\.ics$`)
	seen := map[string]bool{}
	portals := map[string]int{}
	for _, l := range lines {
		var row struct {
			ID     int64  `json:"accommodation_id"`
			Name   string `json:"name"`
			Portal string `json:"portal"`
			URL    string `json:"url"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &row))
		m := pattern.FindStringSubmatch(row.URL)
		require.NotNil(t, m, row.URL)
		assert.False(t, seen[m[2]], "tokens differ per unit and portal")
		seen[m[2]] = true
		portals[row.Portal]++
	}
	assert.Equal(t, map[string]int{"airbnb": 3, "booking": 3, "vrbo": 3, "google": 3, "generic": 3}, portals)

	again, _, code := run(t, dir, env, "calendar", "export-urls", "--json")
	require.Equal(t, 0, code)
	assert.Equal(t, stdout, again, "URLs are stable")

	stdout, stderr, code = run(t, dir, env, "calendar", "export-urls", "--portal", "vrbo", "--unit", "2")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Cabaña Coihue")
	assert.Equal(t, 2, strings.Count(stdout, "\n"), "header and one URL")

	_, stderr, code = run(t, dir, env, "calendar", "export-urls", "--portal", "tripadvisor")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "want one of")

	_, stderr, code = run(t, dir, []string{"CONSERJE_ICS_SALT=export-urls-test-salt-0123456789"}, "calendar", "export-urls")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "portals cannot fetch from it")
}
