package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/plugins/mercadopago/mpfake"
)

// benchServe runs serve with the real mercadopago and echo plugin binaries on SQLite.
func benchServe(b *testing.B) (*app.App, string, *mpfake.Server) {
	b.Helper()
	fake := mpfake.New(mpTestToken, b.Cleanup)
	cfg := testConfig(b, storetest.SQLitePath(b))
	cfg.Log.Level = "error"
	cfg.Plugins = []config.Plugin{mercadoPagoPlugin(b, fake),
		{Name: "echo", Path: pluginBinary(b, "../../sdk/examples/echo"), CallTimeout: 10 * time.Second, Settings: map[string]any{}}}
	cfg.Payments.Plugin = "mercadopago"
	a, base := serveSeeded(b, cfg)
	return a, base, fake
}

// BenchmarkNotificationAck posts signed payment notifications to serve from 8 clients at
// once and reports the latency of the answer (the webhook records and answers; the read
// happens after): p50_ms and p99_ms.
//
//	go test ./core/app -run '^$' -bench BenchmarkNotificationAck -benchtime 2000x
func BenchmarkNotificationAck(b *testing.B) {
	_, base, _ := benchServe(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	b.Cleanup(client.CloseIdleConnections) // before serve stops: it waits for open connections
	var next atomic.Int64
	next.Store(200_000_000_000)
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0))) // 8 clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := next.Add(1)
			n := mpfake.PaymentNotification([]byte(mpTestSecret), id, "req-"+strconv.FormatInt(id, 10), time.Now())
			start := time.Now()
			resp, err := n.Post(client, base+"/webhooks/mercadopago")
			took := time.Since(start)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			mu.Lock()
			lat = append(lat, took)
			mu.Unlock()
		}
	})
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
	}
}

// BenchmarkNotificationToConfirmationSent measures, per booking, the time from Mercado
// Pago's notification to the confirmation message handed to the guest's channel plugin
// (the echo example, standing in for WhatsApp): answer, read of the payment from the fake
// API, confirmation, outbox, Send.
//
//	go test ./core/app -run '^$' -bench BenchmarkNotificationToConfirmationSent -benchtime 20x
func BenchmarkNotificationToConfirmationSent(b *testing.B) {
	a, base, fake := benchServe(b)
	ctx := context.Background()
	units, err := a.Booking.Units(ctx)
	require.NoError(b, err)
	first := store.DateOf(time.Now()).AddDays(60)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		contact := fmt.Sprintf("54935100%05d", i)
		resp, err := http.Post(base+"/webhooks/echo", "application/json",
			strings.NewReader(fmt.Sprintf(`{"id":"wamid.b%d","from":"%s","text":"hola"}`, i, contact)))
		require.NoError(b, err)
		resp.Body.Close()
		var convID int64
		require.Eventually(b, func() bool {
			return a.DB.NewRaw(`SELECT id FROM conversations WHERE contact = ?`, contact).Scan(ctx, &convID) == nil && convID > 0
		}, 10*time.Second, 5*time.Millisecond)
		unit := units[i%len(units)]
		in := first.AddDays(4 * (i / len(units)))
		hold, err := a.Booking.Hold(ctx, booking.HoldRequest{UnitID: unit.ID, Stay: booking.NewStay(in, in.AddDays(3)),
			Guests: 2, ConversationID: &convID})
		require.NoError(b, err)
		id := int64(300_000_000_000 + i)
		fake.SetPayment(mpfake.Payment{ID: id, Status: "approved", Reference: hold.Code, AmountCents: hold.DepositCents})
		n := mpfake.PaymentNotification([]byte(mpTestSecret), id, "req-b"+strconv.Itoa(i), time.Now())
		b.StartTimer()
		resp, err = n.Post(http.DefaultClient, base+"/webhooks/mercadopago")
		require.NoError(b, err)
		resp.Body.Close()
		for !sentTo(b, base, contact, hold.Code) {
			time.Sleep(time.Millisecond)
		}
	}
}

func sentTo(b *testing.B, base, contact, code string) bool {
	resp, err := http.Get(base + "/webhooks/echo?to=" + contact)
	require.NoError(b, err)
	defer resp.Body.Close()
	var sent struct {
		Sent []string `json:"sent"`
	}
	require.NoError(b, json.NewDecoder(resp.Body).Decode(&sent))
	return strings.Contains(strings.Join(sent.Sent, "\n"), "Reserva confirmada! Código "+code)
}
