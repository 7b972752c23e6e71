package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/channel"
)

type fakeChat struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (f *fakeChat) Chat(_ context.Context, id, _, text string) (channel.ChatResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, id+"|"+text)
	if f.err != nil {
		return channel.ChatResult{}, f.err
	}
	if id == "" {
		id = "wc_000000000000000000000001"
	}
	return channel.ChatResult{ConversationID: id, Replies: []channel.ChatReply{
		{Text: "¡Tengo lugar! <b>sin HTML</b>", Buttons: []channel.ChatButton{{ID: "1", Title: "Cabaña Robles"}}},
	}}, nil
}

func chatApp(t *testing.T, svc ChatService, opts ChatOptions) *fiber.App {
	t.Helper()
	opts.Service = svc
	h, err := NewChat(opts)
	require.NoError(t, err)
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			return WriteError(c, &APIError{Status: fe.Code, Code: "error", Message: fe.Message})
		}
		return WriteError(c, &APIError{Status: 500, Code: "internal", Message: err.Error()})
	}})
	h.Mount(app)
	return app
}

func postChat(t *testing.T, app *fiber.App, body string) (int, map[string]any, string) {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/chat", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := app.Test(req, -1)
	require.NoError(t, err)
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out, res.Header.Get("Retry-After")
}

func TestChatPost(t *testing.T) {
	svc := &fakeChat{}
	app := chatApp(t, svc, ChatOptions{})
	cases := []struct {
		name   string
		body   string
		status int
		check  func(t *testing.T, out map[string]any)
	}{
		{"first message", `{"conversation_id":"","text":"hola"}`, 200, func(t *testing.T, out map[string]any) {
			assert.Equal(t, "wc_000000000000000000000001", out["conversation_id"])
			replies := out["replies"].([]any)
			require.Len(t, replies, 1)
			r := replies[0].(map[string]any)
			assert.Equal(t, "¡Tengo lugar! <b>sin HTML</b>", r["text"])
			assert.Equal(t, []any{map[string]any{"id": "1", "title": "Cabaña Robles"}}, r["buttons"])
		}},
		{"unknown field", `{"conversation_id":"","text":"hola","admin":true}`, 422, func(t *testing.T, out map[string]any) {
			assert.Equal(t, "invalid", out["error"].(map[string]any)["code"])
		}},
		{"wrong type", `{"text":5}`, 422, nil},
		{"not json", `hola`, 400, func(t *testing.T, out map[string]any) {
			assert.Equal(t, "bad_request", out["error"].(map[string]any)["code"])
		}},
		{"empty body", ``, 400, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out, _ := postChat(t, app, tc.body)
			assert.Equal(t, tc.status, status)
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

func TestChatInputErrorsAreFieldErrors(t *testing.T) {
	svc := &fakeChat{err: &channel.InputError{Field: "text", Message: "is required"}}
	app := chatApp(t, svc, ChatOptions{})
	status, out, _ := postChat(t, app, `{"text":"  "}`)
	assert.Equal(t, 422, status)
	assert.Equal(t, map[string]any{"text": "is required"}, out["error"].(map[string]any)["fields"])

	svc.err = errors.New("db down")
	status, _, _ = postChat(t, app, `{"text":"hola"}`)
	assert.Equal(t, 500, status)
}

func TestChatIsRateLimitedPerConversationAndPerIP(t *testing.T) {
	now := time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	svc := &fakeChat{}
	app := chatApp(t, svc, ChatOptions{Now: clock, PerIPPerMinute: 600, PerIPBurst: 4, PerConversationPerMinute: 6, PerConversationBurst: 2})
	body := `{"conversation_id":"wc_aaaaaaaaaaaaaaaaaaaaaaaa","text":"hola"}`
	s1, _, _ := postChat(t, app, body)
	s2, _, _ := postChat(t, app, body)
	s3, out, retry := postChat(t, app, body)
	assert.Equal(t, []int{200, 200, 429}, []int{s1, s2, s3})
	assert.Equal(t, "rate_limited", out["error"].(map[string]any)["code"])
	assert.Equal(t, "11", retry, "6 per minute: one every 10 s")

	s4, _, _ := postChat(t, app, `{"conversation_id":"wc_bbbbbbbbbbbbbbbbbbbbbbbb","text":"hola"}`)
	assert.Equal(t, 200, s4, "another conversation has its own bucket")
	s5, _, _ := postChat(t, app, `{"conversation_id":"wc_cccccccccccccccccccccccc","text":"hola"}`)
	assert.Equal(t, 429, s5, "but the address ran out (burst 4)")

	mu.Lock()
	now = now.Add(11 * time.Second)
	mu.Unlock()
	s6, _, _ := postChat(t, app, body)
	assert.Equal(t, 200, s6, "tokens come back with time")
	assert.Len(t, svc.calls, 4, "limited requests never reach the bot")
}

func TestChatPageIsEmbeddableAndEscapes(t *testing.T) {
	app := chatApp(t, &fakeChat{}, ChatOptions{Title: `Reservas <script>alert(1)</script>`})
	res, err := app.Test(httptest.NewRequest("GET", "/chat", nil), -1)
	require.NoError(t, err)
	assert.Equal(t, 200, res.StatusCode)
	body, _ := io.ReadAll(res.Body)
	assert.Contains(t, string(body), "Reservas &lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, string(body), `role="log"`)
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "script-src 'self'")
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "frame-ancestors *")

	for path, ctype := range map[string]string{"/chat/assets/chat.js": "javascript", "/chat/assets/chat.css": "text/css"} {
		res, err := app.Test(httptest.NewRequest("GET", path, nil), -1)
		require.NoError(t, err)
		assert.Equal(t, 200, res.StatusCode, path)
		assert.Contains(t, res.Header.Get("Content-Type"), ctype)
	}
	res, err = app.Test(httptest.NewRequest("GET", "/chat/assets/..%2Fchat.go", nil), -1)
	require.NoError(t, err)
	assert.Equal(t, 404, res.StatusCode)
}

// The page must never turn text into markup: guest and bot text go through textContent.
func TestChatScriptNeverWritesHTML(t *testing.T) {
	js, err := os.ReadFile("chatpage/chat.js")
	require.NoError(t, err)
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		assert.NotContains(t, string(js), sink)
	}
}
