package voice

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the voice step's Prometheus collectors. The response time split by
// modality (text or audio) is conversation's conserje_response_seconds.
type Metrics struct {
	notes      *prometheus.CounterVec
	transcribe *prometheus.HistogramVec
	confidence prometheus.Histogram
	length     prometheus.Histogram
	synthesize *prometheus.HistogramVec
}

// NewMetrics registers the collectors on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		notes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conserje_voice_notes_total",
			Help: "Inbound voice notes by outcome: transcribed, too_long, failed, retry (recognizer busy or down).",
		}, []string{"outcome"}),
		transcribe: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "conserje_voice_transcription_seconds",
			Help:    "Time to fetch and transcribe a voice note, by outcome.",
			Buckets: []float64{.1, .25, .5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120},
		}, []string{"outcome"}),
		confidence: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "conserje_voice_transcription_confidence",
			Help:    "Confidence of voice note transcriptions (0-1); below the dialog's min_speech_confidence the guest is asked to write.",
			Buckets: []float64{.1, .2, .3, .4, .5, .6, .7, .8, .9, .95, 1},
		}),
		length: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "conserje_voice_note_duration_seconds",
			Help:    "Length of inbound voice notes whose length could be read.",
			Buckets: []float64{2, 5, 10, 20, 30, 60, 90, 120, 180, 300},
		}),
		synthesize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "conserje_voice_synthesis_seconds",
			Help:    "Time to synthesize a voice reply, by outcome (ok, failed).",
			Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30},
		}, []string{"outcome"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.notes, m.transcribe, m.confidence, m.length, m.synthesize} {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if errors.As(err, &already) {
				return nil, fmt.Errorf("voice metrics already registered: %w", err)
			}
			return nil, fmt.Errorf("register voice metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) note(outcome string, seconds float64) {
	if m == nil {
		return
	}
	m.notes.WithLabelValues(outcome).Inc()
	if seconds >= 0 {
		m.transcribe.WithLabelValues(outcome).Observe(seconds)
	}
}

func (m *Metrics) transcribed(confidence, audioSeconds float64) {
	if m == nil {
		return
	}
	m.confidence.Observe(confidence)
	if audioSeconds > 0 {
		m.length.Observe(audioSeconds)
	}
}

func (m *Metrics) synthesized(outcome string, seconds float64) {
	if m == nil {
		return
	}
	m.synthesize.WithLabelValues(outcome).Observe(seconds)
}
