package app_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/store/storetest"
)

// TestMetricsFollowAConversationThroughServe drives a guest through serve — a message the
// bot cannot read, the request, the pick, the payment — and reads /metrics as Prometheus
// would: the fallback is counted as a fallback (not an answer), every answer has a response
// time, and the paid hold walks the whole funnel.
func TestMetricsFollowAConversationThroughServe(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.Plugins = []config.Plugin{{Name: "pay", Path: pluginBinary(t, "./testdata/payplugin"), CallTimeout: 5 * time.Second, Settings: map[string]any{}}}
	cfg.Payments.Plugin = "pay"
	_, base := serveSeeded(t, cfg)

	before := scrape(t, base)
	assert.Equal(t, 0.0, before.value("conserje_funnel_total", `stage="conversations_started"`))

	say := func(convID, text string) (string, string) {
		body, _ := json.Marshal(map[string]string{"conversation_id": convID, "text": text})
		resp, err := http.Post(base+"/api/v1/chat", "application/json", strings.NewReader(string(body)))
		require.NoError(t, err)
		defer resp.Body.Close()
		var r struct {
			ConversationID string `json:"conversation_id"`
			Replies        []struct {
				Text string `json:"text"`
			} `json:"replies"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
		all := ""
		for _, x := range r.Replies {
			all += x.Text + "\n"
		}
		return r.ConversationID, all
	}
	conv, _ := say("", "asdf qwerty zxcv")
	afterFallback := scrape(t, base)
	assert.Equal(t, 1.0, afterFallback.sum("conserje_conversation_turns_total", `channel="webchat"`, `outcome="fallback"`))
	assert.Equal(t, 0.0, afterFallback.sum("conserje_conversation_turns_total", `outcome="answered"`), "gibberish is not an answer")
	assert.Equal(t, 1.0, afterFallback.value("conserje_fallbacks_total", ""))
	assert.Equal(t, 1.0, afterFallback.sum("conserje_conversations_started_total", `channel="webchat"`))

	_, _ = say(conv, "Hola, para 4 del 5 al 8/1")
	_, reply := say(conv, "Cabaña Robles")
	m := regexp.MustCompile(`https://pay\.example/checkout/(RES\d{9})`).FindStringSubmatch(reply)
	require.NotNil(t, m, "the hold message carries the payment link: %s", reply)
	notify := `{"id":"pay-m1","reference":"` + m[1] + `","status":"approved","amount":4050000}`
	resp, err := http.Post(base+"/webhooks/pay", "application/json", strings.NewReader(notify))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	after := scrape(t, base)
	for stage, want := range map[string]float64{
		"conversations_started": 1, "offers": 1, "holds": 1, "holds_expired": 0, "paid": 1, "confirmed": 1,
	} {
		assert.Equal(t, want, after.value("conserje_funnel_total", `stage="`+stage+`"`), "funnel stage %s", stage)
	}
	assert.Equal(t, 1.0, after.sum("conserje_conversations_started_total", `channel="webchat"`), "one guest, one conversation")
	answered := after.sum("conserje_conversation_turns_total", `channel="webchat"`, `outcome="answered"`)
	assert.Equal(t, 2.0, answered)
	assert.Equal(t, 3.0, after.sum("conserje_response_seconds_count", `channel="webchat"`, `modality="text"`),
		"each message answered within its request has a response time")
	assert.Equal(t, 1.0, after.sum("conserje_stats_scrape_ok", ""))
}

// metrics is one /metrics page.
type metrics struct{ lines []string }

func scrape(t *testing.T, base string) metrics {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m metrics
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			m.lines = append(m.lines, line)
		}
	}
	return m
}

// sum adds the samples of name whose labels contain every matcher (`key="value"`).
func (m metrics) sum(name string, matchers ...string) float64 {
	total := 0.0
	for _, line := range m.lines {
		series, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		metric, labels, _ := strings.Cut(series, "{")
		if metric != name {
			continue
		}
		match := true
		for _, want := range matchers {
			if want != "" && !strings.Contains(labels, want) {
				match = false
			}
		}
		if !match {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err == nil {
			total += v
		}
	}
	return total
}

// value is the sample of name with exactly one matcher (or none).
func (m metrics) value(name, matcher string) float64 { return m.sum(name, matcher) }
