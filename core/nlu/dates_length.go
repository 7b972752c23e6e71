package nlu

// lengthAt reads a stay length at i: "3 noches", "una noche", "5 días", "una semana",
// "2 semanas", "una quincena", "4 nights", "a week", "3 noites", "3 diárias".
func (c *dateCtx) lengthAt(i int) (nights, end int, ok bool) {
	if !c.free(i) {
		return 0, 0, false
	}
	t := &c.toks[i]
	n, ok := c.countAt(i)
	if !ok {
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

// vaguePeriodWords mark a stay period without days.
var vaguePeriodWords = map[string]bool{
	"fiestas": true, "navidad": true, "verano": true, "invierno": true, "vacaciones": true,
	"temporada": true, "feriados": true, "findes": true, "reyes": true, "christmas": true,
	"holidays": true, "ferias": true, "natal": true, "reveillon": true,
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
			c.vagueMonth(f, int(mw.m), i)
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

// countAt reads a small count at i: a number up to 60 written with at most two digits or
// as a word, or "a"/"one" ("a week").
func (c *dateCtx) countAt(i int) (int, bool) {
	if i < 0 || i >= len(c.toks) {
		return 0, false
	}
	t := &c.toks[i]
	switch {
	case t.kind == tNum && !t.has(fMoney|fThousand) && t.n >= 1 && t.n <= 60 && (t.has(fNumWord) || t.digits <= 2):
		return t.n, true
	case t.kind == tWord && (t.w == "a" || t.w == "one"):
		return 1, true
	}
	return 0, false
}
