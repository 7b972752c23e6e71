package plugintest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/internal/transport"
	"github.com/conserje/conserje/sdk/plugin"
)

// Option tunes a conformance suite.
type Option func(*options)

type options struct {
	settings      map[string]any
	noUpstream    bool
	audio         []byte
	audioMIME     string
	callTimeout   time.Duration
	conformanceID string
}

// WithSettings are the settings the suite Configures the plugin with (by default none).
// They must satisfy the plugin's settings schema; point URLs at local fakes
// (httptest servers) rather than real providers.
func WithSettings(settings map[string]any) Option {
	return func(o *options) { o.settings = settings }
}

// WithoutUpstream skips the checks that make the plugin talk to its provider or engine
// (sending, fetching, creating links, transcribing), keeping the ones a plugin must
// answer on its own.
func WithoutUpstream() Option {
	return func(o *options) { o.noUpstream = true }
}

// WithAudio is a speech sample for the STT suite to transcribe.
func WithAudio(data []byte, mime string) Option {
	return func(o *options) { o.audio, o.audioMIME = data, mime }
}

// WithCallTimeout bounds every call of the suite (default 30 s).
func WithCallTimeout(d time.Duration) Option {
	return func(o *options) { o.callTimeout = d }
}

func buildOptions(opts []Option) options {
	o := options{callTimeout: 30 * time.Second, conformanceID: "conformance"}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func (o options) ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(plugin.WithTraceID(context.Background(), "conformance-trace"), o.callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// lifecycleClient is what every host-side client offers.
type lifecycleClient interface {
	plugin.Lifecycle
	plugin.HealthChecker
}

// runLifecycle checks Describe, the settings schema, Configure, Health and concurrent use,
// and returns the description. Stop is checked by stopLast, after the kind's checks.
func runLifecycle(t *testing.T, c lifecycleClient, kind plugin.Kind, o options) plugin.Description {
	t.Helper()
	desc, err := c.Describe(o.ctx(t))
	require.NoError(t, err, "Describe")

	t.Run("describe", func(t *testing.T) {
		assert.Equal(t, kind, desc.Kind, "kind")
		assert.NotEmpty(t, desc.Name, "name")
		assert.NotEmpty(t, desc.Version, "version")
		assert.Equal(t, plugin.ProtocolVersion, desc.ProtocolVersion, "protocol version")
		again, err := c.Describe(o.ctx(t))
		require.NoError(t, err)
		assert.Equal(t, desc, again, "Describe must be stable")
	})
	t.Run("settings schema", func(t *testing.T) {
		if len(desc.SettingsSchema) == 0 {
			assert.Empty(t, o.settings, "the plugin declares no settings schema but the suite was given settings")
			return
		}
		_, err := transport.CompileSettingsSchema(desc.SettingsSchema)
		require.NoError(t, err, "the settings schema must be a valid JSON Schema")
		require.NoError(t, transport.ValidateSettings(desc.SettingsSchema, o.settings), "the suite's settings must satisfy the schema")
	})
	require.NoError(t, c.Configure(o.ctx(t), plugin.ConfigureRequest{Instance: o.conformanceID, Settings: o.settings}), "Configure")
	t.Run("configure again", func(t *testing.T) {
		// The host configures again after every restart of the process, and may reload.
		require.NoError(t, c.Configure(o.ctx(t), plugin.ConfigureRequest{Instance: o.conformanceID, Settings: o.settings}))
	})
	t.Run("health", func(t *testing.T) {
		require.NoError(t, c.Health(o.ctx(t)))
	})
	t.Run("concurrent describe and health", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 8 {
			wg.Go(func() {
				if _, err := c.Describe(o.ctx(t)); err != nil {
					errs <- err
				}
				if err := c.Health(o.ctx(t)); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
	})
	return desc
}

// stopLast checks that Stop succeeds; it runs after every other check.
func stopLast(t *testing.T, c lifecycleClient, o options) {
	t.Run("stop", func(t *testing.T) {
		require.NoError(t, c.Stop(o.ctx(t)))
	})
}

// junkWebhook is a request no provider sends: plugins must answer it (4xx) rather than
// fail, so the core never retries garbage.
func junkWebhook() plugin.WebhookRequest {
	return plugin.WebhookRequest{
		Method:  "POST",
		Path:    "/webhooks/conformance",
		Headers: map[string][]string{"Content-Type": {"application/json"}},
		Body:    []byte(`{"this is":"not a provider payload"`),
	}
}

func assertHTTPStatus(t *testing.T, status int) {
	t.Helper()
	if status == 0 {
		return
	}
	assert.GreaterOrEqual(t, status, 100, "HTTP status")
	assert.LessOrEqual(t, status, 599, "HTTP status")
}
