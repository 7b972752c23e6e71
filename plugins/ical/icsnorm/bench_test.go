package icsnorm

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// benchNormalize runs Normalize on body and reports VEVENTs read per second.
func benchNormalize(b *testing.B, body []byte, opts Options, wantEvents int) {
	b.Helper()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Normalize(body, opts)
		require.NoError(b, err)
		require.Equal(b, wantEvents, res.Events)
		require.False(b, res.Partial)
	}
	b.ReportMetric(float64(wantEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkNormalizeLargeFeed is the 5,000-event Airbnb sample through the normalizer alone.
func BenchmarkNormalizeLargeFeed(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "samples", "large_feed_5000.ics"))
	require.NoError(b, err)
	opts := testOptions(b)
	opts.Platform = PlatformAirbnb
	benchNormalize(b, body, opts, 5000)
}

// BenchmarkNormalizeExchangeFeed is a 5,000-event feed as Exchange writes it: every time
// in a Microsoft VTIMEZONE (1601 onsets, yearly BYDAY rules), one event in ten a weekly
// series with a UTC UNTIL and an EXDATE, the rest one-off meetings over three years.
func BenchmarkNormalizeExchangeFeed(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:Microsoft Exchange Server 2010\r\n" +
		"BEGIN:VTIMEZONE\r\nTZID:Romance Standard Time\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n" +
		"END:VTIMEZONE\r\n")
	const events = 5000
	for i := range events {
		day := 20260101 + (i%12)*100 + i%28 // spread over the months of 2026..2028
		year := 2026 + i%3
		start := fmt.Sprintf("%d%04d", year, day%10000)
		fmt.Fprintf(&sb, "BEGIN:VEVENT\r\nUID:040000008200E00074C5B7101A82E008-%06d\r\nSUMMARY:Reunión %d\r\n", i, i)
		fmt.Fprintf(&sb, "DTSTART;TZID=Romance Standard Time:%sT%02d3000\r\nDTEND;TZID=Romance Standard Time:%sT%02d0000\r\n", start, 8+i%10, start, 9+i%10)
		if i%10 == 0 {
			fmt.Fprintf(&sb, "RRULE:FREQ=WEEKLY;UNTIL=%d1231T230000Z;INTERVAL=1;BYDAY=MO,WE;WKST=MO\r\nEXDATE;TZID=Romance Standard Time:%sT%02d3000\r\n", year+1, start, 8+i%10)
		}
		sb.WriteString("DTSTAMP:20261201T120000Z\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\n")
	}
	sb.WriteString("END:VCALENDAR\r\n")
	benchNormalize(b, []byte(sb.String()), testOptions(b), events)
}
