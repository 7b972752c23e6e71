package cloudapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/whatsapp/cloudapi"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/plugintest"
)

const (
	corpusSecret      = "99679378e127ee95f5b8a7cb6d284d2d"
	corpusVerifyToken = "conserje-dev-verify-a47e1b"
)

func settingsFor(graphURL, secret string) map[string]any {
	return map[string]any{
		"graph_url": graphURL, "api_version": "v24.0", "phone_number_id": phoneID,
		"access_token": token, "app_secret": secret, "verify_token": corpusVerifyToken,
	}
}

// fakeGraph answers sends with a fresh wamid, uploads with an id, media lookups with 404.
func fakeGraph(t *testing.T) *graph {
	n := 0
	return newGraph(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/messages"):
			n++
			_, _ = io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"wa_id":"5491100000000"}],"messages":[{"id":"wamid.fake`+string(rune('0'+n%10))+`"}]}`)
		case strings.HasSuffix(r.URL.Path, "/media"):
			_, _ = io.WriteString(w, `{"id":"up-1"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"message":"Unsupported get request","code":100}}`)
		}
	})
}

func configured(t *testing.T, g *graph, secret string) *cloudapi.Plugin {
	t.Helper()
	p := cloudapi.New(nil).WithHTTPClient(g.Client())
	require.NoError(t, p.Configure(context.Background(), plugin.ConfigureRequest{Instance: "whatsapp", Settings: settingsFor(g.URL, secret)}))
	return p
}

func TestConformance(t *testing.T) {
	g := fakeGraph(t)
	plugintest.RunChannelConformance(t, cloudapi.New(nil).WithHTTPClient(g.Client()), plugintest.WithSettings(settingsFor(g.URL, corpusSecret)))
}

func TestDescribeDeclaresCapabilitiesAndSecrets(t *testing.T) {
	d, err := cloudapi.New(nil).Describe(context.Background())
	require.NoError(t, err)
	require.NotNil(t, d.Channel)
	assert.Equal(t, plugin.AddressPhone, d.Channel.AddressKind)
	assert.Equal(t, 3, d.Channel.MaxButtons)
	assert.Equal(t, 24, d.Channel.WindowHours)
	secrets, err := plugin.SecretPaths(d.SettingsSchema)
	require.NoError(t, err)
	assert.Equal(t, []string{"access_token", "app_secret", "verify_token"}, secrets)
}

func TestConfigureRefusesBadSettings(t *testing.T) {
	cases := map[string]map[string]any{
		"missing token":  {"phone_number_id": phoneID, "app_secret": "s", "verify_token": "v"},
		"unknown key":    {"phone_number_id": phoneID, "access_token": "t", "app_secret": "s", "verify_token": "v", "acces_token": "typo"},
		"graph_url junk": {"graph_url": "ftp://x", "phone_number_id": phoneID, "access_token": "t", "app_secret": "s", "verify_token": "v"},
	}
	for name, settings := range cases {
		t.Run(name, func(t *testing.T) {
			err := cloudapi.New(nil).Configure(context.Background(), plugin.ConfigureRequest{Settings: settings})
			require.ErrorIs(t, err, plugin.ErrInvalidSettings)
			assert.NotContains(t, err.Error(), "typo", "values are not echoed")
		})
	}
}

func TestVerificationCorpus(t *testing.T) {
	dir := corpusDir(t)
	var v struct {
		Token string `json:"configured_verify_token"`
		Cases []struct {
			Name        string `json:"name"`
			Query       string `json:"query"`
			Status      int    `json:"status"`
			StatusIn    []int  `json:"status_in"`
			Body        string `json:"body"`
			MustNotHave string `json:"body_must_not_contain"`
		} `json:"cases"`
	}
	readJSON(t, filepath.Join(dir, "verification.json"), &v)
	require.Equal(t, corpusVerifyToken, v.Token)
	p := configured(t, fakeGraph(t), corpusSecret)
	for _, tc := range v.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.Query)
			require.NoError(t, err)
			r, err := p.HandleWebhook(context.Background(), channel.WebhookRequest{WebhookRequest: plugin.WebhookRequest{Method: http.MethodGet, Query: q}})
			require.NoError(t, err)
			if tc.Status != 0 {
				assert.Equal(t, tc.Status, r.Status)
			} else {
				assert.Contains(t, tc.StatusIn, r.Status)
			}
			if tc.Body != "" {
				assert.Equal(t, tc.Body, string(r.Body), "the challenge verbatim, nothing around it")
				assert.Equal(t, "text/plain; charset=utf-8", r.Headers.Get("Content-Type"))
			}
			if tc.MustNotHave != "" {
				assert.NotContains(t, string(r.Body), tc.MustNotHave)
			}
			assert.Empty(t, r.Messages)
		})
	}
}

// TestSignedWebhooksCorpus feeds every signature case byte for byte to the plugin.
func TestSignedWebhooksCorpus(t *testing.T) {
	dir := corpusDir(t)
	var sigs struct {
		Cases []struct {
			Name     string  `json:"name"`
			Secret   string  `json:"secret"`
			BodyFile string  `json:"body_file"`
			Header   *string `json:"header"`
			Valid    bool    `json:"valid"`
		} `json:"cases"`
	}
	readJSON(t, filepath.Join(dir, "signatures.json"), &sigs)
	var expected struct {
		Files map[string]expectedFile `json:"files"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &expected)
	g := fakeGraph(t)
	for _, tc := range sigs.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, tc.BodyFile))
			require.NoError(t, err)
			h := http.Header{}
			if tc.Header != nil {
				h.Set(cloudapi.SignatureHeader, *tc.Header)
			}
			p := configured(t, g, tc.Secret)
			r, err := p.HandleWebhook(context.Background(), channel.WebhookRequest{WebhookRequest: plugin.WebhookRequest{Method: http.MethodPost, Headers: h, Body: body}})
			require.NoError(t, err)
			if !tc.Valid {
				assert.Contains(t, []int{401, 403}, r.Status)
				assert.Empty(t, r.Messages, "nothing from a bad signature")
				assert.Empty(t, r.Statuses)
				return
			}
			assert.Equal(t, 200, r.Status, "a valid signature is answered 200, whatever the body")
			want := expected.Files[filepath.Base(tc.BodyFile)]
			assert.Len(t, r.Messages, len(want.Messages))
			assert.Len(t, r.Statuses, len(want.Statuses))
		})
	}
}

func TestEveryBodyThroughThePlugin(t *testing.T) {
	dir := corpusDir(t)
	var expected struct {
		Files map[string]expectedFile `json:"files"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &expected)
	p := configured(t, fakeGraph(t), corpusSecret)
	for name, want := range expected.Files {
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, "webhooks", name))
			require.NoError(t, err)
			h := http.Header{cloudapi.SignatureHeader: {cloudapi.Sign([]byte(corpusSecret), body)}}
			r, err := p.HandleWebhook(context.Background(), channel.WebhookRequest{WebhookRequest: plugin.WebhookRequest{Method: http.MethodPost, Headers: h, Body: body}})
			require.NoError(t, err)
			assert.Equal(t, 200, r.Status)
			require.Len(t, r.Messages, len(want.Messages))
			for i, m := range r.Messages {
				w := want.Messages[i]
				assert.Equal(t, w["id"], m.ExternalID)
				assert.Equal(t, phoneID, m.To)
				if w["from"] != nil {
					assert.Equal(t, w["from"], m.From)
				} else {
					assert.Equal(t, w["from_user_id"], m.From, "keyed on from_user_id without a phone")
				}
				assertType(t, w, m)
			}
			require.Len(t, r.Statuses, len(want.Statuses))
			for i, s := range r.Statuses {
				assert.Equal(t, want.Statuses[i]["status"], string(s.State), "status strings as sent, unknown ones too")
			}
		})
	}
}

func assertType(t *testing.T, w map[string]any, m channel.InboundMessage) {
	t.Helper()
	switch w["type"] {
	case "text":
		assert.Equal(t, channel.TypeText, m.Type)
		assert.Equal(t, w["text"], m.Text)
	case "audio":
		assert.Equal(t, channel.TypeAudio, m.Type)
		require.NotNil(t, m.Media)
		assert.Equal(t, w["media_id"], m.Media.ID)
		assert.Equal(t, w["sha256"], m.Media.SHA256)
		assert.True(t, m.Media.Voice)
	case "image":
		assert.Equal(t, channel.TypeImage, m.Type)
		assert.Equal(t, w["caption"], m.Text)
	case "interactive", "button":
		assert.Equal(t, channel.TypeButtonReply, m.Type)
		assert.Equal(t, w["button_id"], m.ButtonID)
		assert.Equal(t, w["context_id"], m.ReplyTo)
	case "location":
		assert.Equal(t, channel.TypeLocation, m.Type)
		require.NotNil(t, m.Location)
	case "reaction":
		assert.Equal(t, channel.TypeReaction, m.Type)
		require.NotNil(t, m.Reaction)
	default:
		assert.Equal(t, channel.TypeUnsupported, m.Type)
		assert.NotEmpty(t, m.RawType)
	}
}

func TestMessagesForAnotherNumberAreDropped(t *testing.T) {
	dir := corpusDir(t)
	body, err := os.ReadFile(filepath.Join(dir, "webhooks", "01_text.json"))
	require.NoError(t, err)
	g := fakeGraph(t)
	p := cloudapi.New(nil).WithHTTPClient(g.Client())
	s := settingsFor(g.URL, corpusSecret)
	s["phone_number_id"] = "999"
	require.NoError(t, p.Configure(context.Background(), plugin.ConfigureRequest{Settings: s}))
	r, err := p.HandleWebhook(context.Background(), channel.WebhookRequest{WebhookRequest: plugin.WebhookRequest{Method: http.MethodPost,
		Headers: http.Header{cloudapi.SignatureHeader: {cloudapi.Sign([]byte(corpusSecret), body)}}, Body: body}})
	require.NoError(t, err)
	assert.Equal(t, 200, r.Status, "acknowledged")
	assert.Empty(t, r.Messages)
}

func TestSendThroughThePlugin(t *testing.T) {
	g := fakeGraph(t)
	p := cloudapi.New(nil).WithHTTPClient(g.Client())
	s := settingsFor(g.URL, corpusSecret)
	s["strip_ar_mobile_9"] = true
	require.NoError(t, p.Configure(context.Background(), plugin.ConfigureRequest{Settings: s}))
	ctx := context.Background()

	r, err := p.Send(ctx, channel.SendRequest{To: "5491147305519", Audio: &channel.Audio{Data: []byte("OggS voice"), MIME: "audio/ogg; codecs=opus", Voice: true}})
	require.NoError(t, err)
	assert.Equal(t, "up-1", r.MediaID, "the uploaded id comes back for reuse")
	var sent map[string]any
	require.NoError(t, json.Unmarshal(g.bod[len(g.bod)-1], &sent))
	assert.Equal(t, "541147305519", sent["to"], "the 9 is stripped on the send path only")
	assert.Equal(t, map[string]any{"id": "up-1", "voice": true}, sent["audio"])

	_, err = p.Send(ctx, channel.SendRequest{To: "549", Audio: &channel.Audio{Data: []byte("ID3"), MIME: "audio/mpeg"}})
	require.ErrorIs(t, err, plugin.ErrUnsupported, "only OGG/Opus voice notes")
	_, err = p.Send(ctx, channel.SendRequest{To: "549", From: "other", Text: &channel.Text{Body: "x"}})
	require.ErrorIs(t, err, plugin.ErrInvalidRequest)

	assert.Equal(t, "5491147305519", cloudapi.Recipient("5491147305519", false))
	assert.Equal(t, "541147305519", cloudapi.Recipient("5491147305519", true))
	assert.Equal(t, "59899123456", cloudapi.Recipient("59899123456", true), "other countries unchanged")
}

// TestSendsReuseConnections: a busy moment's sends (the core sends 8 at once) reuse the
// plugin's connections to the Graph API instead of opening new ones (net/http keeps only
// two idle connections per host unless told otherwise). Each wave holds 8 sends at the
// fake Graph API until all 8 arrived, so each needs a connection of its own: the first
// wave opens 8, and the next waves find them idle (with two kept, each wave opened six).
func TestSendsReuseConnections(t *testing.T) {
	t.Parallel()
	const senders, waves = 8, 5
	var (
		opened  atomic.Int64
		mu      sync.Mutex
		arrived int
		gate    = make(chan struct{})
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		wave := gate
		if arrived++; arrived == senders {
			close(gate)
			gate, arrived = make(chan struct{}), 0
		}
		mu.Unlock()
		<-wave
		_, _ = io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"wa_id":"5491100000000"}],"messages":[{"id":"wamid.reuse"}]}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	p := cloudapi.New(nil) // its own HTTP client, not the test server's
	require.NoError(t, p.Configure(context.Background(), plugin.ConfigureRequest{Settings: settingsFor(srv.URL, corpusSecret)}))
	t.Cleanup(func() { _ = p.Stop(context.Background()) })

	for range waves {
		var wg sync.WaitGroup
		for range senders {
			wg.Go(func() {
				_, err := p.Send(context.Background(), channel.SendRequest{To: "5491147305519", Text: &channel.Text{Body: "hola"}})
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		// A connection goes back to the pool just after its response was read.
		time.Sleep(10 * time.Millisecond)
	}
	// Two of slack: a connection not yet back in the pool when the next wave starts.
	assert.LessOrEqual(t, opened.Load(), int64(senders+2), "%d waves of %d sends opened %d connections", waves, senders, opened.Load())
}
