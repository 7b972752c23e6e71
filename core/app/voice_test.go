package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store/storetest"
)

// requireBinaries skips the test without the system audio tools, or fails under CI=true.
func requireBinaries(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required in CI (.ci/run installs it): %v", n, err)
			}
			t.Skipf("%s not installed: %v", n, err)
		}
	}
}

// voiceNote is text spoken by espeak-ng, encoded as WhatsApp does (OGG/Opus, mono).
func voiceNote(t *testing.T, text string) []byte {
	t.Helper()
	speak := exec.Command("espeak-ng", "-v", "es-419", "--stdin", "--stdout")
	speak.Stdin = strings.NewReader(text)
	wav, err := speak.Output()
	require.NoError(t, err)
	return opus(t, wav, "-i", "pipe:0")
}

// silence is a voice note of d silence (cheap to make at any length).
func silence(t *testing.T, d time.Duration) []byte {
	t.Helper()
	return opus(t, nil, "-f", "lavfi", "-i", fmt.Sprintf("anullsrc=r=16000:cl=mono:d=%.0f", d.Seconds()))
}

func opus(t *testing.T, in []byte, input ...string) []byte {
	t.Helper()
	args := append([]string{"-hide_banner", "-loglevel", "error"}, input...)
	args = append(args, "-ac", "1", "-c:a", "libopus", "-b:a", "16k", "-f", "ogg", "pipe:1")
	cmd := exec.Command("ffmpeg", args...)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	return out
}

// fakeWhisper answers the OpenAI transcription API with the transcript set by next.
type fakeWhisper struct {
	mu      sync.Mutex
	text    string
	logprob float64
	calls   int
}

func (f *fakeWhisper) next(text string, logprob float64) {
	f.mu.Lock()
	f.text, f.logprob = text, logprob
	f.mu.Unlock()
}

func (f *fakeWhisper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 32<<20)
	if r.URL.Path != "/v1/audio/transcriptions" || r.ParseMultipartForm(32<<20) != nil || r.FormValue("response_format") != "verbose_json" { //nolint:gosec // bounded above
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.calls++
	text, lp := f.text, f.logprob
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"task": "transcribe", "language": "spanish", "duration": 3.0, "text": text,
		"segments": []map[string]any{{"id": 0, "start": 0.0, "end": 3.0, "text": text, "avg_logprob": lp, "no_speech_prob": 0.01}},
	})
}

type sentItem struct {
	Text  string `json:"text"`
	MIME  string `json:"mime"`
	Bytes int    `json:"bytes"`
	OGG   bool   `json:"ogg"`
	Voice bool   `json:"voice"`
}

// TestVoiceNotesThroughServe drives voice notes through serve with real plugin binaries:
// a channel that plays voice notes, stt-whisper against a fake of the OpenAI API, and
// tts-espeak speaking the replies.
func TestVoiceNotesThroughServe(t *testing.T) {
	requireBinaries(t, "ffmpeg", "espeak-ng")
	channelBin := pluginBinary(t, "./testdata/voicechannel")
	sttBin := pluginBinary(t, "../../plugins/stt-whisper")
	ttsBin := pluginBinary(t, "../../plugins/tts-espeak")
	whisper := &fakeWhisper{}
	api := httptest.NewServer(whisper)
	t.Cleanup(api.Close)

	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.Speech.STTPlugin, cfg.Speech.TTSPlugin = "stt", "tts"
	cfg.Plugins = []config.Plugin{
		{Name: "wa", Path: channelBin, CallTimeout: 10 * time.Second, Settings: map[string]any{}},
		{Name: "stt", Path: sttBin, CallTimeout: 30 * time.Second, MaxConcurrency: 2,
			Settings: map[string]any{"backend": "openai", "base_url": api.URL + "/v1", "api_key": "sk-test"}},
		{Name: "tts", Path: ttsBin, CallTimeout: 30 * time.Second, Settings: map[string]any{}},
	}
	a, base := serveSeeded(t, cfg)

	post := func(id, from string, audio []byte) {
		body, _ := json.Marshal(map[string]string{"id": id, "from": from, "audio": base64.StdEncoding.EncodeToString(audio)})
		resp, err := http.Post(base+"/webhooks/wa", "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	}
	sentTo := func(to string, want int) []sentItem {
		var got struct {
			Sent []sentItem `json:"sent"`
		}
		require.Eventually(t, func() bool {
			resp, err := http.Get(base + "/webhooks/wa?to=" + to)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			return json.NewDecoder(resp.Body).Decode(&got) == nil && len(got.Sent) >= want
		}, 60*time.Second, 100*time.Millisecond, "replies to %s: %v", to, debugOutbox(t, a))
		return got.Sent
	}
	inbound := func(from string) (text string, content conversation.Content) {
		var row struct {
			Text    string `bun:"text"`
			Payload []byte `bun:"payload"`
		}
		require.NoError(t, a.DB.NewRaw(`SELECT m.text, m.payload FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE c.contact = ? AND m.direction = 'in'`, from).Scan(context.Background(), &row))
		content, err := conversation.DecodeContent(row.Payload)
		require.NoError(t, err)
		return row.Text, content
	}
	state := func(from string) string {
		var st string
		require.NoError(t, a.DB.NewRaw(`SELECT state FROM conversations WHERE contact = ?`, from).Scan(context.Background(), &st))
		return st
	}

	t.Run("a voice note gets the offer as text and as a voice note", func(t *testing.T) {
		whisper.next("Hola, para cuatro del cinco al ocho de enero.", -0.05)
		post("wamid.v1", "5493510000001", voiceNote(t, "Hola, para cuatro del cinco al ocho de enero."))
		sent := sentTo("5493510000001", 2)
		require.Len(t, sent, 2, "one voice note and one text")
		voice, text := sent[0], sent[1]
		assert.True(t, voice.OGG, "OGG/Opus")
		assert.True(t, voice.Voice, "shown as a voice note")
		assert.Equal(t, "audio/ogg; codecs=opus", voice.MIME)
		assert.Positive(t, voice.Bytes)
		assert.LessOrEqual(t, voice.Bytes, 512000)
		assert.Contains(t, text.Text, "Cabaña Robles", "the offer, readable")
		t.Logf("voice reply: %d bytes", voice.Bytes)

		transcript, content := inbound("5493510000001")
		assert.Equal(t, "Hola, para cuatro del cinco al ocho de enero.", transcript, "the transcript is the message's text")
		require.NotNil(t, content.Voice)
		assert.Equal(t, conversation.VoiceTranscribed, content.Voice.Outcome)
		assert.InDelta(t, 0.94, content.Voice.Confidence, 0.02)
		assert.Greater(t, content.Voice.AudioMS, int64(1000), "the note's length")
		assert.Positive(t, content.Voice.TranscribeMS)
		require.NotNil(t, content.SpeechConfidence)
		assert.Equal(t, "bot", state("5493510000001"))
	})
	t.Run("low confidence: ask to write and hand over", func(t *testing.T) {
		whisper.next("pa cua del ci al o", -2.5)
		post("wamid.v2", "5493510000002", voiceNote(t, "Hola, para cuatro del cinco al ocho de enero."))
		sent := sentTo("5493510000002", 2)
		last := sent[len(sent)-1]
		assert.Contains(t, last.Text, "no llegué a entender bien tu audio")
		assert.Contains(t, last.Text, "¿Me lo escribís?")
		assert.Equal(t, "escalated", state("5493510000002"), "a person takes over")
		_, content := inbound("5493510000002")
		assert.Less(t, content.Voice.Confidence, 0.6)
	})
	t.Run("a four-minute note: ask to write, no transcription", func(t *testing.T) {
		whisper.mu.Lock()
		before := whisper.calls
		whisper.mu.Unlock()
		post("wamid.v3", "5493510000003", silence(t, 4*time.Minute))
		// The answer may go as a voice note too (the guest spoke): wait for its text, which
		// the outbox may deliver a moment after the audio.
		said := ""
		for deadline := time.Now().Add(60 * time.Second); said == "" && time.Now().Before(deadline); {
			for _, s := range sentTo("5493510000003", 1) {
				if s.Text != "" {
					said = s.Text
				}
			}
			if said == "" {
				time.Sleep(100 * time.Millisecond)
			}
		}
		assert.Contains(t, said, "Es un poco largo para mí")
		whisper.mu.Lock()
		assert.Equal(t, before, whisper.calls, "the recognizer is not asked")
		whisper.mu.Unlock()
		_, content := inbound("5493510000003")
		require.NotNil(t, content.Voice)
		assert.Equal(t, conversation.VoiceTooLong, content.Voice.Outcome)
		assert.InDelta(t, 240000, content.Voice.AudioMS, 100)
		assert.Equal(t, "bot", state("5493510000003"))
	})
}
