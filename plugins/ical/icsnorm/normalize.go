package icsnorm

import (
	"fmt"
	"sort"

	ical "github.com/emersion/go-ical"
)

// Kind says what a block is, as far as the feed tells.
type Kind string

// Block kinds.
const (
	KindReservation Kind = "reservation" // a guest's stay
	KindBlock       Kind = "block"       // closed by the host or the owner
	KindUnknown     Kind = "unknown"     // the platform does not say (Booking.com)
)

// Block is one blocked range [Start, End) of nights.
type Block struct {
	// UID is unique within the feed: the event's UID, plus "/" and the instance start
	// for recurrence instances.
	UID string `json:"uid"`
	// EventUID is the UID as written (or synthetic, R18).
	EventUID string `json:"event_uid"`
	// RecurrenceID is the instance start (20270103 or 20270103T130000Z) of a recurrence
	// instance or override, "" otherwise.
	RecurrenceID string `json:"recurrence_id,omitempty"`
	Start        Date   `json:"start"`
	End          Date   `json:"end"`
	Kind         Kind   `json:"kind"`
	Tentative    bool   `json:"tentative"`
	// Timed: the event had times of day (R7), not dates.
	Timed   bool   `json:"timed"`
	Summary string `json:"summary,omitempty"`
	// ReservationCode and PhoneLast4 come from profiles that carry them (Airbnb).
	ReservationCode string `json:"reservation_code,omitempty"`
	PhoneLast4      string `json:"phone_last4,omitempty"`
	// Sequence is the event's SEQUENCE, for the record.
	Sequence int `json:"sequence,omitempty"`
}

// Nights is the number of nights the block covers.
func (b Block) Nights() int { return b.Start.DaysUntil(b.End) }

// Warning codes: short stable names callers may count or branch on.
const (
	CodeZeroLength  = "zero_length"  // R5
	CodeInverted    = "inverted"     // R6
	CodeUnknownTZID = "unknown_tzid" // R8
	CodeRecurrence  = "recurrence"   // R10: a rule that could not be (fully) expanded
	CodeEmptyFeed   = "empty_feed"   // R12
	CodeMalformed   = "malformed"    // a content line or component structure skipped
	CodeNoStart     = "no_start"     // an event without DTSTART
	CodeBadValue    = "bad_value"    // a date, duration or id that could not be read
	CodeBudget      = "budget"       // a budget cut the reading short: Result.Partial
)

// Warning is something the reader worked around; the file was still used.
type Warning struct {
	Rule    string `json:"rule,omitempty"` // R5, R6, R8, R10, R12, ...
	Code    string `json:"code"`
	UID     string `json:"uid,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (w Warning) String() string {
	s := w.Message
	if w.UID != "" {
		s = w.UID + ": " + s
	}
	if w.Line > 0 {
		s = fmt.Sprintf("line %d: %s", w.Line, s)
	}
	if w.Rule != "" {
		s = w.Rule + " " + s
	}
	return s
}

// Result is a normalized feed.
type Result struct {
	// Blocks sorted by start, end, uid.
	Blocks []Block
	// Warnings in the order they were found.
	Warnings []Warning
	// Events is the number of VEVENT components read (before collapsing duplicates).
	Events int
	// Empty: the calendar has no VEVENT at all (R12: the caller must not free future
	// blocks on the strength of this fetch alone).
	Empty bool
	// Partial: a budget cut the reading short (more than 1,000 recurring events, a rule
	// or the file past its recurrence instances, more than 100 VTIMEZONEs), so some
	// nights the feed blocks may be missing; the CodeBudget warnings say which.
	Partial bool
}

// EmptyFeedWarning is the R12 warning of a calendar without events.
const EmptyFeedWarning = "feed is empty; if the previous import had future events, hold cancellations until confirmed (R12)"

// maxWarnings bounds the warnings of one file.
const maxWarnings = 200

// Normalize reads one feed body. A rejection (ErrNotICalendar, ErrTruncated,
// ErrTooLarge) means nothing in body may be used; every other problem is a Warning.
func Normalize(body []byte, opts Options) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(body) > opts.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(body), opts.MaxBytes)
	}
	doc, err := parseDocument(unfold(fromUTF16(body)))
	if err != nil {
		return nil, err
	}
	n := &normalizer{
		opts:     opts,
		floating: locationZone{loc: opts.Location},
		res:      &Result{},
		budget:   maxFileRecurrenceSteps,
	}
	for _, w := range doc.warnings {
		n.warn(w)
	}
	n.zones = newZoneResolver(doc.calendar, opts.Location, n.warn, n.cut)
	n.run(doc.calendar)
	return n.res, nil
}

type normalizer struct {
	opts     Options
	floating zone
	zones    *zoneResolver
	res      *Result
	budget   int // recurrence instances left for this file
	// recurring counts the RRULE events expanded so far.
	recurring int
}

func (n *normalizer) warn(w Warning) {
	if len(n.res.Warnings) < maxWarnings {
		n.res.Warnings = append(n.res.Warnings, w)
	}
}

// cut records a budget cut-off: the result is partial.
func (n *normalizer) cut(w Warning) {
	n.res.Partial = true
	n.warn(w)
}

func (n *normalizer) run(cal *ical.Component) {
	var events []*vevent
	for i, c := range cal.Children {
		if c.Name != ical.CompEvent { // R13
			continue
		}
		n.res.Events++
		if ev := n.readEvent(c, i); ev != nil {
			events = append(events, ev)
		}
	}
	if n.res.Events == 0 {
		n.res.Empty = true
		n.warn(Warning{Rule: "R12", Code: CodeEmptyFeed, Message: EmptyFeedWarning})
		return
	}
	winners := collapse(events)
	n.res.Blocks = n.blocks(winners)
	sort.Slice(n.res.Blocks, func(i, j int) bool {
		a, b := &n.res.Blocks[i], &n.res.Blocks[j]
		if c := a.Start.Compare(b.Start); c != 0 {
			return c < 0
		}
		if c := a.End.Compare(b.End); c != 0 {
			return c < 0
		}
		return a.UID < b.UID
	})
}

// nowDate is the property-local date of Now; recurrence instances ending on or before
// it are past and left out.
func (n *normalizer) nowDate() Date { return DateOf(n.opts.Now.In(n.opts.Location)) }

// horizonDate is the first date whose recurrence instances are no longer expanded.
func (n *normalizer) horizonDate() Date {
	if n.opts.Horizon <= 0 {
		y, m, d := n.opts.Now.In(n.opts.Location).Date()
		return NewDate(y+2, m, d)
	}
	return DateOf(n.opts.Now.Add(n.opts.Horizon).In(n.opts.Location))
}
