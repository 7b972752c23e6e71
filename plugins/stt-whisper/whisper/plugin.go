package whisper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"sync"
	"time"

	"github.com/conserje/conserje/plugins/internal/audio"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

// Version is the plugin's own version.
const Version = "1.0.0"

// Backends.
const (
	BackendOpenAI     = "openai"
	BackendWhisperCPP = "whispercpp"
	BackendCommand    = "command"
)

// Defaults of the settings.
const (
	DefaultOpenAIURL  = "https://api.openai.com/v1"
	DefaultModel      = "whisper-1"
	DefaultTimeout    = 120 * time.Second
	DefaultMaxSeconds = 600.0
)

const settingsSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["backend"],
  "properties": {
    "backend": {"enum": ["openai", "whispercpp", "command"], "description": "which engine transcribes"},
    "base_url": {"type": "string", "minLength": 1, "description": "openai: API root (default https://api.openai.com/v1; the request goes to {base_url}/audio/transcriptions); whispercpp: the server's root (the request goes to {base_url}/inference)"},
    "api_key": {"type": "string", "description": "openai: bearer token (empty for local servers without auth)", "writeOnly": true},
    "model": {"type": "string", "minLength": 1, "description": "openai: model name (default whisper-1)"},
    "command": {"type": "array", "minItems": 1, "items": {"type": "string"}, "description": "command: program and arguments, no shell; {wav}, {out} and {lang} are replaced"},
    "output_file": {"type": "string", "minLength": 1, "description": "command: read the result from this file (placeholders as in command) instead of stdout"},
    "text_confidence": {"type": "number", "minimum": 0, "maximum": 1, "description": "confidence reported when the engine gives no figures (plain text); default 0"},
    "language": {"type": "string", "description": "language hint when the request has none (BCP 47; empty: detect)"},
    "prompt": {"type": "string", "description": "vocabulary hint for whisper (unit names, seña, finde largo)"},
    "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600, "description": "bound of one transcription (default 120)"},
    "max_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 7200, "description": "only the first max_seconds of the audio are transcribed (default 600)"},
    "ffmpeg": {"type": "string", "minLength": 1, "description": "ffmpeg binary (default ffmpeg from PATH)"}
  },
  "additionalProperties": false
}`

// settings as decoded from the plugin's config entry.
type settings struct {
	Backend        string   `json:"backend"`
	BaseURL        string   `json:"base_url"`
	APIKey         string   `json:"api_key"`
	Model          string   `json:"model"`
	Command        []string `json:"command"`
	OutputFile     string   `json:"output_file"`
	TextConfidence float64  `json:"text_confidence"`
	Language       string   `json:"language"`
	Prompt         string   `json:"prompt"`
	TimeoutSeconds float64  `json:"timeout_seconds"`
	MaxSeconds     float64  `json:"max_seconds"`
	FFmpeg         string   `json:"ffmpeg"`
}

// backend transcribes 16 kHz mono WAV; lang is an ISO 639-1 code or "" to detect.
type backend interface {
	transcribe(ctx context.Context, wav []byte, lang string) (transcript, error)
}

// Plugin is the stt-whisper plugin. The zero value is not usable; call New.
type Plugin struct {
	client *http.Client

	mu       sync.RWMutex
	settings *settings
	backend  backend
}

var (
	_ speech.STTPlugin     = (*Plugin)(nil)
	_ plugin.HealthChecker = (*Plugin)(nil)
)

// New returns an unconfigured plugin.
func New() *Plugin {
	return &Plugin{client: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}}
}

// Describe says what the plugin is. The capabilities list the audio types it accepts
// (anything ffmpeg decodes; these are the ones channels send).
func (p *Plugin) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{
		Kind:    plugin.KindSTT,
		Name:    "stt-whisper",
		Version: Version,
		Capabilities: []string{"audio/ogg", "audio/opus", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr",
			"audio/wav", "audio/webm", "audio/flac"},
		SettingsSchema: json.RawMessage(settingsSchema),
	}, nil
}

// Configure checks and applies the settings. It never dials the backend (Health and
// Transcribe do), so a backend that is down at boot does not keep the plugin down.
func (p *Plugin) Configure(_ context.Context, req plugin.ConfigureRequest) error {
	st, err := decodeSettings(req.Settings)
	if err != nil {
		return err
	}
	var b backend
	switch st.Backend {
	case BackendOpenAI:
		if st.BaseURL == "" {
			st.BaseURL = DefaultOpenAIURL
		}
		if st.Model == "" {
			st.Model = DefaultModel
		}
		b = &openAI{client: p.client, url: trimSlash(st.BaseURL) + "/audio/transcriptions", key: st.APIKey, model: st.Model, prompt: st.Prompt}
	case BackendWhisperCPP:
		if st.BaseURL == "" {
			return fmt.Errorf("%w: backend whispercpp needs base_url (the whisper.cpp server, e.g. http://127.0.0.1:8080)", plugin.ErrInvalidSettings)
		}
		b = &whisperCPP{client: p.client, url: trimSlash(st.BaseURL) + "/inference", prompt: st.Prompt}
	case BackendCommand:
		if len(st.Command) == 0 || st.Command[0] == "" {
			return fmt.Errorf("%w: backend command needs command (program and arguments)", plugin.ErrInvalidSettings)
		}
		b = &command{argv: st.Command, outputFile: st.OutputFile}
	default:
		return fmt.Errorf("%w: backend must be openai, whispercpp or command, got %q", plugin.ErrInvalidSettings, st.Backend)
	}
	p.mu.Lock()
	p.settings, p.backend = st, b
	p.mu.Unlock()
	return nil
}

func decodeSettings(raw map[string]any) (*settings, error) {
	body, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", plugin.ErrInvalidSettings, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	st := &settings{}
	if err := dec.Decode(st); err != nil {
		return nil, fmt.Errorf("%w: %w", plugin.ErrInvalidSettings, err)
	}
	if st.TextConfidence < 0 || st.TextConfidence > 1 {
		return nil, fmt.Errorf("%w: text_confidence must be in [0, 1]", plugin.ErrInvalidSettings)
	}
	if st.TimeoutSeconds < 0 || st.MaxSeconds < 0 {
		return nil, fmt.Errorf("%w: timeout_seconds and max_seconds must be positive", plugin.ErrInvalidSettings)
	}
	if st.TimeoutSeconds == 0 {
		st.TimeoutSeconds = DefaultTimeout.Seconds()
	}
	if st.MaxSeconds == 0 {
		st.MaxSeconds = DefaultMaxSeconds
	}
	return st, nil
}

// Stop closes idle connections.
func (p *Plugin) Stop(context.Context) error {
	p.client.CloseIdleConnections()
	return nil
}

// Health reports a missing ffmpeg or command binary; it does not call the backend (a
// paid API is not pinged every 10 s).
func (p *Plugin) Health(context.Context) error {
	st, b := p.current()
	if st == nil {
		return nil // not configured yet: nothing to check
	}
	if err := (audio.FFmpeg{Path: st.FFmpeg}).Check(); err != nil {
		return fmt.Errorf("%w: %w", plugin.ErrUnavailable, err)
	}
	if c, ok := b.(*command); ok {
		if _, err := exec.LookPath(c.argv[0]); err != nil {
			return fmt.Errorf("%w: command %s: %w", plugin.ErrUnavailable, c.argv[0], err)
		}
	}
	return nil
}

func (p *Plugin) current() (*settings, backend) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.settings, p.backend
}

// Transcribe converts the audio to 16 kHz mono WAV and has the backend transcribe it.
func (p *Plugin) Transcribe(ctx context.Context, req speech.TranscribeRequest) (speech.TranscribeResponse, error) {
	if len(req.Audio) == 0 {
		return speech.TranscribeResponse{}, fmt.Errorf("%w: no audio", plugin.ErrInvalidRequest)
	}
	st, b := p.current()
	if st == nil {
		return speech.TranscribeResponse{}, plugin.ErrNotConfigured
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(st.TimeoutSeconds*float64(time.Second)))
	defer cancel()
	wav, err := audio.FFmpeg{Path: st.FFmpeg}.ToWAV(ctx, req.Audio, audio.RecognizerRate, st.MaxSeconds)
	if err != nil {
		if errors.Is(err, audio.ErrUndecodable) {
			return speech.TranscribeResponse{}, fmt.Errorf("%w: %s: %w", plugin.ErrInvalidRequest, req.MIME, err)
		}
		return speech.TranscribeResponse{}, err
	}
	info, err := audio.ParseWAV(wav)
	if err != nil {
		return speech.TranscribeResponse{}, fmt.Errorf("ffmpeg output: %w", err)
	}
	hint := req.Language
	if hint == "" {
		hint = st.Language
	}
	tr, err := b.transcribe(ctx, wav, primary(hint))
	if err != nil {
		return speech.TranscribeResponse{}, err
	}
	conf := tr.Confidence
	if !tr.Scored {
		conf = st.TextConfidence
	}
	if tr.Text == "" {
		conf = 0
	}
	return speech.TranscribeResponse{
		Text:       tr.Text,
		Confidence: clamp(conf),
		Duration:   info.Duration(),
		Language:   recognized(tr.Language, hint),
	}, nil
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
