package pluginhost

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/conserje/conserje/sdk/host"
)

// BenchmarkEmptyCall measures the round trip of an empty call (Ping) to a real plugin
// binary through go-plugin: straight on the process, and through supervision (deadline,
// trace id, metrics). It reports the p50 and p99 of the per-call durations.
func BenchmarkEmptyCall(b *testing.B) {
	quiet := slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelError}))
	b.Run("process", func(b *testing.B) {
		p, err := host.Start(context.Background(), host.Config{Name: "echo", Path: echoBin, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		defer p.Kill()
		ctx := context.Background()
		measure(b, func() error { return p.Ping(ctx) })
	})
	b.Run("supervised", func(b *testing.B) {
		h, err := New([]Spec{{Name: "echo", Path: echoBin}}, Options{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		if err := h.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		defer func() { _ = h.Stop(context.Background()) }()
		ctx := context.Background()
		measure(b, func() error { return h.Ping(ctx, "echo") })
	})
}

func measure(b *testing.B, call func() error) {
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if err := call(); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[int(float64(len(durations)-1)*p)].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
