// Command voicechannel is a test-only channel plugin that plays voice notes, standing in
// for WhatsApp in the core's voice-note tests. Its webhook takes {"id","from","text"} or
// {"id","from","audio"} (base64 OGG/Opus, kept as media under the message id and sent to
// the core as a voice note); GET ?to= lists what was sent to a recipient: texts as
// {"text"}, audio as {"mime","bytes","ogg","voice"}.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/conserje/conserje/sdk"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

type sent struct {
	Text  string `json:"text,omitempty"`
	MIME  string `json:"mime,omitempty"`
	Bytes int    `json:"bytes,omitempty"`
	OGG   bool   `json:"ogg,omitempty"`
	Voice bool   `json:"voice,omitempty"`
}

type voiceChannel struct {
	mu    sync.Mutex
	media map[string][]byte
	sent  map[string][]sent
	n     int
}

func main() {
	sdk.ServeChannel(&voiceChannel{media: map[string][]byte{}, sent: map[string][]sent{}})
}

func (c *voiceChannel) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{Kind: plugin.KindChannel, Name: "voicechannel", Version: "0.0.1",
		Channel: &plugin.ChannelCapabilities{AddressKind: plugin.AddressPhone, AudioMIME: []string{"audio/ogg"}, Media: true}}, nil
}
func (c *voiceChannel) Configure(context.Context, plugin.ConfigureRequest) error { return nil }
func (c *voiceChannel) Stop(context.Context) error                               { return nil }

func (c *voiceChannel) HandleWebhook(_ context.Context, req channel.WebhookRequest) (channel.WebhookResponse, error) {
	if req.Method == http.MethodGet {
		c.mu.Lock()
		out := append([]sent{}, c.sent[req.Query.Get("to")]...)
		c.mu.Unlock()
		return reply(http.StatusOK, map[string]any{"sent": out}), nil
	}
	var in struct{ ID, From, Text, Audio string }
	if err := json.Unmarshal(req.Body, &in); err != nil || in.ID == "" || in.From == "" {
		return reply(http.StatusBadRequest, map[string]string{"error": "want id, from and text or audio"}), nil
	}
	msg := channel.InboundMessage{ExternalID: in.ID, From: in.From, Type: channel.TypeText, Text: in.Text, ReceivedAt: time.Now().UTC()}
	if in.Audio != "" {
		data, err := base64.StdEncoding.DecodeString(in.Audio)
		if err != nil {
			return reply(http.StatusBadRequest, map[string]string{"error": "audio is not base64"}), nil
		}
		c.mu.Lock()
		c.media[in.ID] = data
		c.mu.Unlock()
		msg.Type, msg.Text = channel.TypeAudio, ""
		msg.Media = &channel.Media{ID: in.ID, MIME: "audio/ogg; codecs=opus", Size: int64(len(data)), Voice: true}
	}
	resp := reply(http.StatusOK, map[string]string{"status": "ok"})
	resp.Messages = []channel.InboundMessage{msg}
	return resp, nil
}

func (c *voiceChannel) Send(_ context.Context, req channel.SendRequest) (channel.SendResponse, error) {
	if err := req.Validate(); err != nil {
		return channel.SendResponse{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	switch {
	case req.Text != nil:
		c.sent[req.To] = append(c.sent[req.To], sent{Text: req.Text.Body})
	case req.Audio != nil:
		c.sent[req.To] = append(c.sent[req.To], sent{MIME: req.Audio.MIME, Bytes: len(req.Audio.Data),
			OGG: bytes.HasPrefix(req.Audio.Data, []byte("OggS")), Voice: req.Audio.Voice})
	default:
		return channel.SendResponse{}, fmt.Errorf("%w: text and audio only", plugin.ErrUnsupported)
	}
	return channel.SendResponse{ExternalID: fmt.Sprintf("vc-%d", c.n), SentAt: time.Now().UTC()}, nil
}

func (c *voiceChannel) FetchMedia(_ context.Context, req channel.FetchMediaRequest) (channel.FetchMediaResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, ok := c.media[req.MediaID]
	if !ok {
		return channel.FetchMediaResponse{}, fmt.Errorf("media %q: %w", req.MediaID, plugin.ErrNotFound)
	}
	if req.MaxBytes > 0 && int64(len(data)) > req.MaxBytes {
		return channel.FetchMediaResponse{}, fmt.Errorf("%w: media of %d bytes over %d", plugin.ErrInvalidRequest, len(data), req.MaxBytes)
	}
	return channel.FetchMediaResponse{Data: data, MIME: "audio/ogg; codecs=opus"}, nil
}

func reply(status int, body any) channel.WebhookResponse {
	b, _ := json.Marshal(body)
	return channel.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: status, Headers: http.Header{"Content-Type": {"application/json"}}, Body: b}}
}
