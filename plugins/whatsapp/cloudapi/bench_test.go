package cloudapi_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/conserje/conserje/plugins/whatsapp/cloudapi"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// BenchmarkHandleWebhook is the plugin's share of an inbound webhook: signature check
// over the raw bytes, parse and normalization of a two-message body.
func BenchmarkHandleWebhook(b *testing.B) {
	body, err := os.ReadFile(filepath.Join(corpusDir(b), "webhooks", "15_batched_two_messages.json"))
	if err != nil {
		b.Fatal(err)
	}
	p := cloudapi.New(nil)
	if err := p.Configure(context.Background(), plugin.ConfigureRequest{Settings: settingsFor("http://127.0.0.1:1", corpusSecret)}); err != nil {
		b.Fatal(err)
	}
	req := channel.WebhookRequest{WebhookRequest: plugin.WebhookRequest{Method: http.MethodPost,
		Headers: http.Header{cloudapi.SignatureHeader: {cloudapi.Sign([]byte(corpusSecret), body)}}, Body: body}}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r, err := p.HandleWebhook(context.Background(), req)
		if err != nil || len(r.Messages) != 2 {
			b.Fatalf("%v %d", err, len(r.Messages))
		}
	}
}
