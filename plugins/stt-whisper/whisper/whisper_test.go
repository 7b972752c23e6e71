package whisper_test

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/internal/audio"
	"github.com/conserje/conserje/plugins/internal/audio/audiotest"
	"github.com/conserje/conserje/plugins/stt-whisper/whisper"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/plugintest"
	"github.com/conserje/conserje/sdk/speech"
)

var (
	noteOnce sync.Mutex
	noteData []byte
)

// note is a Spanish voice note as WhatsApp sends it (OGG/Opus), made once per run.
func note(t *testing.T) []byte {
	t.Helper()
	audiotest.Require(t, "ffmpeg", "espeak-ng")
	noteOnce.Lock()
	defer noteOnce.Unlock()
	if noteData == nil {
		noteData = audiotest.VoiceNote(t, "Hola, para cuatro del cinco al ocho de enero.", "es-419")
	}
	return noteData
}

var (
	wavOnce sync.Mutex
	wavData []byte
)

// recognizerWAV is the voice note already at 16 kHz mono: the plugin sends it as it is,
// which keeps the tests that are about the backend from running ffmpeg each time.
func recognizerWAV(t *testing.T) []byte {
	t.Helper()
	n := note(t)
	wavOnce.Lock()
	defer wavOnce.Unlock()
	if wavData == nil {
		w, err := audio.FFmpeg{}.ToWAV(context.Background(), n, audio.RecognizerRate, 0)
		require.NoError(t, err)
		wavData = w
	}
	return wavData
}

// received is what a fake transcription server saw.
type received struct {
	path    string
	auth    string
	fields  map[string]string
	fileCT  string
	wav     audio.WAVInfo
	wavErr  error
	fileLen int
}

// fakeServer answers every POST with answer (status 200 unless given), recording the
// multipart request.
func fakeServer(t *testing.T, status int, answer string) (*httptest.Server, chan received) {
	t.Helper()
	got := make(chan received, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := received{path: r.URL.Path, auth: r.Header.Get("Authorization"), fields: map[string]string{}}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<20)
		if err := r.ParseMultipartForm(8 << 20); err != nil { //nolint:gosec // a test fake; the body is bounded by MaxBytesReader above
			http.Error(w, "not multipart: "+err.Error(), http.StatusBadRequest)
			return
		}
		for k, v := range r.MultipartForm.Value {
			rec.fields[k] = strings.Join(v, ",")
		}
		if fh := r.MultipartForm.File["file"]; len(fh) == 1 {
			rec.fileCT = fh[0].Header.Get("Content-Type")
			f, err := fh[0].Open()
			if err == nil {
				b, _ := io.ReadAll(f)
				_ = f.Close()
				rec.fileLen = len(b)
				rec.wav, rec.wavErr = audio.ParseWAV(b)
			}
		}
		got <- rec
		w.Header().Set("Content-Type", "application/json")
		if status != 0 {
			w.WriteHeader(status)
		}
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func configured(t *testing.T, settings map[string]any) *whisper.Plugin {
	t.Helper()
	p := whisper.New()
	require.NoError(t, p.Configure(context.Background(), plugin.ConfigureRequest{Instance: "stt", Settings: settings}))
	return p
}

func assertRecognizerWAV(t *testing.T, rec received) {
	t.Helper()
	require.NoError(t, rec.wavErr, "the file part must be a WAV")
	assert.Equal(t, "audio/wav", rec.fileCT)
	assert.Equal(t, 16000, rec.wav.SampleRate)
	assert.Equal(t, 1, rec.wav.Channels)
	assert.Equal(t, 16, rec.wav.BitsPerSample)
	assert.Equal(t, 1, rec.wav.Format, "integer PCM")
}

const openAIAnswer = `{"task":"transcribe","language":"spanish","duration":3.1,
 "text":"Hola, para cuatro del cinco al ocho de enero.",
 "segments":[{"id":0,"seek":0,"start":0.0,"end":1.0,"text":" Hola,","tokens":[1],"temperature":0.0,
   "avg_logprob":-0.05,"compression_ratio":1.0,"no_speech_prob":0.01},
  {"id":1,"seek":0,"start":1.0,"end":3.0,"text":" para cuatro del cinco al ocho de enero.","tokens":[2],"temperature":0.0,
   "avg_logprob":-0.2,"compression_ratio":1.0,"no_speech_prob":0.02}]}`

func TestOpenAIBackend(t *testing.T) {
	t.Parallel()
	audioNote := note(t)
	srv, got := fakeServer(t, 0, openAIAnswer)
	p := configured(t, map[string]any{"backend": "openai", "base_url": srv.URL + "/v1/", "api_key": "sk-test", "prompt": "seña, finde largo"})

	r, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audioNote, MIME: "audio/ogg; codecs=opus", Language: "es-AR"})
	require.NoError(t, err)
	rec := <-got
	assert.Equal(t, "/v1/audio/transcriptions", rec.path)
	assert.Equal(t, "Bearer sk-test", rec.auth)
	assert.Equal(t, map[string]string{
		"model": "whisper-1", "response_format": "verbose_json", "timestamp_granularities[]": "segment",
		"temperature": "0", "language": "es", "prompt": "seña, finde largo",
	}, rec.fields)
	assertRecognizerWAV(t, rec)

	assert.Equal(t, "Hola, para cuatro del cinco al ocho de enero.", r.Text)
	want := (1*math.Exp(-0.05)*0.99 + 2*math.Exp(-0.2)*0.98) / 3
	assert.InDelta(t, want, r.Confidence, 1e-6)
	assert.Equal(t, "es-AR", r.Language)
	assert.Equal(t, rec.wav.Duration(), r.Duration, "duration is the converted audio's length")
	assert.Greater(t, r.Duration, time.Second)

	t.Run("gpt-4o models are asked for json with logprobs", func(t *testing.T) {
		srv, got := fakeServer(t, 0, `{"text":"hola","logprobs":[{"token":"hola","logprob":-0.1}]}`)
		p := configured(t, map[string]any{"backend": "openai", "base_url": srv.URL, "model": "gpt-4o-mini-transcribe"})
		r, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audioNote, MIME: "audio/ogg"})
		require.NoError(t, err)
		rec := <-got
		assert.Equal(t, "json", rec.fields["response_format"])
		assert.Equal(t, "logprobs", rec.fields["include[]"])
		assert.NotContains(t, rec.fields, "language", "no hint: the model detects it")
		assert.Empty(t, rec.auth, "no api_key: no Authorization header")
		assert.InDelta(t, math.Exp(-0.1), r.Confidence, 1e-6)
	})
}

func TestWhisperCPPBackend(t *testing.T) {
	t.Parallel()
	audioNote := note(t)
	// whisper.cpp's verbose_json: words with probabilities; no_speech_prob only in newer servers.
	answer := `{"task":"transcribe","language":"spanish","duration":3.0,"text":" Hola, para cuatro.",
	 "segments":[{"id":0,"text":" Hola, para cuatro.","start":0.0,"end":2.5,"tokens":[1,2,3],
	 "words":[{"word":" Hola","start":0,"end":1,"probability":0.9},{"word":" para","start":1,"end":2,"probability":0.8}],
	 "temperature":0.0,"avg_logprob":-0.15,"no_speech_prob":0.05}]}`
	srv, got := fakeServer(t, 0, answer)
	p := configured(t, map[string]any{"backend": "whispercpp", "base_url": srv.URL})
	r, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audioNote, MIME: "audio/ogg"})
	require.NoError(t, err)
	rec := <-got
	assert.Equal(t, "/inference", rec.path)
	assert.Equal(t, map[string]string{"response_format": "verbose_json", "temperature": "0", "language": "auto"}, rec.fields)
	assertRecognizerWAV(t, rec)
	assert.Equal(t, "Hola, para cuatro.", r.Text)
	assert.InDelta(t, math.Exp(-0.15)*0.95, r.Confidence, 1e-6)
	assert.Equal(t, "es", r.Language, "detected, no hint")

	t.Run("error answered with HTTP 200", func(t *testing.T) {
		srv, _ := fakeServer(t, 0, `{"error":"failed to process audio"}`)
		p := configured(t, map[string]any{"backend": "whispercpp", "base_url": srv.URL})
		_, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audioNote, MIME: "audio/ogg"})
		require.ErrorIs(t, err, plugin.ErrUnavailable)
		assert.Contains(t, err.Error(), "failed to process audio")
	})
}

func TestHTTPErrors(t *testing.T) {
	t.Parallel()
	audioNote := recognizerWAV(t)
	tests := []struct {
		status int
		want   error
	}{
		{http.StatusUnauthorized, plugin.ErrPermissionDenied},
		{http.StatusTooManyRequests, plugin.ErrRateLimited},
		{http.StatusBadRequest, plugin.ErrInvalidRequest},
		{http.StatusInternalServerError, plugin.ErrUnavailable},
		{http.StatusNotFound, plugin.ErrUnavailable},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv, _ := fakeServer(t, tc.status, `{"error":{"message":"nope","type":"invalid_request_error"}}`)
			p := configured(t, map[string]any{"backend": "openai", "base_url": srv.URL})
			_, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audioNote, MIME: "audio/ogg"})
			require.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), "nope")
		})
	}
	t.Run("server down", func(t *testing.T) {
		srv, _ := fakeServer(t, 0, "")
		srv.Close()
		p := configured(t, map[string]any{"backend": "openai", "base_url": srv.URL})
		_, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audioNote, MIME: "audio/ogg"})
		require.ErrorIs(t, err, plugin.ErrUnavailable)
	})
	t.Run("undecodable audio is an invalid request", func(t *testing.T) {
		srv, got := fakeServer(t, 0, openAIAnswer)
		p := configured(t, map[string]any{"backend": "openai", "base_url": srv.URL})
		_, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: []byte("not audio"), MIME: "audio/ogg"})
		require.ErrorIs(t, err, plugin.ErrInvalidRequest)
		assert.Empty(t, got, "nothing reaches the backend")
	})
}

// TestCommandPocketsphinx runs a real recognizer end to end: Debian's pocketsphinx with
// its US English model, restricted by a small grammar (espeak's voice is far from the
// model's training speech), on an English voice note.
func TestCommandPocketsphinx(t *testing.T) {
	t.Parallel()
	audiotest.Require(t, "ffmpeg", "espeak-ng", "pocketsphinx_continuous")
	englishNote := audiotest.VoiceNote(t, "I want a room for four people", "en-us")
	grammar := filepath.Join(t.TempDir(), "booking.gram")
	require.NoError(t, os.WriteFile(grammar, []byte(`#JSGF V1.0;
grammar booking;
public <request> = i want <what> [please];
<what> = a room for <n> people | to book a house | to pay the deposit | to talk to a person;
<n> = two | three | four | five;
`), 0o600))
	p := configured(t, map[string]any{
		"backend":         "command",
		"command":         []any{"pocketsphinx_continuous", "-infile", "{wav}", "-jsgf", grammar, "-logfn", "/dev/null"},
		"text_confidence": 0.7,
	})
	require.NoError(t, p.Health(context.Background()))
	r, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: englishNote, MIME: "audio/ogg; codecs=opus", Language: "en"})
	require.NoError(t, err)
	assert.Equal(t, "i want a room for four people", r.Text)
	assert.InDelta(t, 0.7, r.Confidence, 1e-9, "plain text: the configured confidence")
	assert.Equal(t, "en", r.Language)
	assert.Greater(t, r.Duration, time.Second)
}

func TestCommandOutputs(t *testing.T) {
	t.Parallel()
	audioNote := recognizerWAV(t)
	dir := t.TempDir()
	cliJSON := filepath.Join(dir, "cli.json")
	require.NoError(t, os.WriteFile(cliJSON, []byte(`{"result":{"language":"es"},"transcription":[
		{"offsets":{"from":0,"to":1000},"text":" hola","tokens":[{"text":" hola","p":0.81}]}]}`), 0o600))

	t.Run("whisper.cpp CLI writing an output file", func(t *testing.T) {
		// Stands in for: whisper-cli -m model.bin -l {lang} -f {wav} -ojf -of {out}
		p := configured(t, map[string]any{
			"backend": "command", "command": []any{"cp", cliJSON, "{out}.json"}, "output_file": "{out}.json",
		})
		r, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audioNote, MIME: "audio/ogg", Language: "es-AR"})
		require.NoError(t, err)
		assert.Equal(t, "hola", r.Text)
		assert.InDelta(t, 0.81, r.Confidence, 1e-9)
		assert.Equal(t, "es-AR", r.Language)
	})
	t.Run("placeholders are replaced", func(t *testing.T) {
		p := configured(t, map[string]any{"backend": "command", "command": []any{"echo", "lang={lang}", "wav={wav}"}, "text_confidence": 1})
		r, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audioNote, MIME: "audio/ogg", Language: "pt-BR"})
		require.NoError(t, err)
		assert.Contains(t, r.Text, "lang=pt wav=/")
		assert.Contains(t, r.Text, "audio.wav")
	})
	t.Run("failing command", func(t *testing.T) {
		p := configured(t, map[string]any{"backend": "command", "command": []any{"sh", "-c", "echo model missing >&2; exit 3"}})
		_, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audioNote, MIME: "audio/ogg"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "model missing")
	})
	t.Run("missing program is unhealthy", func(t *testing.T) {
		p := configured(t, map[string]any{"backend": "command", "command": []any{"/nonexistent/whisper-cli"}})
		require.ErrorIs(t, p.Health(context.Background()), plugin.ErrUnavailable)
	})
	t.Run("empty transcript has no confidence", func(t *testing.T) {
		p := configured(t, map[string]any{"backend": "command", "command": []any{"true"}, "text_confidence": 0.9})
		r, err := p.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audioNote, MIME: "audio/ogg"})
		require.NoError(t, err)
		assert.Empty(t, r.Text)
		assert.Zero(t, r.Confidence)
	})
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		settings map[string]any
		ok       bool
	}{
		{"openai defaults", map[string]any{"backend": "openai"}, true},
		{"whispercpp without url", map[string]any{"backend": "whispercpp"}, false},
		{"command without command", map[string]any{"backend": "command"}, false},
		{"unknown backend", map[string]any{"backend": "vosk"}, false},
		{"no backend", map[string]any{}, false},
		{"unknown setting", map[string]any{"backend": "openai", "temperature": 0.2}, false},
		{"confidence out of range", map[string]any{"backend": "openai", "text_confidence": 2.0}, false},
		{"wrong type", map[string]any{"backend": "command", "command": "whisper-cli -f {wav}"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := whisper.New().Configure(context.Background(), plugin.ConfigureRequest{Settings: tc.settings})
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, plugin.ErrInvalidSettings)
		})
	}
	t.Run("transcribe before configure", func(t *testing.T) {
		_, err := whisper.New().Transcribe(context.Background(), speech.TranscribeRequest{Audio: []byte{1}, MIME: "audio/ogg"})
		require.ErrorIs(t, err, plugin.ErrNotConfigured)
	})
}

func TestConformance(t *testing.T) {
	t.Parallel()
	audioNote := note(t)
	srv, _ := fakeServer(t, 0, openAIAnswer)
	plugintest.RunSTTConformance(t, whisper.New(),
		plugintest.WithSettings(map[string]any{"backend": "openai", "base_url": srv.URL, "api_key": "sk-test"}),
		plugintest.WithAudio(audioNote, "audio/ogg; codecs=opus"))
}
