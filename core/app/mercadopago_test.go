package app_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/plugins/mercadopago/mpfake"
)

const (
	mpTestToken  = "APP_USR-5260181590830166-e2e"
	mpTestSecret = "e2e-webhook-secret-0123456789abcdef"
)

// startWithMercadoPago builds the real mercadopago plugin binary and runs serve with it as
// payments.plugin, against a local fake of Mercado Pago's API.
func startWithMercadoPago(t *testing.T) (*app.App, string, *mpfake.Server) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mercadopago")
	out, err := exec.Command("go", "build", "-o", bin, "../../plugins/mercadopago").CombinedOutput()
	require.NoError(t, err, string(out))
	fake := mpfake.New(mpTestToken, t.Cleanup)
	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.HTTP.PublicURL = "https://reservas.example.com.ar"
	cfg.Plugins = []config.Plugin{{Name: "mercadopago", Path: bin, CallTimeout: 10 * time.Second, Settings: map[string]any{
		"api_url": fake.URL, "access_token": mpTestToken, "webhook_secret": mpTestSecret,
	}}}
	cfg.Payments.Plugin = "mercadopago"
	require.NoError(t, cfg.Validate())
	db, err := app.OpenDB(context.Background(), cfg, true, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	_, err = demo.Seed(context.Background(), db, "admin-password-1")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	a, base := start(t, cfg)
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

func pluginPID(t *testing.T, a *app.App, name string) int {
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

// graphFake is a local fake of the WhatsApp Cloud API's send endpoint: it records every
// message body and answers with a wamid, as Meta documents.
type graphFake struct {
	*httptest.Server
	mu   sync.Mutex
	sent []string
}

func newGraphFake(t *testing.T) *graphFake {
	g := &graphFake{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/messages") || r.Header.Get("Authorization") != "Bearer wa-token" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}}`))
			return
		}
		g.mu.Lock()
		g.sent = append(g.sent, string(body))
		n := len(g.sent)
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"wamid.out%d"}]}`, n)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *graphFake) all() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.sent, "\n")
}

// waText posts a guest's text to /webhooks/whatsapp signed like Meta (X-Hub-Signature-256).
func waText(t *testing.T, base, from, id, text string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "402917735860214", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": "5493546512200", "phone_number_id": "613058842097135"},
			"contacts":          []any{map[string]any{"profile": map[string]any{"name": "Agustina"}, "wa_id": from}},
			"messages": []any{map[string]any{"from": from, "id": id, "timestamp": strconv.FormatInt(time.Now().Unix(), 10),
				"type": "text", "text": map[string]any{"body": text}}},
		}}},
	}}})
	require.NoError(t, err)
	mac := hmac.New(sha256.New, []byte("wa-app-secret"))
	mac.Write(body)
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/whatsapp", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestMercadoPagoEndToEndOnWhatsApp is the journey with both real plugin
// binaries and both fakes: "Hola, para 4 del 5 al 8/1" on WhatsApp → offer → "la Robles"
// → hold with the Mercado Pago link → notification → booking confirmed → confirmation
// message at the fake Graph API.
func TestMercadoPagoEndToEndOnWhatsApp(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"mercadopago", "whatsapp"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, p), "../../plugins/"+p).CombinedOutput()
		require.NoError(t, err, string(out))
	}
	fake := mpfake.New(mpTestToken, t.Cleanup)
	graph := newGraphFake(t)
	cfg := testConfig(t, storetest.SQLitePath(t))
	cfg.HTTP.PublicURL = "https://reservas.example.com.ar"
	cfg.Plugins = []config.Plugin{
		{Name: "mercadopago", Path: filepath.Join(dir, "mercadopago"), CallTimeout: 10 * time.Second, Settings: map[string]any{
			"api_url": fake.URL, "access_token": mpTestToken, "webhook_secret": mpTestSecret}},
		{Name: "whatsapp", Path: filepath.Join(dir, "whatsapp"), CallTimeout: 10 * time.Second, Settings: map[string]any{
			"graph_url": graph.URL, "api_version": "v24.0", "phone_number_id": "613058842097135",
			"access_token": "wa-token", "app_secret": "wa-app-secret", "verify_token": "wa-verify"}},
	}
	cfg.Payments.Plugin = "mercadopago"
	require.NoError(t, cfg.Validate())
	db, err := app.OpenDB(context.Background(), cfg, true, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	_, err = demo.Seed(context.Background(), db, "admin-password-1")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	a, base := start(t, cfg)
	ctx := context.Background()

	const guest = "5493517654321"
	waText(t, base, guest, "wamid.in1", "Hola, para 4 del 5 al 8/1")
	require.Eventually(t, func() bool { return strings.Contains(graph.all(), "Cabaña Robles") }, 20*time.Second, 20*time.Millisecond, "the offer reaches WhatsApp")
	waText(t, base, guest, "wamid.in2", "la Robles")
	require.Eventually(t, func() bool { return len(fake.Preferences()) == 1 && strings.Contains(graph.all(), "pref_id=") }, 20*time.Second, 20*time.Millisecond,
		"the hold's message carries the link: %s", graph.all())
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
	require.Eventually(t, func() bool { return strings.Contains(graph.all(), "Reserva confirmada! Código "+hold.Code) }, 20*time.Second, 20*time.Millisecond,
		"the confirmation reaches WhatsApp")
	r, err := a.Booking.Get(ctx, hold.Code)
	require.NoError(t, err)
	assert.Equal(t, "confirmed", r.Status)
	assert.Contains(t, graph.all(), `"to":"`+guest+`"`)
}
