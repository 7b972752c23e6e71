package icsnorm

import (
	"fmt"
	"strings"
	"time"

	ical "github.com/emersion/go-ical"
)

// moment is a DTSTART/DTEND/RECURRENCE-ID/EXDATE value as read from the file.
type moment struct {
	date    bool
	day     Date      // when date
	wall    time.Time // wall-clock fields (in UTC) when timed
	instant time.Time // when timed
	zone    zone      // zone of wall when timed
	utc     bool      // written with a Z suffix, or in a UTC zone
	// floating: timed, with neither Z nor TZID (read in the property's zone unless it
	// stands beside a zoned DTSTART, see inZoneOf).
	floating bool
}

// inZoneOf reads a floating time that belongs to a zoned start (its DTEND, EXDATE,
// RDATE or RECURRENCE-ID) in the start's zone, as ical.net and recurring-ical-events
// do: "DTSTART;TZID=US-Eastern:...T090000" with "DTEND:...T100000" lasts an hour.
func (m moment) inZoneOf(start moment) moment {
	if m.date || !m.floating || start.date || start.floating {
		return m
	}
	m.zone, m.instant, m.utc, m.floating = start.zone, start.zone.instant(m.wall), start.utc, false
	return m
}

// momentID identifies an instance as key does, without formatting: the day of a date,
// the second of a time.
type momentID struct {
	date bool
	unix int64
}

func (m moment) id() momentID {
	if m.date {
		return momentID{date: true, unix: m.day.t.Unix()}
	}
	return momentID{unix: m.instant.Unix()}
}

// key identifies an instance for RECURRENCE-ID and EXDATE matching.
func (m moment) key() string {
	if m.date {
		return "D" + m.day.String()
	}
	return "T" + m.instant.UTC().Format("20060102T150405Z")
}

// before orders moments as their keys do (dates first, by day; then times, by instant)
// without formatting them.
func (m moment) before(o moment) bool {
	switch {
	case m.date != o.date:
		return m.date
	case m.date:
		return m.day.Before(o.day)
	}
	return m.instant.Before(o.instant)
}

// localDate is the date of m in the property's zone.
func (m moment) localDate(loc *time.Location) Date {
	if m.date {
		return m.day
	}
	return DateOf(m.instant.In(loc))
}

// String is the value as iCalendar would write it, for instance ids and messages.
func (m moment) String() string {
	if m.date {
		return strings.ReplaceAll(m.day.String(), "-", "")
	}
	return m.instant.UTC().Format("20060102T150405Z")
}

// parseMoments reads a DATE or DATE-TIME property, possibly holding a comma list
// (EXDATE, RDATE). PERIOD values keep their start.
func (n *normalizer) parseMoments(prop *ical.Prop) ([]moment, error) {
	var out []moment
	for _, v := range strings.Split(prop.Value, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if i := strings.IndexByte(v, '/'); i >= 0 {
			v = v[:i]
		}
		m, err := n.parseMoment(prop, v)
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: empty value", prop.Name)
	}
	return out, nil
}

// parseMoment reads one date or date-time value. Dashes and colons are tolerated
// (2027-01-03T10:00:00Z), since a few producers write ISO 8601.
func (n *normalizer) parseMoment(prop *ical.Prop, v string) (moment, error) {
	raw := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '-' || r == ':' || r == ' ' {
			return -1
		}
		return r
	}, v))
	valueType := strings.ToUpper(prop.Params.Get(ical.ParamValue))
	utc := strings.HasSuffix(raw, "Z")
	raw = strings.TrimSuffix(raw, "Z")
	if len(raw) > 15 { // fractional seconds or similar
		if i := strings.IndexByte(raw, '.'); i == 15 {
			raw = raw[:15]
		}
	}
	if len(raw) == 8 || valueType == "DATE" {
		if len(raw) < 8 {
			return moment{}, fmt.Errorf("%s: bad date %q", prop.Name, v)
		}
		t, err := time.Parse("20060102", raw[:8])
		if err != nil {
			return moment{}, fmt.Errorf("%s: bad date %q", prop.Name, v)
		}
		return moment{date: true, day: DateOf(t)}, nil
	}
	wall, err := time.Parse("20060102T150405", raw)
	if err != nil {
		if w2, err2 := time.Parse("20060102T1504", raw); err2 == nil {
			wall, err = w2, nil
		}
	}
	if err != nil {
		return moment{}, fmt.Errorf("%s: bad date-time %q", prop.Name, v)
	}
	var z zone
	floating := false
	switch {
	case utc:
		z = utcZone
	case tzidParam(prop) != "":
		z = n.zones.resolve(tzidParam(prop))
	default:
		z, floating = n.floating, true // floating times are already local (R7)
	}
	return moment{wall: wall, instant: z.instant(wall), zone: z, utc: z.isUTC(), floating: floating}, nil
}

// unescapeText undoes RFC 5545 text escaping leniently (R15): unescaped commas and
// semicolons are kept as they are, unknown escapes keep the escaped character.
func unescapeText(s string) string {
	if !strings.ContainsRune(s, '\\') {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// propText is the unescaped text of the first name property, "" if absent.
func propText(c *ical.Component, name string) string {
	p := c.Props.Get(name)
	if p == nil {
		return ""
	}
	return unescapeText(p.Value)
}
