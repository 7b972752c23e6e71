package web_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/web"
	"github.com/conserje/conserje/sdk/plugin"
)

// scriptedTarget answers like a plugin would and keeps what it was handed.
type scriptedTarget struct {
	got   plugin.WebhookRequest
	reply plugin.WebhookReply
	err   error
}

func (s *scriptedTarget) HandleWebhook(_ context.Context, _ string, req plugin.WebhookRequest) (plugin.WebhookReply, error) {
	s.got = req
	return s.reply, s.err
}

var (
	errDown    = errors.New("plugin down")
	errUnknown = errors.New("unknown plugin")
)

func classify(err error) error {
	switch {
	case errors.Is(err, errDown):
		return web.ErrWebhookUnavailable
	case errors.Is(err, errUnknown):
		return web.ErrNoSuchWebhook
	}
	return err
}

func TestWebhooksForwardRawRequestAndReply(t *testing.T) {
	target := &scriptedTarget{reply: plugin.WebhookReply{Status: 200, Body: []byte("challenge-123"),
		Headers: http.Header{"Content-Type": {"text/plain"}, "Set-Cookie": {"x=y"}, "Connection": {"close"}}}}
	s := newServer(t, web.Options{Mounts: []web.Mounter{web.NewWebhooks(target, classify, nil)}})

	body := `{"object":"whatsapp_business_account","entry":[]}`
	req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp?hub.mode=subscribe&x=1&x=2", strings.NewReader(body))
	req.Header.Set("X-Hub-Signature-256", "sha256=abc")
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.App().Test(req)
	require.NoError(t, err)
	got, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "challenge-123", string(got))
	assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
	assert.Empty(t, resp.Header.Get("Set-Cookie"), "plugins cannot set cookies on our domain")

	assert.Equal(t, http.MethodPost, target.got.Method)
	assert.Equal(t, "/webhooks/whatsapp", target.got.Path)
	assert.Equal(t, body, string(target.got.Body), "the raw body reaches the plugin byte for byte (signatures)")
	assert.Equal(t, "sha256=abc", target.got.Headers.Get("X-Hub-Signature-256"))
	assert.Equal(t, []string{"1", "2"}, target.got.Query["x"])
}

func TestWebhookErrors(t *testing.T) {
	cases := []struct {
		name   string
		path   string
		err    error
		status int
	}{
		{"unknown plugin", "/webhooks/nope", errUnknown, 404},
		{"malformed name", "/webhooks/..%2Fetc", nil, 404},
		{"plugin down: the provider retries", "/webhooks/whatsapp", errDown, 503},
		{"plugin timed out", "/webhooks/whatsapp", context.DeadlineExceeded, 504},
		{"plugin failed", "/webhooks/whatsapp", errors.New("boom"), 502},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := &scriptedTarget{err: tc.err}
			s := newServer(t, web.Options{Mounts: []web.Mounter{web.NewWebhooks(target, classify, nil)}})
			resp, err := s.App().Test(httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader("{}")))
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode)
			if tc.status == 503 {
				assert.Equal(t, "30", resp.Header.Get("Retry-After"))
			}
		})
	}
}

// TestWebhookBodyLimitIsThePlugins: a plugin that declares a larger webhook body (WhatsApp:
// 3 MiB) gets it on its route only; other plugins and other routes keep the global limit.
func TestWebhookBodyLimitIsThePlugins(t *testing.T) {
	t.Parallel()
	const global, declared = 2048, 8192
	target := &scriptedTarget{reply: plugin.WebhookReply{Status: 200}}
	hooks := web.NewWebhooks(target, classify, nil).WithBodyLimits(global, func(name string) int {
		if name == "whatsapp" {
			return declared
		}
		return 0
	})
	s := newServer(t, web.Options{BodyLimitBytes: global, MaxBodyBytes: declared, OwnBodyLimit: []string{web.WebhooksPrefix},
		Mounts: []web.Mounter{hooks, web.MountFunc(func(r fiber.Router) {
			r.Post("/echo", func(c *fiber.Ctx) error { return c.Send(c.Body()) })
		})}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	cases := []struct {
		name   string
		path   string
		size   int
		status int
	}{
		{"the plugin's route takes its declared limit", "/webhooks/whatsapp", declared, 200},
		{"beyond the plugin's declared limit", "/webhooks/whatsapp", declared + 1, 413},
		{"well beyond the plugin's declared limit", "/webhooks/whatsapp", 4 * declared, 413},
		{"a plugin without its own limit keeps the global one", "/webhooks/echo", global + 1, 413},
		{"within the global limit", "/webhooks/echo", global, 200},
		{"other routes keep the global limit", "/echo", global + 1, 413},
		{"other routes within it", "/echo", global, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post("http://"+ln.Addr().String()+tc.path, "application/json", strings.NewReader(strings.Repeat("a", tc.size)))
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
		})
	}
}
