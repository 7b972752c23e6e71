package speech

import (
	"context"
	"time"

	"github.com/conserje/conserje/sdk/plugin"
)

// Transcriber turns audio into text. Implementations must be safe for concurrent use.
type Transcriber interface {
	Transcribe(ctx context.Context, req TranscribeRequest) (TranscribeResponse, error)
}

// STTPlugin is what a speech-to-text plugin implements and what the host's client offers.
type STTPlugin interface {
	plugin.Lifecycle
	Transcriber
}

// Synthesizer turns text into audio. Implementations must be safe for concurrent use.
type Synthesizer interface {
	Synthesize(ctx context.Context, req SynthesizeRequest) (SynthesizeResponse, error)
}

// TTSPlugin is what a text-to-speech plugin implements and what the host's client offers.
type TTSPlugin interface {
	plugin.Lifecycle
	Synthesizer
}

// TranscribeRequest is audio to transcribe.
type TranscribeRequest struct {
	Audio []byte
	// MIME is the type of Audio, e.g. "audio/ogg; codecs=opus": the core passes the
	// channel's original bytes and the plugin converts what its engine needs (ffmpeg).
	MIME string
	// Language is a BCP 47 tag, e.g. "es-AR"; empty lets the plugin detect it.
	Language string
}

// TranscribeResponse is the transcription.
type TranscribeResponse struct {
	Text string
	// Confidence is in [0, 1]; 0 when the engine gives none.
	Confidence float64
	// Duration is the audio's length.
	Duration time.Duration
	// Language is the language recognized (or the one asked).
	Language string
}

// SynthesizeRequest is text to speak.
type SynthesizeRequest struct {
	Text string
	// Voice is an engine-specific voice name; empty means the plugin's default.
	Voice string
	// Language is a BCP 47 tag, e.g. "es-AR".
	Language string
	// MIME is the wanted output type; empty means "audio/ogg; codecs=opus" (what
	// WhatsApp plays as a voice note).
	MIME string
}

// SynthesizeResponse is the audio.
type SynthesizeResponse struct {
	Audio    []byte
	MIME     string
	Duration time.Duration
}
