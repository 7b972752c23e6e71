package loadtest

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Write prints the result for a person.
func (r Result) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s against %s: %g arrivals/s for %s (elapsed %s)\n", r.Scenario, r.Target, r.Rate, r.Duration, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "arrivals   %d started, %d dropped (in flight at the limit)\n", r.Arrivals, r.Dropped)
	fmt.Fprintf(&b, "requests   %d: %d ok, %d rejected as expected, %d errors\n", r.Requests, r.OK, r.Rejected, r.ErrorCount())
	kinds := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&b, "  %6d  %s\n", r.Errors[k], k)
	}
	row := func(name string, p Percentiles) {
		ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
		fmt.Fprintf(&b, "%-10s n=%d  p50 %s ms  p90 %s ms  p95 %s ms  p99 %s ms  max %s ms\n", name, p.Count, ms(p.P50), ms(p.P90), ms(p.P95), ms(p.P99), ms(p.Max))
	}
	row("request", r.Latency)
	row("arrival", r.ArrivalLatency)
	_, err := io.WriteString(w, b.String())
	return err
}
