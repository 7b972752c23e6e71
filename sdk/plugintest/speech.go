package plugintest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

// RunSTTConformance checks that impl honours the speech-to-text contract through the
// gRPC boundary: the lifecycle, refusing empty audio, and transcribing the WithAudio
// sample when one is given (unless WithoutUpstream).
func RunSTTConformance(t *testing.T, impl speech.STTPlugin, opts ...Option) {
	o := buildOptions(opts)
	raw := pair(t, plugin.KindSTT, impl)
	c, lc := raw.(speech.STTPlugin), raw.(lifecycleClient)
	runLifecycle(t, lc, plugin.KindSTT, o)

	t.Run("empty audio is invalid", func(t *testing.T) {
		_, err := c.Transcribe(o.ctx(t), speech.TranscribeRequest{MIME: "audio/wav", Language: "es-AR"})
		require.ErrorIs(t, err, plugin.ErrInvalidRequest)
	})
	if len(o.audio) > 0 && !o.noUpstream {
		t.Run("transcribe sample", func(t *testing.T) {
			r, err := c.Transcribe(o.ctx(t), speech.TranscribeRequest{Audio: o.audio, MIME: o.audioMIME, Language: "es-AR"})
			require.NoError(t, err)
			assert.NotEmpty(t, r.Text)
			assert.GreaterOrEqual(t, r.Confidence, 0.0)
			assert.LessOrEqual(t, r.Confidence, 1.0)
			assert.Positive(t, r.Duration)
		})
	}
	stopLast(t, lc, o)
}

// RunTTSConformance checks that impl honours the text-to-speech contract through the
// gRPC boundary: the lifecycle, refusing empty text, and (unless WithoutUpstream)
// synthesizing a sentence.
func RunTTSConformance(t *testing.T, impl speech.TTSPlugin, opts ...Option) {
	o := buildOptions(opts)
	raw := pair(t, plugin.KindTTS, impl)
	c, lc := raw.(speech.TTSPlugin), raw.(lifecycleClient)
	runLifecycle(t, lc, plugin.KindTTS, o)

	t.Run("empty text is invalid", func(t *testing.T) {
		_, err := c.Synthesize(o.ctx(t), speech.SynthesizeRequest{Language: "es-AR"})
		require.ErrorIs(t, err, plugin.ErrInvalidRequest)
	})
	if !o.noUpstream {
		t.Run("synthesize", func(t *testing.T) {
			r, err := c.Synthesize(o.ctx(t), speech.SynthesizeRequest{Text: "Hola, ¿cómo estás?", Language: "es-AR"})
			require.NoError(t, err)
			assert.NotEmpty(t, r.Audio)
			assert.NotEmpty(t, r.MIME)
		})
	}
	stopLast(t, lc, o)
}
