package channel

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/sdk/channel"
)

// MediaFetcher is a channel plugin that downloads inbound media.
type MediaFetcher interface {
	FetchMedia(ctx context.Context, req channel.FetchMediaRequest) (channel.FetchMediaResponse, error)
}

// ErrMediaChecksum means downloaded media does not match the digest the provider
// announced with the message.
var ErrMediaChecksum = errors.New("channel: media checksum mismatch")

// FetchMedia downloads an inbound message's media (a voice note to transcribe) from the
// channel plugin that received it, at most maxBytes (0: the plugin's default), and checks
// it against the SHA-256 the message announced.
func (w *Webhooks) FetchMedia(ctx context.Context, channelName string, media conversation.Media, maxBytes int64) (channel.FetchMediaResponse, error) {
	ch, err := w.plugins.Channel(channelName)
	if err != nil {
		return channel.FetchMediaResponse{}, err
	}
	f, ok := ch.(MediaFetcher)
	if !ok {
		return channel.FetchMediaResponse{}, fmt.Errorf("fetch media from %s: the channel cannot download media", channelName)
	}
	resp, err := f.FetchMedia(ctx, channel.FetchMediaRequest{MediaID: media.ID, MaxBytes: maxBytes})
	if err != nil {
		return channel.FetchMediaResponse{}, fmt.Errorf("fetch media %s from %s: %w", media.ID, channelName, err)
	}
	if media.SHA256 != "" {
		want, err := hex.DecodeString(media.SHA256)
		sum := sha256.Sum256(resp.Data)
		if err != nil || subtle.ConstantTimeCompare(want, sum[:]) != 1 {
			return channel.FetchMediaResponse{}, fmt.Errorf("fetch media %s from %s: %w", media.ID, channelName, ErrMediaChecksum)
		}
	}
	if resp.MIME == "" {
		resp.MIME = media.MIME
	}
	return resp, nil
}
