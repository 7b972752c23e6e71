package app_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/plugins/whatsapp/graphfake"
)

// benchWhatsApp runs serve with the real WhatsApp plugin against a fake Graph API, on
// SQLite ("sqlite") or a fresh PostgreSQL database ("postgres").
func benchWhatsApp(b *testing.B, dialect string) (*app.App, string, *graphfake.Server) {
	b.Helper()
	graph := graphfake.New(waToken, b.Cleanup)
	url := storetest.SQLitePath(b)
	if dialect == "postgres" {
		url = storetest.PostgresURL(b)
	}
	cfg := testConfig(b, url)
	cfg.Log.Level = "error"
	cfg.API.Token = "bench-api-token-0123456789abcdef"
	cfg.Plugins = []config.Plugin{whatsAppPlugin(b, graph)}
	a, base := serveSeeded(b, cfg)
	return a, base, graph
}

// BenchmarkWhatsAppIngest posts signed WhatsApp webhooks (one guest text each, from 5,000
// guests new and returning) to serve from 32 clients at once, and reports the signed POSTs
// ingested durably per second: each is answered 200 only once its message is stored. The
// replies flow to the fake Graph API meanwhile, as they would.
//
//	go test ./core/app -run '^$' -bench BenchmarkWhatsAppIngest -benchtime 4000x
func BenchmarkWhatsAppIngest(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			a, base, graph := benchWhatsApp(b, dialect)
			hooks := make([]graphfake.Webhook, b.N)
			for i := range hooks {
				hooks[i] = graphfake.Sign(waAppSecret, graphfake.Inbound(waPhoneNumberID, fmt.Sprintf("549351%07d", i%5000), "Agustina",
					"wamid.ingest."+dialect+"."+strconv.Itoa(i), "text", map[string]any{"body": "hola, tienen lugar?"}))
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.Cleanup(client.CloseIdleConnections)
			var next atomic.Int64
			b.SetParallelism(16)
			plugin := pluginPID(b, a, "whatsapp")
			cpu0 := cpuNow(plugin)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := hooks[next.Add(1)-1].Post(client, base+"/webhooks/whatsapp")
					if err != nil {
						b.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			took := time.Since(start)
			b.ReportMetric(float64(b.N)/took.Seconds(), "posts/s")
			cpuNow(plugin).perPost(b, cpu0)
			// The answers meanwhile (turns yield to a burst: channel.RouterOptions.Busy):
			// replies that reached the fake Graph API while the posts went on, and how
			// long after the last post every guest had been answered.
			b.ReportMetric(float64(len(graph.Sent()))/took.Seconds(), "replies/s")
			b.StopTimer()
			guests := min(b.N, 5000)
			require.Eventually(b, func() bool {
				answered := map[string]bool{}
				for _, m := range graph.Sent() {
					answered[m.To] = true
				}
				return len(answered) >= guests
			}, 5*time.Minute, 50*time.Millisecond, "every guest answered")
			b.ReportMetric((time.Since(start) - took).Seconds(), "answered_after_s")
		})
	}
}

// BenchmarkWhatsAppWebhookToSend starts 50 new conversations per second (an open model:
// each on schedule, whatever the others do), each a guest asking for a stay on
// WhatsApp, and reports the time from the webhook POST to the first reply reaching the
// fake Graph API (p50_ms, p95_ms), and the WhatsApp plugin's resident memory after the
// run (plugin_rss_mb).
//
//	go test ./core/app -run '^$' -bench BenchmarkWhatsAppWebhookToSend -benchtime 500x
func BenchmarkWhatsAppWebhookToSend(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			a, base, graph := benchWhatsApp(b, dialect)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.Cleanup(client.CloseIdleConnections)
			posted := make([]time.Time, b.N)
			guest := func(i int) string { return fmt.Sprintf("54935%02d%06d", len(dialect), i) }
			b.ResetTimer()
			var wg sync.WaitGroup
			tick := time.NewTicker(20 * time.Millisecond)
			for i := range b.N {
				<-tick.C
				wg.Add(1)
				go func() {
					defer wg.Done()
					hook := graphfake.Sign(waAppSecret, graphfake.Inbound(waPhoneNumberID, guest(i), "Agustina", "wamid.w2s."+dialect+"."+strconv.Itoa(i),
						"text", map[string]any{"body": "Hola, para 2 del 5 al 8/3"}))
					posted[i] = time.Now()
					resp, err := hook.Post(client, base+"/webhooks/whatsapp")
					if err != nil {
						b.Error(err)
						return
					}
					resp.Body.Close()
				}()
			}
			tick.Stop()
			wg.Wait()
			first := map[string]time.Time{}
			require.Eventually(b, func() bool {
				for _, m := range graph.Sent() {
					if _, ok := first[m.To]; !ok {
						first[m.To] = m.At
					}
				}
				return len(first) >= b.N
			}, 2*time.Minute, 50*time.Millisecond, "every guest answered")
			b.StopTimer()
			lat := make([]time.Duration, 0, b.N)
			for i := range b.N {
				lat = append(lat, first[guest(i)].Sub(posted[i]))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95_ms")
			b.ReportMetric(rssMB(b, pluginPID(b, a, "whatsapp")), "plugin_rss_mb")
		})
	}
}

// cpuTimes is CPU time used so far: by this process (serve, the clients posting and the
// fake Graph API), by the plugin, and by every PostgreSQL process on the machine.
type cpuTimes struct{ core, plugin, postgres time.Duration }

func cpuNow(pluginPID int) cpuTimes {
	t := cpuTimes{core: processCPU("self"), plugin: processCPU(strconv.Itoa(pluginPID))}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if comm, err := os.ReadFile("/proc/" + d.Name() + "/comm"); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			t.postgres += processCPU(d.Name())
		}
	}
	return t
}

// perPost reports the CPU milliseconds each post cost since before, by part.
func (t cpuTimes) perPost(b *testing.B, before cpuTimes) {
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(per(t.core-before.core), "core_cpu_ms/post")
	b.ReportMetric(per(t.plugin-before.plugin), "plugin_cpu_ms/post")
	if t.postgres > 0 {
		b.ReportMetric(per(t.postgres-before.postgres), "postgres_cpu_ms/post")
	}
}

// processCPU is a process's user and system CPU time (0 when it is gone).
func processCPU(pid string) time.Duration {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command (which may hold spaces) start at state; utime and
	// stime are the 14th and 15th fields, in clock ticks of 10 ms.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// rssMB is a process's resident memory (VmRSS) in MiB.
func rssMB(tb testing.TB, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(tb, err)
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			require.NoError(tb, err)
			return kb / 1024
		}
	}
	tb.Fatalf("no VmRSS for %d", pid)
	return 0
}
