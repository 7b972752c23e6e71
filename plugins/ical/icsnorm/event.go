package icsnorm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	ical "github.com/emersion/go-ical"
)

// vevent is one VEVENT as read, before duplicates collapse.
type vevent struct {
	comp      *ical.Component
	index     int // position in the file: the later one wins ties (R9)
	uid       string
	rid       *moment // RECURRENCE-ID
	sequence  int
	revised   time.Time // the later of DTSTAMP and LAST-MODIFIED
	status    string
	summary   string
	start     moment
	end       *moment
	duration  *time.Duration
	endIsDate bool            // DTEND given as a date (end_inclusive applies)
	class     *classification // the profile's reading, computed once per event
}

func (e *vevent) collapseKey() string {
	if e.rid == nil {
		return e.uid
	}
	return e.uid + "\x00" + e.rid.key()
}

// readEvent extracts what blocking needs; nil (with a warning) when the event cannot
// block at all (no usable DTSTART).
func (n *normalizer) readEvent(c *ical.Component, index int) *vevent {
	e := &vevent{comp: c, index: index}
	e.uid = strings.TrimSpace(propText(c, ical.PropUID))
	e.summary = strings.TrimSpace(propText(c, ical.PropSummary))
	e.status = strings.ToUpper(strings.TrimSpace(propText(c, ical.PropStatus)))
	if p := c.Props.Get(ical.PropSequence); p != nil {
		if v, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil {
			e.sequence = v
		}
	}
	for _, name := range []string{ical.PropDateTimeStamp, ical.PropLastModified} {
		if p := c.Props.Get(name); p != nil {
			if m, err := n.parseMoment(p, p.Value); err == nil && !m.date && m.instant.After(e.revised) {
				e.revised = m.instant
			}
		}
	}
	startProp := c.Props.Get(ical.PropDateTimeStart)
	if e.uid == "" {
		e.uid = syntheticUID(n.opts.FeedID, startProp, c.Props.Get(ical.PropDateTimeEnd), e.summary)
	}
	if startProp == nil {
		n.warn(Warning{Code: CodeNoStart, UID: e.uid, Message: "event without DTSTART skipped"})
		return nil
	}
	start, err := n.parseMoment(startProp, startProp.Value)
	if err != nil {
		n.warn(Warning{Code: CodeBadValue, UID: e.uid, Message: fmt.Sprintf("event skipped: %v", err)})
		return nil
	}
	e.start = start
	if p := c.Props.Get(ical.PropDateTimeEnd); p != nil {
		end, err := n.parseMoment(p, p.Value)
		if err != nil {
			n.warn(Warning{Code: CodeBadValue, UID: e.uid, Message: fmt.Sprintf("DTEND ignored: %v", err)})
		} else {
			end = end.inZoneOf(start)
			e.end = &end
			e.endIsDate = end.date
		}
	}
	if p := c.Props.Get(ical.PropDuration); p != nil && e.end == nil {
		d, err := p.Duration()
		if err != nil {
			n.warn(Warning{Code: CodeBadValue, UID: e.uid, Message: fmt.Sprintf("DURATION ignored: %v", err)})
		} else {
			e.duration = &d
		}
	}
	if p := c.Props.Get(ical.PropRecurrenceID); p != nil {
		rid, err := n.parseMoment(p, p.Value)
		if err != nil {
			n.warn(Warning{Code: CodeBadValue, UID: e.uid, Message: fmt.Sprintf("RECURRENCE-ID ignored: %v", err)})
		} else {
			rid = rid.inZoneOf(start)
			e.rid = &rid
		}
	}
	return e
}

// syntheticUID is R18: a stable id for an event without UID, from the feed and the
// raw values that identify the stay.
func syntheticUID(feedID string, start, end *ical.Prop, summary string) string {
	h := sha256.New()
	for _, s := range []string{feedID, propRaw(start), propRaw(end), summary} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "synthetic-" + hex.EncodeToString(h.Sum(nil)[:12]) + "@conserje"
}

func propRaw(p *ical.Prop) string {
	if p == nil {
		return ""
	}
	return tzidParam(p) + ":" + p.Value
}

// collapse is R9: events sharing UID and RECURRENCE-ID become one, the highest
// SEQUENCE winning, then the latest DTSTAMP/LAST-MODIFIED, then the later in the file.
// The result keeps first-appearance order.
func collapse(events []*vevent) []*vevent {
	best := make(map[string]int, len(events))
	var out []*vevent
	for _, e := range events {
		k := e.collapseKey()
		i, seen := best[k]
		if !seen {
			best[k] = len(out)
			out = append(out, e)
			continue
		}
		if !newer(out[i], e) {
			out[i] = e
		}
	}
	return out
}

// newer reports whether a is a later revision than b by R9's order: higher SEQUENCE,
// then later DTSTAMP/LAST-MODIFIED.
func newer(a, b *vevent) bool {
	if a.sequence != b.sequence {
		return a.sequence > b.sequence
	}
	return a.revised.After(b.revised)
}

// span is the range of nights of one occurrence, or ok=false when it blocks nothing.
type span struct {
	start, end Date
	timed      bool
}

// occurrenceSpan applies R2–R7 to one occurrence starting at start. end or dur (at
// most one set) come from the event; for recurrence instances they are already shifted.
func (n *normalizer) occurrenceSpan(e *vevent, start moment, end *moment, dur *time.Duration) (span, bool) {
	loc := n.opts.Location
	if start.date {
		s := start.day
		var eDay Date
		switch {
		case end != nil:
			if end.date {
				eDay = end.day
				if n.opts.EndInclusive && e.endIsDate {
					eDay = eDay.AddDays(1)
				}
			} else {
				// A date-time end beside a date start: the date as written is the
				// checkout day, whatever the time (DTSTART names nights, not instants).
				eDay = DateOf(end.wall)
			}
		case dur != nil:
			if *dur < 0 {
				n.warn(Warning{Rule: "R6", Code: CodeInverted, UID: e.uid, Message: "negative DURATION: event skipped"})
				return span{}, false
			}
			days := int(*dur / (24 * time.Hour))
			if *dur%(24*time.Hour) != 0 {
				days++ // a partial day still occupies that night
			}
			eDay = s.AddDays(days)
		default:
			return span{start: s, end: s.AddDays(1)}, true // R4
		}
		switch c := eDay.Compare(s); {
		case c == 0:
			n.warn(Warning{Rule: "R5", Code: CodeZeroLength, UID: e.uid, Message: fmt.Sprintf("all-day event ends on its start date %s: one night blocked", s)})
			return span{start: s, end: s.AddDays(1)}, true
		case c < 0:
			n.warn(Warning{Rule: "R6", Code: CodeInverted, UID: e.uid, Message: fmt.Sprintf("ends (%s) before it starts (%s): event skipped", eDay, s)})
			return span{}, false
		}
		return span{start: s, end: eDay}, true
	}

	// Timed start.
	if end != nil && end.date {
		s := start.localDate(loc)
		switch c := end.day.Compare(s); {
		case c < 0:
			n.warn(Warning{Rule: "R6", Code: CodeInverted, UID: e.uid, Message: fmt.Sprintf("ends (%s) before it starts (%s): event skipped", end.day, s)})
			return span{}, false
		case c == 0:
			return span{start: s, end: s.AddDays(1), timed: true}, true
		}
		return span{start: s, end: end.day, timed: true}, true
	}
	var endInstant time.Time
	switch {
	case end != nil:
		endInstant = end.instant
	case dur != nil:
		endInstant = start.instant.Add(*dur)
	default:
		return span{}, false // R4: a timed start alone takes no time
	}
	switch c := endInstant.Compare(start.instant); {
	case c < 0:
		n.warn(Warning{Rule: "R6", Code: CodeInverted, UID: e.uid, Message: "ends before it starts: event skipped"})
		return span{}, false
	case c == 0:
		return span{}, false // an instant blocks no night
	}
	// R7b: 00:00:00Z to 00:00:00Z whole days later is an export of dates.
	if start.utc && isUTCMidnight(start.instant) && isUTCMidnight(endInstant) && (end == nil || end.utc) {
		return span{start: DateOf(start.instant.UTC()), end: DateOf(endInstant.UTC())}, true
	}
	s := DateOf(start.instant.In(loc))
	eDay := DateOf(endInstant.In(loc))
	if !eDay.After(s) {
		eDay = s.AddDays(1)
	}
	return span{start: s, end: eDay, timed: true}, true
}

func isUTCMidnight(t time.Time) bool {
	u := t.UTC()
	return u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0
}

func (n *normalizer) makeBlock(e *vevent, sp span, rid string) Block {
	b := Block{
		UID:          e.uid,
		EventUID:     e.uid,
		RecurrenceID: rid,
		Start:        sp.start,
		End:          sp.end,
		Timed:        sp.timed,
		Summary:      e.summary,
		Sequence:     e.sequence,
	}
	if rid != "" {
		b.UID = e.uid + "/" + rid
	}
	if e.class == nil {
		c := classify(n.opts.Platform, e.summary, propText(e.comp, ical.PropDescription), e.status)
		e.class = &c
	}
	c := e.class
	b.Kind, b.Tentative, b.ReservationCode, b.PhoneLast4 = c.kind, c.tentative, c.code, c.phoneLast4
	return b
}

func cancelled(e *vevent) bool { return e.status == "CANCELLED" } // R1

// blocks turns the collapsed events into blocks: masters (with their recurrences
// expanded and overridden) and overrides whose master is not in the file.
func (n *normalizer) blocks(events []*vevent) []Block {
	masters := map[string]*vevent{}
	overrides := map[string][]*vevent{}
	for _, e := range events {
		if e.rid == nil {
			masters[e.uid] = e
		} else {
			overrides[e.uid] = append(overrides[e.uid], e)
		}
	}
	// One-off events go to out directly; each series fills its own exactly sized chunk,
	// joined at the end in one allocation (a feed may hold 100,000 instances).
	out := make([]Block, 0, len(events))
	var chunks [][]Block
	total := 0
	for _, e := range events {
		switch {
		case e.rid == nil && !recurring(e):
			out = n.masterBlocks(out, e, nil)
		case e.rid == nil:
			chunk := n.recurringBlocks(nil, e, overrides[e.uid])
			chunks = append(chunks, chunk)
			total += len(chunk)
		case masters[e.uid] == nil:
			// An override without its master still says the nights are taken.
			if cancelled(e) {
				continue
			}
			if sp, ok := n.occurrenceSpan(e, e.start, e.end, e.duration); ok {
				out = append(out, n.makeBlock(e, sp, e.rid.String()))
			}
		}
	}
	if total == 0 {
		return out
	}
	all := make([]Block, 0, len(out)+total)
	all = append(all, out...)
	for _, c := range chunks {
		all = append(all, c...)
	}
	return all
}

// recurring reports whether a master has an RRULE or RDATE.
func recurring(e *vevent) bool {
	return len(e.comp.Props.Values(ical.PropRecurrenceRule)) > 0 || len(e.comp.Props.Values(ical.PropRecurrenceDates)) > 0
}

// masterBlocks appends the blocks of a master event (and of its overrides) to out.
func (n *normalizer) masterBlocks(out []Block, e *vevent, overrides []*vevent) []Block {
	if !recurring(e) {
		if cancelled(e) {
			return out
		}
		sp, ok := n.occurrenceSpan(e, e.start, e.end, e.duration)
		if !ok {
			return out
		}
		return append(out, n.makeBlock(e, sp, ""))
	}
	return n.recurringBlocks(out, e, overrides)
}
