package nlu

import (
	"time"

	"github.com/conserje/conserje/core/booking/holidays"
)

// weekendRange is the Friday-to-Sunday stay of a weekend relative to ref: next=false is
// this weekend (the coming one Monday to Thursday, the current one, from ref, Friday to
// Sunday); next=true is the one after it.
func weekendRange(ref int, next bool) (int, int, bool) {
	wd := dayWeekday(ref)
	var fri int
	switch wd {
	case time.Friday, time.Saturday, time.Sunday:
		fri = ref - (int(wd)+7-int(time.Friday))%7
	default:
		fri = ref + int(time.Friday) - int(wd)
	}
	if next {
		return fri + 7, fri + 9, true
	}
	in := fri
	if ref > fri {
		in = ref
	}
	if fri+2 <= in {
		return 0, 0, false
	}
	return in, fri + 2, true
}

func isWeekendTime(ref int) bool {
	wd := dayWeekday(ref)
	return wd == time.Friday || wd == time.Saturday || wd == time.Sunday
}

// special reads the expressions that carry both dates at once, at i: weekends, long
// weekends, named holiday runs and quincenas. ok with reason != "" means the expression
// was recognized but cannot give dates.
type special struct {
	in, out int
	start   int // first token of the expression when it is not where the scan began
	end     int
	reason  string
}

func (c *dateCtx) weekendAt(i int) (special, bool) {
	k := i
	start := i
	det := ""
	switch c.word(k) {
	case "este", "esta", "this", "neste", "nesse", "esse":
		det = "este"
		k++
	case "el", "un", "the", "o", "no", "por", "para", "x":
		det = "el"
		k++
		if c.word(k) == "el" {
			k++
		}
		if w := c.word(i); w == "por" || w == "para" || w == "x" {
			start = i + 1
		}
	case "otro":
		det = "otro"
		k++
	case "proximo", "next", "siguiente":
		det = "proximo"
		k++
	}
	if det == "el" {
		switch c.word(k) {
		case "otro":
			det = "otro"
			k++
		case "proximo", "siguiente", "next":
			det = "proximo"
			k++
		}
	}
	if det == "" && c.word(k) != "finde" && c.word(k) != "feriado" {
		return special{}, false
	}
	w := c.word(k)
	long := false
	switch {
	case w == "finde" && c.free(k):
		k++
		if c.word(k) == "largo" || c.word(k) == "xl" || c.word(k) == "xxl" || c.word(k) == "extra" {
			long = true
			k++
			if c.word(k) == "largo" {
				k++
			}
		}
	case w == "feriado" && (c.word(k+1) == "largo" || c.word(k+1) == "prolongado") && c.free(k):
		long = true
		k += 2
	case w == "long" && c.word(k+1) == "finde":
		long = true
		k += 2
	default:
		return special{}, false
	}
	if det == "" {
		det = "el"
	}
	// What may follow: "que viene", "próximo", "siguiente", "de carnaval", "de octubre".
	after := ""
	switch {
	case c.word(k) == "que" && (c.word(k+1) == "viene" || c.word(k+1) == "vem"):
		after = "que viene"
		k += 2
	case c.word(k) == "proximo" || c.word(k) == "next":
		after = "que viene"
		k++
	case c.word(k) == "siguiente":
		after = "siguiente"
		k++
	case (c.word(k) == "de" || c.word(k) == "del") && c.word(k+1) == "la" && c.word(k+2) == "semana" && c.word(k+3) == "que" && c.word(k+4) == "viene":
		after = "siguiente"
		k += 5
	case (c.word(k) == "de" || c.word(k) == "del") && c.word(k+1) == "la" && (c.word(k+2) == "proxima" || c.word(k+2) == "otra") && c.word(k+3) == "semana":
		after = "siguiente"
		k += 4
	}
	if !long && after == "" {
		if sp, ok := c.weekendOf(k); ok {
			sp.start = start
			return sp, true
		}
	}
	sp := special{start: start, end: k}
	if long {
		lw, ok := c.longWeekend(k, det, after)
		lw.start = start
		return lw, ok
	}
	switch {
	case det == "otro" || after == "siguiente":
		sp.in, sp.out, _ = weekendRange(c.ref, true)
	case det == "proximo" || after == "que viene":
		sp.reason = ReasonWeekendThisOrNext
	case det == "este":
		in, out, ok := weekendRange(c.ref, false)
		if !ok {
			sp.reason = ReasonWeekendOver
		}
		sp.in, sp.out = in, out
	default: // "el finde", "finde", "x el finde"
		if isWeekendTime(c.ref) {
			sp.reason = ReasonWeekendThisOrNext
		} else {
			sp.in, sp.out, _ = weekendRange(c.ref, false)
		}
	}
	return sp, true
}

// longWeekend resolves "finde largo" and its variants; k is just past "finde largo".
func (c *dateCtx) longWeekend(k int, det, after string) (special, bool) {
	sp := special{end: k}
	from := c.ref
	if det == "otro" || after == "siguiente" {
		// The long weekend after the coming one.
		if r, ok := c.cal.LongWeekendAfter(dayTime(c.ref)); ok {
			from = mkDayT(r.Last)
		}
	}
	// "finde largo de carnaval", "de semana santa", "de pascua", "de navidad", "del 9 de
	// julio", "de octubre"
	if w := c.word(k); w == "de" || w == "del" || w == "para" {
		if name, end, ok := c.holidayNameAt(k + 1); ok {
			if r, ok := c.cal.NamedRun(name, dayTime(c.ref)); ok {
				in, out := c.runStay(r)
				return special{in: in, out: out, end: end}, true
			}
			return special{end: end, reason: ReasonNoLongWeekend}, true
		}
		if p, ok := c.parsePoint(k + 1); ok && p.kind == pAbs {
			if d, ok := c.resolvePoint(p, c.ref); ok {
				first, last := c.runAround(d)
				if last-first+1 >= 3 {
					in := max(first-1, c.ref)
					return special{in: in, out: last, end: p.j}, true
				}
				return special{end: p.j, reason: ReasonNoLongWeekend}, true
			}
		}
		if k+1 < len(c.toks) && c.free(k+1) {
			if m, ok := isMonthWord(&c.toks[k+1], false); ok {
				return c.longWeekendInMonth(int(m), k+2), true
			}
		}
	}
	r, ok := c.cal.LongWeekendAfter(dayTime(from))
	if !ok {
		sp.reason = ReasonNoLongWeekend
		return sp, true
	}
	sp.in, sp.out = c.runStay(r)
	return sp, true
}

func (c *dateCtx) longWeekendInMonth(m, end int) special {
	ry, rm, _ := dayYMD(c.ref)
	y := ry
	if m < rm {
		y++
	}
	start := max(mkDay(y, m, 1), c.ref)
	r, ok := c.cal.LongWeekendAfter(dayTime(start))
	if !ok || int(r.First.Month()) != m || r.First.Year() != y {
		return special{end: end, reason: ReasonNoLongWeekend}
	}
	in, out := c.runStay(r)
	return special{in: in, out: out, end: end}
}

// runStay is the stay that covers a run of days off: from the evening before its first
// day (or from the reference day, when the run is under way) to its last day.
func (c *dateCtx) runStay(r holidays.Run) (int, int) {
	first, last := mkDayT(r.First), mkDayT(r.Last)
	return max(first-1, c.ref), last
}

// runAround is the run of days off containing d (or d alone when it is not a day off).
func (c *dateCtx) runAround(d int) (int, int) {
	first, last := d, d
	for n := 0; n < 10 && c.cal.IsDayOff(dayTime(first-1)); n++ {
		first--
	}
	for n := 0; n < 10 && c.cal.IsDayOff(dayTime(last+1)); n++ {
		last++
	}
	return first, last
}

func mkDayT(t time.Time) int {
	y, m, d := t.Date()
	return mkDay(y, int(m), d)
}

// holidayNameAt recognizes the holiday names guests use after "finde largo de".
func (c *dateCtx) holidayNameAt(i int) (string, int, bool) {
	if !c.free(i) {
		return "", 0, false
	}
	switch c.word(i) {
	case "carnaval", "carnavales":
		return "carnaval", i + 1, true
	case "semana":
		if c.word(i+1) == "santa" {
			return "semana santa", i + 2, true
		}
	case "pascua", "pascuas":
		return "semana santa", i + 1, true
	case "navidad":
		return "navidad", i + 1, true
	case "ano", "anio":
		if c.word(i+1) == "nuevo" {
			return "ano nuevo", i + 2, true
		}
	case "la":
		if c.word(i+1) == "independencia" {
			return "independencia", i + 2, true
		}
		if c.word(i+1) == "bandera" {
			return "belgrano", i + 2, true
		}
		if c.word(i+1) == "soberania" {
			return "soberania", i + 2, true
		}
		if c.word(i+1) == "memoria" {
			return "memoria", i + 2, true
		}
	case "malvinas", "guemes", "belgrano", "soberania", "independencia":
		return c.word(i), i + 1, true
	case "san":
		if c.word(i+1) == "martin" {
			return "san martin", i + 2, true
		}
	}
	return "", 0, false
}

// namedRunAt reads "carnaval" and "semana santa"/"pascua(s)" standing alone.
func (c *dateCtx) namedRunAt(i int) (special, bool) {
	name := ""
	end := i + 1
	switch c.word(i) {
	case "carnaval", "carnavales":
		name = "carnaval"
	case "semana":
		if c.word(i+1) == "santa" {
			name, end = "semana santa", i+2
		}
	case "pascua", "pascuas", "easter":
		name = "semana santa"
	}
	if name == "" || !c.free(i) {
		return special{}, false
	}
	if r, ok := c.cal.NamedRun(name, dayTime(c.ref)); ok {
		in, out := c.runStay(r)
		return special{in: in, out: out, end: end}, true
	}
	return special{end: end, reason: ReasonNoLongWeekend}, true
}

// quincenaAt reads "primera/segunda quincena de enero" (also "1ra", "2da", "1°",
// "mitad").
func (c *dateCtx) quincenaAt(i int) (special, bool) {
	k := i
	if c.word(k) == "la" {
		k++
	}
	half := 0
	switch c.word(k) {
	case "primera", "primer", "first", "primeira":
		half = 1
	case "segunda", "second", "ultima", "last":
		half = 2
	default:
		if k < len(c.toks) && c.toks[k].kind == tNum && (c.toks[k].has(fOrdinal) || c.word(k+1) == "quincena") && !c.toks[k].has(fNumWord) {
			switch c.toks[k].n {
			case 1:
				half = 1
			case 2:
				half = 2
			}
		}
	}
	if half == 0 || !c.free(k) {
		return special{}, false
	}
	k++
	if w := c.word(k); w != "quincena" && w != "mitad" && w != "half" && w != "fortnight" {
		return special{}, false
	}
	k++
	ry, rm, _ := dayYMD(c.ref)
	m, y := 0, 0
	nextYear := false
	if w := c.word(k); w == "de" || w == "del" || w == "of" {
		k++
	}
	switch {
	case k < len(c.toks) && c.free(k) && c.toks[k].kind == tWord && months[c.toks[k].w].m != 0 && !months[c.toks[k].w].short:
		m = int(months[c.toks[k].w].m)
		k++
		if yy, next, ok := c.yearAt(k); ok {
			y, k = yy, next
		} else if c.word(k) == "que" && c.word(k+1) == "viene" {
			nextYear, k = true, k+2
		}
	case c.word(k) == "este" && c.word(k+1) == "mes":
		m, y, k = rm, ry, k+2
	case c.word(k) == "mes" && c.word(k+1) == "que" && c.word(k+2) == "viene":
		m, y, k = rm+1, ry, k+3
	case c.word(k) == "proximo" && c.word(k+1) == "mes", c.word(k) == "mes" && c.word(k+1) == "proximo":
		m, y, k = rm+1, ry, k+2
	default:
		return special{end: k, reason: ReasonVaguePeriod}, true
	}
	if m > 12 {
		m, y = m-12, y+1
	}
	startDay := 1
	if half == 2 {
		startDay = 16
	}
	if y == 0 {
		y = ry
		if nextYear && m <= rm {
			y++
		}
		if mkDay(y, m, startDay) < c.ref {
			y++
		}
	}
	in := mkDay(y, m, startDay)
	out := mkDay(y, m, 16)
	if half == 2 {
		out = mkDay(y, m+1, 1)
	}
	return special{in: in, out: out, end: k}, true
}

// weekendOf reads the day that names a weekend, at k just past "finde": "el finde del
// 20 de marzo", "el fin de semana que cae 20 de febrero", "the weekend of March 20". The
// stay is that weekend's Friday to Sunday; a Monday or Tuesday names the weekend before
// it, a Wednesday or Thursday the one after.
func (c *dateCtx) weekendOf(k int) (special, bool) {
	j := k
	switch {
	case c.word(j) == "del" || c.word(j) == "de" || c.word(j) == "of":
		j++
	case c.word(j) == "que" && (c.word(j+1) == "cae" || c.word(j+1) == "incluye"):
		j += 2
	case c.word(j) == "en" && c.word(j+1) == "que" && c.word(j+2) == "cae":
		j += 3
	default:
		return special{}, false
	}
	j = c.skipArticle(j)
	p, ok := c.parsePoint(j)
	if !ok || p.kind == pRel || p.kind == pWeekday && p.d == 0 {
		return special{}, false
	}
	c.placeDay(&p)
	d, ok := c.resolvePoint(p, c.ref)
	if !ok {
		sp := special{end: p.j, reason: ReasonInvalidDate}
		return sp, true
	}
	var fri int
	switch wd := dayWeekday(d); wd {
	case time.Wednesday, time.Thursday:
		fri = d + int(time.Friday-wd)
	case time.Friday, time.Saturday:
		fri = d - int(wd-time.Friday)
	default: // Sunday to Tuesday: the weekend just before
		fri = d - int(wd) - 2
	}
	in, out := max(fri, c.ref), fri+2
	if in >= out {
		return special{end: p.j, reason: ReasonWeekendOver}, true
	}
	return special{in: in, out: out, end: p.j}, true
}
