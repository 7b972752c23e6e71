package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/host"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/plugintest"
)

// binary is the echo plugin built by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "echo-plugin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "echo")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build echo plugin: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func TestConformance(t *testing.T) {
	plugintest.RunChannelConformance(t, New(), plugintest.WithSettings(map[string]any{"prefix": "> "}))
}

// lockedBuffer collects the host's log output across goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startBinary(t *testing.T, logs *lockedBuffer) *host.Process {
	t.Helper()
	sum, err := host.FileSHA256(binary)
	require.NoError(t, err)
	p, err := host.Start(context.Background(), host.Config{
		Name:   "echo-test",
		Path:   binary,
		SHA256: sum,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)
	t.Cleanup(func() { p.Kill() })
	return p
}

func TestBinaryThroughGoPlugin(t *testing.T) {
	logs := &lockedBuffer{}
	p := startBinary(t, logs)
	ctx := plugin.WithTraceID(context.Background(), "trace-echo-1")

	desc := p.Description()
	assert.Equal(t, plugin.KindChannel, desc.Kind)
	assert.Equal(t, "echo", desc.Name)
	assert.Equal(t, Version, desc.Version)
	assert.Equal(t, plugin.ProtocolVersion, desc.ProtocolVersion)

	require.NoError(t, p.Configure(ctx, plugin.ConfigureRequest{Instance: "echo-test", Settings: map[string]any{"prefix": "» "}}))
	err := p.Configure(ctx, plugin.ConfigureRequest{Instance: "echo-test", Settings: map[string]any{"prefix": 3}})
	require.ErrorIs(t, err, plugin.ErrInvalidSettings, "the host checks the settings schema")
	require.NoError(t, p.Ping(ctx))

	ch, err := p.Channel()
	require.NoError(t, err)
	_, err = p.Calendar()
	require.ErrorIs(t, err, host.ErrWrongKind)

	resp, err := ch.HandleWebhook(ctx, channel.WebhookRequest{WebhookRequest: plugin.WebhookRequest{
		Method: http.MethodPost, Path: "/webhooks/echo",
		Body: []byte(`{"id":"m1","from":"5491155550000","text":"hola"}`),
	}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.Status)
	assert.JSONEq(t, `{"echo":"» hola"}`, string(resp.Body))
	require.Len(t, resp.Messages, 1)
	assert.Equal(t, "m1", resp.Messages[0].ExternalID)
	assert.Equal(t, channel.TypeText, resp.Messages[0].Type)

	sent, err := ch.Send(ctx, channel.SendRequest{To: "5491155550000", Text: &channel.Text{Body: "¡Hola! ¿Para qué fechas?"}})
	require.NoError(t, err)
	assert.NotEmpty(t, sent.ExternalID)
	voice, err := ch.Send(ctx, channel.SendRequest{To: "5491155550000", Audio: &channel.Audio{Data: []byte("OggS-voice"), MIME: "audio/ogg", Voice: true}})
	require.NoError(t, err)
	media, err := ch.FetchMedia(ctx, channel.FetchMediaRequest{MediaID: voice.ExternalID})
	require.NoError(t, err)
	assert.Equal(t, []byte("OggS-voice"), media.Data)

	out, err := ch.HandleWebhook(ctx, channel.WebhookRequest{WebhookRequest: plugin.WebhookRequest{
		Method: http.MethodGet, Query: url.Values{"to": {"5491155550000"}},
	}})
	require.NoError(t, err)
	var listed struct{ Sent []string }
	require.NoError(t, json.Unmarshal(out.Body, &listed))
	assert.Equal(t, []string{"¡Hola! ¿Para qué fechas?", "[audio " + voice.ExternalID + "]"}, listed.Sent)

	_, err = ch.Send(ctx, channel.SendRequest{To: "5491155550000", Template: &channel.Template{Name: "x"}})
	require.ErrorIs(t, err, plugin.ErrUnsupported)

	require.NoError(t, p.Stop(ctx))
	require.Eventually(t, p.Exited, 5*time.Second, 20*time.Millisecond)

	// The plugin's own log line reached the host's slog, under the plugin's name, with
	// the trace id the host sent.
	assert.Contains(t, logs.String(), `"msg":"message received"`)
	assert.Contains(t, logs.String(), `"plugin":"echo-test"`)
	assert.Contains(t, logs.String(), `"trace_id":"trace-echo-1"`)
}

func TestBinaryRefusesToRunByHand(t *testing.T) {
	out, err := exec.Command(binary).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "This binary is a plugin")
}

func TestChecksumMismatchRefusesToStart(t *testing.T) {
	_, err := host.Start(context.Background(), host.Config{Name: "echo-bad-sum", Path: binary, SHA256: "00"})
	require.ErrorIs(t, err, host.ErrChecksumMismatch)
}

// docs/plugins.md shows this example complete; it must not drift from the code.
func TestDocsShowTheExampleVerbatim(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/plugins.md")
	require.NoError(t, err)
	for _, f := range []string{"main.go", "echo.go"} {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.Contains(t, string(doc), "```go\n"+string(src)+"```", "%s differs from docs/plugins.md", f)
	}
	main, err := os.ReadFile("main.go")
	require.NoError(t, err)
	assert.Less(t, bytes.Count(main, []byte("\n")), 30, "the example's main stays under 30 lines")
}
