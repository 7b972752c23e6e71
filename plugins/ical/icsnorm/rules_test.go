package icsnorm

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cal wraps content lines in a VCALENDAR with CRLF ends.
func cal(lines ...string) []byte {
	all := append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"}, lines...)
	all = append(all, "END:VCALENDAR")
	return []byte(strings.Join(all, "\r\n") + "\r\n")
}

// ev is a VEVENT with the given properties.
func ev(props ...string) string {
	return "BEGIN:VEVENT\r\n" + strings.Join(props, "\r\n") + "\r\nEND:VEVENT"
}

func testOptions(t testing.TB) Options {
	t.Helper()
	loc, err := time.LoadLocation(DefaultTimezone)
	require.NoError(t, err)
	return Options{
		Location: loc,
		Now:      time.Date(2026, 12, 1, 12, 0, 0, 0, loc),
		FeedID:   "feed-1",
	}
}

// ranges renders blocks as "uid start/end" for compact assertions.
func ranges(bs []Block) []string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.UID+" "+b.Start.String()+"/"+b.End.String())
	}
	return out
}

func warningRules(ws []Warning) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.Rule)
	}
	return out
}

type ruleCase struct {
	name      string
	body      []byte
	tweak     func(*Options)
	want      []string // "uid start/end", in the sorted order of Result.Blocks; nil with check set: check alone decides
	warnRules []string // rules of the warnings, in order
	check     func(t *testing.T, res *Result)
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(t)
			if tc.tweak != nil {
				tc.tweak(&opts)
			}
			res, err := Normalize(tc.body, opts)
			require.NoError(t, err)
			switch {
			case tc.want != nil:
				assert.Equal(t, tc.want, ranges(res.Blocks))
			case tc.check == nil:
				assert.Empty(t, res.Blocks)
			}
			if tc.warnRules == nil {
				tc.warnRules = []string{}
			}
			assert.Equal(t, tc.warnRules, warningRules(res.Warnings), "warnings: %v", res.Warnings)
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

func TestRules(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{
			name: "R1 cancelled blocks nothing",
			body: cal(
				ev("UID:a", "STATUS:CONFIRMED", "DTSTART;VALUE=DATE:20270103", "DTEND;VALUE=DATE:20270105"),
				ev("UID:b", "STATUS:CANCELLED", "DTSTART;VALUE=DATE:20270110", "DTEND;VALUE=DATE:20270112"),
			),
			want: []string{"a 2027-01-03/2027-01-05"},
		},
		{
			name: "R2 all-day end is exclusive and back-to-back stays touch",
			body: cal(
				ev("UID:a", "DTSTART;VALUE=DATE:20270103", "DTEND;VALUE=DATE:20270110"),
				ev("UID:b", "DTSTART;VALUE=DATE:20270110", "DTEND;VALUE=DATE:20270114"),
			),
			want: []string{"a 2027-01-03/2027-01-10", "b 2027-01-10/2027-01-14"},
		},
		{
			name: "R3 duration in days, weeks and hours",
			body: cal(
				ev("UID:d", "DTSTART;VALUE=DATE:20270410", "DURATION:P3D"),
				ev("UID:w", "DTSTART;VALUE=DATE:20270501", "DURATION:P1W"),
				ev("UID:h", "DTSTART;TZID=America/Argentina/Buenos_Aires:20270601T150000", "DURATION:PT67H"),
				ev("UID:p", "DTSTART;VALUE=DATE:20270701", "DURATION:P1DT12H"),
			),
			want: []string{"d 2027-04-10/2027-04-13", "w 2027-05-01/2027-05-08", "h 2027-06-01/2027-06-04", "p 2027-07-01/2027-07-03"},
		},
		{
			name: "R4 a date alone lasts a day, a time alone blocks nothing",
			body: cal(
				ev("UID:date", "DTSTART;VALUE=DATE:20270520"),
				ev("UID:time", "DTSTART:20270615T140000Z"),
			),
			want: []string{"date 2027-05-20/2027-05-21"},
		},
		{
			name:      "R5 all-day end equal to start blocks one night with a warning",
			body:      cal(ev("UID:z", "DTSTART;VALUE=DATE:20270301", "DTEND;VALUE=DATE:20270301")),
			want:      []string{"z 2027-03-01/2027-03-02"},
			warnRules: []string{"R5"},
		},
		{
			name: "R6 inverted event is skipped, the rest kept",
			body: cal(
				ev("UID:bad", "DTSTART;VALUE=DATE:20270310", "DTEND;VALUE=DATE:20270305"),
				ev("UID:badtime", "DTSTART:20270310T120000Z", "DTEND:20270310T100000Z"),
				ev("UID:good", "DTSTART;VALUE=DATE:20270320", "DTEND;VALUE=DATE:20270322"),
			),
			want:      []string{"good 2027-03-20/2027-03-22"},
			warnRules: []string{"R6", "R6"},
		},
		{
			name: "R7 timed events use the property's local dates",
			body: cal(
				// 02:00Z is 23:00 the day before in Buenos Aires.
				ev("UID:utc", "DTSTART:20270114T020000Z", "DTEND:20270116T130000Z"),
				// Same local date: that date is blocked.
				ev("UID:same", "DTSTART;TZID=America/Argentina/Buenos_Aires:20270201T100000", "DTEND;TZID=America/Argentina/Buenos_Aires:20270201T120000"),
				// Floating times are already local; ending at local midnight frees that night.
				ev("UID:float", "DTSTART:20270301T150000", "DTEND:20270303T000000"),
			),
			want: []string{"utc 2027-01-13/2027-01-16", "same 2027-02-01/2027-02-02", "float 2027-03-01/2027-03-03"},
			check: func(t *testing.T, res *Result) {
				for _, b := range res.Blocks {
					assert.True(t, b.Timed, b.UID)
				}
			},
		},
		{
			name: "R7b UTC midnights whole days apart are dates",
			body: cal(
				ev("UID:mid", "DTSTART:20270105T000000Z", "DTEND:20270108T000000Z"),
				ev("UID:dur", "DTSTART:20270205T000000Z", "DURATION:P2D"),
				ev("UID:noon", "DTSTART:20270305T000000Z", "DTEND:20270305T120000Z"),
			),
			want: []string{"mid 2027-01-05/2027-01-08", "dur 2027-02-05/2027-02-07", "noon 2027-03-04/2027-03-05"},
			check: func(t *testing.T, res *Result) {
				assert.False(t, res.Blocks[0].Timed)
				assert.True(t, res.Blocks[2].Timed)
			},
		},
		{
			name: "R8 IANA, Windows names, quoted TZID and prefixed names",
			body: cal(
				// 23:30 in Madrid (UTC+1) is 19:30 in Buenos Aires, same date.
				ev("UID:madrid", "DTSTART;TZID=Europe/Madrid:20270110T233000", "DTEND;TZID=Europe/Madrid:20270112T100000"),
				ev("UID:win", "DTSTART;TZID=Argentina Standard Time:20270210T150000", "DTEND;TZID=Argentina Standard Time:20270212T100000"),
				ev("UID:quoted", `DTSTART;TZID="Tokyo Standard Time":20270310T080000`, `DTEND;TZID="Tokyo Standard Time":20270311T080000`),
				ev("UID:moz", "DTSTART;TZID=/mozilla.org/20070129_1/America/New_York:20270410T220000", "DTEND;TZID=/mozilla.org/20070129_1/America/New_York:20270411T220000"),
			),
			// Tokyo 08:00 is 20:00 the day before in Buenos Aires.
			want: []string{"madrid 2027-01-10/2027-01-12", "win 2027-02-10/2027-02-12", "quoted 2027-03-09/2027-03-10", "moz 2027-04-10/2027-04-11"},
		},
		{
			name: "R8 VTIMEZONE of the file, and an unknown zone never fails the file",
			body: cal(
				"BEGIN:VTIMEZONE", "TZID:Isla Custom", "BEGIN:STANDARD", "DTSTART:19700101T000000",
				"TZOFFSETFROM:+1000", "TZOFFSETTO:+1000", "END:STANDARD", "END:VTIMEZONE",
				// 08:00 at +10:00 is 19:00 the day before at -03:00.
				ev("UID:custom", "DTSTART;TZID=Isla Custom:20270110T080000", "DTEND;TZID=Isla Custom:20270112T080000"),
				ev("UID:mars", "DTSTART;TZID=Mars/Olympus_Mons:20270210T150000", "DTEND;TZID=Mars/Olympus_Mons:20270212T100000"),
			),
			want:      []string{"custom 2027-01-09/2027-01-11", "mars 2027-02-10/2027-02-12"},
			warnRules: []string{"R8"},
		},
		{
			name: "R8 VTIMEZONE with daylight rules",
			body: cal(
				"BEGIN:VTIMEZONE", "TZID:Old Brasilia",
				"BEGIN:DAYLIGHT", "DTSTART:20001015T000000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=3SU",
				"TZOFFSETFROM:-0300", "TZOFFSETTO:-0200", "END:DAYLIGHT",
				"BEGIN:STANDARD", "DTSTART:20010218T000000", "RRULE:FREQ=YEARLY;BYMONTH=2;BYDAY=3SU",
				"TZOFFSETFROM:-0200", "TZOFFSETTO:-0300", "END:STANDARD", "END:VTIMEZONE",
				// January is daylight (-02:00): 00:30 there is 23:30 the day before in Buenos Aires.
				ev("UID:summer", "DTSTART;TZID=Old Brasilia:20270110T003000", "DTEND;TZID=Old Brasilia:20270111T003000"),
				// May is standard (-03:00): same clock as Buenos Aires.
				ev("UID:winter", "DTSTART;TZID=Old Brasilia:20270510T003000", "DTEND;TZID=Old Brasilia:20270511T003000"),
			),
			want: []string{"summer 2027-01-09/2027-01-10", "winter 2027-05-10/2027-05-11"},
		},
		{
			name: "R9 highest SEQUENCE, then latest DTSTAMP, then later in file",
			body: cal(
				ev("UID:s", "SEQUENCE:2", "DTSTAMP:20261101T000000Z", "DTSTART;VALUE=DATE:20270610", "DTEND;VALUE=DATE:20270612"),
				ev("UID:s", "SEQUENCE:1", "DTSTAMP:20261201T000000Z", "DTSTART;VALUE=DATE:20270601", "DTEND;VALUE=DATE:20270603"),
				ev("UID:t", "SEQUENCE:0", "DTSTAMP:20261201T000000Z", "DTSTART;VALUE=DATE:20270701", "DTEND;VALUE=DATE:20270703"),
				ev("UID:t", "SEQUENCE:0", "DTSTAMP:20261101T000000Z", "LAST-MODIFIED:20261202T000000Z", "DTSTART;VALUE=DATE:20270705", "DTEND;VALUE=DATE:20270707"),
				ev("UID:f", "DTSTAMP:20261201T000000Z", "DTSTART;VALUE=DATE:20270801", "DTEND;VALUE=DATE:20270803"),
				ev("UID:f", "DTSTAMP:20261201T000000Z", "DTSTART;VALUE=DATE:20270802", "DTEND;VALUE=DATE:20270804"),
			),
			want: []string{"s 2027-06-10/2027-06-12", "t 2027-07-05/2027-07-07", "f 2027-08-02/2027-08-04"},
		},
		{
			name: "R9 a cancelled re-issue wins over the original",
			body: cal(
				ev("UID:c", "SEQUENCE:0", "STATUS:CONFIRMED", "DTSTART;VALUE=DATE:20270510", "DTEND;VALUE=DATE:20270515"),
				ev("UID:c", "SEQUENCE:1", "STATUS:CANCELLED", "DTSTART;VALUE=DATE:20270510", "DTEND;VALUE=DATE:20270515"),
			),
		},
		{
			name: "R10 COUNT counts before EXDATE (comma list) removes",
			body: cal(ev("UID:r", "DTSTART;VALUE=DATE:20270104", "DTEND;VALUE=DATE:20270106",
				"RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;VALUE=DATE:20270111,20270125")),
			want: []string{"r/20270104 2027-01-04/2027-01-06", "r/20270118 2027-01-18/2027-01-20"},
		},
		{
			name: "R10 RECURRENCE-ID override moves one instance, a cancelled one removes it",
			body: cal(
				ev("UID:r", "DTSTART;TZID=America/Argentina/Buenos_Aires:20270104T150000", "DTEND;TZID=America/Argentina/Buenos_Aires:20270106T100000",
					"RRULE:FREQ=WEEKLY;UNTIL=20270125T235959Z"),
				ev("UID:r", "RECURRENCE-ID;TZID=America/Argentina/Buenos_Aires:20270111T150000",
					"DTSTART;TZID=America/Argentina/Buenos_Aires:20270112T150000", "DTEND;TZID=America/Argentina/Buenos_Aires:20270115T100000"),
				ev("UID:r", "RECURRENCE-ID:20270118T180000Z", "STATUS:CANCELLED",
					"DTSTART:20270118T180000Z", "DTEND:20270120T130000Z"),
			),
			want: []string{
				"r/20270104T180000Z 2027-01-04/2027-01-06",
				"r/20270111T180000Z 2027-01-12/2027-01-15",
				"r/20270125T180000Z 2027-01-25/2027-01-27",
			},
		},
		{
			name: "R10 expansion stops at the two-year horizon and skips the past",
			body: cal(ev("UID:y", "DTSTART;VALUE=DATE:20200301", "DTEND;VALUE=DATE:20200302", "RRULE:FREQ=YEARLY")),
			want: []string{"y/20270301 2027-03-01/2027-03-02", "y/20280301 2028-03-01/2028-03-02"},
		},
		{
			name: "R10 daily rule from long ago reaches now and the horizon",
			body: cal(ev("UID:d", "DTSTART;VALUE=DATE:19900101", "RRULE:FREQ=DAILY;INTERVAL=100")),
			check: func(t *testing.T, res *Result) {
				require.NotEmpty(t, res.Blocks)
				first, last := res.Blocks[0], res.Blocks[len(res.Blocks)-1]
				assert.False(t, first.Start.After(NewDate(2027, 3, 11)), first.Start.String())
				assert.True(t, last.Start.After(NewDate(2028, 8, 22)), last.Start.String())
				assert.Equal(t, int64(0), first.Start.In(time.UTC).Sub(NewDate(1990, 1, 1).In(time.UTC)).Milliseconds()%(100*24*3600*1000))
				assert.Len(t, res.Blocks, 8) // 731 days of horizon, one every 100
			},
		},
		{
			name:      "R10 a rule that never matches blocks DTSTART only",
			body:      cal(ev("UID:n", "DTSTART;VALUE=DATE:20270101", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")),
			want:      []string{"n/20270101 2027-01-01/2027-01-02"},
			warnRules: []string{"R10"},
		},
		{
			name: "R10 sub-daily rules are read as daily",
			body: cal(ev("UID:h", "DTSTART:20270101T130000Z", "DTEND:20270101T140000Z", "RRULE:FREQ=HOURLY;INTERVAL=12;COUNT=5")),
			want: []string{
				"h/20270101T130000Z 2027-01-01/2027-01-02", "h/20270102T130000Z 2027-01-02/2027-01-03",
				"h/20270103T130000Z 2027-01-03/2027-01-04", "h/20270104T130000Z 2027-01-04/2027-01-05",
			},
			warnRules: []string{"R10"},
		},
		{
			name: "R10 RDATE adds instances",
			body: cal(ev("UID:rd", "DTSTART;VALUE=DATE:20270101", "DTEND;VALUE=DATE:20270103", "RDATE;VALUE=DATE:20270201,20270301")),
			want: []string{"rd/20270101 2027-01-01/2027-01-03", "rd/20270201 2027-02-01/2027-02-03", "rd/20270301 2027-03-01/2027-03-03"},
		},
		{
			name: "R13 only VEVENT blocks",
			body: cal(
				"BEGIN:VTODO", "UID:todo", "DTSTART;VALUE=DATE:20270101", "DUE;VALUE=DATE:20270105", "END:VTODO",
				"BEGIN:VJOURNAL", "UID:j", "DTSTART;VALUE=DATE:20270101", "END:VJOURNAL",
				ev("UID:e", "DTSTART;VALUE=DATE:20270201", "DTEND;VALUE=DATE:20270203",
					"BEGIN:VALARM", "TRIGGER:-PT15M", "ACTION:DISPLAY", "DTSTART;VALUE=DATE:20270301", "END:VALARM"),
			),
			want: []string{"e 2027-02-01/2027-02-03"},
		},
		{
			name: "R16 TRANSPARENT still blocks",
			body: cal(ev("UID:t", "TRANSP:TRANSPARENT", "DTSTART;VALUE=DATE:20270701", "DTEND;VALUE=DATE:20270711")),
			want: []string{"t 2027-07-01/2027-07-11"},
		},
		{
			name:  "R17 TENTATIVE blocks, flagged",
			body:  cal(ev("UID:t", "STATUS:TENTATIVE", "DTSTART;VALUE=DATE:20270601", "DTEND;VALUE=DATE:20270603")),
			want:  []string{"t 2027-06-01/2027-06-03"},
			check: func(t *testing.T, res *Result) { assert.True(t, res.Blocks[0].Tentative) },
		},
		{
			name: "R18 events without UID block under a stable synthetic id; twins collapse",
			body: cal(
				ev("DTSTART;VALUE=DATE:20270601", "DTEND;VALUE=DATE:20270603", "SUMMARY:Ocupado"),
				ev("DTSTART;VALUE=DATE:20270601", "DTEND;VALUE=DATE:20270603", "SUMMARY:Ocupado"),
				ev("DTSTART;VALUE=DATE:20270610", "DTEND;VALUE=DATE:20270612", "SUMMARY:Ocupado"),
			),
			check: func(t *testing.T, res *Result) {
				require.Len(t, res.Blocks, 2)
				assert.True(t, strings.HasPrefix(res.Blocks[0].UID, "synthetic-"))
				assert.NotEqual(t, res.Blocks[0].UID, res.Blocks[1].UID)
				again, err := Normalize(cal(ev("DTSTART;VALUE=DATE:20270601", "DTEND;VALUE=DATE:20270603", "SUMMARY:Ocupado")), testOptions(t))
				require.NoError(t, err)
				assert.Equal(t, res.Blocks[0].UID, again.Blocks[0].UID)
				other := testOptions(t)
				other.FeedID = "feed-2"
				elsewhere, err := Normalize(cal(ev("DTSTART;VALUE=DATE:20270601", "DTEND;VALUE=DATE:20270603", "SUMMARY:Ocupado")), other)
				require.NoError(t, err)
				assert.NotEqual(t, res.Blocks[0].UID, elsewhere.Blocks[0].UID)
			},
		},
		{
			name:  "end_inclusive: DTEND is the last night",
			tweak: func(o *Options) { o.EndInclusive = true },
			body: cal(
				ev("UID:a", "DTSTART;VALUE=DATE:20270103", "DTEND;VALUE=DATE:20270105"),
				ev("UID:one", "DTSTART;VALUE=DATE:20270110", "DTEND;VALUE=DATE:20270110"),
				ev("UID:dur", "DTSTART;VALUE=DATE:20270120", "DURATION:P2D"),
			),
			want: []string{"a 2027-01-03/2027-01-06", "one 2027-01-10/2027-01-11", "dur 2027-01-20/2027-01-22"},
		},
	})
}

func TestRejections(t *testing.T) {
	cases := []struct {
		name string
		body []byte
		opts func(*Options)
		want error
		code string
	}{
		{name: "HTML page", body: []byte("<!DOCTYPE html>\n<html><body>Login</body></html>\n"), want: ErrNotICalendar, code: "not_icalendar"},
		{name: "empty body", body: nil, want: ErrNotICalendar, code: "not_icalendar"},
		{name: "JSON error", body: []byte(`{"error":"unauthorized"}`), want: ErrNotICalendar, code: "not_icalendar"},
		{name: "calendar starting with an event", body: []byte("BEGIN:VEVENT\r\nEND:VEVENT\r\n"), want: ErrNotICalendar, code: "not_icalendar"},
		{name: "truncated mid-event", body: []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:2027"), want: ErrTruncated, code: "truncated"},
		{name: "truncated after an event", body: []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n"), want: ErrTruncated, code: "truncated"},
		{name: "too large", body: cal(ev("UID:a", "DTSTART;VALUE=DATE:20270101")), opts: func(o *Options) { o.MaxBytes = 20 }, want: ErrTooLarge, code: "too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(t)
			if tc.opts != nil {
				tc.opts(&opts)
			}
			res, err := Normalize(tc.body, opts)
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, res)
			assert.True(t, IsRejection(err))
			assert.Equal(t, tc.code, RejectionCode(err))
		})
	}
}

func TestReader(t *testing.T) {
	// "Cabaña" folded between the two bytes of "ñ" (0xC3 0xB1).
	folded := []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:f\r\nSUMMARY:Caba\xc3\r\n \xb1a del lago\r\nDTSTART;VALUE=DATE:20270101\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	runRuleCases(t, []ruleCase{
		{
			name: "R11 a UTF-8 BOM before BEGIN:VCALENDAR is fine",
			body: append([]byte{0xEF, 0xBB, 0xBF}, cal(ev("UID:b", "DTSTART;VALUE=DATE:20270101"))...),
			want: []string{"b 2027-01-01/2027-01-02"},
		},
		{
			name:  "R14 a fold inside a multi-byte character",
			body:  folded,
			want:  []string{"f 2027-01-01/2027-01-02"},
			check: func(t *testing.T, res *Result) { assert.Equal(t, "Cabaña del lago", res.Blocks[0].Summary) },
		},
		{
			name: "R14 LF-only ends, tab folds and blank lines",
			body: []byte("BEGIN:VCALENDAR\n\nBEGIN:VEVENT\nUID:lf\nDTSTART;VALUE=DATE:2027\n\t0101\n\nDTEND;VALUE=DATE:20270104\nEND:VEVENT\n\n\nEND:VCALENDAR"),
			want: []string{"lf 2027-01-01/2027-01-04"},
		},
		{
			name: "R15 names are case-insensitive, quoted parameters hold : ; ,",
			body: cal(
				"begin:vevent", "uid:lc", `dtstart;x-label="a:b;c,d";value=date:20270101`, "Dtend;Value=Date:20270103",
				`summary;language=es:Casa\, centro, con "comillas"`, "end:vevent",
			),
			want: []string{"lc 2027-01-01/2027-01-03"},
			check: func(t *testing.T, res *Result) {
				assert.Equal(t, `Casa, centro, con "comillas"`, res.Blocks[0].Summary)
			},
		},
		{
			name:      "malformed lines and stray ENDs are skipped with a warning",
			body:      cal("this line has no colon", "END:VTODO", ev("UID:ok", "DTSTART;VALUE=DATE:20270101", "DTEND;VALUE=DATE:20270102")),
			want:      []string{"ok 2027-01-01/2027-01-02"},
			warnRules: []string{"", ""},
		},
		{
			name:      "an unclosed sub-component is closed by the event's END",
			body:      cal(ev("UID:al", "DTSTART;VALUE=DATE:20270101", "BEGIN:VALARM", "TRIGGER:-PT1H")),
			want:      []string{"al 2027-01-01/2027-01-02"},
			warnRules: []string{""},
		},
		{
			name:      "R12 a calendar without events is valid and flagged empty",
			body:      cal(),
			warnRules: []string{"R12"},
			check: func(t *testing.T, res *Result) {
				assert.True(t, res.Empty)
				assert.Equal(t, EmptyFeedWarning, res.Warnings[0].Message)
			},
		},
		{
			name: "only cancelled events: valid, not flagged empty",
			body: cal(ev("UID:c", "STATUS:CANCELLED", "DTSTART;VALUE=DATE:20270101")),
			check: func(t *testing.T, res *Result) {
				assert.False(t, res.Empty)
				assert.Equal(t, 1, res.Events)
			},
		},
	})
}
