package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/plugins/whatsapp/graphfake"
)

// confirmationTemplate is the approved template of a booking confirmation, as a host
// configures it (docs/whatsapp.md).
var confirmationTemplate = map[string]config.ApprovedTemplate{"reserva_confirmada": {Name: "reserva_confirmada", Language: "es_AR",
	Params: []string{"guest.name", "reserva.code", "reserva.check_in", "reserva.check_out"}}}

// holdFor greets from guest on WhatsApp and holds unit nights [in, in+3) for their
// conversation; it returns the hold's code.
func holdFor(t *testing.T, a *app.App, base string, graph *graphfake.Server, guest string, unit int, in store.Date) string {
	t.Helper()
	ctx := context.Background()
	waText(t, base, guest, "wamid.hola-"+guest, "Hola")
	waitSentTo(t, graph, guest, 1)
	var conv int64
	require.NoError(t, a.DB.NewRaw(`SELECT id FROM conversations WHERE contact = ?`, guest).Scan(ctx, &conv))
	units, err := a.Booking.Units(ctx)
	require.NoError(t, err)
	hold, err := a.Booking.Hold(ctx, booking.HoldRequest{UnitID: units[unit].ID, Stay: booking.NewStay(in, in.AddDays(3)), Guests: 2,
		ConversationID: &conv, Guest: booking.Guest{Name: "Agustina"}})
	require.NoError(t, err)
	return hold.Code
}

// templateOf is the name and body parameters of a template message.
func templateOf(t *testing.T, m graphfake.Message) (string, []string) {
	t.Helper()
	var b struct {
		Template struct {
			Name       string
			Components []struct {
				Type       string
				Parameters []struct{ Text string }
			}
		}
	}
	require.NoError(t, json.Unmarshal(m.Body, &b))
	var params []string
	for _, c := range b.Template.Components {
		if c.Type == "body" {
			for _, p := range c.Parameters {
				params = append(params, p.Text)
			}
		}
	}
	return b.Template.Name, params
}

// TestWhatsAppSendErrorsThroughServe: Graph errors through serve and the real plugin —
// the window closed (131047) sends the configured template instead; a booking confirmed
// when the window is known closed goes as the template at once; the pair rate limit
// (131056) holds back only that guest.
func TestWhatsAppSendErrorsThroughServe(t *testing.T) {
	t.Parallel()
	a, base, graph := waServe(t, func(cfg *config.Config) { cfg.Plugins[0].Templates = confirmationTemplate })
	ctx := context.Background()
	first := store.DateOf(time.Now()).AddDays(40)

	t.Run("window closed (131047): the confirmation goes as the configured template", func(t *testing.T) {
		t.Parallel()
		const guest = "5493510000701"
		code := holdFor(t, a, base, graph, guest, 0, first)
		graph.Fail(guest, 131047)
		_, err := a.Booking.Confirm(ctx, code, booking.ConfirmInput{By: "test"})
		require.NoError(t, err)
		m := waitReply(t, graph, guest, "template:reserva_confirmada")
		name, params := templateOf(t, m)
		assert.Equal(t, "reserva_confirmada", name)
		assert.Equal(t, []string{"Agustina", code, first.String(), first.AddDays(3).String()}, params)
		var codes []int
		for _, at := range graph.Attempts() {
			if at.To == guest {
				codes = append(codes, at.Code)
			}
		}
		assert.Equal(t, []int{0, 131047, 0}, codes, "greeting, the refused text, the template")
	})

	t.Run("window known closed: the template at once", func(t *testing.T) {
		t.Parallel()
		const guest = "5493510000702"
		code := holdFor(t, a, base, graph, guest, 1, first)
		_, err := a.DB.NewRaw(`UPDATE conversations SET last_inbound_at = ? WHERE contact = ?`, time.Now().Add(-25*time.Hour), guest).Exec(ctx)
		require.NoError(t, err)
		_, err = a.Booking.Confirm(ctx, code, booking.ConfirmInput{By: "test"})
		require.NoError(t, err)
		waitReply(t, graph, guest, "template:reserva_confirmada")
		sent := graph.SentTo(guest)
		assert.Len(t, sent, 2, "the greeting, then only the template: %v", texts(sent))
		for _, at := range graph.Attempts() {
			assert.False(t, at.To == guest && at.Code != 0, "no free text tried outside the window")
		}
	})

	t.Run("pair rate limit (131056): only that guest waits", func(t *testing.T) {
		t.Parallel()
		const slowed, other = "5493510000703", "5493510000704"
		waText(t, base, slowed, "wamid.pair0", "Hola")
		waText(t, base, other, "wamid.pair1", "Hola")
		waitSentTo(t, graph, slowed, 1)
		waitSentTo(t, graph, other, 1)
		graph.Fail(slowed, 131056)
		waText(t, base, slowed, "wamid.pair2", "para 2 del 5 al 8/3")
		require.Eventually(t, func() bool {
			for _, at := range graph.Attempts() {
				if at.To == slowed && at.Code == 131056 {
					return true
				}
			}
			return false
		}, 30*time.Second, 20*time.Millisecond)
		waText(t, base, other, "wamid.pair3", "para 2 del 5 al 8/3")
		otherReply := waitReply(t, graph, other, "8/3")
		slowedReply := waitReply(t, graph, slowed, "8/3")
		assert.True(t, otherReply.At.Before(slowedReply.At), "the other guest is answered while the slowed one waits")
		assert.Len(t, graph.SentTo(slowed), 2, "the held reply goes once: %v", texts(graph.SentTo(slowed)))
	})
}

// TestWhatsAppThroughputLimitSlowsTheNumber: 130429 (the number's throughput) holds
// every send of the number, to any guest, for the wait (at least 2 s less jitter).
func TestWhatsAppThroughputLimitSlowsTheNumber(t *testing.T) {
	t.Parallel()
	_, base, graph := waServe(t, nil)
	const first, second = "5493510000801", "5493510000802"
	graph.Fail(first, 130429)
	waText(t, base, first, "wamid.tp1", "Hola")
	var limited time.Time
	require.Eventually(t, func() bool {
		for _, at := range graph.Attempts() {
			if at.Code == 130429 {
				limited = at.At
				return true
			}
		}
		return false
	}, 30*time.Second, 20*time.Millisecond)
	waText(t, base, second, "wamid.tp2", "Hola")
	waitSentTo(t, graph, second, 1)
	waitSentTo(t, graph, first, 1)
	for _, m := range graph.Sent() {
		assert.False(t, m.At.Before(limited.Add(1500*time.Millisecond)), "nothing is sent from the number while it is slowed (sent to %s %s after)", m.To, m.At.Sub(limited))
	}
}

// TestWhatsAppPluginCrashLosesNothing kills the WhatsApp plugin (SIGKILL) while replies
// are on their way to the Graph API and guests keep writing: every message is stored
// once and answered once, as for a guest who wrote before the crash.
func TestWhatsAppPluginCrashLosesNothing(t *testing.T) {
	t.Parallel()
	a, base, graph := waServe(t, nil)
	say := []string{"Hola", "para 2 del 5 al 8/3"}
	// A guest before the crash: what everyone must get.
	const control = "5493510000900"
	for i, text := range say {
		waText(t, base, control, "wamid.ctl"+string(rune('a'+i)), text)
		waitSentTo(t, graph, control, i+1)
	}
	waitReply(t, graph, control, "8/3")
	want := texts(graph.SentTo(control))

	guests := []string{"5493510000901", "5493510000902", "5493510000903", "5493510000904"}
	release := graph.Hold()
	for _, g := range guests[:2] {
		waText(t, base, g, "wamid.crash-"+g+"-0", say[0])
	}
	require.Eventually(t, func() bool { return graph.Held() > 0 }, 30*time.Second, 10*time.Millisecond, "a send in flight")
	pid := pluginPID(t, a, "whatsapp")
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	// Guests keep writing; Meta retries what is not answered 200 (503 while the plugin is down).
	for _, g := range guests[2:] {
		postRetrying(t, base, graphfake.Inbound(waPhoneNumberID, g, "Agustina", "wamid.crash-"+g+"-0", "text", map[string]any{"body": say[0]}))
	}
	release()
	for _, g := range guests {
		waitSentTo(t, graph, g, 1)
		postRetrying(t, base, graphfake.Inbound(waPhoneNumberID, g, "Agustina", "wamid.crash-"+g+"-1", "text", map[string]any{"body": say[1]}))
	}
	for _, g := range guests {
		waitReply(t, graph, g, "8/3")
		for i := range say {
			_, n := storedInbound(t, a, "wamid.crash-"+g+"-"+string(rune('0'+i)))
			assert.Equal(t, 1, n, "%s's message %d stored once", g, i)
		}
	}
	for _, g := range guests {
		assert.Equal(t, want, texts(graph.SentTo(g)), "%s got every reply once", g)
	}
	assert.NotEqual(t, pid, pluginPID(t, a, "whatsapp"), "the supervisor restarted the plugin")
}

// postRetrying posts a signed webhook as Meta does: again after a non-200, for a while.
func postRetrying(t *testing.T, base string, body []byte) {
	t.Helper()
	hook := graphfake.Sign(waAppSecret, body)
	require.Eventually(t, func() bool {
		resp, err := hook.Post(http.DefaultClient, base+"/webhooks/whatsapp")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond, "the webhook is taken once the plugin is back")
}

// TestHealthSaysWhyAPluginIsDown: a WhatsApp plugin whose settings its schema refuses is
// down; /healthz (details, with the API token) says why, since when and when it is
// probed again, and its webhook answers 503 so Meta retries.
func TestHealthSaysWhyAPluginIsDown(t *testing.T) {
	t.Parallel()
	graph := graphfake.New(waToken, t.Cleanup)
	cfg := testConfig(t, storetest.SQLitePath(t))
	wa := whatsAppPlugin(t, graph)
	delete(wa.Settings, "access_token")
	cfg.Plugins = []config.Plugin{wa}
	_, base := serveSeeded(t, cfg)
	var st struct {
		State     string     `json:"state"`
		LastError string     `json:"last_error"`
		Since     time.Time  `json:"since"`
		NextTry   *time.Time `json:"next_try"`
	}
	require.Eventually(t, func() bool {
		_, h := getHealth(t, base)
		var plugins map[string]json.RawMessage
		if json.Unmarshal(h.Checks["plugins"], &plugins) != nil {
			return false
		}
		return json.Unmarshal(plugins["whatsapp"], &st) == nil && st.State == "down" && st.NextTry != nil
	}, 30*time.Second, 50*time.Millisecond, "the plugin is down with a next probe")
	assert.Contains(t, st.LastError, "access_token")
	assert.WithinDuration(t, st.Since.Add(time.Minute), *st.NextTry, 5*time.Second, "probed again a minute later")
	postWA(t, base, graphfake.Inbound(waPhoneNumberID, "5493510000990", "Ana", "wamid.down1", "text", map[string]any{"body": "hola"}), http.StatusServiceUnavailable)
}
