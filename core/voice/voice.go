package voice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

// Reply policies (config speech.voice_replies).
const (
	RepliesNever      = "never"
	RepliesWhenSpoken = "when_spoken"
	RepliesAlways     = "always"
)

// VoiceNoteMIME is what WhatsApp shows as a voice note.
const VoiceNoteMIME = "audio/ogg; codecs=opus"

// MaxVoiceNoteBytes is the largest voice note WhatsApp shows as one (512 KB, read as the
// smaller 512 000); a larger synthesis goes as text only.
const MaxVoiceNoteBytes = 512000

// Fetcher downloads an inbound message's media from the channel that received it
// (*channel.Webhooks).
type Fetcher interface {
	FetchMedia(ctx context.Context, channelName string, media conversation.Media, maxBytes int64) (channel.FetchMediaResponse, error)
}

// Channels says which channels play voice notes (from their capabilities).
type Channels interface {
	PlaysVoiceNotes(channelName string) bool
}

// Options configure a Service.
type Options struct {
	// STT transcribes; nil: voice notes are answered by asking the guest to write.
	STT speech.Transcriber
	// TTS speaks replies; nil: replies go as text only.
	TTS      speech.Synthesizer
	Fetcher  Fetcher
	Channels Channels
	// MaxDuration: longer notes are not transcribed (3 min).
	MaxDuration time.Duration
	// MaxMediaBytes caps the download (16 MiB).
	MaxMediaBytes int64
	// Replies is the voice reply policy (RepliesWhenSpoken).
	Replies string
	Metrics *Metrics
	Logger  *slog.Logger
}

// Service is the voice step.
type Service struct {
	opts Options
	log  *slog.Logger
}

var _ conversation.Voice = (*Service)(nil)

// ErrNoRecognizer means no speech-to-text plugin is configured.
var ErrNoRecognizer = errors.New("voice: no speech-to-text plugin configured (speech.stt_plugin)")

// New returns the voice step.
func New(opts Options) *Service {
	if opts.MaxDuration <= 0 {
		opts.MaxDuration = 3 * time.Minute
	}
	if opts.MaxMediaBytes <= 0 {
		opts.MaxMediaBytes = 16 << 20
	}
	if opts.Replies == "" {
		opts.Replies = RepliesWhenSpoken
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{opts: opts, log: log}
}

// Transcribe implements conversation.Voice.
func (s *Service) Transcribe(ctx context.Context, channelName string, media conversation.Media, language string) (conversation.Transcript, error) {
	start := time.Now()
	tr, outcome, err := s.transcribe(ctx, channelName, media, language)
	tr.Took = time.Since(start)
	s.opts.Metrics.note(outcome, tr.Took.Seconds())
	if err == nil {
		s.opts.Metrics.transcribed(tr.Confidence, tr.AudioDuration.Seconds())
	}
	return tr, err
}

func (s *Service) transcribe(ctx context.Context, channelName string, media conversation.Media, language string) (conversation.Transcript, string, error) {
	var tr conversation.Transcript
	if s.opts.STT == nil || s.opts.Fetcher == nil {
		return tr, conversation.VoiceFailed, ErrNoRecognizer
	}
	if media.Size > s.opts.MaxMediaBytes {
		return tr, conversation.VoiceTooLong, fmt.Errorf("%w: %d bytes (max %d)", conversation.ErrVoiceTooLong, media.Size, s.opts.MaxMediaBytes)
	}
	got, err := s.opts.Fetcher.FetchMedia(ctx, channelName, media, s.opts.MaxMediaBytes)
	switch {
	case err == nil:
	case errors.Is(err, plugin.ErrInvalidRequest) && !errors.Is(err, plugin.ErrNotFound):
		// The channel refuses media past MaxBytes with ErrInvalidRequest.
		return tr, conversation.VoiceTooLong, fmt.Errorf("%w: %w", conversation.ErrVoiceTooLong, err)
	case transient(err):
		return tr, "retry", fmt.Errorf("fetch voice note: %w: %w", conversation.ErrRetryLater, err)
	default:
		return tr, conversation.VoiceFailed, fmt.Errorf("fetch voice note: %w", err)
	}
	if int64(len(got.Data)) > s.opts.MaxMediaBytes {
		return tr, conversation.VoiceTooLong, fmt.Errorf("%w: %d bytes (max %d)", conversation.ErrVoiceTooLong, len(got.Data), s.opts.MaxMediaBytes)
	}
	if d, ok := Duration(got.Data); ok {
		tr.AudioDuration = d
		if d > s.opts.MaxDuration {
			return tr, conversation.VoiceTooLong, fmt.Errorf("%w: %s (max %s)", conversation.ErrVoiceTooLong, d.Round(time.Second), s.opts.MaxDuration)
		}
	}
	mime := got.MIME
	if mime == "" {
		mime = media.MIME
	}
	resp, err := s.opts.STT.Transcribe(ctx, speech.TranscribeRequest{Audio: got.Data, MIME: mime, Language: language})
	switch {
	case err == nil:
	case transient(err):
		return tr, "retry", fmt.Errorf("transcribe voice note: %w: %w", conversation.ErrRetryLater, err)
	default:
		return tr, conversation.VoiceFailed, fmt.Errorf("transcribe voice note: %w", err)
	}
	if tr.AudioDuration == 0 {
		tr.AudioDuration = resp.Duration
		if resp.Duration > s.opts.MaxDuration {
			// A format whose length only the recognizer could tell.
			return tr, conversation.VoiceTooLong, fmt.Errorf("%w: %s (max %s)", conversation.ErrVoiceTooLong, resp.Duration.Round(time.Second), s.opts.MaxDuration)
		}
	}
	tr.Text, tr.Confidence, tr.Language = strings.TrimSpace(resp.Text), resp.Confidence, resp.Language
	return tr, conversation.VoiceTranscribed, nil
}

// transient errors are worth another try shortly: the plugin is restarting or at its
// max_concurrency, or its upstream is down or rate limiting.
func transient(err error) bool {
	return errors.Is(err, pluginhost.ErrPluginDown) || errors.Is(err, plugin.ErrRateLimited) || errors.Is(err, plugin.ErrUnavailable)
}

// Speak implements conversation.Voice: a voice note saying text when the policy, the
// channel and a speech plugin allow it.
func (s *Service) Speak(ctx context.Context, channelName, language, text string, spoke bool) (*conversation.Audio, error) {
	switch {
	case s.opts.TTS == nil || s.opts.Replies == RepliesNever:
		return nil, nil
	case s.opts.Replies == RepliesWhenSpoken && !spoke:
		return nil, nil
	case s.opts.Channels == nil || !s.opts.Channels.PlaysVoiceNotes(channelName):
		return nil, nil
	}
	start := time.Now()
	resp, err := s.opts.TTS.Synthesize(ctx, speech.SynthesizeRequest{Text: text, Language: language, MIME: VoiceNoteMIME})
	if err == nil && len(resp.Audio) > MaxVoiceNoteBytes {
		err = fmt.Errorf("voice note of %d bytes is over WhatsApp's %d", len(resp.Audio), MaxVoiceNoteBytes)
	}
	if err != nil {
		s.opts.Metrics.synthesized("failed", time.Since(start).Seconds())
		return nil, fmt.Errorf("synthesize voice reply: %w", err)
	}
	s.opts.Metrics.synthesized("ok", time.Since(start).Seconds())
	mime := resp.MIME
	if mime == "" {
		mime = VoiceNoteMIME
	}
	return &conversation.Audio{MIME: mime, Data: resp.Audio, Voice: true}, nil
}
