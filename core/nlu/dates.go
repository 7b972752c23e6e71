package nlu

import (
	"time"

	"github.com/conserje/conserje/core/booking/holidays"
)

// Token roles: what an extractor decided a token is, so that the next one does not read
// it again (a day number is never a guest count).
const (
	roleNone uint8 = iota
	roleDate
	roleLength
	roleGuests
	roleOther // times, prices, ages, street and phone numbers
)

// Reasons say why a field is listed in Result.Ambiguous.
const (
	// ReasonWeekendThisOrNext: "el finde que viene", "el próximo finde", or a plain "el
	// finde" said Friday to Sunday — this weekend or the next? Ask and resolve the
	// answer with ParseWeekendChoice and WeekendRange.
	ReasonWeekendThisOrNext = "weekend_this_or_next"
	// ReasonVaguePeriod: a month, a season or a holiday period without days ("en enero",
	// "las fiestas", "vacaciones de invierno"). Ask for check-in and check-out.
	ReasonVaguePeriod = "vague_period"
	// ReasonWeekendOver: "este finde" said on Sunday; the weekend is ending.
	ReasonWeekendOver = "weekend_over"
	// ReasonNoLongWeekend: a long weekend was asked for where the holiday data has none
	// (or has no data at all for that time).
	ReasonNoLongWeekend = "no_long_weekend"
	// ReasonInvalidDate: a day that does not exist ("30/2") or a check-out not after the
	// check-in.
	ReasonInvalidDate = "invalid_date"
	// ReasonSeveralUnits: more than one unit type named ("casa o cabaña").
	ReasonSeveralUnits = "several_unit_types"
	// ReasonConflictingGuests: two different head counts.
	ReasonConflictingGuests = "conflicting_guests"
)

type pointKind uint8

const (
	pAbs     pointKind = iota + 1 // day and month (year optional)
	pDay                          // a day of the month only
	pWeekday                      // a weekday, maybe with a day number and month
	pRel                          // hoy, mañana, pasado mañana
)

// point is one day reference in the text, not yet placed in time.
type point struct {
	kind     pointKind
	d, m, y  int // m and y are 0 when not written
	wd       time.Weekday
	off      int  // pRel: days after the reference day
	mOff     int  // pDay/pAbs: month relative to the reference ("del mes que viene" = 1); -1 none
	nextYear bool // "enero que viene", "del año que viene"
	nextWeek bool // pWeekday: "el miércoles de la semana que viene"
	loose    bool // pRel: a span from today ("en 7 días"), a day only when said alone
	notToday bool // pWeekday: "el próximo jueves" said on a Thursday is next week's
	i, j     int  // token span [i, j)
}

// dateFinding is what the date extractor concluded.
type dateFinding struct {
	in, out      int
	hasIn        bool
	hasOut       bool
	nights       int
	reason       string // ambiguity reason, "" when none
	spanI, spanJ int    // token span of the expression the dates come from
	hasSpan      bool
	// month is a month said without days (its year in monthYear, written when
	// monthYearSaid); 0 when none.
	month, monthYear int
	monthYearSaid    bool
	// bad is a day named that does not exist ("31/4"), when hasBad.
	bad    ImpossibleDate
	hasBad bool
}

type dateCtx struct {
	toks []token
	role []uint8
	ref  int
	cal  *holidays.Calendar
	// stay is what the conversation holds (ParseIn); zero for a message read alone.
	stay stayCtx
}

func (c *dateCtx) word(i int) string {
	if i < 0 || i >= len(c.toks) || c.toks[i].kind != tWord {
		return ""
	}
	return c.toks[i].w
}

func (c *dateCtx) free(i int) bool { return i >= 0 && i < len(c.toks) && c.role[i] == roleNone }

func (c *dateCtx) mark(i, j int, r uint8) {
	for k := max(i, 0); k < j && k < len(c.role); k++ {
		c.role[k] = r
	}
}

// extractDates finds the stay in the message and marks the tokens it used. Its stages
// live one per file: single day references and where they fall (dates_point.go),
// weekdays and days relative to today (dates_relative.go), ranges (dates_range.go),
// weekends, long weekends, holidays and quincenas (dates_named.go), stay lengths and
// periods without days (dates_length.go).
func (c *dateCtx) extractDates() dateFinding {
	var f dateFinding
	n := len(c.toks)
	found := false
	var sp special
	spI := 0
	// Pass 1: expressions that carry both dates; days written out ("para carnaval, del 6
	// al 8 de febrero") win over a named period.
	for i := 0; i < n; i++ {
		if !c.free(i) {
			continue
		}
		if p1, p2, end, ok := c.parseRange(i); ok {
			monthAt, placed := c.placeRange(&p1, &p2)
			if in, out, ok := c.resolveRange(p1, p2); ok {
				c.mark(i, end, roleDate)
				f.in, f.out, f.hasIn, f.hasOut = in, out, true, true
				f.spanI, f.spanJ, f.hasSpan = i, end, true
				if placed && monthAt >= 0 {
					c.mark(monthAt, monthAt+1, roleDate)
					f.spanI, f.spanJ = min(f.spanI, monthAt), max(f.spanJ, monthAt+1)
				}
				f.reason = ""
				f.hasBad = false
				return c.finishDates(f)
			}
			c.mark(i, end, roleDate)
			f.reason = ReasonInvalidDate
			f.spanI, f.spanJ, f.hasSpan = i, end, true
			if !f.hasBad {
				c.noteImpossible(&f, p1, p2)
			}
			if f.hasIn {
				f.reason = ""
				return f
			}
		}
	}
	for i := 0; i < n && !found; i++ {
		if !c.free(i) {
			continue
		}
		if s, ok := c.quincenaAt(i); ok {
			sp, spI, found = s, i, true
			break
		}
		if s, ok := c.weekendAt(i); ok {
			sp, spI, found = s, i, true
			break
		}
		if s, ok := c.namedRunAt(i); ok {
			sp, spI, found = s, i, true
			break
		}
	}
	if found {
		c.mark(spI, sp.end, roleDate)
		if sp.start > spI {
			spI = sp.start
		}
		f.spanI, f.spanJ, f.hasSpan = spI, sp.end, true
		if sp.reason != "" {
			f.reason = sp.reason
			c.lengthsOnly(&f)
			return f
		}
		f.in, f.out, f.hasIn, f.hasOut = sp.in, sp.out, true, true
		f.reason = "" // a broken range earlier in the message gave way to this one
		f.hasBad = false
		return c.finishDates(f)
	}
	if f.reason != "" {
		return f
	}
	// Pass 2: single day references, stay lengths and anchors.
	type anchored struct {
		p      point
		anchor string // "start", "end" or ""
		ai     int    // first token of the anchor ("llegamos", "check in"), marked with the day
	}
	var pts []anchored
	nights, nightsAt := 0, -1
	// "en vez de 3 noches van a ser 2": the old length and the new one.
	for i := 0; i < n; i++ {
		if !c.free(i) {
			continue
		}
		if nn, end, ok := c.lengthAt(i); ok {
			if c.word(i-1) == "de" && c.word(i-2) == "vez" {
				c.mark(i, end, roleLength)
				c.markReplacementCount(end)
				i = end - 1
				continue
			}
			if nights == 0 {
				nights, nightsAt = nn, i
			}
			c.mark(i, end, roleLength)
			i = end - 1
			continue
		}
		if p, ok := c.offsetAt(i); ok {
			pts = append(pts, anchored{p: p, ai: i})
			i = p.j - 1
			continue
		}
		anchor := ""
		k := i
		switch c.word(i) {
		case "desde", "from", "starting", "partir":
			anchor, k = "start", i+1
		case "a":
			if c.word(i+1) == "partir" && (c.word(i+2) == "de" || c.word(i+2) == "del" || c.word(i+2) == "do") {
				anchor, k = "start", i+3
			}
		case "llegamos", "llego", "llegaria", "llegariamos", "llegaremos", "entramos", "entrariamos",
			"ingresamos", "ingreso", "ingresariamos", "entrada", "checkin", "arrive", "arriving", "arrival",
			"chegamos", "chegada", "entrando", "llegando", "vamos", "iriamos", "vamo":
			anchor, k = "start", i+1
		case "hasta", "until", "till", "salida", "egreso", "checkout", "salimos", "saliendo", "leave",
			"leaving", "departure", "ate", "volvemos", "saida", "irnos", "irme", "salgo", "saldria",
			"saldriamos", "vuelvo", "volveria", "volveriamos":
			anchor, k = "end", i+1
		case "me":
			// "me voy el 6", "me vuelvo el martes"
			if w := c.word(i + 1); w == "voy" || w == "iria" || w == "vuelvo" || w == "volveria" {
				anchor, k = "end", i+2
			}
		case "ir":
			// "me tengo que ir el 5/2", "nos tenemos que ir el domingo": leaving.
			if c.word(i-1) == "me" || c.word(i-1) == "nos" || c.word(i-3) == "me" || c.word(i-3) == "nos" {
				anchor, k = "end", i+1
			}
		case "nos":
			if w := c.word(i + 1); w == "vamos" || w == "iriamos" || w == "volvemos" || w == "quedamos" {
				if w == "quedamos" {
					anchor = ""
				} else {
					anchor = "end"
				}
				k = i + 2
				if c.word(k) == "hasta" {
					anchor, k = "end", k+1
				}
			}
		}
		if anchor != "" {
			if p, ok := c.offsetAt(k); ok {
				// "llegamos en 10 días"
				pts = append(pts, anchored{p: p, anchor: anchor, ai: i})
				i = p.j - 1
				continue
			}
			// "la salida sería el sábado", "el check out es el 6", "la entrada va a ser el 3"
			switch {
			case c.word(k) == "seria" || c.word(k) == "es" || c.word(k) == "sera":
				k++
			case c.word(k) == "va" && c.word(k+1) == "a" && c.word(k+2) == "ser":
				k += 3
			}
		}
		if c.word(k) == "el" || c.word(k) == "del" || c.word(k) == "the" || c.word(k) == "dia" || c.word(k) == "o" || c.word(k) == "do" || c.word(k) == "on" {
			k++
			if c.word(k) == "dia" {
				k++
			}
		}
		if anchor == "" {
			k = i
			if c.word(i) == "el" || c.word(i) == "para" || c.word(i) == "for" || c.word(i) == "on" {
				k = i + 1
				if c.word(k) == "el" {
					k++
				}
				if c.word(k) == "dia" && k+1 < len(c.toks) && c.toks[k+1].kind == tNum {
					k++
				}
			}
		}
		p, ok := c.parsePoint(k)
		if !ok {
			continue
		}
		if anchor == "" && k > i {
			// "para el 6 de enero", "el viernes": the article is part of the mention.
			p.i = i
		}
		pts = append(pts, anchored{p: p, anchor: anchor, ai: min(i, p.i)})
		i = p.j - 1
	}
	// A bare day number ("el 10") is a date only with an anchor, a length right next to
	// it, a second day to pair with, or when it plainly names a day ("para el 16", "el
	// día quince", "el 16" alone). It then falls in the month said, if any.
	var strong []anchored
	monthAt := -1
	for _, a := range pts {
		if bareDays(a.p) {
			adjacentLength := nightsAt >= 0 && (nightsAt == a.p.j || nightsAt == a.p.j+1 || c.toksBetweenAre(a.p.j, nightsAt, "por", "x", "for", "durante") || c.toksBetweenAre(nightsAt+2, a.p.i, "desde", "a", "partir", "del", "de", "el", "from", "the"))
			if a.anchor == "" && !adjacentLength && !c.namesDay(a.p) {
				continue
			}
			if at, ok := c.placeDay(&a.p); ok && at >= 0 {
				monthAt = at
			}
		}
		if a.p.loose && a.anchor == "" && !c.loneMention(a.p) {
			continue
		}
		strong = append(strong, a)
	}
	var start, end *anchored
	for k := range strong {
		switch strong[k].anchor {
		case "start":
			if start == nil {
				start = &strong[k]
			}
		case "end":
			if end == nil {
				end = &strong[k]
			}
		}
	}
	if start == nil {
		for k := range strong {
			if strong[k].anchor == "" {
				start = &strong[k]
				break
			}
		}
	}
	if start != nil && end == nil && nights == 0 {
		// Two day references in order with no connector ("llegamos el 5/1 y nos vamos el
		// 8/1", "entrada 5/1 salida 8/1") make a range.
		for k := range strong {
			if &strong[k] != start && strong[k].p.i > start.p.i && strong[k].anchor != "start" {
				end = &strong[k]
				break
			}
		}
	}
	if start != nil && end == nil && nights == 0 && start.anchor == "" && c.stay.departure && c.stay.in > 0 {
		// Asked for the departure, "el sábado" is the departure.
		start, end = nil, start
	}
	if start == nil && end == nil {
		f.nights = nights
		c.vague(&f)
		if !c.moveStay(&f) && f.month > 0 {
			f.reason = ReasonVaguePeriod
		}
		return f
	}
	if start == nil {
		// Only a check-out ("hasta el 8"): a stay only when the conversation has its
		// check-in.
		f.nights = nights
		c.departure(&f, end.p, end.ai)
		return f
	}
	if monthAt >= 0 {
		c.mark(monthAt, monthAt+1, roleDate)
	}
	f.spanI, f.spanJ, f.hasSpan = start.p.i, start.p.j, true
	if end != nil {
		in, out, ok := c.resolveRange(start.p, end.p)
		if ok && end.anchor == "" && (out-in > 60 || c.sameDay(start.p, end.p)) {
			// Two unrelated mentions ("el viernes (6/7)", a date a year later) are not a
			// stay.
			ok = false
		}
		if ok {
			c.mark(start.ai, start.p.j, roleDate)
			c.mark(end.ai, end.p.j, roleDate)
			f.in, f.out, f.hasIn, f.hasOut = in, out, true, true
			f.spanJ = end.p.j
			return c.finishDates(f)
		}
		if c.noteImpossible(&f, start.p, end.p); f.hasBad {
			c.mark(start.ai, start.p.j, roleDate)
			c.mark(end.ai, end.p.j, roleDate)
			f.spanJ = end.p.j
			if !f.hasIn {
				f.reason = ReasonInvalidDate
			}
			return f
		}
	}
	in, ok := c.resolvePoint(start.p, c.ref)
	c.mark(start.ai, start.p.j, roleDate)
	if !ok {
		f.reason = ReasonInvalidDate
		f.bad, f.hasBad = c.impossible(start.p)
		return f
	}
	f.in, f.hasIn = in, true
	if nights == 0 && end == nil {
		nights = c.keptNights(in)
	}
	if nights > 0 {
		f.out, f.hasOut = in+nights, true
		f.nights = nights
		if nightsAt >= 0 {
			f.spanI = min(f.spanI, nightsAt)
			f.spanJ = max(f.spanJ, nightsAt+2)
		}
	}
	return c.finishDates(f)
}

// sameDay reports whether two points name the same day ("el viernes (6/7)").
func (c *dateCtx) sameDay(a, b point) bool {
	da, ok1 := c.resolvePoint(a, c.ref)
	db, ok2 := c.resolvePoint(b, c.ref)
	return ok1 && ok2 && da == db
}

// toksBetweenAre reports whether every token in [i, j) is one of the words.
func (c *dateCtx) toksBetweenAre(i, j int, words ...string) bool {
	if i > j || i < 0 || j > len(c.toks) || j-i > 3 {
		return false
	}
	for k := i; k < j; k++ {
		w := c.word(k)
		found := false
		for _, x := range words {
			if w == x {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// markReplacementCount marks the bare number of "en vez de 3 noches van a ser 2" as a
// length: it is the new number of nights, not a head count.
func (c *dateCtx) markReplacementCount(from int) {
	for k := from; k < len(c.toks) && k < from+5; k++ {
		if c.toks[k].kind == tNum && c.free(k) {
			c.mark(k, k+1, roleLength)
			return
		}
	}
}

// lengthsOnly marks stay lengths when the dates themselves are undecided.
func (c *dateCtx) lengthsOnly(f *dateFinding) {
	for i := 0; i < len(c.toks); i++ {
		if nn, end, ok := c.lengthAt(i); ok {
			if f.nights == 0 {
				f.nights = nn
			}
			c.mark(i, end, roleLength)
			i = end - 1
		}
	}
}

func (c *dateCtx) finishDates(f dateFinding) dateFinding {
	if f.hasIn && f.hasOut && f.out > f.in && f.nights == 0 {
		f.nights = f.out - f.in
	}
	c.lengthsOnly(&f)
	if f.hasIn && f.hasOut && f.out <= f.in {
		return dateFinding{reason: ReasonInvalidDate, spanI: f.spanI, spanJ: f.spanJ, hasSpan: f.hasSpan}
	}
	return f
}
