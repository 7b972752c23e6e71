package conversation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conserje/conserje/core/store"
)

// Voice is the voice-note step (core/voice): it transcribes a guest's voice note and
// speaks replies. The Service works without one (voice notes are then answered by asking
// the guest to write).
type Voice interface {
	// Transcribe fetches the note from its channel and transcribes it; language is the
	// conversation's (a hint; "" lets the engine detect it). It returns ErrVoiceTooLong
	// (with the duration) for notes past the limit and an error wrapping ErrRetryLater
	// when the recognizer is busy or down.
	Transcribe(ctx context.Context, channel string, media Media, language string) (Transcript, error)
	// Speak returns the voice note to send with a turn's replies, or nil when none goes
	// (by policy, or the channel plays no audio, or no speech plugin); spoke says whether
	// the guest's message was a voice note.
	Speak(ctx context.Context, channel, language, text string, spoke bool) (*Audio, error)
}

// Transcript is a transcribed voice note.
type Transcript struct {
	Text       string
	Confidence float64
	Language   string
	// AudioDuration is the note's length (0 when unknown); Took is the time spent
	// fetching and transcribing it.
	AudioDuration time.Duration
	Took          time.Duration
}

var (
	// ErrVoiceTooLong means a voice note is longer than speech.max_duration (or larger
	// than speech.max_media_bytes): the guest is asked to write instead.
	ErrVoiceTooLong = errors.New("voice note too long")
	// ErrRetryLater means the turn could not run now (a busy or restarting speech
	// plugin); the message stays unanswered and is tried again shortly.
	ErrRetryLater = errors.New("retry later")
)

// Voice note outcomes, kept on the message (payload voice.outcome) and in metrics.
const (
	VoiceTranscribed = "transcribed"
	VoiceTooLong     = "too_long"
	VoiceFailed      = "failed"
)

// VoiceRetryWindow is how long a voice note waits for a busy or restarting recognizer
// before the guest is asked to write instead.
const VoiceRetryWindow = 2 * time.Minute

// VoiceInfo is what the voice step learned about an inbound voice note, stored in its
// payload beside the transcript (the message's text).
type VoiceInfo struct {
	Outcome    string  `json:"outcome"`
	Confidence float64 `json:"confidence,omitempty"`
	Language   string  `json:"language,omitempty"`
	// AudioMS is the note's length, TranscribeMS the time spent fetching and transcribing.
	AudioMS      int64  `json:"audio_ms,omitempty"`
	TranscribeMS int64  `json:"transcribe_ms,omitempty"`
	Error        string `json:"error,omitempty"`
}

// Dialog input kinds for voice notes the bot could not transcribe (core/dialog answers
// them with media_voz_largo and media_voz_error).
const (
	inputAudioTooLong = "audio_long"
	inputAudioFailed  = "audio_failed"
)

// listen transcribes an inbound voice note once and stores the result on the message
// (its text becomes the transcript). It returns the dialog input kind to run the turn as.
func (s *Service) listen(ctx context.Context, msg *store.Message, content *Content, language string) (string, error) {
	if v := content.Voice; v != nil {
		return voiceInputKind(v.Outcome), nil // transcribed before (a turn that failed later)
	}
	channelName := msg.Channel
	tr, err := s.opts.Voice.Transcribe(ctx, channelName, *content.Media, language)
	info := &VoiceInfo{AudioMS: tr.AudioDuration.Milliseconds(), TranscribeMS: tr.Took.Milliseconds()}
	switch {
	case err == nil:
		info.Outcome, info.Confidence, info.Language = VoiceTranscribed, tr.Confidence, tr.Language
		if strings.TrimSpace(tr.Text) == "" {
			// Nothing was heard: as unsure as a transcription gets.
			tr.Text, info.Confidence = "…", 0
		}
		msg.Text = strings.TrimSpace(tr.Text)
		conf := info.Confidence
		content.SpeechConfidence = &conf
	case errors.Is(err, ErrVoiceTooLong):
		info.Outcome = VoiceTooLong
	case errors.Is(err, ErrRetryLater) && s.now().Sub(msg.CreatedAt) < VoiceRetryWindow:
		return "", fmt.Errorf("voice note %d: %w", msg.ID, err)
	case ctx.Err() != nil:
		return "", fmt.Errorf("voice note %d: %w", msg.ID, ctx.Err())
	default:
		info.Outcome, info.Error = VoiceFailed, err.Error()
		s.log.WarnContext(ctx, "voice note not transcribed; asking the guest to write", "message", msg.ID, "err", err)
	}
	content.Voice = info
	payload, err := encodeContent(*content)
	if err != nil {
		return "", err
	}
	if _, err := s.db.NewUpdate().Model((*store.Message)(nil)).Set("text = ?", msg.Text).Set("payload = ?", string(payload)).
		Where("id = ?", msg.ID).Exec(ctx); err != nil {
		return "", fmt.Errorf("store transcript of message %d: %w", msg.ID, err)
	}
	msg.Payload = payload
	return voiceInputKind(info.Outcome), nil
}

func voiceInputKind(outcome string) string {
	switch outcome {
	case VoiceTooLong:
		return inputAudioTooLong
	case VoiceFailed:
		return inputAudioFailed
	}
	return KindAudio
}

// speak asks the voice step for a voice note saying the turn's replies; a failure only
// costs the voice note (the text goes anyway).
func (s *Service) speak(ctx context.Context, conv *store.Conversation, msg *store.Message, language string, texts []string) *Audio {
	if s.opts.Voice == nil || len(texts) == 0 {
		return nil
	}
	a, err := s.opts.Voice.Speak(ctx, conv.Channel, language, strings.Join(texts, "\n"), msg.Kind == KindAudio)
	if err != nil {
		s.log.WarnContext(ctx, "voice reply not synthesized; the reply goes as text only", "message", msg.ID, "err", err)
		return nil
	}
	return a
}
