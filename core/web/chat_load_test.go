package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/channel"
	"github.com/conserje/conserje/core/channel/local"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/receptionist"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/web"
)

// loadConns caps the SQLite pool: with one connection per request, 200 writers poll
// SQLite's lock with sleeps and some wait past the busy timeout; a small pool queues them
// in Go instead. CONSERJE_LOAD_CONNS overrides it to compare.
var loadConns = func() int {
	if n, err := strconv.Atoi(os.Getenv("CONSERJE_LOAD_CONNS")); err == nil {
		return n
	}
	return 2
}()

// BenchmarkChatLoad200 is the web chat's load tool: a real server on a loopback port (the
// Fiber app, the web chat, the dialog with the real NLU, booking and conversations on a
// SQLite copy of the demo) and 200 guests chatting at once over HTTP, each sending four
// messages in turn (greeting, dates and people, a question, choosing a unit, which holds
// it). It reports p50/p95/p99 latency of POST /api/v1/chat and turns per second.
//
//	go test -run XXX -bench ChatLoad200 -benchtime 1x ./core/web/
func BenchmarkChatLoad200(b *testing.B) {
	const guests = 200
	ctx := context.Background()
	addr, stop := startChatServer(b)
	defer stop()
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: guests, MaxConnsPerHost: guests}}

	var all []time.Duration
	var elapsed time.Duration
	errs := 0
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := time.Now()
		for g := 0; g < guests; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				lat, failed := chatAsGuest(ctx, client, addr, round*guests+g)
				mu.Lock()
				all = append(all, lat...)
				errs += failed
				mu.Unlock()
			}(g)
		}
		wg.Wait()
		elapsed += time.Since(start)
	}
	b.StopTimer()
	if errs > 0 {
		b.Fatalf("%d failed requests; the first: %s", errs, *firstFailure.Load())
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	at := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "turns/s")
}

// firstFailure keeps the first failed request, to say why the run failed.
var firstFailure atomic.Pointer[string]

// chatAsGuest plays one guest's four messages and returns each request's latency.
func chatAsGuest(ctx context.Context, client *http.Client, addr string, n int) ([]time.Duration, int) {
	in := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 2*n)
	out := in.AddDate(0, 0, 3)
	lines := []string{
		"hola",
		fmt.Sprintf("para 2 del %d/%d al %d/%d", in.Day(), int(in.Month()), out.Day(), int(out.Month())),
		"¿tiene wifi?",
		"la primera",
	}
	var lat []time.Duration
	failed := 0
	id := ""
	for _, text := range lines {
		body, _ := json.Marshal(map[string]string{"conversation_id": id, "text": text})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/api/v1/chat", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			msg := err.Error()
			firstFailure.CompareAndSwap(nil, &msg)
			failed++
			continue
		}
		var got channel.ChatResult
		err = json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		lat = append(lat, time.Since(start))
		if err != nil || res.StatusCode != http.StatusOK || len(got.Replies) == 0 {
			if firstFailure.Load() == nil {
				msg := fmt.Sprintf("%q: status %d, decode error %v, %d replies", text, res.StatusCode, err, len(got.Replies))
				firstFailure.CompareAndSwap(nil, &msg)
			}
			failed++
			continue
		}
		id = got.ConversationID
	}
	return lat, failed
}

func startChatServer(b *testing.B) (string, func()) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	tmpl, err := local.NewDemoTemplate(ctx, dir)
	require.NoError(b, err)
	db, err := tmpl.FreshWith(ctx, filepath.Join(dir, "load.db"), store.Options{MaxOpenConns: loadConns})
	require.NoError(b, err)
	bk := booking.NewService(db, booking.Options{})
	r, err := receptionist.New(ctx, receptionist.Options{DB: db, Booking: bk,
		Sources: dialog.Sources{Dialogs: "../../dialogs", Locales: "../../locales"}})
	require.NoError(b, err)
	conv := conversation.New(db, r.Reloader, conversation.Options{})
	chat, err := web.NewChat(web.ChatOptions{Service: channel.NewWebchat(conv), Logger: slog.New(slog.DiscardHandler),
		// one client address plays 200 guests here
		PerIPPerMinute: 1_000_000, PerIPBurst: 100_000})
	require.NoError(b, err)
	quiet := slog.New(slog.DiscardHandler) // no access log line per request
	srv, err := web.New(web.Options{Registry: prometheus.NewRegistry(), Mounts: []web.Mounter{chat}, Logger: quiet})
	require.NoError(b, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = db.Close()
	}
}
