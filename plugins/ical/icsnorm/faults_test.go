package icsnorm

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPeerFaults pins the five faults found by running 811 iCalendar files of other
// projects (../shared/peers/ical-peers), each on a minimal case.
func TestPeerFaults(t *testing.T) {
	easternMS := []string{ // Outlook's form: 1601 onsets repeated by a yearly BYDAY rule
		"BEGIN:VTIMEZONE", "TZID:Eastern Standard Time",
		"BEGIN:STANDARD", "DTSTART:16010101T020000", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500",
		"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11", "END:STANDARD",
		"BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400",
		"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3", "END:DAYLIGHT",
		"END:VTIMEZONE",
	}
	runRuleCases(t, []ruleCase{
		{
			name: "1 an END typo (END:VTOOD) does not hide the events after it",
			body: cal(
				"BEGIN:VTODO", "UID:todo", "DTSTART;VALUE=DATE:20270101", "END:VTOOD",
				ev("UID:after", "DTSTART;VALUE=DATE:20270110", "DTEND;VALUE=DATE:20270112"),
			),
			want:      []string{"after 2027-01-10/2027-01-12"},
			warnRules: []string{"", ""}, // END:VTOOD skipped; BEGIN:VEVENT closes the VTODO
		},
		{
			name: "1 a missing END:VEVENT does not swallow the next event",
			body: cal(
				"BEGIN:VEVENT", "UID:open", "DTSTART;VALUE=DATE:20270101", "DTEND;VALUE=DATE:20270103",
				ev("UID:next", "DTSTART;VALUE=DATE:20270110", "DTEND;VALUE=DATE:20270112"),
			),
			want:      []string{"open 2027-01-01/2027-01-03", "next 2027-01-10/2027-01-12"},
			warnRules: []string{""},
		},
		{
			name: "1 an unclosed X- component does not swallow the events after it",
			body: cal(
				"BEGIN:X-FOO", "X-BAR:1",
				ev("UID:x", "DTSTART;VALUE=DATE:20270110", "DTEND;VALUE=DATE:20270112"),
				ev("UID:y", "DTSTART;VALUE=DATE:20270120", "DTEND;VALUE=DATE:20270122"),
			),
			want:      []string{"x 2027-01-10/2027-01-12", "y 2027-01-20/2027-01-22"},
			warnRules: []string{""},
		},
		{
			name: "2 Outlook TZIDs with escaped commas match their VTIMEZONE, quoted or not",
			body: cal(
				"BEGIN:VTIMEZONE", `TZID:(UTC+07:00) Bangkok\, Hanoi\, Jakarta`,
				"BEGIN:STANDARD", "DTSTART:16010101T000000", "TZOFFSETFROM:+0700", "TZOFFSETTO:+0700", "END:STANDARD",
				"END:VTIMEZONE",
				"BEGIN:VTIMEZONE", `TZID:Kuala Lumpur\, Singapore`,
				"BEGIN:STANDARD", "DTSTART:16010101T000000", "TZOFFSETFROM:+0800", "TZOFFSETTO:+0800", "END:STANDARD",
				"END:VTIMEZONE",
				// 09:00 at +07:00 is 23:00 the day before in Buenos Aires.
				ev("UID:bkk", `DTSTART;TZID="(UTC+07:00) Bangkok, Hanoi, Jakarta":20270430T090000`,
					`DTEND;TZID="(UTC+07:00) Bangkok, Hanoi, Jakarta":20270430T120000`),
				// Unquoted, the comma splits the parameter: 09:30 at +08:00 is 22:30 the day before.
				ev("UID:kul", "DTSTART;TZID=Kuala Lumpur, Singapore:20271031T093000",
					"DTEND;TZID=Kuala Lumpur, Singapore:20271031T094000"),
			),
			want: []string{"bkk 2027-04-29/2027-04-30", "kul 2027-10-30/2027-10-31"},
		},
		{
			name: "3 a Microsoft VTIMEZONE keeps its daylight saving",
			body: cal(append(easternMS,
				// December is standard time (-05:00): 22:30 is 00:30 the next day in Buenos Aires.
				ev("UID:winter", "DTSTART;TZID=Eastern Standard Time:20271215T223000", "DTEND;TZID=Eastern Standard Time:20271215T233000"),
				// July is daylight time (-04:00): 22:30 is 23:30 the same day.
				ev("UID:summer", "DTSTART;TZID=Eastern Standard Time:20270715T223000", "DTEND;TZID=Eastern Standard Time:20270715T233000"),
			)...),
			want: []string{"summer 2027-07-15/2027-07-16", "winter 2027-12-16/2027-12-17"},
		},
		{
			name: "4 yearly and monthly series from centuries ago still reach today",
			body: cal(
				ev("UID:bday", "DTSTART;VALUE=DATE:16040315", "RRULE:FREQ=YEARLY"),
				ev("UID:year1", "DTSTART;VALUE=DATE:00010704", "RRULE:FREQ=YEARLY"),
				// COUNT from year 1: every instance is 2,000 years past (rrule-go would
				// start a zero DTSTART today).
				ev("UID:count", "DTSTART;VALUE=DATE:00010101", "RRULE:FREQ=YEARLY;COUNT=3"),
			),
			want: []string{
				"bday/20270315 2027-03-15/2027-03-16", "year1/20270704 2027-07-04/2027-07-05",
				"bday/20280315 2028-03-15/2028-03-16", "year1/20280704 2028-07-04/2028-07-05",
			},
		},
		{
			name: "4 a monthly last-day rule from 1604 and a weekly one from 1604 span the whole horizon",
			body: cal(
				ev("UID:m", "DTSTART;VALUE=DATE:16040131", "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1"),
				ev("UID:w", "DTSTART;VALUE=DATE:16040105", "RRULE:FREQ=WEEKLY"), // a Monday
			),
			check: func(t *testing.T, res *Result) {
				var months, weeks []Block
				for _, b := range res.Blocks {
					if b.EventUID == "m" {
						months = append(months, b)
					} else {
						weeks = append(weeks, b)
					}
				}
				require.Len(t, months, 24)
				assert.Equal(t, "2026-12-31", months[0].Start.String())
				assert.Equal(t, "2028-11-30", months[23].Start.String())
				require.Len(t, weeks, 104)
				assert.Equal(t, "2026-12-07", weeks[0].Start.String())
				assert.Equal(t, "2028-11-27", weeks[103].Start.String())
				assert.False(t, res.Partial)
			},
		},
		{
			name: "5 a UTC UNTIL across spring-forward keeps its last, inclusive instance",
			body: cal(ev("UID:s", "DTSTART;TZID=Europe/Berlin:20270301T100000", "DTEND;TZID=Europe/Berlin:20270301T120000",
				// 10:00 CEST on 5 April is 08:00Z: included, although 10:00 CET would be 09:00Z.
				"RRULE:FREQ=WEEKLY;UNTIL=20270405T080000Z")),
			want: []string{
				"s/20270301T090000Z 2027-03-01/2027-03-02", "s/20270308T090000Z 2027-03-08/2027-03-09",
				"s/20270315T090000Z 2027-03-15/2027-03-16", "s/20270322T090000Z 2027-03-22/2027-03-23",
				"s/20270329T080000Z 2027-03-29/2027-03-30", "s/20270405T080000Z 2027-04-05/2027-04-06",
			},
		},
		{
			name: "5 a UTC UNTIL across fall-back adds no instance past it",
			body: cal(ev("UID:f", "DTSTART;TZID=Europe/Berlin:20271004T100000", "DTEND;TZID=Europe/Berlin:20271004T120000",
				// 10:00 CET on 1 November is 09:00Z, after UNTIL; at DTSTART's +02:00 it would pass.
				"RRULE:FREQ=WEEKLY;UNTIL=20271101T083000Z")),
			want: []string{
				"f/20271004T080000Z 2027-10-04/2027-10-05", "f/20271011T080000Z 2027-10-11/2027-10-12",
				"f/20271018T080000Z 2027-10-18/2027-10-19", "f/20271025T080000Z 2027-10-25/2027-10-26",
			},
		},
	})
}

// utf16Body encodes s as UTF-16 with a byte order mark.
func utf16Body(s string, little bool) []byte {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 0, 2+2*len(units))
	if little {
		out = append(out, 0xFF, 0xFE)
	} else {
		out = append(out, 0xFE, 0xFF)
	}
	for _, u := range units {
		if little {
			out = append(out, byte(u), byte(u>>8))
		} else {
			out = append(out, byte(u>>8), byte(u))
		}
	}
	return out
}

// TestOpenRules pins what docs/ical-import.md decides where R1–R18 were silent.
func TestOpenRules(t *testing.T) {
	utf16Cal := string(cal(ev("UID:u", "SUMMARY:Cabaña 🏠", "DTSTART;VALUE=DATE:20270101", "DTEND;VALUE=DATE:20270104")))
	runRuleCases(t, []ruleCase{
		{
			name: "R19 a floating DTEND beside a zoned DTSTART is read in DTSTART's zone",
			body: cal(
				// 09:00 to 10:00 New York; read in Buenos Aires the end would come first.
				ev("UID:ny", "DTSTART;TZID=America/New_York:20270902T090000", "DTEND:20270902T100000",
					"RRULE:FREQ=DAILY;COUNT=2"),
				// 22:00Z to 23:00 (floating, so UTC): 19:00 to 20:00 in Buenos Aires.
				ev("UID:z", "DTSTART:20271002T220000Z", "DTEND:20271002T230000"),
			),
			want: []string{
				"ny/20270902T130000Z 2027-09-02/2027-09-03", "ny/20270903T130000Z 2027-09-03/2027-09-04",
				"z 2027-10-02/2027-10-03",
			},
		},
		{
			name: "R19 a floating EXDATE in a zoned series removes its instance",
			body: cal(ev("UID:x", "DTSTART;TZID=Europe/Madrid:20270104T230000", "DTEND;TZID=Europe/Madrid:20270105T010000",
				"RRULE:FREQ=DAILY;COUNT=3", "EXDATE:20270105T230000")),
			want: []string{"x/20270104T220000Z 2027-01-04/2027-01-05", "x/20270106T220000Z 2027-01-06/2027-01-07"},
		},
		{
			name: "R20 a date DTSTART with a date-time DTEND ends on DTEND's date as written",
			body: cal(
				ev("UID:early", "DTSTART;VALUE=DATE:20270101", "DTEND:20270103T040000"),
				ev("UID:zoned", "DTSTART;VALUE=DATE:20270201", "DTEND;TZID=Asia/Tokyo:20270203T020000"),
				ev("UID:utc", "DTSTART;VALUE=DATE:20270301", "DTEND:20270303T000000Z"),
				ev("UID:same", "DTSTART;VALUE=DATE:20270401", "DTEND:20270401T180000"),
			),
			want: []string{
				"early 2027-01-01/2027-01-03", "zoned 2027-02-01/2027-02-03",
				"utc 2027-03-01/2027-03-03", "same 2027-04-01/2027-04-02",
			},
			warnRules: []string{"R5"},
		},
		{
			name: "R21 an override of an instance a newer master EXDATEs blocks nothing",
			body: cal(
				ev("UID:r", "SEQUENCE:3", "DTSTART;VALUE=DATE:20270104", "DTEND;VALUE=DATE:20270106",
					"RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE;VALUE=DATE:20270111"),
				ev("UID:r", "SEQUENCE:2", "RECURRENCE-ID;VALUE=DATE:20270111", "DTSTART;VALUE=DATE:20270112", "DTEND;VALUE=DATE:20270115"),
				// Same SEQUENCE, the master's LAST-MODIFIED later: the master is newer.
				ev("UID:t", "SEQUENCE:1", "LAST-MODIFIED:20261120T133342Z", "DTSTART;VALUE=DATE:20270201",
					"RRULE:FREQ=WEEKLY;COUNT=2", "EXDATE;VALUE=DATE:20270208"),
				ev("UID:t", "SEQUENCE:1", "LAST-MODIFIED:20261120T132247Z", "RECURRENCE-ID;VALUE=DATE:20270208", "DTSTART;VALUE=DATE:20270209"),
			),
			want:      []string{"r/20270104 2027-01-04/2027-01-06", "r/20270118 2027-01-18/2027-01-20", "t/20270201 2027-02-01/2027-02-02"},
			warnRules: []string{"R10", "R10"},
		},
		{
			name: "R21 an override as new as the EXDATE stands (Apple iCal moves an instance so)",
			body: cal(
				ev("UID:a", "SEQUENCE:1", "RECURRENCE-ID;VALUE=DATE:20270124", "DTSTART;VALUE=DATE:20270125", "DTEND;VALUE=DATE:20270126"),
				ev("UID:a", "SEQUENCE:1", "EXDATE;VALUE=DATE:20270124", "DTSTART;VALUE=DATE:20261224", "DTEND;VALUE=DATE:20261225",
					"RRULE:FREQ=MONTHLY;COUNT=3;BYMONTHDAY=24"),
			),
			want: []string{"a/20261224 2026-12-24/2026-12-25", "a/20270124 2027-01-25/2027-01-26", "a/20270224 2027-02-24/2027-02-25"},
		},
		{
			name: "R22 spaces inside RRULE lists are ignored",
			body: cal(ev("UID:s", "DTSTART;VALUE=DATE:20270104", "RRULE:FREQ=WEEKLY; COUNT=3; BYDAY=MO, WE")),
			want: []string{"s/20270104 2027-01-04/2027-01-05", "s/20270106 2027-01-06/2027-01-07", "s/20270111 2027-01-11/2027-01-12"},
		},
		{
			name: "R23 the horizon's last day is the day before Now plus two years",
			body: cal(
				// Now is 2026-12-01: instances up to 2028-11-30 are in, 2028-12-01 is out.
				ev("UID:y", "DTSTART;VALUE=DATE:20261201", "RRULE:FREQ=YEARLY"),
				ev("UID:d", "DTSTART;VALUE=DATE:20261101", "RDATE;VALUE=DATE:20281130,20281201"),
			),
			want: []string{"y/20261201 2026-12-01/2026-12-02", "y/20271201 2027-12-01/2027-12-02", "d/20281130 2028-11-30/2028-12-01"},
		},
		{
			name:  "R24 a UTF-16 little-endian body with a BOM is decoded",
			body:  utf16Body(utf16Cal, true),
			want:  []string{"u 2027-01-01/2027-01-04"},
			check: func(t *testing.T, res *Result) { assert.Equal(t, "Cabaña 🏠", res.Blocks[0].Summary) },
		},
		{
			name:  "R24 a UTF-16 big-endian body with a BOM is decoded",
			body:  utf16Body(utf16Cal, false),
			want:  []string{"u 2027-01-01/2027-01-04"},
			check: func(t *testing.T, res *Result) { assert.Equal(t, "Cabaña 🏠", res.Blocks[0].Summary) },
		},
	})
	t.Run("R24 UTF-16 without BEGIN:VCALENDAR is still not iCalendar", func(t *testing.T) {
		_, err := Normalize(utf16Body("<html>login</html>", true), testOptions(t))
		require.ErrorIs(t, err, ErrNotICalendar)
	})
}

// TestBudgetCutoffs: a budget that cuts the reading short makes the result partial,
// with a CodeBudget warning saying what was left out; a complete reading is not.
func TestBudgetCutoffs(t *testing.T) {
	many := make([]string, 0, maxRecurringEvents+1)
	for i := range maxRecurringEvents + 1 {
		many = append(many, ev(fmt.Sprintf("UID:r%d", i), "DTSTART;VALUE=DATE:20270101", "RRULE:FREQ=YEARLY;COUNT=2"))
	}
	zones := make([]string, 0, maxFileVTimezones+2)
	for i := range maxFileVTimezones + 1 {
		zones = append(zones, "BEGIN:VTIMEZONE", fmt.Sprintf("TZID:Zone %d", i), "BEGIN:STANDARD", "DTSTART:19700101T000000",
			"TZOFFSETFROM:+0100", "TZOFFSETTO:+0100", "END:STANDARD", "END:VTIMEZONE",
			ev(fmt.Sprintf("UID:z%d", i), fmt.Sprintf("DTSTART;TZID=Zone %d:20270101T100000", i), "DURATION:PT1H"))
	}
	cases := []struct {
		name    string
		body    []byte
		partial bool
		message string
	}{
		{name: "a complete reading", body: cal(ev("UID:a", "DTSTART;VALUE=DATE:20270101", "RRULE:FREQ=DAILY")), partial: false},
		{name: "more recurring events than the budget", body: cal(many...), partial: true, message: "more than 1000 recurring events"},
		{name: "one rule past its instances", body: cal(ev("UID:c", "DTSTART;VALUE=DATE:19000101", "RRULE:FREQ=DAILY;COUNT=50000")), partial: true, message: "RRULE expansion stopped after 20000 instances"},
		{name: "more VTIMEZONEs than the budget", body: cal(zones...), partial: true, message: "more than 100 VTIMEZONEs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Normalize(tc.body, testOptions(t))
			require.NoError(t, err)
			assert.Equal(t, tc.partial, res.Partial)
			var budget []string
			for _, w := range res.Warnings {
				if w.Code == CodeBudget {
					budget = append(budget, w.Message)
				}
			}
			if !tc.partial {
				assert.Empty(t, budget)
				return
			}
			require.NotEmpty(t, budget)
			assert.True(t, strings.Contains(budget[0], tc.message), budget[0])
		})
	}
}
