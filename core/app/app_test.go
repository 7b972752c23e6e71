package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/lock/locktest"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// testAPIToken is the API token of testConfig; /healthz shows its details only to it.
const testAPIToken = "test-api-token-0123456789"

func testConfig(t testing.TB, dbURL string) *config.Config {
	cfg := config.Default()
	cfg.Database.URL = dbURL
	cfg.Plugins = nil
	cfg.Calendar.Plugin = ""
	cfg.ICSSalt = "test-salt-0123456789abcdef"
	cfg.Dialogs.Dir = "../../dialogs"
	cfg.Dialogs.LocalesDir = "../../locales"
	cfg.Dialogs.Reload = false
	cfg.API.Token = testAPIToken
	require.NoError(t, cfg.Validate())
	return cfg
}

// start runs the app on a free port and returns its base URL; it is stopped at cleanup.
func start(t testing.TB, cfg *config.Config) (*app.App, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
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
	return a, "http://" + ln.Addr().String()
}

type health struct {
	Status string                     `json:"status"`
	Checks map[string]json.RawMessage `json:"checks"`
}

// getHealth reads /healthz with the API token, which sees the checks' details.
func getHealth(t *testing.T, base string) (int, health) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/healthz", nil)
	req.Header.Set("X-Request-ID", "probe-1")
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "probe-1", resp.Header.Get("X-Request-ID"))
	var h health
	body, _ := io.ReadAll(resp.Body)
	require.NoError(t, json.Unmarshal(body, &h), string(body))
	return resp.StatusCode, h
}

func TestHealthOnSQLite(t *testing.T) {
	a, base := start(t, testConfig(t, storetest.SQLitePath(t)))
	code, h := getHealth(t, base)
	assert.Equal(t, 200, code)
	assert.Equal(t, "ok", h.Status)
	assert.Contains(t, string(h.Checks["db"]), `"status":"ok"`)

	// Anyone may probe /healthz, but only the API token sees the details (issue 10, 15).
	for _, auth := range []string{"", "Bearer wrong-token-0123456789", "Basic " + testAPIToken} {
		req, _ := http.NewRequest(http.MethodGet, base+"/healthz", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
		assert.JSONEq(t, `{"status":"ok"}`, string(body), "public answer with %q", auth)
	}

	require.NoError(t, a.DB.Close())
	code, h = getHealth(t, base)
	assert.Equal(t, 503, code)
	assert.Equal(t, "down", h.Status)
}

// TestHealthFollowsPostgresGoingAwayAndComingBack puts a TCP proxy between the server and
// PostgreSQL, cuts it, and restores it: /healthz must go 200 → 503 → 200 with no restart.
func TestHealthFollowsPostgresGoingAwayAndComingBack(t *testing.T) {
	target, err := url.Parse(storetest.PostgresURL(t))
	require.NoError(t, err)
	proxy := locktest.NewProxy(t, target.Host)
	viaProxy := *target
	viaProxy.Host = proxy.Addr
	_, base := start(t, testConfig(t, viaProxy.String()))

	code, _ := getHealth(t, base)
	require.Equal(t, 200, code)

	proxy.Stop()
	code, h := getHealth(t, base)
	assert.Equal(t, 503, code)
	assert.Contains(t, string(h.Checks["db"]), `"status":"down"`)

	proxy.Start(t)
	require.Eventually(t, func() bool { c, _ := getHealth(t, base); return c == 200 }, 10*time.Second, 100*time.Millisecond,
		"healthz returns to 200 once the database is back")
}

func TestBookingAPIIsServedWithTheConfiguredToken(t *testing.T) {
	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.API.Token = "integration-token-0123456789"
	a, base := start(t, cfg)
	_, err := demo.Seed(context.Background(), a.DB, "x")
	require.NoError(t, err)

	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/accommodations", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	req.Header.Set("Authorization", "Bearer integration-token-0123456789")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Contains(t, string(body), "Cabaña Robles")

	var n int
	require.NoError(t, a.DB.NewRaw("SELECT count(*) FROM holidays WHERE date = '2027-02-08'").Scan(context.Background(), &n))
	assert.Equal(t, 1, n, "the holiday calendar is loaded at start (carnaval 2027)")
}

func TestPluginsStartWithServeAndShowInHealth(t *testing.T) {
	bin := pluginBinary(t, "../../plugins/ical")
	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.Plugins = []config.Plugin{{Name: "ical", Path: bin, CallTimeout: 5 * time.Second}}
	cfg.Calendar.Plugin = "ical"
	require.NoError(t, cfg.Validate())
	a, base := start(t, cfg)
	require.NotNil(t, a.CalendarSync)

	code, h := getHealth(t, base)
	assert.Equal(t, 200, code)
	assert.Contains(t, string(h.Checks["plugins"]), `"state":"up"`)
	assert.Contains(t, string(h.Checks["plugins"]), `"kind":"calendar"`)
	assert.Equal(t, "null", string(h.Checks["ical_age_min"]), "no feeds configured yet")
}

// TestReceptionistEndToEnd talks to the whole server over HTTP, as the web chat page does.
func TestReceptionistEndToEnd(t *testing.T) {
	cfg := testConfig(t, storetest.SQLitePath(t))
	_, base := serveSeeded(t, cfg)

	page, err := http.Get(base + "/chat")
	require.NoError(t, err)
	page.Body.Close()
	assert.Equal(t, 200, page.StatusCode)

	var reply struct {
		ConversationID string `json:"conversation_id"`
		Replies        []struct {
			Text string `json:"text"`
		} `json:"replies"`
	}
	resp, err := http.Post(base+"/api/v1/chat", "application/json", strings.NewReader(`{"text":"Hola, para 4 del 5 al 8/1"}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, string(body))
	require.NoError(t, json.Unmarshal(body, &reply))
	require.NotEmpty(t, reply.ConversationID)
	require.NotEmpty(t, reply.Replies)
	all := ""
	for _, r := range reply.Replies {
		all += r.Text + "\n"
	}
	assert.Contains(t, all, "Cabaña Robles")
	assert.Contains(t, all, "Cabaña Coihue")
	assert.NotContains(t, all, "Depto Centro", "the 2-person unit is not offered to 4")

	login, err := http.Get(base + "/admin/login")
	require.NoError(t, err)
	login.Body.Close()
	assert.Equal(t, 200, login.StatusCode)

	feed, err := http.Get(base + "/ical/accommodation/1/not-the-token.ics")
	require.NoError(t, err)
	feed.Body.Close()
	assert.Equal(t, 404, feed.StatusCode)
}

// TestChannelWebhookRoundTrip drives a real channel plugin binary (the SDK's echo example)
// through /webhooks/echo: the guest's message reaches the dialog and the reply goes back
// out through the plugin's Send.
func TestChannelWebhookRoundTrip(t *testing.T) {
	bin := pluginBinary(t, "../../sdk/examples/echo")
	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.Plugins = []config.Plugin{{Name: "echo", Path: bin, CallTimeout: 5 * time.Second, Settings: map[string]any{}}}
	a, base := serveSeeded(t, cfg)

	post := func(body string) (int, string) {
		resp, err := http.Post(base+"/webhooks/echo", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post(`{"id":"wamid.1","from":"5493510001111","text":"Hola, para 4 del 5 al 8/1"}`)
	require.Equal(t, 200, code, body)
	assert.JSONEq(t, `{"echo":"echo: Hola, para 4 del 5 al 8/1"}`, body, "the plugin's own answer goes back to the provider")
	code, _ = post(`{"id":"wamid.1","from":"5493510001111","text":"Hola, para 4 del 5 al 8/1"}`)
	require.Equal(t, 200, code, "a provider's retry is accepted")

	var sent struct {
		Sent []string `json:"sent"`
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/webhooks/echo?to=5493510001111")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&sent) == nil && len(sent.Sent) > 0 && strings.Contains(strings.Join(sent.Sent, "\n"), "Cabaña Robles")
	}, 20*time.Second, 100*time.Millisecond, "the offer is sent through the plugin: %v", debugOutbox(t, a))

	var inbound int
	require.NoError(t, a.DB.NewRaw(`SELECT count(*) FROM messages WHERE direction = 'in' AND channel = 'echo'`).Scan(context.Background(), &inbound))
	assert.Equal(t, 1, inbound, "the retried delivery is stored once")

	code, body = post(`not json`)
	assert.Equal(t, 400, code, "the plugin's own rejection reaches the provider: %s", body)
	resp, err := http.Post(base+"/webhooks/nope", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)
}

func debugOutbox(t *testing.T, a *app.App) string {
	var rows []struct {
		Channel string `bun:"channel"`
		Status  string `bun:"status"`
		Err     string `bun:"last_error"`
	}
	_ = a.DB.NewRaw(`SELECT channel, status, last_error FROM outbox`).Scan(context.Background(), &rows)
	var msgs []struct {
		Dir    string `bun:"direction"`
		Text   string `bun:"text"`
		Status string `bun:"status"`
	}
	_ = a.DB.NewRaw(`SELECT direction, text, status FROM messages`).Scan(context.Background(), &msgs)
	return fmt.Sprintf("outbox=%+v messages=%+v", rows, msgs)
}

// TestPortalCalendarBlocksNightsThroughServe wires the whole import as serve runs it: the
// real iCal plugin fetches a portal's feed, the sync job stores its blocks, and the booking
// engine no longer offers those nights.
func TestPortalCalendarBlocksNightsThroughServe(t *testing.T) {
	bin := pluginBinary(t, "../../plugins/ical")
	// An Airbnb-style reservation a month from now, for 7 nights.
	first := store.DateOf(time.Now()).AddDays(30)
	feed := []byte(strings.Join([]string{
		"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN",
		"BEGIN:VEVENT", "DTSTAMP:20261101T120000Z",
		"DTSTART;VALUE=DATE:" + first.Time().Format("20060102"),
		"DTEND;VALUE=DATE:" + first.AddDays(7).Time().Format("20060102"),
		"SUMMARY:Reserved", "UID:e2e-1@airbnb.com", "END:VEVENT", "END:VCALENDAR", "",
	}, "\r\n"))
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		_, _ = w.Write(feed)
	}))
	defer portal.Close()

	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.Plugins = []config.Plugin{{Name: "ical", Path: bin, CallTimeout: 30 * time.Second, Settings: map[string]any{}}}
	cfg.Calendar.Plugin = "ical"
	a, _ := serveSeeded(t, cfg)
	ctx := context.Background()

	units, err := a.Booking.Units(ctx)
	require.NoError(t, err)
	robles := units[0].ID
	_, err = calendar.NewFeeds(a.DB.DB).Add(ctx, calendar.NewFeed{AccommodationID: robles, Platform: "airbnb", URL: portal.URL + "/robles.ics"})
	require.NoError(t, err)

	stay := booking.NewStay(first.AddDays(2), first.AddDays(5))
	offered := func() bool {
		res, err := a.Booking.Search(ctx, booking.SearchRequest{Stay: stay, Guests: 2})
		require.NoError(t, err)
		for _, o := range res.Offers {
			if o.Unit.ID == robles {
				return true
			}
		}
		return false
	}
	require.True(t, offered(), "free before the import")
	require.NoError(t, a.Jobs.RunNow(ctx, calendar.SyncJobName))
	assert.False(t, offered(), "the portal's booking blocks those nights here")
}

// TestPaymentLinkAndWebhookConfirm: with payments.plugin set, the hold's message carries
// the plugin's link, and the provider's approved notification confirms the booking.
func TestPaymentLinkAndWebhookConfirm(t *testing.T) {
	bin := pluginBinary(t, "./testdata/payplugin")
	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.Plugins = []config.Plugin{{Name: "pay", Path: bin, CallTimeout: 5 * time.Second, Settings: map[string]any{}}}
	cfg.Payments.Plugin = "pay"
	a, base := serveSeeded(t, cfg)

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
	conv, _ := say("", "Hola, para 4 del 5 al 8/1")
	_, reply := say(conv, "Cabaña Robles")
	m := regexp.MustCompile(`https://pay\.example/checkout/(RES\d{9})`).FindStringSubmatch(reply)
	require.NotNil(t, m, "the hold message carries the payment link: %s", reply)
	code := m[1]

	notify := `{"id":"pay-1","reference":"` + code + `","status":"approved","amount":4050000}`
	resp, err := http.Post(base+"/webhooks/pay", "application/json", strings.NewReader(notify))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	r, err := a.Booking.Get(context.Background(), code)
	require.NoError(t, err)
	assert.Equal(t, "confirmed", r.Status)
	assert.Equal(t, int64(4050000), r.PaidCents)

	// A cent does not pay a seña, and money for a cancelled reservation is acknowledged
	// (the provider must not retry forever) and put in front of staff.
	conv2, _ := say("", "Hola, para 2 del 5 al 8/2")
	_, reply = say(conv2, "Cabaña Robles")
	m = regexp.MustCompile(`https://pay\.example/checkout/(RES\d{9})`).FindStringSubmatch(reply)
	require.NotNil(t, m, "second hold: %s", reply)
	code2 := m[1]
	post := func(body string) int {
		resp, err := http.Post(base+"/webhooks/pay", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, 200, post(`{"id":"pay-2","reference":"`+code2+`","status":"approved","amount":1}`))
	r, err = a.Booking.Get(context.Background(), code2)
	require.NoError(t, err)
	assert.Equal(t, "pre_reserved", r.Status, "one cent confirms nothing")
	_, err = a.Booking.Cancel(context.Background(), code2, "test")
	require.NoError(t, err)
	for range 2 { // the provider's retry gets the same answer
		require.Equal(t, 200, post(`{"id":"pay-3","reference":"`+code2+`","status":"approved","amount":`+strconv.FormatInt(r.DepositCents, 10)+`}`))
	}
	reviews, err := a.Booking.PaymentReviews(context.Background(), 0)
	require.NoError(t, err)
	require.Len(t, reviews, 2)
	assert.Equal(t, booking.ReviewUnderpaid, reviews[0].Reason)
	assert.Equal(t, booking.ReviewCancelled, reviews[1].Reason)
}
