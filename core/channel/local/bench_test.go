package local_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/conserje/conserje/core/channel/local"
	"github.com/conserje/conserje/core/dialog"
	"github.com/stretchr/testify/require"
)

// BenchmarkTextTurn measures one guest message end to end in process on SQLite with the
// demo: store the message, parse it (NLU), run the dialog (availability search and the
// offer), commit the turn with its outbox row, and hand the reply back. Each iteration is
// a new guest, so the conversation row is created too. It reports p50/p95/p99 latency.
func BenchmarkTextTurn(b *testing.B) { benchTurn(b, "Hola, para 4 del 5 al 8/1") }

// BenchmarkTextTurnWithQuestion is a message that also asks something: its clauses are
// read one by one (the offer and the parking answer, conversation.md rule 4).
func BenchmarkTextTurnWithQuestion(b *testing.B) {
	benchTurn(b, "Hola, para 4 del 5 al 8/1, tienen cochera?")
}

func benchTurn(b *testing.B, text string) {
	ctx := context.Background()
	dir := b.TempDir()
	tmpl, err := local.NewDemoTemplate(ctx, dir)
	require.NoError(b, err)
	db, err := tmpl.Fresh(ctx, dir+"/bench.db")
	require.NoError(b, err)
	defer db.Close()
	clock := local.NewClock(time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC))
	bot, err := local.New(ctx, local.Options{DB: db, Sources: dialog.Sources{Dialogs: "../../../dialogs", Locales: "../../../locales"},
		Clock: clock, Channel: "webchat"})
	require.NoError(b, err)
	// warm up caches (property, templates) outside the measurement
	_, err = bot.WithContact("warm").Say(ctx, text, time.Time{})
	require.NoError(b, err)

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		turn, err := bot.WithContact(fmt.Sprintf("guest-%d", i)).Say(ctx, text, time.Time{})
		lat = append(lat, time.Since(start))
		if err != nil || len(turn.Replies) == 0 {
			b.Fatalf("turn %d: %v %v", i, err, turn.Replies)
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	at := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
