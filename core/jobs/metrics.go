package jobs

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// PrometheusMetrics exports job runs as conserje_job_runs_total{job,result},
// conserje_job_duration_seconds{job} and conserje_job_skipped_total{job}.
type PrometheusMetrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	skipped  *prometheus.CounterVec
}

var _ Metrics = (*PrometheusMetrics)(nil)

// NewPrometheusMetrics registers the job metrics on reg.
func NewPrometheusMetrics(reg prometheus.Registerer) (*PrometheusMetrics, error) {
	m := &PrometheusMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_job_runs_total", Help: "Periodic job runs by result (ok, error).",
		}, []string{"job", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "conserje_job_duration_seconds", Help: "Duration of periodic job runs.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"job"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_job_skipped_total", Help: "Job ticks skipped because another replica leads.",
		}, []string{"job"}),
	}
	for _, c := range []prometheus.Collector{m.runs, m.duration, m.skipped} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register job metrics: %w", err)
		}
	}
	return m, nil
}

// Ran implements Metrics.
func (m *PrometheusMetrics) Ran(job string, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.runs.WithLabelValues(job, result).Inc()
	m.duration.WithLabelValues(job).Observe(took.Seconds())
}

// Skipped implements Metrics.
func (m *PrometheusMetrics) Skipped(job string) { m.skipped.WithLabelValues(job).Inc() }
