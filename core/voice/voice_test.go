package voice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/core/voice"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

func requireTools(t testing.TB) {
	t.Helper()
	for _, n := range []string{"ffmpeg", "espeak-ng"} {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required in CI: %v", n, err)
			}
			t.Skipf("%s not installed: %v", n, err)
		}
	}
}

// encode runs ffmpeg with input args, writing format with codec args.
func encode(t testing.TB, in []byte, input []string, output ...string) []byte {
	t.Helper()
	args := append([]string{"-hide_banner", "-loglevel", "error"}, input...)
	args = append(append(args, output...), "pipe:1")
	cmd := exec.Command("ffmpeg", args...)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	return out
}

func tone(t testing.TB, d time.Duration, output ...string) []byte {
	return encode(t, nil, []string{"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:sample_rate=16000:duration=%.1f", d.Seconds())}, output...)
}

var opusOut = []string{"-ac", "1", "-c:a", "libopus", "-b:a", "16k", "-f", "ogg"}

func TestDuration(t *testing.T) {
	t.Parallel()
	requireTools(t)
	tests := []struct {
		name string
		data []byte
		want time.Duration
	}{
		{"ogg opus", tone(t, 10*time.Second, opusOut...), 10 * time.Second},
		{"ogg vorbis", tone(t, 3*time.Second, "-ac", "1", "-c:a", "libvorbis", "-f", "ogg"), 3 * time.Second},
		{"wav", tone(t, 2*time.Second, "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav"), 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := voice.Duration(tc.data)
			require.True(t, ok)
			assert.InDelta(t, tc.want.Seconds(), d.Seconds(), 0.05)
		})
	}
	for name, data := range map[string][]byte{"mp3 is not read": tone(t, time.Second, "-f", "mp3"), "garbage": []byte("OggS but nothing else"), "empty": nil} {
		t.Run(name, func(t *testing.T) {
			_, ok := voice.Duration(data)
			assert.False(t, ok)
		})
	}
}

type fetcher struct {
	data []byte
	err  error
}

func (f fetcher) FetchMedia(_ context.Context, _ string, media conversation.Media, maxBytes int64) (channel.FetchMediaResponse, error) {
	if f.err != nil {
		return channel.FetchMediaResponse{}, f.err
	}
	return channel.FetchMediaResponse{Data: f.data, MIME: media.MIME}, nil
}

// recognizer stands in for the STT plugin's host client (the plugins have their own tests;
// core/app drives the real binaries end to end).
type recognizer struct {
	resp  speech.TranscribeResponse
	err   error
	calls atomic.Int32
}

func (r *recognizer) Transcribe(_ context.Context, req speech.TranscribeRequest) (speech.TranscribeResponse, error) {
	r.calls.Add(1)
	if len(req.Audio) == 0 {
		return speech.TranscribeResponse{}, plugin.ErrInvalidRequest
	}
	return r.resp, r.err
}

func TestTranscribe(t *testing.T) {
	t.Parallel()
	requireTools(t)
	short := tone(t, 5*time.Second, opusOut...)
	long := tone(t, 200*time.Second, opusOut...)
	mp3 := tone(t, 5*time.Second, "-f", "mp3")
	media := conversation.Media{ID: "m1", MIME: "audio/ogg; codecs=opus", Voice: true}
	ok := speech.TranscribeResponse{Text: " para cuatro ", Confidence: 0.9, Duration: 5 * time.Second, Language: "es-AR"}
	tests := []struct {
		name      string
		fetch     fetcher
		stt       *recognizer
		media     conversation.Media
		wantErr   error
		wantCalls int32
		wantText  string
	}{
		{"transcribed", fetcher{data: short}, &recognizer{resp: ok}, media, nil, 1, "para cuatro"},
		{"too long by its container", fetcher{data: long}, &recognizer{resp: ok}, media, conversation.ErrVoiceTooLong, 0, ""},
		{"too long as the recognizer tells", fetcher{data: mp3}, &recognizer{resp: speech.TranscribeResponse{Text: "x", Duration: 4 * time.Minute}}, media, conversation.ErrVoiceTooLong, 1, ""},
		{"too large as announced", fetcher{data: short}, &recognizer{resp: ok}, conversation.Media{ID: "m", Size: 20 << 20}, conversation.ErrVoiceTooLong, 0, ""},
		{"too large for the channel", fetcher{err: fmt.Errorf("%w: over max bytes", plugin.ErrInvalidRequest)}, &recognizer{resp: ok}, media, conversation.ErrVoiceTooLong, 0, ""},
		{"channel restarting", fetcher{err: pluginhost.ErrPluginDown}, &recognizer{resp: ok}, media, conversation.ErrRetryLater, 0, ""},
		{"media gone", fetcher{err: plugin.ErrNotFound}, &recognizer{resp: ok}, media, plugin.ErrNotFound, 0, ""},
		{"recognizer busy", fetcher{data: short}, &recognizer{err: fmt.Errorf("%w: %w", pluginhost.ErrBusy, plugin.ErrRateLimited)}, media, conversation.ErrRetryLater, 1, ""},
		{"recognizer down", fetcher{data: short}, &recognizer{err: pluginhost.ErrPluginDown}, media, conversation.ErrRetryLater, 1, ""},
		{"recognizer refuses the audio", fetcher{data: short}, &recognizer{err: plugin.ErrInvalidRequest}, media, plugin.ErrInvalidRequest, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := voice.New(voice.Options{STT: tc.stt, Fetcher: tc.fetch, MaxDuration: 3 * time.Minute})
			tr, err := s.Transcribe(context.Background(), "wa", tc.media, "es-AR")
			assert.Equal(t, tc.wantCalls, tc.stt.calls.Load(), "recognizer calls")
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantText, tr.Text)
			assert.InDelta(t, 0.9, tr.Confidence, 1e-9)
			assert.InDelta(t, 5, tr.AudioDuration.Seconds(), 0.05)
			assert.Equal(t, "es-AR", tr.Language)
		})
	}
	t.Run("no recognizer configured", func(t *testing.T) {
		_, err := voice.New(voice.Options{Fetcher: fetcher{data: short}}).Transcribe(context.Background(), "wa", media, "")
		require.ErrorIs(t, err, voice.ErrNoRecognizer)
		require.NotErrorIs(t, err, conversation.ErrRetryLater)
	})
}

type synthesizer struct {
	audio []byte
	err   error
	mu    sync.Mutex
	texts []string
}

func (s *synthesizer) Synthesize(_ context.Context, req speech.SynthesizeRequest) (speech.SynthesizeResponse, error) {
	s.mu.Lock()
	s.texts = append(s.texts, req.Text)
	s.mu.Unlock()
	return speech.SynthesizeResponse{Audio: s.audio, MIME: req.MIME}, s.err
}

type channels map[string]bool

func (c channels) PlaysVoiceNotes(name string) bool { return c[name] }

func TestSpeakPolicy(t *testing.T) {
	t.Parallel()
	plays := channels{"wa": true}
	tests := []struct {
		name    string
		replies string
		channel string
		spoke   bool
		voice   bool
	}{
		{"when spoken, guest spoke", voice.RepliesWhenSpoken, "wa", true, true},
		{"when spoken, guest wrote", voice.RepliesWhenSpoken, "wa", false, false},
		{"always", voice.RepliesAlways, "wa", false, true},
		{"never", voice.RepliesNever, "wa", true, false},
		{"channel without voice notes", voice.RepliesAlways, "web", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tts := &synthesizer{audio: []byte("OggS...")}
			s := voice.New(voice.Options{TTS: tts, Channels: plays, Replies: tc.replies})
			a, err := s.Speak(context.Background(), tc.channel, "es-AR", "Hola", tc.spoke)
			require.NoError(t, err)
			if !tc.voice {
				assert.Nil(t, a)
				assert.Empty(t, tts.texts, "nothing synthesized")
				return
			}
			require.NotNil(t, a)
			assert.True(t, a.Voice)
			assert.Equal(t, voice.VoiceNoteMIME, a.MIME)
			assert.Equal(t, []string{"Hola"}, tts.texts)
		})
	}
	t.Run("no speech plugin", func(t *testing.T) {
		a, err := voice.New(voice.Options{Channels: plays, Replies: voice.RepliesAlways}).Speak(context.Background(), "wa", "es", "Hola", true)
		require.NoError(t, err)
		assert.Nil(t, a)
	})
	t.Run("too large for a voice note", func(t *testing.T) {
		s := voice.New(voice.Options{TTS: &synthesizer{audio: make([]byte, voice.MaxVoiceNoteBytes+1)}, Channels: plays})
		_, err := s.Speak(context.Background(), "wa", "es", "Hola", true)
		require.Error(t, err)
	})
	t.Run("engine failure", func(t *testing.T) {
		s := voice.New(voice.Options{TTS: &synthesizer{err: errors.New("espeak-ng: no voice")}, Channels: plays})
		_, err := s.Speak(context.Background(), "wa", "es", "Hola", true)
		require.Error(t, err)
	})
}

// BenchmarkVoiceStepOverhead is the core's own work on a 10-second voice note: taking the
// fetched bytes, reading the note's length from its container and the bookkeeping around
// the recognizer, whose time is excluded (it answers at once here).
func BenchmarkVoiceStepOverhead(b *testing.B) {
	requireTools(b)
	note := tone(b, 10*time.Second, opusOut...)
	s := voice.New(voice.Options{
		STT:     &recognizer{resp: speech.TranscribeResponse{Text: "para cuatro", Confidence: 0.9, Duration: 10 * time.Second}},
		Fetcher: fetcher{data: note},
	})
	media := conversation.Media{ID: "m1", MIME: "audio/ogg; codecs=opus", Size: int64(len(note)), Voice: true}
	b.SetBytes(int64(len(note)))
	for b.Loop() {
		if _, err := s.Transcribe(context.Background(), "wa", media, "es-AR"); err != nil {
			b.Fatal(err)
		}
	}
}
