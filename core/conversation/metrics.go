package conversation

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count what conversations do, for /metrics. A nil *Metrics records nothing.
type Metrics struct {
	turns    *prometheus.CounterVec
	latency  prometheus.Histogram
	handoffs *prometheus.CounterVec
	sends    *prometheus.CounterVec
}

// NewMetrics registers the conversation metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_conversation_turns_total",
			Help: "Guest messages handled, by outcome: answered, held (staff have the conversation), failed.",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "conserje_conversation_turn_seconds",
			Help:    "Time to understand a message and run the dialog (before the commit).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		handoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_conversation_handoffs_total",
			Help: "Conversations handed to a person, by reason.",
		}, []string{"reason"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_outbox_sends_total",
			Help: "Outbox delivery attempts by channel and result: sent, retry, dead.",
		}, []string{"channel", "result"}),
	}
	for _, c := range []prometheus.Collector{m.turns, m.latency, m.handoffs, m.sends} {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if errors.As(err, &already) {
				return nil, fmt.Errorf("conversation metrics registered twice: %w", err)
			}
			return nil, fmt.Errorf("register conversation metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) turn(outcome string, seconds float64) {
	if m == nil {
		return
	}
	m.turns.WithLabelValues(outcome).Inc()
	if seconds >= 0 {
		m.latency.Observe(seconds)
	}
}

func (m *Metrics) handoff(reason string) {
	if m == nil {
		return
	}
	m.handoffs.WithLabelValues(reason).Inc()
}

func (m *Metrics) send(channel, result string) {
	if m == nil {
		return
	}
	m.sends.WithLabelValues(channel, result).Inc()
}

// TurnsCounter is the turn count of one outcome. It, HandoffsCounter and SendsCounter
// expose single series for tests and dashboards.
func (m *Metrics) TurnsCounter(outcome string) prometheus.Counter {
	return m.turns.WithLabelValues(outcome)
}

// HandoffsCounter is the handoff count of one reason.
func (m *Metrics) HandoffsCounter(reason string) prometheus.Counter {
	return m.handoffs.WithLabelValues(reason)
}

// SendsCounter is the delivery count of one channel and result.
func (m *Metrics) SendsCounter(channel, result string) prometheus.Counter {
	return m.sends.WithLabelValues(channel, result)
}
