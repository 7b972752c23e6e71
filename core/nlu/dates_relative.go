package nlu

// relativePoint reads the days named relative to the reference day: "hoy", "mañana",
// "pasado mañana", "esta noche" (and their English and Portuguese forms). done says
// whether the word at i is one of them.
func (c *dateCtx) relativePoint(p point, i int) (point, bool, bool) {
	w := c.toks[i].w
	switch w {
	case "hoy", "today", "tonight", "hoje":
		p.kind, p.off = pRel, 0
		return p, true, true
	case "pasado":
		if c.word(i+1) == "manana" {
			p.kind, p.off, p.j = pRel, 2, i+2
			return p, true, true
		}
		return point{}, false, true
	case "manana", "tomorrow", "amanha":
		prev := c.word(i - 1)
		if prev == "la" || prev == "esta" || prev == "cada" || prev == "las" || prev == "pasado" || prev == "the" {
			return point{}, false, true
		}
		p.kind, p.off = pRel, 1
		return p, true, true
	case "despues":
		// "(el día) después de mañana"
		if c.word(i+1) == "de" && c.word(i+2) == "manana" {
			p.kind, p.off, p.j = pRel, 2, i+3
			return p, true, true
		}
		return point{}, false, true
	case "esta":
		if c.word(i+1) == "noche" {
			p.kind, p.off, p.j = pRel, 0, i+2
			return p, true, true
		}
		return point{}, false, true
	case "depois":
		if c.word(i+1) == "de" && c.word(i+2) == "amanha" {
			p.kind, p.off, p.j = pRel, 2, i+3
			return p, true, true
		}
		return point{}, false, true
	case "day":
		if c.word(i+1) == "after" && c.word(i+2) == "tomorrow" {
			p.kind, p.off, p.j = pRel, 2, i+3
			return p, true, true
		}
		return point{}, false, true
	}
	return point{}, false, false
}

// weekdayPoint reads a weekday, maybe with its day and month ("el sábado", "viernes 19",
// "el martes 9 de mayo", "el jueves de la semana que viene"). done says whether the
// word at i is a weekday.
func (c *dateCtx) weekdayPoint(p point, i int) (point, bool, bool) {
	w := c.toks[i].w
	wd, isWeekday := weekdays[w]
	if !isWeekday {
		return point{}, false, false
	}
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
		return q, true, true
	} else if shortWeekday[w] && !c.shortWeekdayStands(i) {
		return point{}, false, true
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
	return p, true, true
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

// resolveWeekday places a weekday point: the earliest such weekday on or after `after`
// (next week's with "de la semana que viene"), or the date written with it.
func (c *dateCtx) resolveWeekday(p point, after int) (int, bool) {
	ay, am, _ := dayYMD(after)
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

// offsetAt reads a check-in counted from today at i: "en 7 días", "en una semana",
// "dentro de 10 días", "in 3 days". Such a span names a day only when nothing else is
// said with it (see loneMention): "te confirmo en 2 días" is no stay.
func (c *dateCtx) offsetAt(i int) (point, bool) {
	k := i + 1
	switch c.word(i) {
	case "en", "in", "em":
	case "dentro":
		if c.word(k) != "de" {
			return point{}, false
		}
		k++
	default:
		return point{}, false
	}
	n, ok := c.countAt(k)
	if !ok || !c.free(k) {
		return point{}, false
	}
	mult := 0
	switch c.word(k + 1) {
	case "dia", "dias", "day", "days":
		mult = 1
	case "semana", "semanas", "week", "weeks", "semanita":
		mult = 7
	default:
		return point{}, false
	}
	return point{kind: pRel, off: n * mult, i: i, j: k + 2, mOff: -1, loose: true}, true
}

// loneMention reports whether the message says nothing but the point (punctuation and
// "para", "desde", "el" aside): "en 7 días", "lun.", "el 16".
func (c *dateCtx) loneMention(p point) bool {
	for k := range c.toks {
		if k >= p.i && k < p.j || c.toks[k].kind == tPunct || c.toks[k].kind == tEmoji {
			continue
		}
		if w := c.word(k); k < p.i && (w == "para" || w == "desde" || w == "el" || w == "este") {
			continue
		}
		return false
	}
	return true
}

// shortWeekdayStands reports whether a weekday abbreviation with no day number is a day:
// in a range ("del lun al mié") or alone in the message ("lun.").
func (c *dateCtx) shortWeekdayStands(i int) bool {
	switch c.word(i - 1) {
	case "del", "desde", "al", "hasta", "entre":
		return true
	}
	if w := c.word(i + 1); w == "al" || w == "hasta" {
		return true
	}
	return c.loneMention(point{i: i, j: i + 1})
}
