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
}

type dateCtx struct {
	toks []token
	role []uint8
	ref  int
	cal  *holidays.Calendar
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

// unitAfterNumber are words that make the preceding number a count or a measure, never
// a day of the month.
var unitAfterNumber = map[string]bool{
	"noche": true, "noches": true, "dia": true, "dias": true, "semana": true, "semanas": true,
	"persona": true, "personas": true, "pax": true, "adulto": true, "adultos": true, "chicos": true,
	"chico": true, "chicas": true, "ninos": true, "nino": true, "ninas": true, "nina": true, "nenes": true,
	"nene": true, "nenas": true, "nena": true, "menores": true, "menor": true, "bebes": true, "bebe": true,
	"hijos": true, "hijo": true, "hijas": true, "hija": true, "horas": true, "hora": true, "mil": true,
	"pesos": true, "dolares": true, "people": true, "guests": true, "guest": true, "nights": true,
	"night": true, "days": true, "weeks": true, "week": true, "adults": true, "kids": true,
	"children": true, "pessoas": true, "noites": true, "noite": true, "diarias": true, "diaria": true,
	"anos": true, "ano": true, "metros": true, "cuadras": true, "km": true, "kilometros": true,
	"minutos": true, "min": true, "huespedes": true, "am": true, "pm": true, "camas": true, "cama": true,
	"habitaciones": true, "ambientes": true, "dormitorios": true, "banos": true, "autos": true,
	"amigos": true, "amigas": true, "parejas": true, "matrimonios": true, "familias": true,
	"perros": true, "perro": true, "gatos": true, "mascotas": true, "meses": true, "mes": true,
	"quincenas": true, "criancas": true, "hospedes": true, "lugares": true, "plazas": true,
	"estrellas": true, "grados": true, "cuotas": true, "reales": true, "euros": true, "veces": true,
}

// vaguePeriodWords mark a stay period without days.
var vaguePeriodWords = map[string]bool{
	"fiestas": true, "navidad": true, "verano": true, "invierno": true, "vacaciones": true,
	"temporada": true, "feriados": true, "findes": true, "reyes": true, "christmas": true,
	"holidays": true, "ferias": true, "natal": true, "reveillon": true,
}

func isMonthWord(t *token, allowShort bool) (time.Month, bool) {
	if t.kind != tWord {
		return 0, false
	}
	mw, ok := months[t.w]
	if !ok || (mw.short && !allowShort) {
		return 0, false
	}
	return mw.m, true
}

// dayNumber reports whether token i is a plausible day of the month (1..31, written
// with at most two digits or as a word, not a price) that is not followed by a unit.
func (c *dateCtx) dayNumber(i int) (int, bool) {
	if !c.free(i) {
		return 0, false
	}
	t := &c.toks[i]
	if t.kind == tWord && (t.w == "primero" || t.w == "first") {
		return 1, true
	}
	if t.kind != tNum || t.n < 1 || t.n > 31 || t.has(fMoney|fThousand|fPlusSign) || (!t.has(fNumWord) && t.digits > 2) {
		return 0, false
	}
	if t.has(fArticle) {
		return 0, false
	}
	if unitAfterNumber[c.word(i+1)] {
		return 0, false
	}
	return t.n, true
}

// yearAt reads a four-digit year (or "2027" after "de"/"del"/",") at i.
func (c *dateCtx) yearAt(i int) (int, int, bool) {
	k := i
	if w := c.word(k); w == "de" || w == "del" || w == "en" || w == "of" || w == "in" {
		k++
	} else if k < len(c.toks) && c.toks[k].kind == tPunct && c.toks[k].w == "," {
		k++
	}
	if k < len(c.toks) && c.free(k) && c.toks[k].kind == tNum && !c.toks[k].has(fNumWord) && c.toks[k].digits == 4 && c.toks[k].n >= 2000 && c.toks[k].n <= 2100 {
		return c.toks[k].n, k + 1, true
	}
	return 0, i, false
}

// monthTail reads what may follow a day number to give it a month: "de enero", "enero",
// "del 11", "de este mes", "del mes que viene", "del próximo mes", then a year or "que
// viene". It returns the point filled in and the index after it.
func (c *dateCtx) monthTail(p point, i int) (point, bool) {
	k := i
	w := c.word(k)
	if w == "de" || w == "del" || w == "of" || w == "do" || w == "da" {
		k++
	} else if k+1 < len(c.toks) && c.toks[k].kind == tPunct && (c.toks[k].w == "-" || c.toks[k].w == "/") && c.toks[k].end == c.toks[k+1].start {
		// "2-oct", "2/oct"
		if _, ok := isMonthWord(&c.toks[k+1], true); ok {
			k++
		}
	}
	if k < len(c.toks) && c.free(k) {
		if m, ok := isMonthWord(&c.toks[k], true); ok {
			p.kind, p.m, p.j = pAbs, int(m), k+1
			if c.toks[k].kind == tWord && c.toks[k].w == "." {
				p.j++
			}
			if y, next, ok := c.yearAt(p.j); ok {
				p.y, p.j = y, next
			} else if c.word(p.j) == "que" && c.word(p.j+1) == "viene" {
				p.nextYear, p.j = true, p.j+2
			} else if c.word(p.j) == "proximo" || c.word(p.j) == "next" {
				p.nextYear, p.j = true, p.j+1
			} else if (c.word(p.j) == "del" || c.word(p.j) == "de") && (c.word(p.j+1) == "ano" || c.word(p.j+1) == "anio") && c.word(p.j+2) == "que" && c.word(p.j+3) == "viene" {
				p.nextYear, p.j = true, p.j+4
			} else if (c.word(p.j) == "del" || c.word(p.j) == "de") && c.word(p.j+1) == "proximo" && (c.word(p.j+2) == "ano" || c.word(p.j+2) == "anio") {
				p.nextYear, p.j = true, p.j+3
			}
			return p, true
		}
	}
	// "17 del 11": a numeric month after "del", unless a range continues ("3 del 1 al 3").
	if w == "del" && k < len(c.toks) && c.free(k) && c.toks[k].kind == tNum && !c.toks[k].has(fNumWord|fMoney) && c.toks[k].n >= 1 && c.toks[k].n <= 12 && c.toks[k].digits <= 2 {
		nw := c.word(k + 1)
		if nw != "al" && nw != "a" && nw != "hasta" && !unitAfterNumber[nw] && !(k+1 < len(c.toks) && c.toks[k+1].w == "-") {
			p.kind, p.m, p.j = pAbs, c.toks[k].n, k+1
			if y, next, ok := c.yearAt(p.j); ok {
				p.y, p.j = y, next
			}
			return p, true
		}
	}
	// "de este mes", "del mes que viene", "del próximo mes", "del mes próximo"
	if w == "de" || w == "del" {
		switch {
		case c.word(k) == "este" && c.word(k+1) == "mes":
			p.mOff, p.j = 0, k+2
			return p, true
		case c.word(k) == "mes" && c.word(k+1) == "que" && c.word(k+2) == "viene":
			p.mOff, p.j = 1, k+3
			return p, true
		case c.word(k) == "proximo" && c.word(k+1) == "mes", c.word(k) == "mes" && (c.word(k+1) == "proximo" || c.word(k+1) == "siguiente"):
			p.mOff, p.j = 1, k+2
			return p, true
		}
	}
	return p, false
}

// parsePoint reads one day reference starting exactly at i.
func (c *dateCtx) parsePoint(i int) (point, bool) {
	if !c.free(i) {
		return point{}, false
	}
	p := point{i: i, j: i + 1, mOff: -1}
	t := &c.toks[i]
	switch t.kind {
	case tDate:
		p.kind, p.d, p.m = pAbs, t.n, t.n2
		if t.n3 > 0 {
			p.y = t.n3
		}
		if p.y == 0 {
			if c.word(i+1) == "que" && c.word(i+2) == "viene" {
				p.nextYear, p.j = true, i+3
			}
		}
		return p, true
	case tNum:
		d, ok := c.dayNumber(i)
		if !ok {
			return point{}, false
		}
		p.kind, p.d = pDay, d
		if q, ok := c.monthTail(p, i+1); ok {
			return q, true
		}
		return p, true
	case tWord:
	default:
		return point{}, false
	}
	w := t.w
	switch w {
	case "primero", "first":
		p.kind, p.d = pDay, 1
		if q, ok := c.monthTail(p, i+1); ok && q.kind == pAbs {
			return q, true
		}
		return point{}, false
	case "hoy", "today", "tonight", "hoje":
		p.kind, p.off = pRel, 0
		return p, true
	case "pasado":
		if c.word(i+1) == "manana" {
			p.kind, p.off, p.j = pRel, 2, i+2
			return p, true
		}
		return point{}, false
	case "manana", "tomorrow", "amanha":
		prev := c.word(i - 1)
		if prev == "la" || prev == "esta" || prev == "cada" || prev == "las" || prev == "pasado" || prev == "the" {
			return point{}, false
		}
		p.kind, p.off = pRel, 1
		return p, true
	case "despues":
		// "(el día) después de mañana"
		if c.word(i+1) == "de" && c.word(i+2) == "manana" {
			p.kind, p.off, p.j = pRel, 2, i+3
			return p, true
		}
		return point{}, false
	case "esta":
		if c.word(i+1) == "noche" {
			p.kind, p.off, p.j = pRel, 0, i+2
			return p, true
		}
		return point{}, false
	case "depois":
		if c.word(i+1) == "de" && c.word(i+2) == "amanha" {
			p.kind, p.off, p.j = pRel, 2, i+3
			return p, true
		}
		return point{}, false
	case "day":
		if c.word(i+1) == "after" && c.word(i+2) == "tomorrow" {
			p.kind, p.off, p.j = pRel, 2, i+3
			return p, true
		}
		return point{}, false
	}
	if wd, ok := weekdays[w]; ok {
		p.kind, p.wd = pWeekday, wd
		k := i + 1
		if c.word(k) == "feira" {
			k++
		}
		if k < len(c.toks) && c.toks[k].kind == tPunct && c.toks[k].w == "," {
			k++
		}
		if c.word(k) == "el" || c.word(k) == "dia" {
			if c.word(k) == "el" && c.word(k+1) == "dia" {
				k++
			}
			k++
		}
		if d, ok := c.dayNumber(k); ok {
			p.d, p.j = d, k+1
			if q, ok := c.monthTail(point{kind: pDay, d: d, i: i, j: k + 1, mOff: -1}, k+1); ok {
				p.m, p.y, p.mOff, p.nextYear, p.j = q.m, q.y, q.mOff, q.nextYear, q.j
			}
		} else if k < len(c.toks) && c.free(k) && c.toks[k].kind == tDate {
			// "sábado 13/2": the date decides, the weekday only confirms it.
			q, _ := c.parsePoint(k)
			q.i = i
			return q, true
		} else if shortWeekday[w] {
			return point{}, false
		}
		// "el viernes que viene", "el próximo viernes" both mean the coming one, but not
		// today: said on a Friday they mean next week's.
		if p.d == 0 && c.word(p.j) == "que" && c.word(p.j+1) == "viene" {
			p.j += 2
			p.notToday = true
		}
		if pw := c.word(i - 1); pw == "proximo" || pw == "next" || pw == "proxima" {
			p.notToday = true
		}
		if p.d == 0 {
			if end, ok := c.nextWeekSuffix(p.j); ok {
				p.nextWeek, p.j = true, end
			}
		}
		return p, true
	}
	if m, ok := isMonthWord(t, true); ok {
		// "enero 5", "January 5th, 2027", "Jan 5"
		k := i + 1
		if c.word(k) == "." {
			k++
		}
		if d, ok := c.dayNumber(k); ok {
			p.kind, p.d, p.m, p.j = pAbs, d, int(m), k+1
			if y, next, ok := c.yearAt(p.j); ok {
				p.y, p.j = y, next
			}
			return p, true
		}
	}
	return point{}, false
}

// nextWeekSuffix reads "de la semana que viene", "de la próxima semana", "de la
// siguiente semana", "de la otra semana", "de próxima semana", "de la semana próxima".
func (c *dateCtx) nextWeekSuffix(i int) (int, bool) {
	if w := c.word(i); w != "de" && w != "del" {
		return 0, false
	}
	k := i + 1
	if c.word(k) == "la" {
		k++
	}
	switch {
	case c.word(k) == "semana" && c.word(k+1) == "que" && c.word(k+2) == "viene":
		return k + 3, true
	case c.word(k) == "semana" && (c.word(k+1) == "proxima" || c.word(k+1) == "siguiente"):
		return k + 2, true
	case (c.word(k) == "proxima" || c.word(k) == "siguiente" || c.word(k) == "otra") && c.word(k+1) == "semana":
		return k + 2, true
	}
	return 0, false
}

// skipArticle skips the articles and "día" that may stand before a day ("el 5", "del
// día 5", "the 5th", "o dia 5").
func (c *dateCtx) skipArticle(i int) int {
	for n := 0; n < 2; n++ {
		switch c.word(i) {
		case "el", "dia", "the", "o", "on":
			i++
		}
	}
	return i
}

// rangeOpeners start a range. All but "de" are strong: with them any two day
// references make a range; after "de" the second end needs its month ("de 5 a 8 de
// enero", not "de 2 a 3 personas").
var rangeOpeners = map[string]bool{
	"del": true, "desde": true, "entre": true, "from": true, "between": true, "do": true, "de": false,
}

// parseRange reads "del 5 al 8/1", "desde el 5 hasta el 8", "entre el 18 y el 21 de
// febrero", "15/12 - 18/12", "5-8 de enero", "del sábado al lunes", "from Jan 5 to 8",
// "de 5 a 8 de janeiro" starting at i.
func (c *dateCtx) parseRange(i int) (point, point, int, bool) {
	k := i
	opener := ""
	if w := c.word(k); w != "" {
		if _, ok := rangeOpeners[w]; ok {
			opener = w
			k++
		} else if w == "a" && c.word(k+1) == "partir" && (c.word(k+2) == "de" || c.word(k+2) == "del") {
			opener = "desde"
			k += 3
		}
	}
	k = c.skipArticle(k)
	// "Jan 5-8", "enero 5 al 8": a month before a pair of days.
	if k < len(c.toks) && c.free(k) && k+1 < len(c.toks) {
		if m, ok := isMonthWord(&c.toks[k], true); ok && c.free(k+1) && (c.toks[k+1].kind == tDate || c.toks[k+1].kind == tPair) && c.toks[k+1].sep == '-' {
			t := &c.toks[k+1]
			if t.n >= 1 && t.n <= 31 && t.n2 >= 1 && t.n2 <= 31 && t.n3 < 0 {
				p1 := point{kind: pAbs, d: t.n, m: int(m), i: i, j: k + 2, mOff: -1}
				p2 := point{kind: pAbs, d: t.n2, m: int(m), i: k + 1, j: k + 2, mOff: -1}
				end := k + 2
				if y, next, ok := c.yearAt(end); ok {
					p1.y, p2.y, end = y, y, next
				}
				return p1, p2, end, true
			}
		}
	}
	// "5-8 de enero", "19-20 de noviembre", "4-23 del próximo mes": a dash pair of days
	// followed by a month.
	if k < len(c.toks) && c.free(k) && (c.toks[k].kind == tDate || c.toks[k].kind == tPair) && c.toks[k].sep == '-' && c.toks[k].n3 < 0 {
		t := &c.toks[k]
		if t.n >= 1 && t.n <= 31 && t.n2 >= 1 && t.n2 <= 31 && t.digits <= 2 {
			if q, ok := c.monthTail(point{kind: pDay, d: t.n2, i: k, j: k + 1, mOff: -1}, k+1); ok {
				p1 := point{kind: pDay, d: t.n, i: i, j: k + 1, mOff: q.mOff}
				if q.kind == pAbs {
					p1.kind, p1.m, p1.y, p1.nextYear = pAbs, q.m, q.y, q.nextYear
				}
				return p1, q, q.j, true
			}
		}
	}
	p1, ok := c.parsePoint(k)
	if !ok {
		return point{}, point{}, 0, false
	}
	k = p1.j
	if k < len(c.toks) && c.toks[k].kind == tPunct && c.toks[k].w == "," && (opener == "desde" || opener == "from") {
		k++
	}
	mid := ""
	if k < len(c.toks) {
		t := &c.toks[k]
		if t.kind == tPunct && t.w == "-" {
			mid = "-"
		} else if t.kind == tWord {
			switch t.w {
			case "al", "a", "hasta", "y", "to", "until", "till", "through", "thru", "and", "ao", "ate", "e":
				mid = t.w
			}
		}
	}
	if mid == "" {
		return point{}, point{}, 0, false
	}
	k++
	if mid == "a" && c.word(k) == "el" {
		return point{}, point{}, 0, false
	}
	k = c.skipArticle(k)
	p2, ok := c.parsePoint(k)
	if !ok {
		return point{}, point{}, 0, false
	}
	strongOpener := rangeOpeners[opener]
	switch mid {
	case "y", "and", "e":
		if opener != "entre" && opener != "between" {
			return point{}, point{}, 0, false
		}
	case "a", "ao", "ate":
		// "de 2 a 3 personas" is not a range; "de 5 a 8 de enero" and "del 5 a 8" are.
		if !strongOpener && !(opener == "de" && (p1.kind != pDay || p2.kind != pDay)) && p2.kind != pAbs && p2.mOff < 0 {
			return point{}, point{}, 0, false
		}
	case "-":
		if p1.kind == pDay && p2.kind == pDay && !strongOpener {
			return point{}, point{}, 0, false
		}
	case "to", "until", "till", "through", "thru":
		if p1.kind == pDay && p2.kind == pDay && !strongOpener {
			return point{}, point{}, 0, false
		}
	}
	if p2.nextWeek && p1.kind == pWeekday && p1.d == 0 {
		p1.nextWeek = true // "entre el miércoles y el viernes de la semana que viene"
	}
	p1.i = i
	return p1, p2, p2.j, true
}

// resolvePoint places a point on the calendar: the earliest matching day on or after
// `after`.
func (c *dateCtx) resolvePoint(p point, after int) (int, bool) {
	ay, am, ad := dayYMD(after)
	ry, rm, _ := dayYMD(c.ref)
	switch p.kind {
	case pRel:
		return c.ref + p.off, true
	case pAbs:
		if p.mOff >= 0 && p.m == 0 {
			p.m = rm + p.mOff
		}
		if p.y > 0 {
			if !validYMD(p.y, p.m, p.d) {
				return 0, false
			}
			return mkDay(p.y, p.m, p.d), true
		}
		if p.m < 1 || p.m > 12 || p.d > 31 {
			return 0, false
		}
		y := ay
		if p.nextYear && p.m <= rm && y <= ry {
			y = ry + 1
		}
		for n := 0; n < 9; n++ { // 29/2 may wait for a leap year
			if validYMD(y, p.m, p.d) {
				if d := mkDay(y, p.m, p.d); d >= after {
					return d, true
				}
			} else if p.d <= 28 || p.m != 2 || p.d > 29 {
				return 0, false
			}
			y++
		}
		return 0, false
	case pDay:
		y, m := ay, am
		if p.mOff >= 0 {
			y, m = ry, rm+p.mOff
			if m > 12 {
				y, m = y+1, m-12
			}
			if !validYMD(y, m, p.d) {
				return 0, false
			}
			d := mkDay(y, m, p.d)
			if d < after {
				return 0, false
			}
			return d, true
		}
		if p.d < ad {
			m++
		}
		for n := 0; n < 13; n++ {
			if m > 12 {
				y, m = y+1, 1
			}
			if validYMD(y, m, p.d) {
				return mkDay(y, m, p.d), true
			}
			m++
		}
		return 0, false
	case pWeekday:
		if p.d == 0 && p.nextWeek {
			// The weekday of the coming Monday-to-Sunday week.
			monday := c.ref - (int(dayWeekday(c.ref))+6)%7 + 7
			d := monday + (int(p.wd)+6)%7
			if d < after {
				return 0, false
			}
			return d, true
		}
		if p.d == 0 {
			delta := (int(p.wd) - int(dayWeekday(after)) + 7) % 7
			if delta == 0 && p.notToday && after == c.ref {
				delta = 7
			}
			return after + delta, true
		}
		if p.m > 0 {
			// "el martes 9 de mayo": the date is more specific than the weekday, which
			// guests get wrong more often than the day.
			return c.resolvePoint(point{kind: pAbs, d: p.d, m: p.m, y: p.y, mOff: -1, nextYear: p.nextYear}, after)
		}
		y, m := ay, am
		if p.m > 0 {
			m = p.m
			if p.y > 0 {
				y = p.y
			}
		}
		for n := 0; n < 60; n++ {
			if validYMD(y, m, p.d) {
				d := mkDay(y, m, p.d)
				if d >= after && dayWeekday(d) == p.wd {
					return d, true
				}
			}
			if p.m > 0 {
				y++
				if p.y > 0 {
					return 0, false
				}
			} else {
				m++
				if m > 12 {
					y, m = y+1, 1
				}
			}
		}
		return 0, false
	}
	return 0, false
}

// resolveRange places check-in and check-out: a month or year written once applies to
// both ends, a first day larger than the second belongs to the month before, and the
// check-out is the first matching day after the check-in.
func (c *dateCtx) resolveRange(p1, p2 point) (int, int, bool) {
	if p1.kind == pDay && p2.kind == pAbs {
		p1.kind, p1.m, p1.y, p1.nextYear = pAbs, p2.m, p2.y, p2.nextYear
		if p1.d >= p2.d {
			p1.m--
			if p1.m == 0 {
				p1.m = 12
				if p1.y > 0 {
					p1.y--
				}
			}
		}
	}
	if p1.kind == pDay && p2.mOff >= 0 && p1.mOff < 0 {
		p1.mOff = p2.mOff
	}
	if p1.kind == pAbs && p1.y == 0 && p2.kind == pAbs && p2.y > 0 {
		p1.y = p2.y
		if p1.m > p2.m || (p1.m == p2.m && p1.d > p2.d) {
			p1.y--
		}
	}
	if p1.kind == pWeekday && p1.d > 0 && p1.m == 0 && p2.kind == pAbs {
		p1.m = p2.m
	}
	in, ok := c.resolvePoint(p1, c.ref)
	if !ok {
		return 0, 0, false
	}
	if p2.kind == pDay && p2.mOff < 0 {
		iy, im, _ := dayYMD(in)
		p2.kind, p2.y, p2.m = pAbs, iy, im
		if !validYMD(iy, im, p2.d) || mkDay(iy, im, p2.d) <= in {
			p2.m++
			if p2.m > 12 {
				p2.y, p2.m = p2.y+1, 1
			}
		}
		if !validYMD(p2.y, p2.m, p2.d) {
			return 0, 0, false
		}
	}
	if p2.kind == pAbs && p2.y == 0 && p1.kind == pAbs && p1.y > 0 {
		// "del 3/1/2027 al 7/1": the year carries forward.
		p2.y = p1.y
		if p2.m < p1.m || (p2.m == p1.m && p2.d <= p1.d) {
			p2.y++
		}
	}
	if p2.kind == pAbs && p2.nextYear && p2.y == 0 {
		p2.nextYear = false // the check-in already placed the range in the coming year
	}
	out, ok := c.resolvePoint(p2, in+1)
	if !ok || out <= in {
		return 0, 0, false
	}
	if out-in > 366 {
		return 0, 0, false
	}
	return in, out, true
}

// lengthAt reads a stay length at i: "3 noches", "una noche", "5 días", "una semana",
// "2 semanas", "una quincena", "4 nights", "a week", "3 noites", "3 diárias".
func (c *dateCtx) lengthAt(i int) (nights, end int, ok bool) {
	if !c.free(i) {
		return 0, 0, false
	}
	t := &c.toks[i]
	n := 0
	switch {
	case t.kind == tNum && !t.has(fMoney|fThousand) && t.n >= 1 && t.n <= 60 && (t.has(fNumWord) || t.digits <= 2):
		n = t.n
	case t.kind == tWord && (t.w == "a" || t.w == "one"):
		n = 1
	default:
		return 0, 0, false
	}
	unit := c.word(i + 1)
	mult := 0
	switch unit {
	case "noche", "noches", "night", "nights", "noite", "noites", "diaria", "diarias", "dia", "dias", "day", "days", "nochecitas", "nochecita":
		mult = 1
	case "semana", "semanas", "week", "weeks", "semanita":
		mult = 7
	case "quincena":
		mult = 15
	default:
		return 0, 0, false
	}
	if t.kind == tWord && unit != "week" && unit != "night" && unit != "day" {
		return 0, 0, false
	}
	if t.has(fArticle) && (unit == "noches" || unit == "dias" || unit == "semanas") {
		return 0, 0, false
	}
	// Not a stay: "hace 3 días", "dentro de 3 días", "en 3 días", "3 días antes", "una
	// semana antes", "con 3 días de anticipación", "cada 2 días".
	switch c.word(i - 1) {
	case "hace", "cada", "en", "dentro", "in", "ago", "within":
		return 0, 0, false
	case "de":
		if c.word(i-2) == "dentro" || c.word(i-2) == "antes" {
			return 0, 0, false
		}
	}
	switch c.word(i + 2) {
	case "antes", "despues", "habiles", "before", "ago", "after", "atras":
		return 0, 0, false
	case "de":
		if w := c.word(i + 3); w == "anticipacion" || w == "anticipo" || w == "antelacion" || w == "aviso" {
			return 0, 0, false
		}
	}
	return n * mult, i + 2, true
}

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

// extractDates finds the stay in the message and marks the tokens it used.
func (c *dateCtx) extractDates() dateFinding {
	var f dateFinding
	n := len(c.toks)
	found := false
	var sp special
	spI := 0
	// Pass 1: expressions that carry both dates.
	for i := 0; i < n && !found; i++ {
		if !c.free(i) {
			continue
		}
		if p1, p2, end, ok := c.parseRange(i); ok {
			if in, out, ok := c.resolveRange(p1, p2); ok {
				c.mark(i, end, roleDate)
				f.in, f.out, f.hasIn, f.hasOut = in, out, true, true
				f.spanI, f.spanJ, f.hasSpan = i, end, true
				f.reason = ""
				return c.finishDates(f)
			}
			c.mark(i, end, roleDate)
			f.reason = ReasonInvalidDate
			f.spanI, f.spanJ, f.hasSpan = i, end, true
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
			"leaving", "departure", "ate", "volvemos", "saida":
			anchor, k = "end", i+1
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
	// it, or a second day to pair with.
	var strong []anchored
	for _, a := range pts {
		if a.p.kind == pDay && a.p.mOff < 0 {
			adjacentLength := nightsAt >= 0 && (nightsAt == a.p.j || nightsAt == a.p.j+1 || c.toksBetweenAre(a.p.j, nightsAt, "por", "x", "for", "durante") || c.toksBetweenAre(nightsAt+2, a.p.i, "desde", "a", "partir", "del", "de", "el", "from", "the"))
			if a.anchor == "" && !adjacentLength {
				continue
			}
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
	if start == nil && end == nil {
		f.nights = nights
		c.vague(&f)
		return f
	}
	if start == nil {
		// Only a check-out ("hasta el 8"): not enough for a stay.
		f.nights = nights
		return f
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
	}
	in, ok := c.resolvePoint(start.p, c.ref)
	c.mark(start.ai, start.p.j, roleDate)
	if !ok {
		f.reason = ReasonInvalidDate
		return f
	}
	f.in, f.hasIn = in, true
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

// vague notes a period without days ("en enero", "para las fiestas").
func (c *dateCtx) vague(f *dateFinding) {
	for i := range c.toks {
		if !c.free(i) || c.toks[i].kind != tWord {
			continue
		}
		w := c.toks[i].w
		if mw, ok := months[w]; ok && !mw.short {
			f.reason, f.spanI, f.spanJ, f.hasSpan = ReasonVaguePeriod, i, i+1, true
			return
		}
		if vaguePeriodWords[w] {
			f.reason, f.spanI, f.spanJ, f.hasSpan = ReasonVaguePeriod, i, i+1, true
			return
		}
		if (w == "ano" || w == "anio") && c.word(i+1) == "nuevo" {
			f.reason, f.spanI, f.spanJ, f.hasSpan = ReasonVaguePeriod, i, i+2, true
			return
		}
		if w == "semana" && (c.word(i-1) == "esta" || c.word(i+1) == "que" || c.word(i-1) == "proxima" || c.word(i+1) == "proxima" || c.word(i-1) == "primera" || c.word(i-1) == "ultima" || c.word(i-1) == "segunda") {
			f.reason, f.spanI, f.spanJ, f.hasSpan = ReasonVaguePeriod, i, i+1, true
			return
		}
		if (w == "mes" && (c.word(i+1) == "que" || c.word(i-1) == "proximo" || c.word(i+1) == "proximo")) || (w == "next" && (c.word(i+1) == "week" || c.word(i+1) == "month")) {
			f.reason, f.spanI, f.spanJ, f.hasSpan = ReasonVaguePeriod, i, i+1, true
			return
		}
	}
}
