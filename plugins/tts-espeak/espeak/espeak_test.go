package espeak_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/internal/audio"
	"github.com/conserje/conserje/plugins/internal/audio/audiotest"
	"github.com/conserje/conserje/plugins/tts-espeak/espeak"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/plugintest"
	"github.com/conserje/conserje/sdk/speech"
)

// reply300 is a 300-character reply like the bot's offers.
const reply300 = "Tenemos la Casa del Lago libre del 5 al 8 de enero para cuatro personas. " +
	"Son tres noches a 180.000 pesos cada una, 540.000 en total, con limpieza incluida. " +
	"Para reservarla te pido una seña del treinta por ciento. ¿Querés que te la guarde " +
	"mientras pagás? La reserva queda en espera media hora, sin compromiso."

func configured(t testing.TB, settings map[string]any) *espeak.Plugin {
	t.Helper()
	audiotest.Require(t, "ffmpeg", "espeak-ng")
	p := espeak.New()
	require.NoError(t, p.Configure(context.Background(), plugin.ConfigureRequest{Instance: "tts", Settings: settings}))
	return p
}

// opusChannels reads the channel count of an OGG/Opus stream's OpusHead.
func opusChannels(t *testing.T, ogg []byte) int {
	t.Helper()
	require.Equal(t, "OggS", string(ogg[:4]), "an OGG stream")
	i := bytes.Index(ogg, []byte("OpusHead"))
	require.GreaterOrEqual(t, i, 0, "an Opus stream")
	return int(ogg[i+9])
}

func decodedDuration(t *testing.T, data []byte) time.Duration {
	t.Helper()
	wav, err := audio.FFmpeg{}.ToWAV(context.Background(), data, 16000, 0)
	require.NoError(t, err)
	info, err := audio.ParseWAV(wav)
	require.NoError(t, err)
	return info.Duration()
}

func TestSynthesizeVoiceNote(t *testing.T) {
	t.Parallel()
	p := configured(t, nil)
	r, err := p.Synthesize(context.Background(), speech.SynthesizeRequest{Text: reply300, Language: "es-AR"})
	require.NoError(t, err)
	assert.Equal(t, espeak.MIMEOpus, r.MIME)
	assert.Equal(t, 1, opusChannels(t, r.Audio), "mono")
	assert.LessOrEqual(t, len(r.Audio), espeak.DefaultMaxBytes)
	assert.Greater(t, r.Duration, 10*time.Second, "300 characters take a while to say")
	assert.InDelta(t, r.Duration.Seconds(), decodedDuration(t, r.Audio).Seconds(), 0.2, "the reported duration is the audio's")
	t.Logf("300 characters: %d bytes of OGG/Opus, %s", len(r.Audio), r.Duration)

	t.Run("repeated text comes from the cache", func(t *testing.T) {
		again, err := p.Synthesize(context.Background(), speech.SynthesizeRequest{Text: reply300, Language: "es-AR"})
		require.NoError(t, err)
		assert.Equal(t, r, again)
	})
	t.Run("WAV on request", func(t *testing.T) {
		w, err := p.Synthesize(context.Background(), speech.SynthesizeRequest{Text: "Hola.", Language: "es-AR", MIME: "audio/wav"})
		require.NoError(t, err)
		assert.Equal(t, espeak.MIMEWAV, w.MIME)
		info, err := audio.ParseWAV(w.Audio)
		require.NoError(t, err)
		assert.Equal(t, w.Duration, info.Duration())
	})
	t.Run("other formats are unsupported", func(t *testing.T) {
		_, err := p.Synthesize(context.Background(), speech.SynthesizeRequest{Text: "Hola.", MIME: "audio/mpeg"})
		require.ErrorIs(t, err, plugin.ErrUnsupported)
	})
	t.Run("nothing speakable", func(t *testing.T) {
		_, err := p.Synthesize(context.Background(), speech.SynthesizeRequest{Text: "https://mpago.la/x 🎉"})
		require.ErrorIs(t, err, plugin.ErrInvalidRequest)
	})
	for _, lang := range []string{"en", "pt-BR"} {
		t.Run("language "+lang, func(t *testing.T) {
			r, err := p.Synthesize(context.Background(), speech.SynthesizeRequest{Text: "Thank you, obrigado.", Language: lang})
			require.NoError(t, err)
			assert.Positive(t, r.Duration)
		})
	}
	t.Run("unknown voice fails clearly", func(t *testing.T) {
		_, err := p.Synthesize(context.Background(), speech.SynthesizeRequest{Text: "Hola.", Voice: "no-such-voice"})
		require.ErrorIs(t, err, plugin.ErrInvalidRequest)
		assert.Contains(t, err.Error(), "no-such-voice")
	})
}

func TestLongTextsAreShortenedOrRefused(t *testing.T) {
	t.Parallel()
	// At 24 kb/s, 20 000 bytes hold about six seconds of speech.
	p := configured(t, map[string]any{"max_bytes": 20000, "cache_entries": 0})
	r, err := p.Synthesize(context.Background(), speech.SynthesizeRequest{Text: reply300, Language: "es-AR"})
	require.NoError(t, err)
	assert.LessOrEqual(t, len(r.Audio), 20000)
	assert.Less(t, r.Duration, 7*time.Second)
	assert.Greater(t, r.Duration, time.Second, "the first sentence is said")

	_, err = p.Synthesize(context.Background(), speech.SynthesizeRequest{
		Text: strings.Repeat("una frase larguísima sin ningún punto ", 12), Language: "es-AR"})
	require.ErrorIs(t, err, plugin.ErrInvalidRequest)

	short := configured(t, map[string]any{"max_chars": 80})
	r, err = short.Synthesize(context.Background(), speech.SynthesizeRequest{Text: reply300, Language: "es-AR"})
	require.NoError(t, err)
	assert.Less(t, r.Duration, 8*time.Second, "cut to the first sentence before speaking (the whole reply takes over 20 s)")
}

func TestCommandBackend(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	// Stands in for e.g. piper --model voice.onnx --output_file {out}, reading stdin.
	p := configured(t, map[string]any{
		"backend": "command",
		"command": []any{"sh", "-c", `echo run >> "$1"; espeak-ng -v {voice} -w {out} -f {text_file}`, "sh", runs},
	})
	req := speech.SynthesizeRequest{Text: "Hola, ¿cómo estás?", Language: "es-AR"}
	r, err := p.Synthesize(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, 1, opusChannels(t, r.Audio))
	assert.Positive(t, r.Duration)
	_, err = p.Synthesize(context.Background(), req)
	require.NoError(t, err)
	count, err := os.ReadFile(runs)
	require.NoError(t, err)
	assert.Equal(t, "run\n", string(count), "the repeated text is served from the cache")

	t.Run("failing command", func(t *testing.T) {
		p := configured(t, map[string]any{"backend": "command", "command": []any{"sh", "-c", "echo no model >&2; exit 1"}})
		_, err := p.Synthesize(context.Background(), req)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no model")
	})
	t.Run("stdout audio in another format is converted", func(t *testing.T) {
		// An engine printing raw OGG on stdout.
		ogg := filepath.Join(dir, "x.ogg")
		require.NoError(t, os.WriteFile(ogg, audiotest.VoiceNote(t, "hola", "es-419"), 0o600))
		p := configured(t, map[string]any{"backend": "command", "command": []any{"cat", ogg}})
		r, err := p.Synthesize(context.Background(), speech.SynthesizeRequest{Text: "hola", Language: "es"})
		require.NoError(t, err)
		assert.Positive(t, r.Duration)
	})
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		settings map[string]any
		ok       bool
	}{
		{"defaults", nil, true},
		{"voices and rate", map[string]any{"voices": map[string]any{"es-AR": "es-419+f3"}, "rate": 150.0, "pitch": 40.0}, true},
		{"command without command", map[string]any{"backend": "command"}, false},
		{"unknown backend", map[string]any{"backend": "festival"}, false},
		{"rate too slow", map[string]any{"rate": 20.0}, false},
		{"bitrate out of range", map[string]any{"bitrate_kbps": 512.0}, false},
		{"max_bytes too small", map[string]any{"max_bytes": 100.0}, false},
		{"unknown setting", map[string]any{"speed": 1.2}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := espeak.New().Configure(context.Background(), plugin.ConfigureRequest{Settings: tc.settings})
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, plugin.ErrInvalidSettings)
		})
	}
	t.Run("missing binaries are unhealthy", func(t *testing.T) {
		p := espeak.New()
		require.NoError(t, p.Configure(context.Background(), plugin.ConfigureRequest{Settings: map[string]any{"espeak": "/nonexistent/espeak-ng"}}))
		require.ErrorIs(t, p.Health(context.Background()), plugin.ErrUnavailable)
	})
}

func TestConformance(t *testing.T) {
	t.Parallel()
	audiotest.Require(t, "ffmpeg", "espeak-ng")
	plugintest.RunTTSConformance(t, espeak.New(), plugintest.WithSettings(map[string]any{"rate": 170.0}))
}

// BenchmarkSynthesize300 is the time to say a 300-character reply as a voice note
// (espeak-ng and ffmpeg, no cache).
func BenchmarkSynthesize300(b *testing.B) {
	p := configured(b, map[string]any{"cache_entries": 0})
	var size int
	for b.Loop() {
		r, err := p.Synthesize(context.Background(), speech.SynthesizeRequest{Text: reply300, Language: "es-AR"})
		if err != nil {
			b.Fatal(err)
		}
		size = len(r.Audio)
	}
	b.ReportMetric(float64(size), "bytes/note")
}
