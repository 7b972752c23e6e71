package pluginhost

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the host's Prometheus collectors.
type metrics struct {
	up       *prometheus.GaugeVec
	restarts *prometheus.CounterVec
	calls    *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	busy     *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "conserje_plugin_up",
			Help: "1 while the plugin process is up and answering, else 0.",
		}, []string{"plugin"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_plugin_restarts_total",
			Help: "Restarts of the plugin process after it exited or stopped answering.",
		}, []string{"plugin"}),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "conserje_plugin_call_duration_seconds",
			Help:    "Duration of calls to plugins, by plugin and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"plugin", "method"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_plugin_call_errors_total",
			Help: "Calls to plugins that returned an error, by plugin and method.",
		}, []string{"plugin", "method"}),
		busy: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_plugin_busy_total",
			Help: "Calls refused because the plugin had max_concurrency calls in flight, by plugin and method.",
		}, []string{"plugin", "method"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.up, m.restarts, m.calls, m.errors, m.busy} {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if errors.As(err, &already) {
				return nil, fmt.Errorf("plugin metrics already registered (one pluginhost per registry): %w", err)
			}
			return nil, fmt.Errorf("register plugin metrics: %w", err)
		}
	}
	return m, nil
}
