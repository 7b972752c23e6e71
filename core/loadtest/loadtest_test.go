package loadtest_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/loadtest"
	"github.com/conserje/conserje/core/store/storetest"
)

const (
	appSecret = "app-secret-0123456789"
	apiToken  = "api-token-0123456789abcdef"
)

// serve runs conserje on PostgreSQL with the demo, a whatsapp channel plugin (the test
// plugin of testdata/whatsapp, verifying signatures with appSecret) and the web chat's
// per-IP limit raised, as a load test target must be; it returns the base URL.
func serve(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "whatsapp")
	out, err := exec.Command("go", "build", "-o", bin, "./testdata/whatsapp").CombinedOutput()
	require.NoError(t, err, "build the whatsapp test plugin:\n%s", out)

	cfg := config.Default()
	cfg.Database.URL = storetest.PostgresURL(t)
	cfg.ICSSalt = "test-salt-0123456789abcdef"
	cfg.API.Token = apiToken
	cfg.Dialogs.Dir, cfg.Dialogs.LocalesDir, cfg.Dialogs.Reload = "../../dialogs", "../../locales", false
	cfg.Calendar.Plugin = ""
	cfg.Chat.RatePerMinute = 100000
	cfg.Plugins = []config.Plugin{{Name: "whatsapp", Path: bin, CallTimeout: 10 * time.Second,
		Settings: map[string]any{"verify_token": "verify-0123", "app_secret": appSecret}}}
	require.NoError(t, cfg.Validate())

	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	_, err = demo.Seed(ctx, a.DB, "")
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
		_ = a.Close(context.Background())
	})
	require.Eventually(t, func() bool {
		st := a.Plugins.Status()
		return len(st) == 1 && st[0].State == "up"
	}, 30*time.Second, 50*time.Millisecond, "the whatsapp plugin is up")
	return "http://" + ln.Addr().String()
}

// TestAgainstServe runs each scenario against a real conserje in a short bounded run.
func TestAgainstServe(t *testing.T) {
	base := serve(t)
	for _, tc := range []struct {
		scenario     string
		cfg          loadtest.Config
		perArrival   int // requests per arrival
		mayBeRefused bool
	}{
		{scenario: "webchat", cfg: loadtest.Config{Turns: []string{"Hola, tienen lugar para 4 del 10 al 13 de marzo?", "Aceptan mascotas?"}}, perArrival: 2},
		{scenario: "whatsapp", cfg: loadtest.Config{AppSecret: appSecret}, perArrival: 1},
		{scenario: "holds", cfg: loadtest.Config{APIToken: apiToken}, perArrival: 2, mayBeRefused: true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Target, cfg.Scenario, cfg.Rate, cfg.Duration = base, tc.scenario, 10, 600*time.Millisecond
			res, err := loadtest.Run(context.Background(), cfg)
			require.NoError(t, err)
			var out strings.Builder
			require.NoError(t, res.Write(&out))
			t.Log("\n" + out.String())

			assert.Equal(t, 6, res.Arrivals, "10/s for 0.6 s starts 6 arrivals")
			assert.Zero(t, res.Dropped)
			assert.Empty(t, res.Errors, out.String())
			if tc.mayBeRefused {
				// A refused hold makes one request instead of two.
				assert.GreaterOrEqual(t, res.Requests, res.Arrivals)
			} else {
				assert.Equal(t, tc.perArrival*res.Arrivals, res.Requests)
			}
			assert.Equal(t, res.Requests, res.OK+res.Rejected)
			assert.Equal(t, res.Requests, res.Latency.Count)
			assert.Positive(t, res.Latency.P50)
			assert.LessOrEqual(t, res.Latency.P50, res.Latency.P95)
			assert.LessOrEqual(t, res.Latency.P95, res.Latency.Max)
			assert.Equal(t, res.Arrivals, res.ArrivalLatency.Count)
			assert.Contains(t, out.String(), "p95")
		})
	}

	t.Run("a wrong app secret shows as errors", func(t *testing.T) {
		res, err := loadtest.Run(context.Background(), loadtest.Config{
			Target: base, Scenario: "whatsapp", AppSecret: "not-the-secret", Rate: 10, Duration: 300 * time.Millisecond,
		})
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"http 401": res.Arrivals}, res.Errors)
		assert.Zero(t, res.OK)
	})
}

func TestBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  loadtest.Config
		want string
	}{
		{"remote target", loadtest.Config{Target: "https://reservas.example.com", Scenario: "webchat", Rate: 1, Duration: time.Second}, "not a loopback address"},
		{"rate too high", loadtest.Config{Scenario: "webchat", Rate: 1000, Duration: time.Second}, "rate 1000/s"},
		{"duration too long", loadtest.Config{Scenario: "webchat", Rate: 1, Duration: time.Hour}, "duration 1h0m0s"},
		{"unknown scenario", loadtest.Config{Scenario: "email", Rate: 1, Duration: time.Second}, "holds, webchat, whatsapp"},
		{"whatsapp without secret", loadtest.Config{Scenario: "whatsapp", Rate: 1, Duration: time.Second}, "app secret"},
		{"holds without token", loadtest.Config{Scenario: "holds", Rate: 1, Duration: time.Second}, "API token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			err := cfg.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	ok := loadtest.Config{Target: "https://reservas.example.com", AllowRemote: true, Scenario: "webchat", Rate: 5, Duration: time.Second}
	assert.NoError(t, ok.Validate())
}

// TestOpenModelDropsWhatCannotStart: arrivals keep their schedule while the server is
// slow; past MaxInFlight they are dropped and counted, never queued.
func TestOpenModelDropsWhatCannotStart(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = fmt.Fprint(w, `{"conversation_id":"c1","replies":[]}`)
	}))
	defer slow.Close()
	go func() { time.Sleep(700 * time.Millisecond); close(release) }()
	res, err := loadtest.Run(context.Background(), loadtest.Config{
		Target: slow.URL, Scenario: "webchat", Turns: []string{"hola"}, Rate: 20, Duration: 500 * time.Millisecond, MaxInFlight: 3,
	})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Arrivals)
	assert.Equal(t, 7, res.Dropped, "10 due in 0.5 s, 3 in flight at most")
	assert.Equal(t, 3, res.OK)
}

func TestSignMatchesMeta(t *testing.T) {
	t.Parallel()
	// Meta's documented example shape: sha256= then lowercase hex of HMAC-SHA256(body).
	sig := loadtest.Sign("secret", []byte(`{"object":"whatsapp_business_account"}`))
	assert.Regexp(t, `^sha256=[0-9a-f]{64}$`, sig)
	assert.Equal(t, sig, loadtest.Sign("secret", []byte(`{"object":"whatsapp_business_account"}`)))
	assert.NotEqual(t, sig, loadtest.Sign("other", []byte(`{"object":"whatsapp_business_account"}`)))
}
