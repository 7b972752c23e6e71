package icsnorm

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	ical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// zone turns a wall-clock time (fields held in a UTC time.Time) into an instant.
type zone interface {
	instant(wall time.Time) time.Time
	isUTC() bool
}

// locationZone is an IANA zone (or UTC, or the property's zone for floating times).
type locationZone struct{ loc *time.Location }

func (z locationZone) instant(w time.Time) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, z.loc)
}

func (z locationZone) isUTC() bool {
	_, off := time.Date(2000, 1, 1, 0, 0, 0, 0, z.loc).Zone()
	_, offJul := time.Date(2000, 7, 1, 0, 0, 0, 0, z.loc).Zone()
	return off == 0 && offJul == 0
}

var utcZone zone = locationZone{loc: time.UTC}

// ianaCache keeps loaded IANA zones: time.LoadLocation reads the zoneinfo database on
// every call. Only successes are kept, so the map is bounded by the database.
var ianaCache sync.Map // name → *time.Location

func loadIANA(name string) (*time.Location, bool) {
	if name == "" || len(name) > 64 {
		return nil, false
	}
	if v, ok := ianaCache.Load(name); ok {
		return v.(*time.Location), true
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	ianaCache.Store(name, loc)
	return loc, true
}

// zoneResolver applies R8 for one file: TZID through the IANA database, else the
// file's VTIMEZONE, else the Windows-name map; an unknown zone warns once and is read
// as the property's zone, so it never fails the file.
type zoneResolver struct {
	vtimezones map[string]*ical.Component
	property   *time.Location
	resolved   map[string]zone
	built      int // VTIMEZONEs turned into zones, capped by maxFileVTimezones
	warn       func(Warning)
	cut        func(Warning) // a budget cut-off: the result is partial
}

func newZoneResolver(cal *ical.Component, property *time.Location, warn, cut func(Warning)) *zoneResolver {
	r := &zoneResolver{
		vtimezones: map[string]*ical.Component{},
		property:   property,
		resolved:   map[string]zone{},
		warn:       warn,
		cut:        cut,
	}
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone {
			continue
		}
		if id := c.Props.Get(ical.PropTimezoneID); id != nil {
			r.vtimezones[normalizeTZID(id.Value)] = c
		}
	}
	return r
}

// normalizeTZID is the key a TZID is matched by: spaces and quotes around it dropped and
// text escapes undone, so that Outlook's VTIMEZONE "TZID:Pacific Time (US & Canada)\,
// Tijuana" matches its events' TZID="Pacific Time (US & Canada), Tijuana".
func normalizeTZID(s string) string {
	return strings.Trim(strings.TrimSpace(unescapeText(strings.Trim(strings.TrimSpace(s), `"`))), `"`)
}

// tzidParam is a property's TZID parameter. Unquoted, a TZID holding commas reads as
// several parameter values; they are joined back.
func tzidParam(p *ical.Prop) string {
	vs := p.Params.Values(ical.ParamTimezoneID)
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return strings.Join(vs, ",")
}

func (r *zoneResolver) resolve(tzid string) zone {
	name := normalizeTZID(tzid)
	if z, ok := r.resolved[name]; ok {
		return z
	}
	z := r.lookup(name)
	r.resolved[name] = z
	return z
}

func (r *zoneResolver) lookup(name string) zone {
	if loc, ok := loadIANA(name); ok {
		return locationZone{loc: loc}
	}
	// Old Lightning exports prefix the IANA name: /mozilla.org/20070129_1/America/New_York.
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			if loc, ok := loadIANA(name[i+1:]); ok && strings.Contains(name[i+1:], "/") {
				return locationZone{loc: loc}
			}
		}
	}
	if c, ok := r.vtimezones[name]; ok {
		if r.built >= maxFileVTimezones {
			r.cut(Warning{Rule: "R8", Code: CodeBudget, Message: fmt.Sprintf("more than %d VTIMEZONEs in the feed (budget): %q not built from its definition", maxFileVTimezones, preview(name))})
		} else {
			r.built++
			if z, ok := newVTimezone(c); ok {
				return z
			}
		}
	}
	if iana, ok := windowsZones[strings.ToLower(name)]; ok {
		if loc, ok := loadIANA(iana); ok {
			return locationZone{loc: loc}
		}
	}
	r.warn(Warning{Rule: "R8", Code: CodeUnknownTZID, Message: fmt.Sprintf("unknown time zone %q: times read in the property's zone", preview(name))})
	return locationZone{loc: r.property}
}

// vtimezone is a zone defined by the file's own VTIMEZONE: STANDARD and DAYLIGHT
// observances, each an onset (DTSTART, possibly repeated by RRULE or RDATE) after which
// TZOFFSETTO applies.
type vtimezone struct {
	observances []observance
	onsets      map[int][]onset // by year, computed lazily
	fallback    int             // offset when no onset precedes a time
}

type observance struct {
	start  time.Time // wall clock, in UTC fields
	offset int       // TZOFFSETTO in seconds
	from   int       // TZOFFSETFROM in seconds
	// rule repeats start (YEARLY or MONTHLY); Until is always set.
	rule   *rrule.ROption
	rdates []time.Time
}

type onset struct {
	wall   time.Time
	offset int
}

func newVTimezone(c *ical.Component) (*vtimezone, bool) {
	v := &vtimezone{onsets: map[int][]onset{}}
	for _, o := range c.Children {
		if o.Name != "STANDARD" && o.Name != "DAYLIGHT" {
			continue
		}
		to, ok := parseUTCOffset(o.Props.Get("TZOFFSETTO"))
		if !ok {
			continue
		}
		from, ok := parseUTCOffset(o.Props.Get("TZOFFSETFROM"))
		if !ok {
			from = to
		}
		obs := observance{offset: to, from: from}
		if p := o.Props.Get(ical.PropDateTimeStart); p != nil {
			if t, err := time.Parse("20060102T150405", strings.TrimSuffix(strings.TrimSpace(p.Value), "Z")); err == nil {
				obs.start = t
			}
		}
		if p := o.Props.Get(ical.PropRecurrenceRule); p != nil && !obs.start.IsZero() {
			text, _ := cleanRule(p.Value)
			if opt, err := rrule.StrToROption(text); err == nil &&
				(opt.Freq == rrule.YEARLY || opt.Freq == rrule.MONTHLY) && opt.Interval <= 12 && opt.Count >= 0 {
				opt.Dtstart = obs.start
				opt.Byeaster = nil
				if opt.Until.IsZero() {
					opt.Until = foreverWall // rrule-go would stop 292 years after DTSTART
				}
				if _, err := rrule.NewRRule(*opt); err == nil && matchesWithinProbe(*opt) {
					obs.rule = opt
				}
			}
		}
		for _, p := range o.Props.Values(ical.PropRecurrenceDates) {
			for _, s := range strings.Split(p.Value, ",") {
				if t, err := time.Parse("20060102T150405", strings.TrimSuffix(strings.TrimSpace(s), "Z")); err == nil {
					obs.rdates = append(obs.rdates, t)
				}
			}
		}
		v.observances = append(v.observances, obs)
	}
	if len(v.observances) == 0 {
		return nil, false
	}
	// Before the first onset, the earliest observance's TZOFFSETFROM applies.
	earliest := v.observances[0]
	for _, o := range v.observances[1:] {
		if o.start.Before(earliest.start) {
			earliest = o
		}
	}
	v.fallback = earliest.from
	return v, true
}

func parseUTCOffset(p *ical.Prop) (int, bool) {
	if p == nil {
		return 0, false
	}
	s := strings.TrimSpace(p.Value)
	if len(s) != 5 && len(s) != 7 {
		return 0, false
	}
	sign := 1
	switch s[0] {
	case '-':
		sign = -1
	case '+':
	default:
		return 0, false
	}
	h, err1 := strconv.Atoi(s[1:3])
	m, err2 := strconv.Atoi(s[3:5])
	sec := 0
	var err3 error
	if len(s) == 7 {
		sec, err3 = strconv.Atoi(s[5:7])
	}
	if err1 != nil || err2 != nil || err3 != nil || h > 23 || m > 59 || sec > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60 + sec), true
}

// foreverWall is the UNTIL given to VTIMEZONE rules that have none.
var foreverWall = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// iterateFrom iterates the observance's rule from shortly before year: Microsoft
// writes every zone with a 1601 onset, and a rule without COUNT moved by whole
// Gregorian cycles (400 years times INTERVAL) keeps every instance.
func (o observance) iterateFrom(year int) func() (time.Time, bool) {
	opt := *o.rule
	if opt.Count == 0 {
		cycle := gregorianCycle * max(opt.Interval, 1)
		if k := (year - 1 - opt.Dtstart.Year()) / cycle; k > 0 {
			opt.Dtstart = opt.Dtstart.AddDate(k*cycle, 0, 0)
		}
	}
	rule, err := rrule.NewRRule(opt)
	if err != nil {
		return func() (time.Time, bool) { return time.Time{}, false }
	}
	return guardedIterator(rule)
}

func (v *vtimezone) yearOnsets(year int) []onset {
	if got, ok := v.onsets[year]; ok {
		return got
	}
	var out []onset
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	for _, o := range v.observances {
		if !o.start.Before(from) && o.start.Before(to) {
			out = append(out, onset{wall: o.start, offset: o.offset})
		}
		if o.rule != nil && o.start.Before(to) {
			next := o.iterateFrom(year)
			for steps := 0; steps < 1000; steps++ {
				t, ok := next()
				if !ok || !t.Before(to) {
					break
				}
				if !t.Before(from) {
					out = append(out, onset{wall: t, offset: o.offset})
				}
			}
		}
		for _, t := range o.rdates {
			if !t.Before(from) && t.Before(to) {
				out = append(out, onset{wall: t, offset: o.offset})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].wall.Before(out[j].wall) })
	v.onsets[year] = out
	return out
}

// offsetAt finds the offset in force at a wall-clock time: the latest onset at or
// before it, looking back a few years for zones without yearly rules.
func (v *vtimezone) offsetAt(wall time.Time) int {
	for y := wall.Year(); y >= wall.Year()-3; y-- {
		ons := v.yearOnsets(y)
		for i := len(ons) - 1; i >= 0; i-- {
			if !ons[i].wall.After(wall) {
				return ons[i].offset
			}
		}
	}
	// No onset in the last years: the latest observance that started before wall wins.
	best, found := v.fallback, false
	var bestStart time.Time
	for _, o := range v.observances {
		if !o.start.After(wall) && (!found || o.start.After(bestStart)) && o.rule == nil {
			best, bestStart, found = o.offset, o.start, true
		}
	}
	return best
}

func (v *vtimezone) instant(w time.Time) time.Time {
	return w.Add(-time.Duration(v.offsetAt(w)) * time.Second).UTC()
}

func (v *vtimezone) isUTC() bool {
	for _, o := range v.observances {
		if o.offset != 0 {
			return false
		}
	}
	return true
}
