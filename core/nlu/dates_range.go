package nlu

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
		if !strongOpener && !(opener == "de" && (p1.kind != pDay || p2.kind != pDay)) && p2.kind != pAbs && p2.mOff < 0 && !(p1.kind == pWeekday && p2.kind == pWeekday && p2.m > 0) && !(opener == "de" && c.monthKnown()) {
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

// resolveRange places check-in and check-out: a month or year written once applies to
// both ends, a first day larger than the second belongs to the month before, and the
// check-out is the first matching day after the check-in.
func (c *dateCtx) resolveRange(p1, p2 point) (int, int, bool) {
	if p1.kind == pDay && p2.kind == pAbs {
		p1.kind, p1.m, p1.y, p1.nextYear = pAbs, p2.m, p2.y, p2.nextYear
		if p1.d >= p2.d {
			p1.m, p1.y = monthBefore(p1.m, p1.y)
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
	if p1.kind == pWeekday && p1.d > 0 && p1.m == 0 && (p2.kind == pAbs || p2.kind == pWeekday && p2.m > 0) {
		// "lunes 1 a jueves 4 de marzo": the month written once is both ends'.
		p1.m, p1.y = p2.m, p2.y
		if p1.d >= p2.d {
			p1.m, p1.y = monthBefore(p1.m, p1.y)
		}
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

// monthBefore is the month before m (year y, 0 when not written): a first day larger than
// the second belongs to it ("del 28 al 2 de enero").
func monthBefore(m, y int) (int, int) {
	if m--; m == 0 {
		m = 12
		if y > 0 {
			y--
		}
	}
	return m, y
}
