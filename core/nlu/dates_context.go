package nlu

// Context is what a conversation already holds when a message arrives; ParseIn reads the
// message against it: bare days fall in the month said before ("para febrero" … "del 16
// al 19"), a month said alone moves the stay to that month ("no, de febrero"), and a
// departure said alone ("salimos el viernes", "hasta el domingo") follows the check-in.
type Context struct {
	// CheckIn and CheckOut are the stay being discussed (zero when unknown).
	CheckIn, CheckOut Date
	// Month is a month said without days, as its first day (zero when none).
	Month Date
	// Departure says the bot asked for the check-out: a lone day is the departure.
	Departure bool
}

// ImpossibleDate is a day the guest named that its month does not have: "31/4", "30/2",
// or "29/2" in a year that is not a leap year. Year is the year it would fall in.
type ImpossibleDate struct {
	Day         int `json:"day"`
	Month       int `json:"month"`
	Year        int `json:"year"`
	DaysInMonth int `json:"days_in_month"`
}

// stayCtx is a Context in day numbers (0 = unknown).
type stayCtx struct {
	in, out     int
	month, year int
	departure   bool
}

func (x Context) days() stayCtx {
	var s stayCtx
	if !x.CheckIn.IsZero() {
		s.in = mkDayT(x.CheckIn.Time)
	}
	if !x.CheckOut.IsZero() {
		s.out = mkDayT(x.CheckOut.Time)
	}
	if !x.Month.IsZero() {
		s.year, s.month = x.Month.Year(), int(x.Month.Month())
	}
	s.departure = x.Departure
	return s
}

// saidMonth finds a month named on its own in the message ("quise decir febrero: del 8
// al 11", "de enero: 13 al 16"): a full month name no other expression used.
func (c *dateCtx) saidMonth() (m, at int, ok bool) {
	for i := range c.toks {
		if !c.free(i) || c.toks[i].kind != tWord {
			continue
		}
		if mw, found := months[c.toks[i].w]; found && !mw.short {
			return int(mw.m), i, true
		}
	}
	return 0, -1, false
}

// monthForDays is the month bare day numbers fall in: one named in the message, else
// the one said earlier in the conversation, else the month of the stay being discussed
// ("mejor del 6 al 9" in a conversation about January). at is the month's token (-1 when
// it is not in the message); y is its year when the conversation gave it, and fromStay
// says it is only the stay's month.
func (c *dateCtx) monthForDays() (m, y, at int, fromStay, ok bool) {
	if m, at, ok := c.saidMonth(); ok {
		return m, 0, at, false, true
	}
	if c.stay.month > 0 {
		return c.stay.month, c.stay.year, -1, false, true
	}
	if c.stay.in > 0 {
		sy, sm, _ := dayYMD(c.stay.in)
		return sm, sy, -1, true, true
	}
	return 0, 0, -1, false, false
}

// bareDays reports whether a point is a day number with nothing placing it in a month.
func bareDays(p point) bool { return p.kind == pDay && p.mOff < 0 }

// placeRange puts a range of bare days ("del 16 al 19") in the month said; it returns the
// month's token (-1 when none in the message) and whether it placed them.
func (c *dateCtx) placeRange(p1, p2 *point) (int, bool) {
	if !bareDays(*p1) {
		return -1, false
	}
	return c.placeDay(p2)
}

// placeDay puts a lone bare day ("para el 16") in the month said. In the year the
// conversation gave, when that day is still ahead; a day already past, or well before the
// stay in the stay's own month, is left to the calendar (the next such day).
func (c *dateCtx) placeDay(p *point) (int, bool) {
	if !bareDays(*p) {
		return -1, false
	}
	m, y, at, fromStay, ok := c.monthForDays()
	if !ok {
		return -1, false
	}
	ahead := y > 0 && validYMD(y, m, p.d) && mkDay(y, m, p.d) >= c.ref
	if fromStay && (!ahead || mkDay(y, m, p.d) < c.stay.in-7) {
		// Only days near the stay are read in its month: "la salida el 2" after an
		// arrival on 27/2 is March 2.
		return -1, false
	}
	p.kind, p.m = pAbs, m
	if ahead {
		p.y = y
	}
	return at, true
}

// vagueMonth reads a month said without days at token i: its year is the reference
// year unless the month is already over (then the next), or the one written after it.
func (c *dateCtx) vagueMonth(f *dateFinding, m, i int) {
	ry, rm, _ := dayYMD(c.ref)
	y := ry
	if m < rm {
		y++
	}
	if yy, _, ok := c.yearAt(i + 1); ok {
		y, f.monthYearSaid = yy, true
	}
	f.month, f.monthYear = m, y
}

// moveStay moves the conversation's stay to the month said alone ("no no, de febrero"):
// the same days and nights in that month, in the first year it is still ahead (or the
// year written).
func (c *dateCtx) moveStay(f *dateFinding) bool {
	if f.month == 0 || c.stay.in == 0 || !c.aboutOneMonth() {
		return false
	}
	_, _, d := dayYMD(c.stay.in)
	p := point{kind: pAbs, d: d, m: f.month, mOff: -1}
	if f.monthYearSaid {
		p.y = f.monthYear
	}
	if bad, ok := c.impossible(p); ok {
		f.bad, f.hasBad = bad, true
		f.reason = ReasonInvalidDate
		return true
	}
	in, ok := c.resolvePoint(p, c.ref)
	if !ok {
		return false
	}
	f.in, f.hasIn, f.reason = in, true, ""
	if c.stay.out > c.stay.in {
		f.out, f.hasOut = in+c.stay.out-c.stay.in, true
	}
	return true
}

// noteImpossible records the end of a broken stay whose day does not exist (a day
// without its month takes the other end's: "del 28 al 31/4"). When only the check-out is
// impossible the check-in stands, so the guest is asked for the departure alone.
func (c *dateCtx) noteImpossible(f *dateFinding, in, out point) {
	if bareDays(in) && out.m > 0 {
		// As resolveRange reads it: "del 31 al 4/7" starts in June.
		in.kind, in.m, in.y = pAbs, out.m, out.y
		if in.d >= out.d {
			in.m, in.y = monthBefore(in.m, in.y)
		}
	}
	if bad, ok := c.impossible(in); ok {
		f.bad, f.hasBad = bad, true
		return
	}
	bad, ok := c.impossible(out)
	if !ok {
		return
	}
	f.bad, f.hasBad = bad, true
	if d, ok := c.resolvePoint(in, c.ref); ok {
		// The check-in stands: only the departure is asked again.
		f.in, f.hasIn = d, true
	}
}

// namesDay reports whether a bare day number plainly names a day: "para el 16", "el día
// quince", "del 16 en adelante", or "el 16" as the whole message.
func (c *dateCtx) namesDay(p point) bool {
	num := p.j - 1
	switch {
	case c.word(num-1) == "dia":
		return true
	case c.word(num-1) == "el" && c.word(num-2) == "para":
		return true
	case c.word(p.j) == "en" && c.word(p.j+1) == "adelante":
		return true
	}
	if c.word(num-1) != "el" {
		return false
	}
	for k := range c.toks {
		if k == num || k == num-1 || c.toks[k].kind == tPunct || c.toks[k].kind == tEmoji {
			continue
		}
		return false
	}
	return true
}

// departure reads a check-out said alone ("salimos el viernes", "hasta el domingo a la
// mañana", "el check out sería el sábado") as the departure of the conversation's stay:
// the first such day after its check-in.
func (c *dateCtx) departure(f *dateFinding, p point, ai int) {
	if c.stay.in == 0 {
		return
	}
	out, ok := c.resolvePoint(p, c.stay.in+1)
	c.mark(ai, p.j, roleDate)
	f.spanI, f.spanJ, f.hasSpan = ai, p.j, true
	if !ok {
		if bad, isBad := c.impossible(p); isBad {
			f.bad, f.hasBad = bad, true
		}
		f.reason = ReasonInvalidDate
		return
	}
	f.out, f.hasOut = out, true
	f.nights = out - c.stay.in
	c.lengthsOnly(f)
}

// monthKnown reports whether bare days have a month said to fall in: named in the
// message or before ("en abril" … "de 12 a 15"); the stay's own month is not enough to
// read "de 4 a 5" as days.
func (c *dateCtx) monthKnown() bool {
	_, _, _, fromStay, ok := c.monthForDays()
	return ok && !fromStay
}

// maxCorrectionWords bounds a message read as a correction of the stay's month: "uy
// perdón, marzo!", "no no, de febrero", "¿y en marzo?" are short; a story that mentions a
// month ("el año pasado fuimos en enero y nos encantó") is not a correction.
const maxCorrectionWords = 8

// aboutOneMonth reports whether the message names exactly one month and is short enough
// to be about it.
func (c *dateCtx) aboutOneMonth() bool {
	words, monthsNamed := 0, 0
	for i := range c.toks {
		if c.toks[i].kind != tWord && c.toks[i].kind != tNum {
			continue
		}
		words++
		if mw, ok := months[c.toks[i].w]; ok && !mw.short && c.toks[i].kind == tWord {
			monthsNamed++
		}
	}
	return monthsNamed == 1 && words <= maxCorrectionWords
}

// keptNights is the length a new check-in said alone keeps. Near the stay (within it,
// or up to a week before: "mejor llegamos el 11", "llegamos el 8 mejor") the departure
// stands, which the conversation keeps by itself (0); farther ("perdón, era el 8 de
// febrero" after 8 to 11 of January of next year) it is the same trip on other dates,
// with the same nights.
func (c *dateCtx) keptNights(in int) int {
	if c.stay.in == 0 || c.stay.out <= c.stay.in || c.stay.departure {
		return 0
	}
	if in >= c.stay.in-7 && in < c.stay.out {
		return 0
	}
	return c.stay.out - c.stay.in
}
