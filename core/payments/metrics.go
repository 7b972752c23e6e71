package payments

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count the payment lifecycle for /metrics. A nil *Metrics records nothing.
type Metrics struct {
	notifications *prometheus.CounterVec
	reads         *prometheus.CounterVec
	readSeconds   prometheus.Histogram
	outcomes      *prometheus.CounterVec
}

// NewMetrics registers the payment metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_payment_notifications_total",
			Help: "Payment notifications recorded (webhooks and reconciliation), by provider.",
		}, []string{"provider"}),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_payment_reads_total",
			Help: "Payments read from their provider, by provider and result: ok, error.",
		}, []string{"provider", "result"}),
		readSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "conserje_payment_read_seconds",
			Help:    "Time to read one payment from its provider.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 20},
		}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_payment_outcomes_total",
			Help: "Payments applied, by provider and outcome (paid, pending, failed, mismatch, ...).",
		}, []string{"provider", "outcome"}),
	}
	for _, c := range []prometheus.Collector{m.notifications, m.reads, m.readSeconds, m.outcomes} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register payment metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) notified(provider string) {
	if m != nil {
		m.notifications.WithLabelValues(provider).Inc()
	}
}

func (m *Metrics) fetched(provider string, took time.Duration, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.reads.WithLabelValues(provider, result).Inc()
	m.readSeconds.Observe(took.Seconds())
}

func (m *Metrics) outcome(provider, outcome string) {
	if m != nil {
		m.outcomes.WithLabelValues(provider, outcome).Inc()
	}
}
