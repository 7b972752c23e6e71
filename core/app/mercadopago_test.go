package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/plugins/mercadopago/mpfake"
	"github.com/conserje/conserje/plugins/whatsapp/graphfake"
)

const (
	mpTestToken  = "APP_USR-5260181590830166-e2e"
	mpTestSecret = "e2e-webhook-secret-0123456789abcdef"
)

// startWithMercadoPago runs serve with the real mercadopago plugin binary as
// payments.plugin, against a local fake of Mercado Pago's API.
func startWithMercadoPago(t *testing.T) (*app.App, string, *mpfake.Server) {
	t.Helper()
	fake := mpfake.New(mpTestToken, t.Cleanup)
	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.HTTP.PublicURL = "https://reservas.example.com.ar"
	cfg.Plugins = []config.Plugin{mercadoPagoPlugin(t, fake)}
	cfg.Payments.Plugin = "mercadopago"
	a, base := serveSeeded(t, cfg)
	return a, base, fake
}

// chat says text in the web chat conversation conv ("" starts one) and returns the
// conversation id and the replies.
func chat(t *testing.T, base, conv, text string) (string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"conversation_id": conv, "text": text})
	resp, err := http.Post(base+"/api/v1/chat", "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.Equal(t, 200, resp.StatusCode, string(raw))
	var r struct {
		ConversationID string `json:"conversation_id"`
		Replies        []struct {
			Text string `json:"text"`
		} `json:"replies"`
	}
	require.NoError(t, json.Unmarshal(raw, &r))
	all := ""
	for _, x := range r.Replies {
		all += x.Text + "\n"
	}
	return r.ConversationID, all
}

// outboxTexts returns what was queued for the guest of a web chat conversation.
func outboxTexts(t *testing.T, a *app.App) string {
	t.Helper()
	var texts []string
	require.NoError(t, a.DB.NewRaw(`SELECT text FROM messages WHERE direction = 'out' ORDER BY id`).Scan(context.Background(), &texts))
	return strings.Join(texts, "\n")
}

// TestMercadoPagoEndToEnd drives serve with the real Mercado Pago plugin binary: the guest
// asks, picks the Robles, gets the hold with Mercado Pago's link; Mercado Pago notifies
// (signed), the webhook answers at once, the payment is read and confirms the booking, and
// the confirmation is queued for the guest. A forged notification is refused; the plugin
// killed between the notification and the read loses nothing.
func TestMercadoPagoEndToEnd(t *testing.T) {
	a, base, fake := startWithMercadoPago(t)
	ctx := context.Background()

	conv, offer := chat(t, base, "", "Hola, para 4 del 5 al 8/1")
	require.Contains(t, offer, "Cabaña Robles")
	_, reply := chat(t, base, conv, "la Robles")
	m := regexp.MustCompile(regexp.QuoteMeta(fake.URL) + `/checkout/v1/redirect\?pref_id=([\w-]+)`).FindStringSubmatch(reply)
	require.NotNil(t, m, "the hold's message carries Mercado Pago's link: %s", reply)
	prefs := fake.Preferences()
	require.Len(t, prefs, 1)
	var pref struct {
		ExternalReference string `json:"external_reference"`
		NotificationURL   string `json:"notification_url"`
		Expires           bool   `json:"expires"`
		BinaryMode        bool   `json:"binary_mode"`
	}
	require.NoError(t, json.Unmarshal(prefs[0].Body, &pref))
	code := pref.ExternalReference
	require.Regexp(t, `^RES\d{9}$`, code)
	assert.Equal(t, "https://reservas.example.com.ar/webhooks/mercadopago?source_news=webhooks", pref.NotificationURL)
	assert.True(t, pref.Expires)
	assert.True(t, pref.BinaryMode)
	assert.True(t, strings.HasPrefix(prefs[0].IdempotencyKey, "pref-"+code+"-"), prefs[0].IdempotencyKey)
	hold, err := a.Booking.Get(ctx, code)
	require.NoError(t, err)

	forged := mpfake.PaymentNotification([]byte("another app's secret"), 148205937461, "req-forged", time.Now())
	resp, err := forged.Post(http.DefaultClient, base+"/webhooks/mercadopago")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	fake.SetPayment(mpfake.Payment{ID: 148205937461, Status: "approved", Reference: code, AmountCents: hold.DepositCents})
	n := mpfake.PaymentNotification([]byte(mpTestSecret), 148205937461, "req-1", time.Now())
	resp, err = n.Post(http.DefaultClient, base+"/webhooks/mercadopago")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	require.Eventually(t, func() bool {
		r, err := a.Booking.Get(ctx, code)
		return err == nil && r.Status == "confirmed"
	}, 20*time.Second, 20*time.Millisecond, "the notified payment confirms the booking")
	require.Eventually(t, func() bool { return strings.Contains(outboxTexts(t, a), "¡Reserva confirmada! Código "+code) }, 10*time.Second, 20*time.Millisecond)
	confirmation := outboxTexts(t, a)
	assert.Contains(t, confirmation, "Check-in desde las")
	assert.Contains(t, confirmation, "Cómo llegar: https://")
	feed := icsOf(t, a, hold.UnitID)
	assert.Contains(t, feed, "20270105", "the export feed shows the booking at once")

	// The plugin dies between the notification and the read: the read fails, is retried
	// after the supervisor restarts the plugin, and the second booking is confirmed.
	conv2, _ := chat(t, base, "", "Hola, para 2 del 5 al 8/2")
	_, reply = chat(t, base, conv2, "la Robles")
	require.Contains(t, reply, fake.URL)
	prefs = fake.Preferences()
	require.Len(t, prefs, 2)
	require.NoError(t, json.Unmarshal(prefs[1].Body, &pref))
	hold2, err := a.Booking.Get(ctx, pref.ExternalReference)
	require.NoError(t, err)
	fake.SetPayment(mpfake.Payment{ID: 148205937462, Status: "approved", Reference: hold2.Code, AmountCents: hold2.DepositCents})
	release := fake.Stall("/v1/payments/148205937462")
	n = mpfake.PaymentNotification([]byte(mpTestSecret), 148205937462, "req-2", time.Now())
	resp, err = n.Post(http.DefaultClient, base+"/webhooks/mercadopago")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Eventually(t, func() bool {
		rec, err := a.Payments.Get(ctx, "mercadopago", "148205937462")
		return err == nil && rec.LeaseTill != nil
	}, 10*time.Second, 10*time.Millisecond, "the worker is reading it")
	pid := pluginPID(t, a, "mercadopago")
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	release()
	require.Eventually(t, func() bool {
		r, err := a.Booking.Get(ctx, hold2.Code)
		return err == nil && r.Status == "confirmed"
	}, 30*time.Second, 50*time.Millisecond, "read again once the plugin is back")
	assert.NotEqual(t, pid, pluginPID(t, a, "mercadopago"), "the supervisor restarted it")
}

func pluginPID(t testing.TB, a *app.App, name string) int {
	t.Helper()
	for _, st := range a.Plugins.Status() {
		if st.Name == name {
			return st.PID
		}
	}
	t.Fatalf("no plugin %s", name)
	return 0
}

// icsOf is the export feed of a unit as a portal reads it.
func icsOf(t *testing.T, a *app.App, unitID int64) string {
	t.Helper()
	e, err := calendar.NewExporter(a.DB, a.ICSSalt, calendar.ExportOptions{})
	require.NoError(t, err)
	b, err := e.Feed(context.Background(), unitID, "booking")
	require.NoError(t, err)
	return string(b)
}

// waText posts a guest's text to /webhooks/whatsapp signed like Meta (X-Hub-Signature-256).
func waText(t *testing.T, base, from, id, text string) {
	t.Helper()
	postWA(t, base, graphfake.Inbound(waPhoneNumberID, from, "Agustina", id, "text", map[string]any{"body": text}), http.StatusOK)
}

// postWA posts a webhook body to /webhooks/whatsapp signed with the app secret and
// checks the answer's status.
func postWA(t *testing.T, base string, body []byte, want int) {
	t.Helper()
	resp, err := graphfake.Sign(waAppSecret, body).Post(http.DefaultClient, base+"/webhooks/whatsapp")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, want, resp.StatusCode)
}

// sentText is every text the fake Graph API accepted, one per line.
func sentText(graph *graphfake.Server) string {
	var out []string
	for _, m := range graph.Sent() {
		out = append(out, m.Text())
	}
	return strings.Join(out, "\n")
}

// TestMercadoPagoEndToEndOnWhatsApp is the journey with both real plugin
// binaries and both fakes: "Hola, para 4 del 5 al 8/1" on WhatsApp → offer → "la Robles"
// → hold with the Mercado Pago link → notification → booking confirmed → confirmation
// message at the fake Graph API.
func TestMercadoPagoEndToEndOnWhatsApp(t *testing.T) {
	t.Parallel()
	fake := mpfake.New(mpTestToken, t.Cleanup)
	graph := graphfake.New(waToken, t.Cleanup)
	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.HTTP.PublicURL = "https://reservas.example.com.ar"
	cfg.Plugins = []config.Plugin{mercadoPagoPlugin(t, fake), whatsAppPlugin(t, graph)}
	cfg.Payments.Plugin = "mercadopago"
	a, base := serveSeeded(t, cfg)
	ctx := context.Background()

	const guest = "5493517654321"
	waText(t, base, guest, "wamid.in1", "Hola, para 4 del 5 al 8/1")
	require.Eventually(t, func() bool { return strings.Contains(sentText(graph), "Cabaña Robles") }, 20*time.Second, 20*time.Millisecond, "the offer reaches WhatsApp")
	waText(t, base, guest, "wamid.in2", "la Robles")
	require.Eventually(t, func() bool { return len(fake.Preferences()) == 1 && strings.Contains(sentText(graph), "pref_id=") }, 20*time.Second, 20*time.Millisecond,
		"the hold's message carries the link: %s", sentText(graph))
	var pref struct {
		ExternalReference string `json:"external_reference"`
	}
	require.NoError(t, json.Unmarshal(fake.Preferences()[0].Body, &pref))
	hold, err := a.Booking.Get(ctx, pref.ExternalReference)
	require.NoError(t, err)

	fake.SetPayment(mpfake.Payment{ID: 148205937471, Status: "approved", Reference: hold.Code, AmountCents: hold.DepositCents})
	n := mpfake.PaymentNotification([]byte(mpTestSecret), 148205937471, "req-wa", time.Now())
	resp, err := n.Post(http.DefaultClient, base+"/webhooks/mercadopago")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Eventually(t, func() bool { return strings.Contains(sentText(graph), "Reserva confirmada! Código "+hold.Code) }, 20*time.Second, 20*time.Millisecond,
		"the confirmation reaches WhatsApp")
	r, err := a.Booking.Get(ctx, hold.Code)
	require.NoError(t, err)
	assert.Equal(t, "confirmed", r.Status)
	require.NotEmpty(t, graph.SentTo(guest))
	assert.Len(t, graph.Sent(), len(graph.SentTo(guest)), "every message went to the guest")
}
