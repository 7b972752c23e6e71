package icsnorm

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzNormalize: any input either is rejected with one of the typed errors or yields
// well-formed blocks; it never panics, and the byte cap and recurrence budgets keep
// every call short.
func FuzzNormalize(f *testing.F) {
	for _, dir := range []string{"samples", "cases"} {
		paths, _ := filepath.Glob(filepath.Join("testdata", dir, "*.ics"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Add(cal(ev("UID:r", "DTSTART:20270101T100000Z", "DTEND:20270101T120000Z", "RRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30")))
	f.Add(cal(ev("UID:r", "DTSTART;VALUE=DATE:00010101", "RRULE:FREQ=DAILY;BYSETPOS=1;INTERVAL=9223372036854775807")))
	f.Add(cal(ev(`DTSTART;TZID="x:y;z":20270101T1000`, "DURATION:-P1D", "EXDATE:,,,")))
	f.Add([]byte("BEGIN:VCALENDAR\r\n \r\n\t\r\nEND:VCALENDAR"))
	// The shapes of the peer-corpus faults: an END typo, nested calendars, Outlook zones
	// with commas and 1601 onsets, ancient series, UTF-16.
	f.Add(cal("BEGIN:VTODO", "UID:t", "END:VTOOD", "BEGIN:VCALENDAR", ev("UID:a", "DTSTART;VALUE=DATE:00010101", "RRULE:FREQ=YEARLY;COUNT=3"), "END:VCALENDAR"))
	f.Add(cal("BEGIN:VTIMEZONE", `TZID:Pacific Time (US & Canada)\, Tijuana`, "BEGIN:DAYLIGHT", "DTSTART:16010101T020000",
		"TZOFFSETFROM:-0800", "TZOFFSETTO:-0700", "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE",
		ev("UID:p", "DTSTART;TZID=Pacific Time (US & Canada), Tijuana:20271011T223000", "DTEND:20271012T000000",
			"RRULE:FREQ=MONTHLY; BYDAY=MO, TU;UNTIL=20281011T050000Z", "EXDATE:20271108T223000")))
	f.Add(utf16Body(string(cal(ev("UID:u", "DTSTART;VALUE=DATE:16040229", "RRULE:FREQ=YEARLY"))), true))
	opts := testOptions(f)
	opts.MaxBytes = 256 << 10
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := Normalize(body, opts)
		if err != nil {
			if !IsRejection(err) {
				t.Fatalf("error is not a rejection: %v", err)
			}
			return
		}
		if len(res.Warnings) > maxWarnings {
			t.Fatalf("%d warnings", len(res.Warnings))
		}
		seen := map[string]bool{}
		for _, b := range res.Blocks {
			if !b.Start.Before(b.End) {
				t.Fatalf("block %s: start %s not before end %s", b.UID, b.Start, b.End)
			}
			if b.UID == "" {
				t.Fatalf("block without uid")
			}
			if seen[b.UID] {
				t.Fatalf("duplicate uid %q", b.UID)
			}
			seen[b.UID] = true
		}
	})
}
