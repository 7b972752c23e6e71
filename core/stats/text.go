package stats

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ParseSince reads a look-back such as "7d", "36h", "90m" or a date "2026-11-01"
// (midnight UTC) and returns the instant it names before now.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("since: empty; want e.g. 7d, 24h or 2026-11-01")
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return time.Time{}, fmt.Errorf("since %q: want a positive number of days (7d)", s)
		}
		return now.AddDate(0, 0, -days), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("since %q: want 7d, 24h, 90m or a date (2026-11-01)", s)
	}
	return now.Add(-d), nil
}

// WriteText prints the report for a person: the funnel with each stage's share of the one
// it follows from, then the rates.
func (r Report) WriteText(w io.Writer) error {
	from := "the beginning"
	if r.Since.Year() > 1 {
		from = r.Since.UTC().Format("2006-01-02 15:04")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "conserje stats: %s → %s UTC\n\nFunnel\n", from, r.Until.UTC().Format("2006-01-02 15:04"))
	rows := []struct {
		label, stage, of, ofLabel string
	}{
		{"conversations started", StageStarted, "", ""},
		{"shown an offer", StageOffered, StageStarted, "of conversations"},
		{"holds", StageHeld, StageOffered, "of offers"},
		{"holds expired unpaid", StageHoldsExpired, StageHeld, "of holds"},
		{"paid", StagePaid, StageHeld, "of holds"},
		{"confirmed", StageConfirmed, StageStarted, "of conversations"},
	}
	for _, row := range rows {
		line := fmt.Sprintf("  %-22s %7d", row.label, r.Funnel[row.stage])
		if row.of != "" {
			line += fmt.Sprintf("  %7s %s", percent(ratio(r.Funnel[row.stage], r.Funnel[row.of])), row.ofLabel)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\nRates\n")
	fmt.Fprintf(&b, "  %-22s %7d\n", "guest messages", r.Messages)
	fmt.Fprintf(&b, "  %-22s %7s  (%d not understood)\n", "fallback rate", percent(r.FallbackRate()), r.Fallbacks)
	fmt.Fprintf(&b, "  %-22s %7s  (%d conversations handed to a person)\n", "handoff rate", percent(r.HandoffRate()), r.Escalated)
	fmt.Fprintf(&b, "  %-22s %7s  (conversations that ended confirmed)\n", "conversion", percent(r.Conversion()))
	_, err := io.WriteString(w, b.String())
	return err
}

func percent(f float64) string {
	return strconv.FormatFloat(f*100, 'f', 1, 64) + " %"
}
