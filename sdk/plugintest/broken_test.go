package plugintest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/plugintest"
)

// A suite that cannot fail certifies nothing, so the calendar suite is run against a
// plugin that breaks the rejection contract and must fail exactly those checks.

// brokenCalendar parses and fetches like fakeCalendar, but rejects with a plain error
// (Parse) or the wrong reason (Fetch).
type brokenCalendar struct{ fakeCalendar }

func (b brokenCalendar) Parse(ctx context.Context, req calendar.ParseRequest) (calendar.ParseResponse, error) {
	r, err := b.fakeCalendar.Parse(ctx, req)
	if err != nil {
		return r, errors.New("cannot read that")
	}
	return r, nil
}

func (b brokenCalendar) Fetch(ctx context.Context, req calendar.FetchRequest) (calendar.FetchResponse, error) {
	r, err := b.fakeCalendar.Fetch(ctx, req)
	if err != nil {
		return r, &calendar.RejectedError{Reason: calendar.RejectUnreachable}
	}
	return r, nil
}

// runBrokenEnv makes the test binary, started again by the test below, run the suite
// against brokenCalendar: a failing suite fails its own *testing.T, so it runs apart.
const runBrokenEnv = "PLUGINTEST_RUN_BROKEN_CALENDAR"

func TestCalendarConformanceFailsABrokenPlugin(t *testing.T) {
	if os.Getenv(runBrokenEnv) == "1" {
		plugintest.RunCalendarConformance(t, brokenCalendar{fakeCalendar{base{plugin.KindCalendar}}},
			plugintest.WithSettings(map[string]any{"token": "t"}))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCalendarConformanceFailsABrokenPlugin$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), runBrokenEnv+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the suite passed a plugin that breaks the contract:\n%s", out)

	// Every rejection check must fail, and the rest of the contract must hold, so the
	// failures are the rejection checks' own.
	want := map[string]string{
		"parse_rejects_html_page": "FAIL", "parse_rejects_truncated": "FAIL", "parse_rejects_empty_body": "FAIL",
		"fetch_rejects_html": "FAIL", "fetch_rejects_http_error": "FAIL", "fetch_rejects_too_large": "FAIL",
		"parse_normalizes_blocks": "PASS", "fetch": "PASS", "fetch_not_modified": "PASS",
	}
	var wrong []string
	for check, result := range want {
		if !strings.Contains(string(out), "--- "+result+": TestCalendarConformanceFailsABrokenPlugin/"+check+" ") {
			wrong = append(wrong, check+" should "+result)
		}
	}
	sort.Strings(wrong)
	assert.Empty(t, wrong, "suite output:\n%s", out)
}
