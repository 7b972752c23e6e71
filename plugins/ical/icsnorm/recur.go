package icsnorm

import (
	"fmt"
	"sort"
	"strings"
	"time"

	ical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// rruleKeys are the RRULE parts rrule-go reads; others (X- parts, BYEASTER) are dropped.
var rruleKeys = map[string]bool{
	"FREQ": true, "INTERVAL": true, "WKST": true, "COUNT": true, "UNTIL": true,
	"BYSETPOS": true, "BYMONTH": true, "BYMONTHDAY": true, "BYYEARDAY": true,
	"BYWEEKNO": true, "BYDAY": true, "BYHOUR": true, "BYMINUTE": true, "BYSECOND": true,
}

// maxInterval: a larger INTERVAL has at most one instance inside any horizon, and
// rrule-go's counters overflow on absurd values.
const maxInterval = 1000

// cleanRule upper-cases an RRULE value and keeps the parts rrule-go understands;
// untilUTC reports an UNTIL written in UTC.
func cleanRule(v string) (rule string, untilUTC bool) {
	// Exchange writes "BYDAY=MO, TU, WE": no part of a rule holds a meaningful space.
	v = strings.TrimPrefix(strings.ToUpper(strings.Join(strings.Fields(v), "")), "RRULE:")
	var parts []string
	for _, p := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || val == "" || !rruleKeys[k] {
			continue
		}
		if k == "UNTIL" {
			untilUTC = strings.HasSuffix(val, "Z")
		}
		parts = append(parts, k+"="+val)
	}
	return strings.Join(parts, ";"), untilUTC
}

// probeStart is where matchesWithinProbe tries a rule: rrule-go searches for the next
// instance until year 9999, so a rule that can never match (BYMONTH=2;BYMONTHDAY=30)
// would otherwise spin through eight millennia. 9988 is a leap year.
const probeYear = 9988

// matchesWithinProbe reports whether the rule has an instance in the dozen years before
// rrule-go's limit; rules that pass have instances at most that far apart.
func matchesWithinProbe(opt rrule.ROption) (ok bool) {
	opt.Count = 0
	opt.Until = time.Time{}
	d := opt.Dtstart
	opt.Dtstart = time.Date(probeYear, d.Month(), d.Day(), d.Hour(), d.Minute(), d.Second(), 0, time.UTC)
	rule, err := rrule.NewRRule(opt)
	if err != nil {
		return false
	}
	next := guardedIterator(rule)
	_, ok = next()
	return ok
}

// guardedIterator wraps rrule-go's iterator: it indexes out of range on some rules it
// accepts (BYDAY=8SA in a MONTHLY rule), and a feed must never crash the reader. After
// a panic the iterator reports no more instances.
func guardedIterator(rule *rrule.RRule) func() (time.Time, bool) {
	next := rule.Iterator()
	broken := false
	return func() (t time.Time, ok bool) {
		if broken {
			return time.Time{}, false
		}
		defer func() {
			if recover() != nil {
				broken = true
				t, ok = time.Time{}, false
			}
		}()
		return next()
	}
}

// recurringBlocks appends to out what R10 makes of a master: the RRULE expanded up to
// the horizon (COUNT counted before EXDATE removal), RDATEs added, EXDATEs removed, and
// each instance named by a RECURRENCE-ID override replaced by that override.
//
// An override of an instance the master excludes with EXDATE blocks nothing when the
// master is newer (R9's order: higher SEQUENCE, then later DTSTAMP/LAST-MODIFIED):
// the instance was modified, then deleted, and the stale modification lingers in the
// feed. When the override is as new as the master it stands: Apple iCal writes a
// moved instance as an EXDATE of its date plus the override.
func (n *normalizer) recurringBlocks(out []Block, e *vevent, overrides []*vevent) []Block {
	excluded, excludedDays := n.exdates(e)
	isExcluded := func(m moment) bool {
		return excluded[m.id()] || excludedDays[m.localDate(n.opts.Location)]
	}
	starts := n.expand(e, isExcluded)
	byKey := map[momentID]*vevent{}
	byDate := map[Date]*vevent{}
	for _, ov := range overrides {
		byKey[ov.rid.id()] = ov
		switch {
		case ov.rid.date:
			byDate[ov.rid.day] = ov
		case e.start.date:
			// Outlook names the instances of an all-day series by date-time
			// (RECURRENCE-ID;TZID=GMT Standard Time:20200416T000000): its date as written.
			byDate[DateOf(ov.rid.wall)] = ov
		}
	}
	past := n.nowDate()
	if out == nil {
		out = make([]Block, 0, len(starts)+len(overrides))
	}
	if !cancelled(e) {
		for _, st := range starts {
			if _, replaced := byKey[st.id()]; replaced {
				continue
			}
			if _, replaced := byDate[st.localDate(n.opts.Location)]; replaced {
				continue
			}
			end, dur := n.shiftedEnd(e, st)
			sp, ok := n.occurrenceSpan(e, st, end, dur)
			if !ok || !sp.end.After(past) {
				continue
			}
			out = append(out, n.makeBlock(e, sp, st.String()))
		}
	}
	for _, ov := range overrides {
		if cancelled(ov) {
			continue
		}
		if isExcluded(*ov.rid) && newer(e, ov) {
			n.warn(Warning{Rule: "R10", Code: CodeRecurrence, UID: ov.uid, Message: fmt.Sprintf("override of %s ignored: the newer series excludes that instance (EXDATE)", ov.rid)})
			continue
		}
		if sp, ok := n.occurrenceSpan(ov, ov.start, ov.end, ov.duration); ok {
			out = append(out, n.makeBlock(ov, sp, ov.rid.String()))
		}
	}
	return out
}

// shiftedEnd moves the master's DTEND to an instance: by whole days for dates, by the
// exact length for times. A DURATION applies unchanged.
func (n *normalizer) shiftedEnd(e *vevent, st moment) (*moment, *time.Duration) {
	if e.end == nil {
		return nil, e.duration
	}
	end := *e.end
	if e.start.date && st.date {
		days := e.start.day.DaysUntil(st.day)
		if end.date {
			end.day = end.day.AddDays(days)
		} else {
			end.wall = end.wall.AddDate(0, 0, days)
			end.instant = end.zone.instant(end.wall)
		}
		return &end, nil
	}
	if !e.start.date && !st.date {
		if end.date {
			end.day = end.day.AddDays(e.start.localDate(n.opts.Location).DaysUntil(st.localDate(n.opts.Location)))
		} else {
			end.instant = st.instant.Add(e.end.instant.Sub(e.start.instant))
		}
		return &end, nil
	}
	return nil, nil
}

// expand lists the instance starts of a recurring master, DTSTART included.
func (n *normalizer) expand(e *vevent, isExcluded func(moment) bool) []moment {
	base := e.start
	baseWall := base.wall
	if base.date {
		baseWall = base.day.In(time.UTC)
	}
	toMoment := func(w time.Time) moment {
		if base.date {
			return moment{date: true, day: DateOf(w)}
		}
		return moment{wall: w, instant: base.zone.instant(w), zone: base.zone, utc: base.utc}
	}
	horizon := n.horizonDate()
	inHorizon := func(m moment) bool { return m.localDate(n.opts.Location).Before(horizon) }

	rules := e.comp.Props.Values(ical.PropRecurrenceRule)
	if len(rules) > 0 && n.recurring >= maxRecurringEvents {
		n.cut(Warning{Rule: "R10", Code: CodeBudget, UID: e.uid, Message: fmt.Sprintf("more than %d recurring events in the feed (budget): only the first occurrence blocks", maxRecurringEvents)})
		rules = nil
	}
	if len(rules) > 0 {
		n.recurring++
	}
	// offset turns Now into this event's wall clock, for fast-forwarding.
	offset := baseWall.Sub(base.instant)
	if base.date {
		offset = 0
	}
	walls := make([][]time.Time, len(rules))
	count := 1
	for i := range rules {
		walls[i] = n.expandRule(e, &rules[i], baseWall, offset, horizon)
		count += len(walls[i])
	}
	seen := make(map[momentID]bool, count)
	starts := make([]moment, 0, count)
	add := func(m moment) {
		if k := m.id(); !seen[k] {
			seen[k] = true
			starts = append(starts, m)
		}
	}
	add(base) // DTSTART is always the first instance
	for _, ws := range walls {
		for _, w := range ws {
			if m := toMoment(w); inHorizon(m) {
				add(m)
			}
		}
	}
	for i := range e.comp.Props.Values(ical.PropRecurrenceDates) {
		p := &e.comp.Props.Values(ical.PropRecurrenceDates)[i]
		ms, err := n.parseMoments(p)
		if err != nil {
			n.warn(Warning{Rule: "R10", Code: CodeRecurrence, UID: e.uid, Message: fmt.Sprintf("RDATE ignored: %v", err)})
		}
		for _, m := range ms {
			m = m.inZoneOf(base)
			if m.date != base.date && base.date {
				m = moment{date: true, day: m.localDate(n.opts.Location)}
			}
			if inHorizon(m) {
				add(m)
			}
		}
	}
	out := starts[:0]
	for _, m := range starts {
		if isExcluded(m) {
			continue
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].before(out[j]) })
	return out
}

func (n *normalizer) exdates(e *vevent) (map[momentID]bool, map[Date]bool) {
	keys, days := map[momentID]bool{}, map[Date]bool{}
	props := e.comp.Props.Values(ical.PropExceptionDates)
	for i := range props {
		ms, err := n.parseMoments(&props[i]) // R10: EXDATE may be a comma list
		if err != nil {
			n.warn(Warning{Rule: "R10", Code: CodeRecurrence, UID: e.uid, Message: fmt.Sprintf("EXDATE ignored: %v", err)})
		}
		for _, m := range ms {
			m = m.inZoneOf(e.start)
			keys[m.id()] = true
			if m.date {
				days[m.day] = true
			}
		}
	}
	return keys, days
}

// gregorianCycle is the period of the Gregorian calendar in years: 400 years are
// 146,097 days, exactly 20,871 weeks, so moving a rule's DTSTART (and UNTIL) by a
// multiple of 400 years moves every instance by the same years and nothing else.
const gregorianCycle = 400

// maxZoneOffset bounds how far a wall clock may be from UTC (real zones span -12:00 to
// +14:00; a VTIMEZONE may write up to ±23:59).
const maxZoneOffset = 24 * time.Hour

// expandRule returns the wall-clock starts one RRULE yields before the horizon.
func (n *normalizer) expandRule(e *vevent, p *ical.Prop, baseWall time.Time, offset time.Duration, horizon Date) []time.Time {
	bad := func(format string, args ...any) []time.Time {
		n.warn(Warning{Rule: "R10", Code: CodeRecurrence, UID: e.uid, Message: fmt.Sprintf(format, args...) + ": only DTSTART blocks"})
		return nil
	}
	text, untilUTC := cleanRule(p.Value)
	opt, err := rrule.StrToROption(text)
	if err != nil {
		return bad("RRULE %q unreadable (%v)", preview(p.Value), err)
	}
	opt.Byeaster = nil
	if opt.Interval > maxInterval {
		opt.Interval = maxInterval
	}
	if opt.Count < 0 {
		opt.Count = 0
	}
	if opt.Freq > rrule.DAILY {
		// Instances hours apart block every day they touch: read the rule as daily,
		// which can only block more, never less.
		n.warn(Warning{Rule: "R10", Code: CodeRecurrence, UID: e.uid, Message: fmt.Sprintf("sub-daily RRULE (%s) read as daily", opt.Freq)})
		if opt.Count > 0 {
			unit := map[rrule.Frequency]time.Duration{rrule.HOURLY: time.Hour, rrule.MINUTELY: time.Minute, rrule.SECONDLY: time.Second}[opt.Freq]
			total := time.Duration(opt.Count) * time.Duration(max(opt.Interval, 1)) * unit
			opt.Count = int(total/(24*time.Hour)) + 2
		}
		opt.Freq, opt.Interval = rrule.DAILY, 1
		opt.Byhour, opt.Byminute, opt.Bysecond = nil, nil, nil
	}
	stop := horizon.AddDays(1).In(time.UTC) // wall clock; expand cuts exactly by local date
	// A UTC UNTIL against a zoned start is compared as an instant, instance by instance:
	// the offset at UNTIL need not be DTSTART's (a DST change in between).
	var untilInstant time.Time
	if !opt.Until.IsZero() && untilUTC && !e.start.date {
		untilInstant = opt.Until
		opt.Until = opt.Until.Add(maxZoneOffset)
	}
	// rrule-go ends a rule without UNTIL 292 years after DTSTART (the largest
	// time.Duration): an Apple birthday from 1604 would yield nothing today.
	if opt.Until.IsZero() || opt.Until.After(stop) {
		opt.Until = stop
	}
	opt.Dtstart = baseWall
	if !matchesWithinProbe(*opt) {
		return bad("RRULE %q never matches", preview(p.Value))
	}
	n.fastForward(opt, offset, e)
	// rrule-go reads a zero DTSTART (0001-01-01T00:00) as "now": expand early rules
	// 400 years later and move the instances back.
	shift := 0
	if opt.Dtstart.Year() <= gregorianCycle {
		shift = gregorianCycle * ((gregorianCycle-opt.Dtstart.Year())/gregorianCycle + 1)
		opt.Dtstart = opt.Dtstart.AddDate(shift, 0, 0)
		opt.Until = opt.Until.AddDate(shift, 0, 0)
	}
	rule, err := rrule.NewRRule(*opt)
	if err != nil {
		return bad("RRULE %q invalid (%v)", preview(p.Value), err)
	}
	next := guardedIterator(rule)
	var out []time.Time
	for steps := 0; ; steps++ {
		if steps >= maxRecurrenceSteps || n.budget <= 0 {
			n.cut(Warning{Rule: "R10", Code: CodeBudget, UID: e.uid, Message: fmt.Sprintf("RRULE expansion stopped after %d instances (budget): later instances are not blocked", steps)})
			break
		}
		w, ok := next()
		if ok && shift != 0 {
			w = w.AddDate(-shift, 0, 0)
		}
		if !ok || !w.Before(stop) {
			break
		}
		n.budget--
		if !untilInstant.IsZero() && e.start.zone.instant(w).After(untilInstant) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// fastForward moves DTSTART of a rule without COUNT to shortly before Now by whole
// periods, which keeps every later instance: a daily event started in 1990 would
// otherwise cost ten thousand past instances. DAILY and WEEKLY rules (without BYSETPOS)
// move by whole INTERVALs of days or weeks; YEARLY and MONTHLY ones by whole Gregorian
// cycles (400 years times INTERVAL), the only steps that keep month lengths, leap days
// and weekdays.
func (n *normalizer) fastForward(opt *rrule.ROption, offset time.Duration, e *vevent) {
	if opt.Count > 0 {
		return
	}
	length := 24 * time.Hour
	if e.end != nil && !e.start.date && !e.end.date {
		length = e.end.instant.Sub(e.start.instant)
	} else if e.end != nil && e.start.date && e.end.date {
		length = time.Duration(min(e.start.day.DaysUntil(e.end.day), 3*366)) * 24 * time.Hour
	} else if e.duration != nil {
		length = *e.duration
	}
	length = min(max(length, 0), 3*365*24*time.Hour)
	target := n.opts.Now.UTC().Add(offset).Add(-length - 8*24*time.Hour)
	switch opt.Freq {
	case rrule.DAILY, rrule.WEEKLY:
		if len(opt.Bysetpos) > 0 {
			return
		}
		periodDays := max(opt.Interval, 1)
		if opt.Freq == rrule.WEEKLY {
			periodDays *= 7
		}
		days := int((target.Unix() - opt.Dtstart.Unix()) / 86400)
		if k := days / periodDays; k > 0 {
			opt.Dtstart = opt.Dtstart.AddDate(0, 0, k*periodDays)
		}
	case rrule.YEARLY, rrule.MONTHLY:
		cycle := gregorianCycle * max(opt.Interval, 1)
		// Compare whole years, one year early, so the shifted start stays before target.
		if k := (target.Year() - 1 - opt.Dtstart.Year()) / cycle; k > 0 {
			opt.Dtstart = opt.Dtstart.AddDate(k*cycle, 0, 0)
		}
	}
}
