package espeak

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/conserje/conserje/plugins/internal/audio"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

// Version is the plugin's own version.
const Version = "1.0.0"

// Output types.
const (
	MIMEOpus = "audio/ogg; codecs=opus"
	MIMEWAV  = "audio/wav"
)

// Defaults of the settings.
const (
	DefaultRate        = 165
	DefaultPitch       = 50
	DefaultBitrateKbps = 24
	// DefaultMaxBytes is WhatsApp's voice-note bound (512 KB, read as the smaller 512 000).
	DefaultMaxBytes     = 512000
	DefaultMaxChars     = 1500
	DefaultCacheEntries = 64
	DefaultTimeout      = 30 * time.Second
)

// DefaultVoices are espeak-ng voices by primary language subtag (Latin-American Spanish,
// US English, Brazilian Portuguese); settings.voices overrides or adds.
var DefaultVoices = map[string]string{"es": "es-419", "en": "en-us", "pt": "pt-br"}

const settingsSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "backend": {"enum": ["espeak", "command"], "description": "espeak (default) or a command line such as piper"},
    "voices": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}, "description": "voice by language: BCP 47 tag or primary subtag → voice name (defaults es: es-419, en: en-us, pt: pt-br)"},
    "rate": {"type": "integer", "minimum": 80, "maximum": 450, "description": "espeak-ng words per minute (default 165)"},
    "pitch": {"type": "integer", "minimum": 0, "maximum": 99, "description": "espeak-ng pitch (default 50)"},
    "bitrate_kbps": {"type": "integer", "minimum": 6, "maximum": 128, "description": "Opus bitrate (default 24)"},
    "max_bytes": {"type": "integer", "minimum": 8000, "maximum": 16000000, "description": "largest audio returned (default 512000, WhatsApp's voice-note bound)"},
    "max_chars": {"type": "integer", "minimum": 20, "maximum": 20000, "description": "longer texts are cut to their first sentences before speaking (default 1500)"},
    "cache_entries": {"type": "integer", "minimum": 0, "maximum": 10000, "description": "results kept for repeated texts (default 64; 0 disables)"},
    "command": {"type": "array", "minItems": 1, "items": {"type": "string"}, "description": "command backend: program and arguments, no shell; the text comes on stdin and in {text_file}; {out}, {lang} and {voice} are replaced; it writes audio to {out}, or to stdout when {out} is not used"},
    "espeak": {"type": "string", "minLength": 1, "description": "espeak-ng binary (default espeak-ng from PATH)"},
    "ffmpeg": {"type": "string", "minLength": 1, "description": "ffmpeg binary (default ffmpeg from PATH)"},
    "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 600, "description": "bound of one synthesis (default 30)"}
  },
  "additionalProperties": false
}`

type settings struct {
	Backend        string            `json:"backend"`
	Voices         map[string]string `json:"voices"`
	Rate           int               `json:"rate"`
	Pitch          *int              `json:"pitch"`
	BitrateKbps    int               `json:"bitrate_kbps"`
	MaxBytes       int               `json:"max_bytes"`
	MaxChars       int               `json:"max_chars"`
	CacheEntries   *int              `json:"cache_entries"`
	Command        []string          `json:"command"`
	Espeak         string            `json:"espeak"`
	FFmpeg         string            `json:"ffmpeg"`
	TimeoutSeconds float64           `json:"timeout_seconds"`
}

func defaults() *settings {
	pitch, entries := DefaultPitch, DefaultCacheEntries
	return &settings{Backend: "espeak", Voices: copyVoices(DefaultVoices), Rate: DefaultRate, Pitch: &pitch,
		BitrateKbps: DefaultBitrateKbps, MaxBytes: DefaultMaxBytes, MaxChars: DefaultMaxChars, CacheEntries: &entries,
		Espeak: "espeak-ng", FFmpeg: "ffmpeg", TimeoutSeconds: DefaultTimeout.Seconds()}
}

// Plugin is the tts-espeak plugin. The zero value is not usable; call New.
type Plugin struct {
	mu       sync.RWMutex
	settings *settings
	cache    *lru
}

var (
	_ speech.TTSPlugin     = (*Plugin)(nil)
	_ plugin.HealthChecker = (*Plugin)(nil)
)

// New returns a plugin with the default settings (espeak-ng, es-419); Configure may
// change them.
func New() *Plugin {
	st := defaults()
	return &Plugin{settings: st, cache: newLRU(*st.CacheEntries)}
}

// Describe says what the plugin is.
func (p *Plugin) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{
		Kind:           plugin.KindTTS,
		Name:           "tts-espeak",
		Version:        Version,
		Capabilities:   []string{MIMEOpus, MIMEWAV},
		SettingsSchema: json.RawMessage(settingsSchema),
	}, nil
}

// Configure applies the settings over the defaults and empties the cache.
func (p *Plugin) Configure(_ context.Context, req plugin.ConfigureRequest) error {
	st := defaults()
	body, err := json.Marshal(req.Settings)
	if err != nil {
		return fmt.Errorf("%w: %w", plugin.ErrInvalidSettings, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	voices := st.Voices
	st.Voices = nil
	if err := dec.Decode(st); err != nil {
		return fmt.Errorf("%w: %w", plugin.ErrInvalidSettings, err)
	}
	for k, v := range st.Voices {
		voices[strings.ToLower(k)] = v
	}
	st.Voices = voices
	switch {
	case st.Backend != "espeak" && st.Backend != "command":
		return fmt.Errorf("%w: backend must be espeak or command, got %q", plugin.ErrInvalidSettings, st.Backend)
	case st.Backend == "command" && (len(st.Command) == 0 || st.Command[0] == ""):
		return fmt.Errorf("%w: backend command needs command (program and arguments)", plugin.ErrInvalidSettings)
	case st.Rate < 80 || st.Rate > 450:
		return fmt.Errorf("%w: rate must be in [80, 450] words per minute", plugin.ErrInvalidSettings)
	case *st.Pitch < 0 || *st.Pitch > 99:
		return fmt.Errorf("%w: pitch must be in [0, 99]", plugin.ErrInvalidSettings)
	case st.BitrateKbps < 6 || st.BitrateKbps > 128:
		return fmt.Errorf("%w: bitrate_kbps must be in [6, 128]", plugin.ErrInvalidSettings)
	case st.MaxBytes < 8000:
		return fmt.Errorf("%w: max_bytes must be at least 8000", plugin.ErrInvalidSettings)
	case st.MaxChars < 20:
		return fmt.Errorf("%w: max_chars must be at least 20", plugin.ErrInvalidSettings)
	case *st.CacheEntries < 0:
		return fmt.Errorf("%w: cache_entries must not be negative", plugin.ErrInvalidSettings)
	case st.TimeoutSeconds <= 0:
		return fmt.Errorf("%w: timeout_seconds must be positive", plugin.ErrInvalidSettings)
	}
	p.mu.Lock()
	p.settings, p.cache = st, newLRU(*st.CacheEntries)
	p.mu.Unlock()
	return nil
}

// Stop has nothing to release.
func (p *Plugin) Stop(context.Context) error { return nil }

// Health reports a missing espeak-ng, command or ffmpeg binary.
func (p *Plugin) Health(context.Context) error {
	st, _ := p.current()
	if err := (audio.FFmpeg{Path: st.FFmpeg}).Check(); err != nil {
		return fmt.Errorf("%w: %w", plugin.ErrUnavailable, err)
	}
	bin := st.Espeak
	if st.Backend == "command" {
		bin = st.Command[0]
	}
	if _, err := exec.LookPath(bin); err != nil {
		return fmt.Errorf("%w: %s: %w", plugin.ErrUnavailable, bin, err)
	}
	return nil
}

func (p *Plugin) current() (*settings, *lru) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.settings, p.cache
}

// Synthesize speaks the text as OGG/Opus (or WAV when asked), within max_bytes.
func (p *Plugin) Synthesize(ctx context.Context, req speech.SynthesizeRequest) (speech.SynthesizeResponse, error) {
	st, cache := p.current()
	mime := MIMEOpus
	switch m := strings.ToLower(strings.ReplaceAll(req.MIME, " ", "")); {
	case m == "" || strings.HasPrefix(m, "audio/ogg") || m == "audio/opus":
	case m == "audio/wav" || m == "audio/x-wav" || m == "audio/wave":
		mime = MIMEWAV
	default:
		return speech.SynthesizeResponse{}, fmt.Errorf("%w: output %q (this plugin makes %s or %s)", plugin.ErrUnsupported, req.MIME, MIMEOpus, MIMEWAV)
	}
	text := speakable(req.Text)
	if text == "" {
		return speech.SynthesizeResponse{}, fmt.Errorf("%w: no text to speak", plugin.ErrInvalidRequest)
	}
	voice := req.Voice
	if voice == "" {
		voice = voiceFor(st.Voices, req.Language)
	}
	key := cacheKey(st, voice, req.Language, mime, text)
	if r, ok := cache.get(key); ok {
		return r, nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(st.TimeoutSeconds*float64(time.Second)))
	defer cancel()
	r, err := p.fit(ctx, st, text, voice, req.Language, mime)
	if err != nil {
		return speech.SynthesizeResponse{}, err
	}
	cache.put(key, r)
	return r, nil
}

// maxAttempts bounds how many times a text is shortened and spoken again.
const maxAttempts = 3

// fit speaks text, shortening it to its first sentences until the audio fits max_bytes.
func (p *Plugin) fit(ctx context.Context, st *settings, text, voice, lang, mime string) (speech.SynthesizeResponse, error) {
	spoken := firstSentences(text, st.MaxChars)
	if spoken == "" {
		return speech.SynthesizeResponse{}, fmt.Errorf("%w: the first sentence is longer than max_chars (%d)", plugin.ErrInvalidRequest, st.MaxChars)
	}
	for attempt := 1; ; attempt++ {
		wav, err := p.speak(ctx, st, spoken, voice, lang)
		if err != nil {
			return speech.SynthesizeResponse{}, err
		}
		info, err := audio.ParseWAV(wav)
		if err != nil {
			return speech.SynthesizeResponse{}, fmt.Errorf("speech engine output: %w", err)
		}
		out := wav
		if mime == MIMEOpus {
			if out, err = (audio.FFmpeg{Path: st.FFmpeg}).ToOpus(ctx, wav, st.BitrateKbps); err != nil {
				return speech.SynthesizeResponse{}, fmt.Errorf("encode voice note: %w", err)
			}
		}
		if len(out) <= st.MaxBytes {
			return speech.SynthesizeResponse{Audio: out, MIME: mime, Duration: info.Duration()}, nil
		}
		// Keep the share of the text that fits, with a margin, at a sentence boundary.
		budget := int(float64(len([]rune(spoken))) * float64(st.MaxBytes) / float64(len(out)) * 0.9)
		shorter := firstSentences(spoken, budget)
		if shorter == "" || shorter == spoken || attempt == maxAttempts {
			return speech.SynthesizeResponse{}, fmt.Errorf("%w: speech of %d characters takes %d bytes, over max_bytes %d even at its first sentence",
				plugin.ErrInvalidRequest, len([]rune(spoken)), len(out), st.MaxBytes)
		}
		spoken = shorter
	}
}

// speak runs the engine and returns its audio (WAV for espeak-ng; whatever the command
// writes, converted to WAV when it is something else).
func (p *Plugin) speak(ctx context.Context, st *settings, text, voice, lang string) ([]byte, error) {
	if st.Backend == "command" {
		out, err := runCommand(ctx, st.Command, text, voice, lang)
		if err != nil {
			return nil, err
		}
		if _, err := audio.ParseWAV(out); err == nil {
			return out, nil
		}
		wav, err := audio.FFmpeg{Path: st.FFmpeg}.ToWAV(ctx, out, 22050, 0)
		if err != nil {
			return nil, fmt.Errorf("speech command output: %w", err)
		}
		return wav, nil
	}
	if err := knownVoice(ctx, st.Espeak, voice); err != nil {
		return nil, err
	}
	args := []string{"-v", voice, "-s", strconv.Itoa(st.Rate), "-p", strconv.Itoa(*st.Pitch), "-b", "1", "--stdin", "--stdout"}
	cmd := exec.CommandContext(ctx, st.Espeak, args...) //nolint:gosec // the configured espeak-ng binary; the text goes on stdin
	cmd.Stdin = strings.NewReader(text)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("espeak-ng: %w", ctx.Err())
		}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return nil, fmt.Errorf("espeak-ng voice %q: %s", voice, strings.TrimSpace(stderr.String()))
		}
		return nil, fmt.Errorf("%w: run espeak-ng: %w", plugin.ErrUnavailable, err)
	}
	if stdout.Len() == 0 {
		return nil, fmt.Errorf("espeak-ng voice %q produced no audio: %s", voice, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// voiceFor picks the voice for a BCP 47 tag: the full tag, then its primary subtag, then
// the subtag itself (espeak-ng knows "fr", "de", "it"...); Spanish when none is given.
func voiceFor(voices map[string]string, lang string) string {
	lang = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(lang), "_", "-"))
	if lang == "" {
		lang = "es"
	}
	if v, ok := voices[lang]; ok {
		return v
	}
	prim := lang
	if i := strings.IndexByte(lang, '-'); i >= 0 {
		prim = lang[:i]
	}
	if v, ok := voices[prim]; ok {
		return v
	}
	return prim
}

func cacheKey(st *settings, voice, lang, mime, text string) string {
	h := sha256.New()
	for _, part := range []string{st.Backend, strings.Join(st.Command, "\x00"), voice, lang, mime, text,
		strconv.Itoa(st.Rate), strconv.Itoa(*st.Pitch), strconv.Itoa(st.BitrateKbps), strconv.Itoa(st.MaxBytes), strconv.Itoa(st.MaxChars)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func copyVoices(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
