package nlu

import "time"

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
	"perros": true, "perro": true, "gatos": true, "mascotas": true, "meses": true, "mes": true, "months": true, "month": true, "years": true,
	"quincenas": true, "criancas": true, "hospedes": true, "lugares": true, "plazas": true,
	"estrellas": true, "grados": true, "cuotas": true, "reales": true, "euros": true, "veces": true,
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
	if t.w == "primero" || t.w == "first" {
		p.kind, p.d = pDay, 1
		if q, ok := c.monthTail(p, i+1); ok && q.kind == pAbs {
			return q, true
		}
		return point{}, false
	}
	if q, ok, done := c.relativePoint(p, i); done {
		return q, ok
	}
	if q, ok, done := c.weekdayPoint(p, i); done {
		return q, ok
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
		// A 29/2 falling in a year that is not a leap year does not exist: it does not
		// wait for the next leap year.
		y := c.fallYear(p, after)
		if !validYMD(y, p.m, p.d) {
			return 0, false
		}
		return mkDay(y, p.m, p.d), true
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
		return c.resolveWeekday(p, after)
	}
	return 0, false
}

// fallYear is the year a day and month written without a year fall in: the first year
// in which that day (or the month's last day, for a "29/2" or a "31/4") is on or after
// `after` ("que viene" after the month skips the reference year).
func (c *dateCtx) fallYear(p point, after int) int {
	ay, _, _ := dayYMD(after)
	ry, rm, _ := dayYMD(c.ref)
	y := ay
	if p.nextYear && p.m <= rm && y <= ry {
		y = ry + 1
	}
	for mkDay(y, p.m, min(p.d, daysIn(y, p.m))) < after {
		y++
	}
	return y
}

// impossible reports whether a point names a day its month does not have ("31/4",
// "30/2", "29/2" in a year that is not a leap year), with the year it would fall in.
func (c *dateCtx) impossible(p point) (ImpossibleDate, bool) {
	if p.kind != pAbs && p.kind != pWeekday || p.m < 1 || p.m > 12 || p.d < 1 || p.d > 31 {
		return ImpossibleDate{}, false
	}
	y := p.y
	if y == 0 {
		y = c.fallYear(p, c.ref)
	}
	if validYMD(y, p.m, p.d) {
		return ImpossibleDate{}, false
	}
	return ImpossibleDate{Day: p.d, Month: p.m, Year: y, DaysInMonth: daysIn(y, p.m)}, true
}
