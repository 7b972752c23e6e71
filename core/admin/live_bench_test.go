package admin_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// BenchmarkLiveDelay measures the time from a guest message committed to the database to
// its event read from /admin/live by a logged-in browser (the SSE delay), and reports the
// 95th percentile as p95-ms.
//
//	go test ./core/admin -run '^$' -bench LiveDelay -benchtime 50x
func BenchmarkLiveDelay(b *testing.B) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			if dbName == "sqlite" {
				benchmarkLiveDelay(b, storetest.SQLite(b))
			} else {
				benchmarkLiveDelay(b, storetest.Postgres(b))
			}
		})
	}
}

func benchmarkLiveDelay(b *testing.B, db *store.DB) {
	e := setupOn(b, db)
	base := serveHTTP(b, e)
	br := &browser{t: b, app: e.app, cookies: map[string]string{}}
	br.login("correct horse")
	req, err := http.NewRequest(http.MethodGet, base+"/admin/live", nil)
	require.NoError(b, err)
	for k, v := range br.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	ctx := context.Background()
	conv := store.Conversation{Channel: "webchat", Contact: "wc_bench", State: "bot", Session: json.RawMessage("{}")}
	_, err = e.db.NewInsert().Model(&conv).Returning("id").Exec(ctx)
	require.NoError(b, err)
	var stream *bufio.Reader
	var body interface{ Close() error }
	open := func() {
		resp, err := http.DefaultClient.Do(req)
		require.NoError(b, err)
		body, stream = resp.Body, bufio.NewReader(resp.Body)
	}
	open()
	defer func() { _ = body.Close() }()
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		_, err := e.db.NewInsert().Model(&store.Message{ConversationID: conv.ID, Direction: "in", Channel: "webchat", Kind: "text",
			Text: "hola", Payload: json.RawMessage("{}"), Status: "processed", CreatedAt: t0}).Exec(ctx)
		require.NoError(b, err)
		for {
			line, err := stream.ReadString('\n')
			if err != nil { // the stream's time is up: the browser reconnects from its last id
				_ = body.Close()
				open()
				continue
			}
			if strings.HasPrefix(line, "id: ") {
				req.Header.Set("Last-Event-ID", strings.TrimSpace(strings.TrimPrefix(line, "id: ")))
			}
			if strings.HasPrefix(line, "event: message") {
				break
			}
		}
		took = append(took, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-ms")
}
