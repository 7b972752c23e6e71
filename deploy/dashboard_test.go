package deploy_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/voice"
)

// exportedMetrics builds the real app (SQLite, the real iCal plugin so the calendar's
// metrics exist) and lists the metric names its registry describes: what /metrics carries.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ical")
	out, err := exec.Command("go", "build", "-o", bin, "../plugins/ical").CombinedOutput()
	require.NoError(t, err, string(out))
	cfg := config.Default()
	cfg.Database.URL = filepath.Join(t.TempDir(), "conserje.db")
	cfg.Plugins = []config.Plugin{{Name: "ical", Path: bin, CallTimeout: 10 * time.Second, Settings: map[string]any{}}}
	cfg.Calendar.Plugin = "ical"
	cfg.ICSSalt = "test-salt-0123456789abcdef"
	cfg.Dialogs.Dir = "../dialogs"
	cfg.Dialogs.LocalesDir = "../locales"
	cfg.Dialogs.Reload = false
	require.NoError(t, cfg.Validate())
	ctx := context.Background()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close(context.Background()) })

	ch := make(chan *prometheus.Desc, 64)
	go func() { a.Registry.Describe(ch); close(ch) }()
	names := map[string]bool{}
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		if m := fq.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
		}
	}
	require.NotEmpty(t, names)
	// The voice-note metrics exist when speech plugins are configured (not here): take their
	// names from the collectors the app registers then.
	voiceReg := prometheus.NewRegistry()
	_, err = voice.NewMetrics(voiceReg)
	require.NoError(t, err)
	vch := make(chan *prometheus.Desc, 16)
	go func() { voiceReg.Describe(vch); close(vch) }()
	for d := range vch {
		if m := fq.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
		}
	}
	return names
}

// metricRef finds metric names in PromQL: conserje's, and the few other exporters' the
// dashboard and rules may read.
var metricRef = regexp.MustCompile(`\b(conserje_[a-z0-9_]+|process_[a-z0-9_]+|go_[a-z0-9_]+|probe_success|up|node_[a-z0-9_]+)\b`)

// external are metrics other programs export: Prometheus itself (up), the blackbox
// exporter, node_exporter, and backup.sh through node_exporter's textfile collector.
func external(name string) bool {
	return name == "up" || name == "probe_success" || strings.HasPrefix(name, "node_") ||
		strings.HasPrefix(name, "conserje_backup_")
}

func baseName(name string) string {
	for _, s := range []string{"_bucket", "_count", "_sum"} {
		if n, ok := strings.CutSuffix(name, s); ok {
			return n
		}
	}
	return name
}

type grafanaPanel struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

// TestDashboardQueriesNameExportedMetrics reads the provisioned Grafana dashboard: it is
// valid JSON, every panel has a query, and every query names a metric conserje exports (or
// a known exporter's), so a renamed metric cannot leave an empty panel behind. The alert
// rules are held to the same.
func TestDashboardQueriesNameExportedMetrics(t *testing.T) {
	exported := exportedMetrics(t)
	check := func(where, expr string) {
		refs := metricRef.FindAllString(expr, -1)
		assert.NotEmpty(t, refs, "%s: the query names no metric: %s", where, expr)
		for _, ref := range refs {
			if external(ref) {
				continue
			}
			assert.True(t, exported[ref] || exported[baseName(ref)], "%s: conserje exports no metric %s", where, ref)
		}
	}

	raw, err := os.ReadFile("grafana/dashboards/conserje.json")
	require.NoError(t, err)
	var dash struct {
		UID    string         `json:"uid"`
		Title  string         `json:"title"`
		Panels []grafanaPanel `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &dash))
	assert.Equal(t, "conserje-overview", dash.UID)
	rows := map[string]bool{}
	var walk func([]grafanaPanel)
	queries := 0
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			if p.Type == "row" {
				rows[p.Title] = true
				walk(p.Panels)
				continue
			}
			assert.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
			for _, tg := range p.Targets {
				queries++
				check("panel "+p.Title, tg.Expr)
			}
		}
	}
	walk(dash.Panels)
	assert.Greater(t, queries, 20)
	for _, want := range []string{"Bot health", "Booking funnel", "Response times", "Channels and plugins", "Calendar feeds"} {
		assert.True(t, rows[want], "the dashboard has a %q row", want)
	}

	for _, r := range readAlertRules(t) {
		check("alert "+r.Alert, r.Expr)
	}
}
