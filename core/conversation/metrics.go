package conversation

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Turn outcomes, the outcome label of conserje_conversation_turns_total.
const (
	OutcomeAnswered = "answered" // the bot understood and answered
	OutcomeFallback = "fallback" // the bot did not understand (the "no te entendí" line)
	OutcomeHandoff  = "handoff"  // the turn handed the conversation to a person
	OutcomeHeld     = "held"     // staff have the conversation: the bot kept quiet
	OutcomeFailed   = "failed"   // the turn could not complete; it is retried
)

// Modalities, the modality label: what the guest sent.
const (
	ModalityText  = "text"
	ModalityAudio = "audio"
)

// responseBuckets reach a minute: a voice note through a slow transcription, or a reply
// waiting in the outbox behind a provider's rate limit, still lands in a bucket.
var responseBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2, 5, 10, 20, 30, 60}

// Metrics count what conversations do, for /metrics. Labels stay low-cardinality: the
// channel (a configured channel name), the modality, the dialog's intent names and the
// outcome. A nil *Metrics records nothing.
type Metrics struct {
	turns    *prometheus.CounterVec
	latency  prometheus.Histogram
	response *prometheus.HistogramVec
	started  *prometheus.CounterVec
	handoffs *prometheus.CounterVec
	sends    *prometheus.CounterVec
	delivery *prometheus.HistogramVec
}

// NewMetrics registers the conversation metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_conversation_turns_total",
			Help: "Guest messages handled, by channel, modality, intent and outcome (answered, fallback, handoff, held, failed).",
		}, []string{"channel", "modality", "intent", "outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "conserje_conversation_turn_seconds",
			Help:    "Time to understand a message and run the dialog (the engine alone, before the commit).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		response: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "conserje_response_seconds",
			Help:    "Time from a guest message's arrival to its reply accepted by the channel, by channel and modality.",
			Buckets: responseBuckets,
		}, []string{"channel", "modality"}),
		started: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_conversations_started_total",
			Help: "Conversations started (a guest's first message), by channel.",
		}, []string{"channel"}),
		handoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_conversation_handoffs_total",
			Help: "Conversations handed to a person, by reason.",
		}, []string{"reason"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_outbox_sends_total",
			Help: "Outbox delivery attempts by channel, result (sent, retry, dead) and error class (none when sent).",
		}, []string{"channel", "result", "class"}),
		delivery: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "conserje_outbox_delivery_seconds",
			Help:    "Time from a reply's commit to the channel accepting it, by channel.",
			Buckets: responseBuckets,
		}, []string{"channel"}),
	}
	for _, c := range []prometheus.Collector{m.turns, m.latency, m.response, m.started, m.handoffs, m.sends, m.delivery} {
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

// turn records one guest message; seconds < 0 means the engine did not run.
func (m *Metrics) turn(channel, modality, intent, outcome string, seconds float64) {
	if m == nil {
		return
	}
	if intent == "" {
		intent = "none"
	}
	m.turns.WithLabelValues(channel, modality, intent, outcome).Inc()
	if seconds >= 0 {
		m.latency.Observe(seconds)
	}
}

func (m *Metrics) conversationStarted(channel string) {
	if m == nil {
		return
	}
	m.started.WithLabelValues(channel).Inc()
}

// responded records a reply accepted by its channel, arrived being the guest message's
// arrival; replies the bot starts (no arrival) are not responses.
func (m *Metrics) responded(channel, modality string, arrived, accepted time.Time) {
	if m == nil || arrived.IsZero() {
		return
	}
	if modality == "" {
		modality = ModalityText
	}
	m.response.WithLabelValues(channel, modality).Observe(max(accepted.Sub(arrived).Seconds(), 0))
}

func (m *Metrics) handoff(reason string) {
	if m == nil {
		return
	}
	m.handoffs.WithLabelValues(reason).Inc()
}

func (m *Metrics) send(channel, result, class string, queued, now time.Time) {
	if m == nil {
		return
	}
	if class == "" {
		class = "none"
	}
	m.sends.WithLabelValues(channel, result, class).Inc()
	if result == "sent" && !queued.IsZero() {
		m.delivery.WithLabelValues(channel).Observe(max(now.Sub(queued).Seconds(), 0))
	}
}

// TurnsCounter is the turn count of one channel, modality, intent and outcome. It and the
// other accessors expose single series for tests and dashboards.
func (m *Metrics) TurnsCounter(channel, modality, intent, outcome string) prometheus.Counter {
	return m.turns.WithLabelValues(channel, modality, intent, outcome)
}

// HandoffsCounter is the handoff count of one reason.
func (m *Metrics) HandoffsCounter(reason string) prometheus.Counter {
	return m.handoffs.WithLabelValues(reason)
}

// SendsCounter is the delivery count of one channel, result and error class.
func (m *Metrics) SendsCounter(channel, result, class string) prometheus.Counter {
	return m.sends.WithLabelValues(channel, result, class)
}

// StartedCounter is the count of conversations started on one channel.
func (m *Metrics) StartedCounter(channel string) prometheus.Counter {
	return m.started.WithLabelValues(channel)
}
