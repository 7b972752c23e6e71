package pluginhost

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/host"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fastOptions make supervision react in milliseconds so tests stay short.
func fastOptions(logs *syncBuffer) Options {
	return Options{
		Logger:       slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PingInterval: time.Hour, // tests that need pings set their own
		BackoffMin:   10 * time.Millisecond,
		BackoffMax:   80 * time.Millisecond,
		CrashBudget:  3,
		CrashWindow:  time.Minute,
		StopTimeout:  time.Second,
	}
}

func newHost(t *testing.T, specs []Spec, opts Options) *Host {
	t.Helper()
	h, err := New(specs, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Stop(context.Background()) })
	return h
}

func status(h *Host, name string) PluginStatus {
	for _, st := range h.Status() {
		if st.Name == name {
			return st
		}
	}
	return PluginStatus{}
}

func transcribe(t *testing.T, h *Host, name, command string) (speech.TranscribeResponse, error) {
	t.Helper()
	stt, err := h.STT(name)
	require.NoError(t, err)
	return stt.Transcribe(context.Background(), speech.TranscribeRequest{Audio: []byte(command), MIME: "text/plain"})
}

func pluginPid(t *testing.T, h *Host, name string) int {
	t.Helper()
	r, err := transcribe(t, h, name, "pid")
	require.NoError(t, err)
	pid, err := strconv.Atoi(r.Text)
	require.NoError(t, err)
	return pid
}

func TestStartCallStop(t *testing.T) {
	logs := &syncBuffer{}
	h := newHost(t, []Spec{
		{Name: "echo", Kind: plugin.KindChannel, Path: echoBin, Settings: map[string]any{"prefix": "» "}},
		{Name: "stt", Path: misbehaveBin},
	}, fastOptions(logs))
	require.NoError(t, h.Start(context.Background()))

	st := h.Status()
	require.Len(t, st, 2)
	for _, s := range st {
		assert.Equal(t, StateUp, s.State, s.Name)
		assert.True(t, s.Healthy, s.Name)
		assert.Positive(t, s.PID, s.Name)
	}
	assert.Equal(t, plugin.KindChannel, st[0].Kind)
	assert.Equal(t, plugin.KindSTT, st[1].Kind, "kind learnt from Describe")

	ch, err := h.Channel("echo")
	require.NoError(t, err)
	resp, err := ch.HandleWebhook(context.Background(), channel.WebhookRequest{WebhookRequest: plugin.WebhookRequest{
		Method: "POST", Body: []byte(`{"id":"1","from":"5491100000001","text":"hola"}`),
	}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"echo":"» hola"}`, string(resp.Body), "settings reached the plugin")
	r, err := transcribe(t, h, "stt", "ok")
	require.NoError(t, err)
	assert.Equal(t, "ok", r.Text)
	require.NoError(t, h.Ping(context.Background(), "stt"))

	pids := []int{st[0].PID, st[1].PID}
	require.NoError(t, h.Stop(context.Background()))
	for _, pid := range pids {
		assert.True(t, processGone(pid), "pid %d still running after Stop", pid)
	}
	for _, s := range h.Status() {
		assert.Equal(t, StateStopped, s.State)
	}
	_, err = transcribe(t, h, "stt", "ok")
	require.ErrorIs(t, err, ErrPluginDown)
}

func TestRestartAfterKill9(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := fastOptions(&syncBuffer{})
	opts.Registerer = reg
	h := newHost(t, []Spec{{Name: "stt", Path: misbehaveBin}}, opts)
	require.NoError(t, h.Start(context.Background()))
	first := pluginPid(t, h, "stt")

	require.NoError(t, syscall.Kill(first, syscall.SIGKILL))
	_, err := transcribe(t, h, "stt", "ok")
	require.ErrorIs(t, err, ErrPluginDown, "a call right after the crash fails as down, not as a plugin answer")

	waitFor(t, "the plugin to be restarted", func() bool {
		s := status(h, "stt")
		return s.State == StateUp && s.Restarts == 1
	})
	second := pluginPid(t, h, "stt")
	assert.NotEqual(t, first, second)
	assert.Contains(t, status(h, "stt").LastError, "exited")
	assert.Equal(t, 1.0, metricValue(t, h.m.restarts.WithLabelValues("stt")))
	assert.Equal(t, 1.0, metricValue(t, h.m.up.WithLabelValues("stt")))
}

func TestCrashBudgetMarksDown(t *testing.T) {
	opts := fastOptions(&syncBuffer{})
	opts.CrashBudget = 2
	h := newHost(t, []Spec{{Name: "crashy", Path: misbehaveBin, Settings: map[string]any{"exit_on_configure": true}}}, opts)
	require.Error(t, h.Start(context.Background()), "the first start fails")

	waitFor(t, "the plugin to be down", func() bool { return status(h, "crashy").State == StateDown })
	s := status(h, "crashy")
	assert.Equal(t, 2, s.Restarts, "budget of 2 restarts, then down")
	assert.Contains(t, s.LastError, "crashes within")
	assert.Zero(t, s.PID)
	assert.Equal(t, 0.0, metricValue(t, h.m.up.WithLabelValues("crashy")))
	waitFor(t, "the next probe to be scheduled", func() bool { return status(h, "crashy").NextTry != nil })
	s = status(h, "crashy")
	assert.WithinDuration(t, s.Since.Add(time.Minute), *s.NextTry, 5*time.Second, "down: re-probed after Reprobe (default 1 min)")

	_, err := transcribe(t, h, "crashy", "ok")
	require.ErrorIs(t, err, ErrPluginDown)
	assert.Contains(t, err.Error(), "plugin is down")

	require.NoError(t, h.Restart("crashy"))
	waitFor(t, "the restarted plugin to spend its fresh budget", func() bool {
		s := status(h, "crashy")
		return s.State == StateDown && s.Restarts == 4
	})
	require.Error(t, h.Restart("nope"))
}

func TestDeadlineExceeded(t *testing.T) {
	h := newHost(t, []Spec{{Name: "stt", Path: misbehaveBin, CallTimeout: 200 * time.Millisecond}}, fastOptions(&syncBuffer{}))
	require.NoError(t, h.Start(context.Background()))

	_, err := transcribe(t, h, "stt", "sleep")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, ErrPluginDown)

	r, err := transcribe(t, h, "stt", "ok")
	require.NoError(t, err, "the plugin is still up after a slow call")
	assert.Equal(t, "ok", r.Text)
	assert.Equal(t, 0, status(h, "stt").Restarts)
}

func TestPanicBecomesError(t *testing.T) {
	h := newHost(t, []Spec{{Name: "stt", Path: misbehaveBin}}, fastOptions(&syncBuffer{}))
	require.NoError(t, h.Start(context.Background()))
	pid := pluginPid(t, h, "stt")

	_, err := transcribe(t, h, "stt", "panic")
	require.ErrorIs(t, err, plugin.ErrPanicked)
	assert.Contains(t, err.Error(), "misbehave asked to panic")

	assert.Equal(t, pid, pluginPid(t, h, "stt"), "same process still serving")
	assert.Equal(t, 0, status(h, "stt").Restarts)
	assert.Equal(t, 1.0, metricValue(t, h.m.errors.WithLabelValues("stt", "Transcribe")))
}

func TestExitDuringCall(t *testing.T) {
	h := newHost(t, []Spec{{Name: "stt", Path: misbehaveBin}}, fastOptions(&syncBuffer{}))
	require.NoError(t, h.Start(context.Background()))

	_, err := transcribe(t, h, "stt", "exit")
	require.ErrorIs(t, err, ErrPluginDown)
	require.ErrorIs(t, err, host.ErrTransport)
	waitFor(t, "the plugin to be back", func() bool {
		s := status(h, "stt")
		return s.State == StateUp && s.Restarts == 1
	})
	_, err = transcribe(t, h, "stt", "ok")
	require.NoError(t, err)
}

func TestHungPluginIsRestarted(t *testing.T) {
	opts := fastOptions(&syncBuffer{})
	opts.PingInterval = 50 * time.Millisecond
	opts.PingTimeout = 50 * time.Millisecond
	opts.PingFailures = 2
	opts.CrashBudget = 100
	h := newHost(t, []Spec{{Name: "hung", Path: misbehaveBin, Settings: map[string]any{"hang_health": true}}}, opts)
	require.NoError(t, h.Start(context.Background()))
	first := status(h, "hung").PID

	waitFor(t, "the hung plugin to be restarted", func() bool { return status(h, "hung").Restarts >= 1 })
	assert.Contains(t, status(h, "hung").LastError, "health pings")
	waitFor(t, "the hung process to be killed", func() bool { return processGone(first) })
}

func TestStopKillsAPluginThatWillNotStop(t *testing.T) {
	opts := fastOptions(&syncBuffer{})
	opts.StopTimeout = 100 * time.Millisecond
	h := newHost(t, []Spec{{Name: "stubborn", Path: misbehaveBin, Settings: map[string]any{"hang_stop": true}}}, opts)
	require.NoError(t, h.Start(context.Background()))
	pid := status(h, "stubborn").PID

	err := h.Stop(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded, "Stop reports the plugin's Stop timing out")
	assert.True(t, processGone(pid), "killed after its Stop timed out")
}

func TestPermanentStartProblemsGoDownAtOnce(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want error
	}{
		{"kind mismatch", Spec{Name: "p", Kind: plugin.KindCalendar, Path: echoBin}, ErrWrongKind},
		{"checksum mismatch", Spec{Name: "p", Path: echoBin, SHA256: "0000"}, host.ErrChecksumMismatch},
		{"invalid settings", Spec{Name: "p", Path: echoBin, Settings: map[string]any{"prefix": 3}}, plugin.ErrInvalidSettings},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t, []Spec{tc.spec}, fastOptions(&syncBuffer{}))
			err := h.Start(context.Background())
			require.ErrorIs(t, err, tc.want)
			waitFor(t, "down", func() bool { return status(h, "p").State == StateDown })
			assert.Equal(t, 0, status(h, "p").Restarts, "no point restarting")
		})
	}
}

func TestAccessors(t *testing.T) {
	h := newHost(t, []Spec{
		{Name: "echo", Path: echoBin},
		{Name: "stt", Kind: plugin.KindSTT, Path: misbehaveBin},
	}, fastOptions(&syncBuffer{}))

	_, err := h.Calendar("nope")
	require.ErrorIs(t, err, ErrUnknownPlugin)
	_, err = h.Calendar("stt")
	require.ErrorIs(t, err, ErrWrongKind, "configured kind known before start")
	_, err = h.TTS("stt")
	require.ErrorIs(t, err, ErrWrongKind)

	cal, err := h.Calendar("echo")
	require.NoError(t, err, "kind unknown before start")
	_, err = cal.Fetch(context.Background(), calendarFetch())
	require.ErrorIs(t, err, ErrPluginDown, "not started yet")

	require.NoError(t, h.Start(context.Background()))
	_, err = cal.Fetch(context.Background(), calendarFetch())
	require.ErrorIs(t, err, ErrWrongKind, "the binary turned out to be a channel")
	_, err = h.Calendar("echo")
	require.ErrorIs(t, err, ErrWrongKind)
	_, err = h.Payment("echo")
	require.ErrorIs(t, err, ErrWrongKind)
	_, err = h.Channel("echo")
	require.NoError(t, err)
}

func TestLogsAndTraceIDReachTheCore(t *testing.T) {
	type traceKey struct{}
	logs := &syncBuffer{}
	opts := fastOptions(logs)
	opts.TraceID = func(ctx context.Context) string {
		id, _ := ctx.Value(traceKey{}).(string)
		return id
	}
	h := newHost(t, []Spec{{Name: "echo", Path: echoBin}}, opts)
	require.NoError(t, h.Start(context.Background()))
	ch, err := h.Channel("echo")
	require.NoError(t, err)

	ctx := context.WithValue(context.Background(), traceKey{}, "req-7f3a")
	_, err = ch.HandleWebhook(ctx, channel.WebhookRequest{WebhookRequest: plugin.WebhookRequest{
		Method: "POST", Body: []byte(`{"id":"1","from":"5491100000001","text":"hola"}`),
	}})
	require.NoError(t, err)
	waitFor(t, "the plugin's log line", func() bool {
		return bytes.Contains([]byte(logs.String()), []byte(`"msg":"message received"`))
	})
	assert.Contains(t, logs.String(), `"plugin":"echo"`)
	assert.Contains(t, logs.String(), `"trace_id":"req-7f3a"`)
}

func TestMetricsRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := fastOptions(&syncBuffer{})
	opts.Registerer = reg
	h := newHost(t, []Spec{{Name: "stt", Path: misbehaveBin}}, opts)
	require.NoError(t, h.Start(context.Background()))
	for range 3 {
		_, err := transcribe(t, h, "stt", "ok")
		require.NoError(t, err)
	}
	var m dto.Metric
	require.NoError(t, h.m.calls.WithLabelValues("stt", "Transcribe").(prometheus.Metric).Write(&m))
	assert.Equal(t, uint64(3), m.GetHistogram().GetSampleCount())
	families, err := reg.Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, want := range []string{"conserje_plugin_up", "conserje_plugin_restarts_total", "conserje_plugin_call_duration_seconds"} {
		assert.True(t, names[want], want)
	}
	_, err = New(nil, Options{Registerer: reg})
	require.Error(t, err, "a second host on the same registry is refused")
}

func TestInvalidSpecs(t *testing.T) {
	_, err := New([]Spec{{Name: "a", Path: "/x"}, {Name: "a", Path: ""}, {Name: "b", Path: "/y", Kind: "fax"}}, Options{})
	require.Error(t, err)
	for _, want := range []string{"name used twice", "no path", `unknown kind "fax"`} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestNoOrphansWhenTheCoreDies(t *testing.T) {
	helper, pid := startHelper(t, misbehaveBin)
	require.False(t, processGone(pid), "plugin running under the helper")

	require.NoError(t, helper.Process.Signal(syscall.SIGKILL))
	_ = helper.Wait()
	waitFor(t, "the orphaned plugin to exit", func() bool { return processGone(pid) })
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n    int
		want time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{10, time.Second},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.n), func(t *testing.T) {
			assert.Equal(t, tc.want, backoff(tc.n, 100*time.Millisecond, time.Second))
		})
	}
}

func calendarFetch() calendar.FetchRequest {
	return calendar.FetchRequest{URL: "https://example.invalid/feed.ics"}
}

// metricValue reads a gauge or counter.
func metricValue(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	var m dto.Metric
	require.NoError(t, c.(prometheus.Metric).Write(&m))
	if m.GetGauge() != nil {
		return m.GetGauge().GetValue()
	}
	return m.GetCounter().GetValue()
}

func TestMaxConcurrency(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := fastOptions(&syncBuffer{})
	opts.Registerer = reg
	h := newHost(t, []Spec{{Name: "stt", Path: misbehaveBin, MaxConcurrency: 1, CallTimeout: 30 * time.Second}}, opts)
	require.NoError(t, h.Start(context.Background()))
	stt, err := h.STT("stt")
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	sleep := func() {
		go func() {
			_, err := stt.Transcribe(ctx, speech.TranscribeRequest{Audio: []byte("sleep"), MIME: "text/plain"})
			done <- err
		}()
	}
	sleep()
	var busyErr error
	waitFor(t, "a call to be refused while another is in flight", func() bool {
		select {
		case err := <-done:
			// The probe below took the slot first and the sleeper was refused: again.
			require.ErrorIs(t, err, ErrBusy)
			sleep()
		default:
		}
		_, busyErr = transcribe(t, h, "stt", "ok")
		return busyErr != nil
	})
	require.ErrorIs(t, busyErr, ErrBusy)
	require.ErrorIs(t, busyErr, plugin.ErrRateLimited, "callers treat it as retry-later")
	assert.Equal(t, StateUp, status(h, "stt").State, "a busy plugin is not down")

	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	r, err := transcribe(t, h, "stt", "ok")
	require.NoError(t, err, "the slot is free again")
	assert.Equal(t, "ok", r.Text)
	assert.GreaterOrEqual(t, testutil.ToFloat64(h.m.busy.WithLabelValues("stt", "Transcribe")), 1.0)
}

func TestPerPluginStartTimeout(t *testing.T) {
	opts := fastOptions(&syncBuffer{})
	opts.StartTimeout = 1500 * time.Millisecond // room for the quick plugin on a busy machine
	slow := map[string]any{"configure_delay_ms": 4000.0}
	h := newHost(t, []Spec{
		{Name: "model", Path: misbehaveBin, Settings: slow, StartTimeout: 20 * time.Second},
		{Name: "quick", Path: misbehaveBin},
	}, opts)
	require.NoError(t, h.Start(context.Background()), "a plugin with its own longer start timeout is not waited for")
	_, err := transcribe(t, h, "quick", "ok")
	require.NoError(t, err, "the others answer meanwhile")
	if status(h, "model").State == StateStarting {
		_, err := transcribe(t, h, "model", "ok")
		require.ErrorIs(t, err, ErrPluginDown, "calls fail fast while it loads")
	}
	waitFor(t, "the slow plugin up", func() bool { return status(h, "model").State == StateUp })
	r, err := transcribe(t, h, "model", "ok")
	require.NoError(t, err)
	assert.Equal(t, "ok", r.Text)

	t.Run("the host's bound applies without one", func(t *testing.T) {
		h := newHost(t, []Spec{{Name: "model", Path: misbehaveBin, Settings: slow}}, opts)
		require.Error(t, h.Start(context.Background()))
	})
}

func TestProviderOutageAtConfigureIsNotACrash(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "provider-up")
	opts := fastOptions(&syncBuffer{})
	h := newHost(t, []Spec{{Name: "wa", Path: misbehaveBin, Settings: map[string]any{"unavailable_until": flag}}}, opts)
	err := h.Start(context.Background())
	require.ErrorIs(t, err, plugin.ErrUnavailable)
	// Far more failed configures than the crash budget (3): still retried, never down.
	waitFor(t, "several retries", func() bool {
		st := status(h, "wa")
		return strings.Contains(st.LastError, "provider unreachable") && st.State == StateRestarting
	})
	time.Sleep(300 * time.Millisecond)
	st := status(h, "wa")
	assert.NotEqual(t, StateDown, st.State)
	assert.Equal(t, 0, st.Restarts, "not counted as crashes")
	require.NoError(t, os.WriteFile(flag, nil, 0o600))
	waitFor(t, "up once the provider answers", func() bool { return status(h, "wa").State == StateUp })
}

func TestDownPluginIsProbedAgain(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "fixed")
	opts := fastOptions(&syncBuffer{})
	opts.Reprobe = 100 * time.Millisecond
	h := newHost(t, []Spec{{Name: "p", Path: misbehaveBin, Settings: map[string]any{"crash_until": flag}}}, opts)
	_ = h.Start(context.Background())
	waitFor(t, "down after the crash budget", func() bool { return status(h, "p").State == StateDown })
	assert.NotEmpty(t, status(h, "p").LastError, "healthz says why")
	require.NoError(t, os.WriteFile(flag, nil, 0o600))
	waitFor(t, "back by itself", func() bool { return status(h, "p").State == StateUp })
	assert.Nil(t, status(h, "p").NextTry, "up: nothing scheduled")
}

// TestPluginsGetAMinimalEnvironment starts the real misbehave binary with secrets in the
// core's environment and reads the plugin's own environment back (issue 10, item 16):
// what a program needs to run, go-plugin's handshake and the log level; no CONSERJE_*
// variable and no other secret. Settings still arrive at Configure.
func TestPluginsGetAMinimalEnvironment(t *testing.T) {
	t.Setenv("CONSERJE_DATABASE_URL", "postgres://conserje:db-s3cret@db/conserje")
	t.Setenv("CONSERJE_API_TOKEN", "api-s3cret-0123456789")
	t.Setenv("CONSERJE_PLUGINS_1_SETTINGS_ACCESS_TOKEN", "other-plugin-s3cret")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-s3cret")
	t.Setenv("TZ", "America/Argentina/Buenos_Aires")
	h := newHost(t, []Spec{{Name: "stt", Path: misbehaveBin, Settings: map[string]any{"configure_delay_ms": 1.0}}}, fastOptions(&syncBuffer{}))
	require.NoError(t, h.Start(context.Background()))

	r, err := transcribe(t, h, "stt", "env")
	require.NoError(t, err)
	env := map[string]string{}
	for _, kv := range strings.Split(r.Text, "\n") {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	assert.NotContains(t, r.Text, "s3cret", "no secret of the core reaches a plugin")
	for name := range env {
		// The CONSERJE_PLUGIN_ variables are the SDK's own: the handshake's magic cookie
		// and the level the plugin logs at.
		if name != "CONSERJE_PLUGIN_LOG_LEVEL" && name != "CONSERJE_PLUGIN_MAGIC_COOKIE" {
			assert.False(t, strings.HasPrefix(name, "CONSERJE_"), "plugin got %s", name)
		}
	}
	assert.NotContains(t, env, "AWS_SECRET_ACCESS_KEY")
	assert.Contains(t, env, "PLUGIN_PROTOCOL_VERSIONS", "go-plugin's handshake still reaches it")
	assert.Contains(t, env, "CONSERJE_PLUGIN_LOG_LEVEL")
	assert.Equal(t, os.Getenv("PATH"), env["PATH"])
	assert.Equal(t, "America/Argentina/Buenos_Aires", env["TZ"])
	if home, ok := os.LookupEnv("HOME"); ok {
		assert.Equal(t, home, env["HOME"])
	}
}
