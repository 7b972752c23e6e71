package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/conserje/conserje/sdk"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// Version is the echo plugin's version.
const Version = "1.0.0"

const settingsSchema = `{
  "type": "object",
  "properties": {
    "prefix": {"type": "string", "description": "put before every echoed text"}
  },
  "additionalProperties": false
}`

// Echo is a channel whose "provider" is whoever POSTs to its webhook.
type Echo struct {
	mu      sync.Mutex
	prefix  string
	outbox  map[string][]string // recipient → texts sent
	media   map[string]channel.FetchMediaResponse
	counter int
}

var (
	_ channel.Plugin       = (*Echo)(nil)
	_ plugin.HealthChecker = (*Echo)(nil)
)

// New returns an unconfigured echo channel.
func New() *Echo {
	return &Echo{prefix: "echo: ", outbox: map[string][]string{}, media: map[string]channel.FetchMediaResponse{}}
}

// Describe says what the plugin is.
func (e *Echo) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{
		Kind:           plugin.KindChannel,
		Name:           "echo",
		Version:        Version,
		Capabilities:   []string{channel.CapabilityAudio, channel.CapabilityMedia},
		SettingsSchema: json.RawMessage(settingsSchema),
	}, nil
}

// Configure applies the optional prefix.
func (e *Echo) Configure(_ context.Context, req plugin.ConfigureRequest) error {
	prefix := "echo: "
	if v, ok := req.Settings["prefix"]; ok {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%w: prefix must be a string, got %T", plugin.ErrInvalidSettings, v)
		}
		prefix = s
	}
	e.mu.Lock()
	e.prefix = prefix
	e.mu.Unlock()
	return nil
}

// Stop has nothing to release.
func (e *Echo) Stop(context.Context) error { return nil }

// Health is always fine: there is no upstream.
func (e *Echo) Health(context.Context) error { return nil }

type inbound struct {
	ID   string `json:"id"`
	From string `json:"from"`
	Text string `json:"text"`
}

// HandleWebhook normalizes a POSTed message and echoes its text, or lists the outbox on GET.
func (e *Echo) HandleWebhook(ctx context.Context, req channel.WebhookRequest) (channel.WebhookResponse, error) {
	switch req.Method {
	case http.MethodGet:
		e.mu.Lock()
		sent := append([]string{}, e.outbox[req.Query.Get("to")]...)
		e.mu.Unlock()
		return jsonReply(http.StatusOK, map[string]any{"sent": sent}), nil
	case http.MethodPost:
	default:
		return jsonReply(http.StatusMethodNotAllowed, map[string]string{"error": "use POST or GET"}), nil
	}
	var in inbound
	if err := json.Unmarshal(req.Body, &in); err != nil || in.ID == "" || in.From == "" {
		return jsonReply(http.StatusBadRequest, map[string]string{"error": `want {"id","from","text"}`}), nil
	}
	sdk.Logger().Info("message received", "from", in.From, "trace_id", sdk.TraceID(ctx))
	e.mu.Lock()
	echo := e.prefix + in.Text
	e.mu.Unlock()
	resp := jsonReply(http.StatusOK, map[string]string{"echo": echo})
	resp.Messages = []channel.InboundMessage{{
		ExternalID: in.ID, From: in.From, Type: channel.TypeText, Text: in.Text, ReceivedAt: time.Now().UTC(),
	}}
	return resp, nil
}

// Send keeps texts in the outbox and audio as fetchable media.
func (e *Echo) Send(_ context.Context, req channel.SendRequest) (channel.SendResponse, error) {
	if err := req.Validate(); err != nil {
		return channel.SendResponse{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counter++
	id := fmt.Sprintf("echo-%d", e.counter)
	switch {
	case req.Text != nil:
		e.outbox[req.To] = append(e.outbox[req.To], req.Text.Body)
	case req.Audio != nil:
		e.media[id] = channel.FetchMediaResponse{Data: req.Audio.Data, MIME: req.Audio.MIME}
		e.outbox[req.To] = append(e.outbox[req.To], "[audio "+id+"]")
	default:
		return channel.SendResponse{}, fmt.Errorf("%w: echo sends text and audio only", plugin.ErrUnsupported)
	}
	return channel.SendResponse{ExternalID: id, SentAt: time.Now().UTC()}, nil
}

// FetchMedia returns audio sent earlier, by the id Send returned.
func (e *Echo) FetchMedia(_ context.Context, req channel.FetchMediaRequest) (channel.FetchMediaResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.media[req.MediaID]
	if !ok {
		return channel.FetchMediaResponse{}, fmt.Errorf("media %q: %w", req.MediaID, plugin.ErrNotFound)
	}
	return m, nil
}

func jsonReply(status int, body any) channel.WebhookResponse {
	b, _ := json.Marshal(body)
	return channel.WebhookResponse{WebhookReply: plugin.WebhookReply{
		Status:  status,
		Headers: http.Header{"Content-Type": {"application/json"}},
		Body:    b,
	}}
}
