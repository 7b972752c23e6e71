package app

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/conserje/conserje/core/channel"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/core/voice"
	sdkchannel "github.com/conserje/conserje/sdk/channel"
)

// buildVoice builds the voice-note step from speech: (nil when neither plugin is
// configured: voice notes are then answered by asking the guest to write). Media is
// fetched through the webhook dispatcher, which exists only later: media holds it.
func (a *App) buildVoice(media *mediaFetcher) (*voice.Service, error) {
	sp := a.Config.Speech
	if sp.STTPlugin == "" && sp.TTSPlugin == "" {
		return nil, nil
	}
	m, err := voice.NewMetrics(a.Registry)
	if err != nil {
		return nil, err
	}
	opts := voice.Options{
		Fetcher: media, Channels: voiceChannels{a.Plugins},
		MaxDuration: sp.MaxDuration, MaxMediaBytes: sp.MaxMediaBytes, Replies: sp.VoiceReplies,
		Metrics: m, Logger: a.Log,
	}
	if sp.STTPlugin != "" {
		if opts.STT, err = a.Plugins.STT(sp.STTPlugin); err != nil {
			return nil, fmt.Errorf("speech.stt_plugin: %w", err)
		}
	}
	if sp.TTSPlugin != "" {
		if opts.TTS, err = a.Plugins.TTS(sp.TTSPlugin); err != nil {
			return nil, fmt.Errorf("speech.tts_plugin: %w", err)
		}
	}
	return voice.New(opts), nil
}

// mediaFetcher downloads inbound media through the webhook dispatcher once it exists.
type mediaFetcher struct {
	w atomic.Pointer[channel.Webhooks]
}

var _ voice.Fetcher = (*mediaFetcher)(nil)

func (f *mediaFetcher) FetchMedia(ctx context.Context, channelName string, media conversation.Media, maxBytes int64) (sdkchannel.FetchMediaResponse, error) {
	w := f.w.Load()
	if w == nil {
		return sdkchannel.FetchMediaResponse{}, fmt.Errorf("fetch media from %s: webhooks not started: %w", channelName, pluginhost.ErrPluginDown)
	}
	return w.FetchMedia(ctx, channelName, media, maxBytes)
}

// voiceChannels tells from a channel plugin's capabilities whether it plays voice notes.
type voiceChannels struct{ h *pluginhost.Host }

func (c voiceChannels) PlaysVoiceNotes(name string) bool {
	d, ok := c.h.Description(name)
	return ok && channel.PlaysAudio(d.Channel, voice.VoiceNoteMIME)
}
