// Command whatsapp is a test channel plugin named "whatsapp" that speaks the parts of
// Meta's WhatsApp Cloud API webhooks the load tool and `conserje doctor` exercise
// (docs: providers.md 1.1-1.4): the GET verify handshake with verify_token, and POSTed
// text messages signed with X-Hub-Signature-256 (HMAC-SHA256 of the raw body with
// app_secret, checked in constant time). Replies are kept in memory, never sent anywhere.
// It stands in for plugins/whatsapp in tests of the core's side.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/conserje/conserje/sdk"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

type whatsapp struct {
	verifyToken atomic.Value // string
	appSecret   atomic.Value // string
	sent        atomic.Int64
}

func (w *whatsapp) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{Kind: plugin.KindChannel, Name: "whatsapp", Version: "0.0.0-test",
		SettingsSchema: json.RawMessage(`{"type":"object","properties":{"verify_token":{"type":"string"},"app_secret":{"type":"string"}},"required":["verify_token","app_secret"]}`)}, nil
}

func (w *whatsapp) Configure(_ context.Context, req plugin.ConfigureRequest) error {
	token, _ := req.Settings["verify_token"].(string)
	secret, _ := req.Settings["app_secret"].(string)
	if token == "" || secret == "" {
		return fmt.Errorf("%w: verify_token and app_secret are required", plugin.ErrInvalidSettings)
	}
	w.verifyToken.Store(token)
	w.appSecret.Store(secret)
	return nil
}

func (w *whatsapp) Stop(context.Context) error { return nil }

func reply(status int, body string) channel.WebhookResponse {
	return channel.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: status,
		Headers: http.Header{"Content-Type": {"text/plain"}}, Body: []byte(body)}}
}

type envelope struct {
	Entry []struct {
		Changes []struct {
			Value struct {
				Metadata struct {
					PhoneNumberID string `json:"phone_number_id"`
				} `json:"metadata"`
				Contacts []struct {
					Profile struct {
						Name string `json:"name"`
					} `json:"profile"`
				} `json:"contacts"`
				Messages []struct {
					ID        string `json:"id"`
					From      string `json:"from"`
					Timestamp string `json:"timestamp"`
					Type      string `json:"type"`
					Text      struct {
						Body string `json:"body"`
					} `json:"text"`
				} `json:"messages"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

func (w *whatsapp) HandleWebhook(_ context.Context, req channel.WebhookRequest) (channel.WebhookResponse, error) {
	if req.Method == http.MethodGet {
		token, _ := w.verifyToken.Load().(string)
		if req.Query.Get("hub.mode") == "subscribe" && hmac.Equal([]byte(req.Query.Get("hub.verify_token")), []byte(token)) {
			return reply(http.StatusOK, req.Query.Get("hub.challenge")), nil
		}
		return reply(http.StatusForbidden, "verify token mismatch"), nil
	}
	secret, _ := w.appSecret.Load().(string)
	sig, ok := strings.CutPrefix(req.Headers.Get("X-Hub-Signature-256"), "sha256=")
	got, err := hex.DecodeString(sig)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(req.Body)
	if !ok || err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return reply(http.StatusUnauthorized, "bad signature"), nil
	}
	var env envelope
	if err := json.Unmarshal(req.Body, &env); err != nil {
		return reply(http.StatusOK, ""), nil // signed but unusable: acknowledge, as Meta expects
	}
	resp := reply(http.StatusOK, "")
	for _, e := range env.Entry {
		for _, c := range e.Changes {
			for i, m := range c.Value.Messages {
				if m.Type != "text" {
					continue
				}
				name := ""
				if i < len(c.Value.Contacts) {
					name = c.Value.Contacts[i].Profile.Name
				}
				resp.Messages = append(resp.Messages, channel.InboundMessage{
					ExternalID: m.ID, From: m.From, FromName: name, To: c.Value.Metadata.PhoneNumberID,
					Type: channel.TypeText, Text: m.Text.Body, ReceivedAt: time.Now().UTC(),
				})
			}
		}
	}
	return resp, nil
}

func (w *whatsapp) Send(_ context.Context, req channel.SendRequest) (channel.SendResponse, error) {
	if err := req.Validate(); err != nil {
		return channel.SendResponse{}, err
	}
	n := w.sent.Add(1)
	return channel.SendResponse{ExternalID: fmt.Sprintf("wamid.test-%d", n), SentAt: time.Now().UTC()}, nil
}

func (w *whatsapp) FetchMedia(context.Context, channel.FetchMediaRequest) (channel.FetchMediaResponse, error) {
	return channel.FetchMediaResponse{}, plugin.ErrUnsupported
}

func main() { sdk.ServeChannel(&whatsapp{}) }
