package plugintest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// ConformanceRecipient is the address the channel suite sends to; a plugin's fake
// provider should accept it.
const ConformanceRecipient = "5491100000000"

// RunChannelConformance checks that impl honours the channel contract through the gRPC
// boundary: the lifecycle, answering junk webhooks without failing, refusing the content
// its capabilities do not list, Receive only for pull channels, and (unless
// WithoutUpstream) sending and fetching media.
func RunChannelConformance(t *testing.T, impl channel.Plugin, opts ...Option) {
	o := buildOptions(opts)
	raw := pair(t, plugin.KindChannel, impl)
	c, lc := raw.(Channel), raw.(lifecycleClient)
	desc := runLifecycle(t, lc, plugin.KindChannel, o)

	t.Run("junk webhook is answered, not failed", func(t *testing.T) {
		r, err := c.HandleWebhook(o.ctx(t), channel.WebhookRequest{WebhookRequest: junkWebhook()})
		require.NoError(t, err)
		assertHTTPStatus(t, r.Status)
		assert.Empty(t, r.Messages, "junk must not become messages")
	})

	unsupported := []struct {
		capability string
		req        channel.SendRequest
	}{
		{channel.CapabilityButtons, channel.SendRequest{To: ConformanceRecipient, Buttons: &channel.Buttons{Body: "¿Confirmás?", Buttons: []channel.Button{{ID: "yes", Title: "Sí"}}}}},
		{channel.CapabilityAudio, channel.SendRequest{To: ConformanceRecipient, Audio: &channel.Audio{Data: []byte("OggS"), MIME: "audio/ogg", Voice: true}}},
		{channel.CapabilityTemplates, channel.SendRequest{To: ConformanceRecipient, Template: &channel.Template{Name: "conformance", Language: "es_AR"}}},
	}
	for _, tc := range unsupported {
		if desc.HasCapability(tc.capability) {
			continue
		}
		t.Run("send without capability "+tc.capability+" is unsupported", func(t *testing.T) {
			_, err := c.Send(o.ctx(t), tc.req)
			require.ErrorIs(t, err, plugin.ErrUnsupported)
		})
	}
	if !desc.HasCapability(channel.CapabilityPull) {
		t.Run("receive on a push channel is unsupported", func(t *testing.T) {
			err := c.Receive(o.ctx(t), channel.ReceiveRequest{}, func(channel.InboundMessage) error { return nil })
			require.ErrorIs(t, err, plugin.ErrUnsupported)
		})
	} else {
		t.Run("receive ends with its context", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(o.ctx(t), 500*time.Millisecond)
			defer cancel()
			err := c.Receive(ctx, channel.ReceiveRequest{}, func(m channel.InboundMessage) error {
				assertValidInbound(t, m)
				return nil
			})
			if err != nil {
				require.ErrorIs(t, err, context.DeadlineExceeded)
			}
		})
	}
	if !o.noUpstream {
		t.Run("send text", func(t *testing.T) {
			r, err := c.Send(o.ctx(t), channel.SendRequest{To: ConformanceRecipient, IdempotencyKey: "conformance-1", Text: &channel.Text{Body: "Hola, ¿en qué te ayudo?"}})
			require.NoError(t, err)
			assert.NotEmpty(t, r.ExternalID)
		})
		t.Run("fetch unknown media is not found", func(t *testing.T) {
			_, err := c.FetchMedia(o.ctx(t), channel.FetchMediaRequest{MediaID: "conformance-no-such-media"})
			require.ErrorIs(t, err, plugin.ErrNotFound)
		})
	}
	stopLast(t, lc, o)
}

func assertValidInbound(t *testing.T, m channel.InboundMessage) {
	t.Helper()
	assert.NotEmpty(t, m.ExternalID, "inbound message without external id")
	assert.NotEmpty(t, m.From, "inbound message without sender")
	assert.NotEmpty(t, m.Type, "inbound message without type")
}
