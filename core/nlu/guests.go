package nlu

// Words that name people in a head count.
var (
	// onlyWords may stand between a trigger and the count: "somos solo 6", "we are only 4".
	onlyWords   = map[string]bool{"solo": true, "sola": true, "solamente": true, "only": true, "just": true, "apenas": true, "so": true}
	peopleWords = map[string]bool{
		"personas": true, "persona": true, "pax": true, "huespedes": true, "huesped": true,
		"people": true, "persons": true, "guests": true, "guest": true, "pessoas": true, "pessoa": true,
		"hospedes": true, "amigos": true, "amigas": true, "integrantes": true, "viajeros": true,
		"chicas": true, "mujeres": true, "hombres": true, "varones": true,
		"travelers": true, "travellers": true, "amigues": true, "personitas": true,
	}
	adultWords = map[string]bool{
		"adultos": true, "adulto": true, "mayores": true, "mayor": true, "adults": true, "adult": true,
		"grandes": true,
	}
	childWords = map[string]bool{
		"chicos": true, "chico": true, "ninos": true, "nino": true, "ninas": true, "nina": true,
		"nenes": true, "nene": true, "nenas": true, "nena": true, "menores": true, "menor": true,
		"hijos": true, "hijo": true, "hijas": true, "hija": true, "bebes": true, "bebe": true,
		"kids": true, "kid": true, "children": true, "child": true, "criancas": true, "crianca": true,
		"pibes": true, "chiquitos": true, "nietos": true, "nietas": true, "baby": true,
		"babies": true, "filhos": true, "filho": true, "sobrinos": true, "adolescentes": true,
	}
	coupleWords = map[string]bool{
		"pareja": true, "parejas": true, "matrimonio": true, "matrimonios": true, "couple": true,
		"couples": true, "casal": true, "casais": true,
	}
	companionWords = map[string]int{
		"novia": 1, "novio": 1, "senora": 1, "esposa": 1, "esposo": 1, "marido": 1, "mujer": 1,
		"pareja": 1, "compa": 1, "companera": 1, "companero": 1, "amigo": 1, "amiga": 1, "mama": 1,
		"papa": 1, "madre": 1, "padre": 1, "hermano": 1, "hermana": 1, "hijo": 1, "hija": 1,
		"wife": 1, "husband": 1, "girlfriend": 1, "boyfriend": 1, "partner": 1, "friend": 1,
		"namorada": 1, "namorado": 1, "suegra": 1, "suegro": 1,
		"abuela": 1, "abuelo": 1, "nene": 1, "nena": 1, "bebe": 1, "perro": 0, "perra": 0, "gato": 0,
		"mascota": 0, "dog": 0, "cat": 0,
	}
	childCompanion = map[string]bool{"hijo": true, "hija": true, "nene": true, "nena": true, "bebe": true}
)

type guestFinding struct {
	total, adults, children int
	has, split              bool
	reason                  string
	priority                int
	childOnly               bool // "los dos nenes": children named without the adults
}

type guestCtx struct {
	*dateCtx
}

// num returns the value of a free number token usable as a count.
func (g guestCtx) num(i int, allowArticle bool) (int, bool) {
	if !g.free(i) {
		return 0, false
	}
	t := &g.toks[i]
	if t.kind != tNum || t.has(fMoney|fThousand|fPlusSign|fOrdinal) || t.n < 1 || t.n > 80 {
		return 0, false
	}
	if !t.has(fNumWord) && t.digits > 2 {
		return 0, false
	}
	if t.has(fArticle) && !allowArticle {
		return 0, false
	}
	return t.n, true
}

// countAt reads a count phrase at i: "2 adultos y 3 chicos", "2 parejas", "dos familias
// tipo", "4 personas", "pareja con 2 hijos".
func (g guestCtx) countAt(i int, allowArticle bool) (guestFinding, int, bool) {
	if g.word(i) == "pareja" || g.word(i) == "matrimonio" || g.word(i) == "casal" || g.word(i) == "couple" {
		f := guestFinding{total: 2, has: true, priority: 2}
		end := i + 1
		if n, e, ok := g.withChildren(end); ok {
			f.total, f.adults, f.children, f.split, end = 2+n, 2, n, true, e
		}
		return f, end, true
	}
	if g.word(i) == "familia" && g.word(i+1) == "tipo" {
		return guestFinding{total: 4, has: true, priority: 2}, i + 2, true
	}
	if (g.word(i) == "familia" || g.word(i) == "family") && (g.word(i+1) == "de" || g.word(i+1) == "of") {
		if m, ok := g.num(i+2, false); ok && !unitAfterNumber[g.word(i+3)] {
			return guestFinding{total: m, has: true, priority: 2}, i + 3, true
		}
	}
	n, ok := g.num(i, allowArticle || g.word(i+1) == "pareja" || g.word(i+1) == "matrimonio" || childWords[g.word(i+1)] || adultWords[g.word(i+1)])
	if !ok {
		return guestFinding{}, 0, false
	}
	w := g.word(i + 1)
	switch {
	case adultWords[w] || childWords[w]:
		adultsFirst := adultWords[w]
		k := i + 2
		if g.word(k) == "y" || g.word(k) == "e" || g.word(k) == "and" || g.word(k) == "con" || g.word(k) == "mas" || g.word(k) == "with" || (k < len(g.toks) && (g.toks[k].w == "," || g.toks[k].w == "+")) {
			k++
		}
		if m, ok := g.num(k, true); ok {
			w2 := g.word(k + 1)
			if (adultsFirst && childWords[w2]) || (!adultsFirst && adultWords[w2]) {
				f := guestFinding{total: n + m, has: true, split: true, priority: 3}
				if adultsFirst {
					f.adults, f.children = n, m
				} else {
					f.adults, f.children = m, n
				}
				return f, k + 2, true
			}
		}
		return guestFinding{total: n, has: true, priority: 2, childOnly: !adultsFirst}, i + 2, true
	case coupleWords[w]:
		f := guestFinding{total: 2 * n, has: true, priority: 2}
		end := i + 2
		if c, e, ok := g.withChildren(end); ok {
			f.total += c
			f.adults, f.children, f.split, end = 2*n, c, true, e
		}
		return f, end, true
	case w == "familias" || w == "familia":
		if g.word(i+2) == "tipo" {
			return guestFinding{total: 4 * n, has: true, priority: 2}, i + 3, true
		}
		// "2 familias de 4"
		if (g.word(i+2) == "de" || g.word(i+2) == "of") && n <= 6 {
			if m, ok := g.num(i+3, false); ok && !unitAfterNumber[g.word(i+4)] {
				return guestFinding{total: n * m, has: true, priority: 2}, i + 4, true
			}
		}
		return guestFinding{}, 0, false
	case peopleWords[w]:
		if g.toks[i].has(fArticle) && !allowArticle {
			return guestFinding{}, 0, false
		}
		return guestFinding{total: n, has: true, priority: 2}, i + 2, true
	}
	return guestFinding{}, 0, false
}

// withChildren reads "con 2 hijos", "y 3 chicos", "com 2 filhos".
func (g guestCtx) withChildren(i int) (int, int, bool) {
	if w := g.word(i); w != "con" && w != "y" && w != "com" && w != "with" && w != "e" && w != "mas" {
		return 0, 0, false
	}
	k := i + 1
	if g.word(k) == "sus" || g.word(k) == "los" || g.word(k) == "mis" || g.word(k) == "their" || g.word(k) == "my" {
		k++
	}
	n, ok := g.num(k, true)
	if !ok || !childWords[g.word(k+1)] {
		return 0, 0, false
	}
	return n, k + 2, true
}

// extractGuests finds the head count. Numbers already taken by dates, lengths, prices
// or times are skipped, and a bare number needs a trigger ("somos", "para").
func (g guestCtx) extractGuests() guestFinding {
	var best guestFinding
	conflict := false
	consider := func(f guestFinding, i, end int) {
		g.mark(i, end, roleGuests)
		if !best.has || f.priority > best.priority {
			best = f
			conflict = false
			return
		}
		if f.priority == best.priority && f.total != best.total {
			conflict = true
		}
	}
	// Companion chains first, so "con mi señora y mis 2 hijos" is read as one count;
	// an explicit count elsewhere still wins.
	comp, hasComp := g.companions()
	n := len(g.toks)
	for i := 0; i < n; i++ {
		if !g.free(i) {
			continue
		}
		w := g.word(i)
		// Triggers: "somos 4", "seremos 6", "vamos a ser 5", "para 4", "for 2", "we are 3".
		trigger := 0
		switch w {
		case "somos", "seremos", "seriamos", "fuimos", "estamos", "estariamos":
			trigger = i + 1
			if g.word(trigger) == "en" && g.word(trigger+1) == "total" {
				trigger += 2
			}
		case "ser", "sermos":
			if g.word(i-1) == "a" || g.word(i-1) == "vamos" || g.word(i-1) == "van" {
				trigger = i + 1
			}
		case "para", "for", "pra", "por":
			trigger = i + 1
		case "vamos", "venimos", "viajamos", "iriamos", "vendriamos", "viajariamos":
			// "y si vamos solo 6?": a head count only with "solo" before the number.
			if onlyWords[g.word(i+1)] {
				trigger = i + 1
			}
		case "are":
			if g.word(i-1) == "we" || g.word(i-1) == "there" {
				trigger = i + 1
			}
		case "of":
			// "3 of us", "four of us"
			if g.word(i+1) == "us" && i > 0 {
				trigger = i - 1
			}
		case "grupo", "group":
			if g.word(i+1) == "de" || g.word(i+1) == "of" {
				trigger = i + 2
			}
		case "total":
			if g.word(i+1) == "de" {
				trigger = i + 2
			}
		}
		if trigger > 0 && onlyWords[g.word(trigger)] {
			// "somos solo 6", "we are only 4"
			trigger++
		}
		if trigger > 0 {
			if f, end, ok := g.countAt(trigger, true); ok {
				f.priority = max(f.priority, 2)
				consider(f, trigger, end)
				i = end - 1
				continue
			}
			if m, ok := g.num(trigger, w != "por" && w != "para" && w != "for" || g.word(trigger+1) == "solo" || g.word(trigger+1) == "sola"); ok {
				next := g.word(trigger + 1)
				if !unitAfterNumber[next] && next != "de" && next != "a" && !(trigger+1 < len(g.toks) && (g.toks[trigger+1].kind == tPunct && (g.toks[trigger+1].w == "/" || g.toks[trigger+1].w == "%" || g.toks[trigger+1].w == ":"))) && w != "por" {
					limit := 60
					if w == "para" || w == "for" || w == "pra" {
						limit = 30
					}
					if m <= limit {
						consider(guestFinding{total: m, has: true, priority: 1}, trigger, trigger+1)
						i = trigger
						continue
					}
				}
			}
		}
		if f, end, ok := g.countAt(i, false); ok {
			// "una pareja", "2 parejas", "4 personas", "2 adultos y 2 chicos"
			// "mi pareja" is a companion, counted below; anything else is a count here.
			companion := g.word(i) == "pareja" && (g.word(i-1) == "mi" || g.word(i-1) == "my")
			switch {
			case companion:
			case g.word(i-1) == "sumar" || g.word(i-1) == "agregar" || g.word(i+2) == "mas" || g.word(i-1) == "otra":
				// "sumar una persona", "2 personas más": a change, not the head count.
				g.mark(i, end, roleOther)
				i = end - 1
				continue
			default:
				consider(f, i, end)
				i = end - 1
				continue
			}
		}
		if (w == "una" || w == "un") && (g.word(i+1) == "pareja" || g.word(i+1) == "matrimonio") {
			f, end, _ := g.countAt(i+1, true)
			consider(f, i, end)
			i = end - 1
			continue
		}
	}
	if !best.has {
		if hasComp {
			best = comp
		} else if g.alone() {
			best = guestFinding{total: 1, has: true, priority: 1}
		}
	}
	if best.childOnly && hasComp && !conflict {
		// "mi mujer, yo y los dos nenes": the companions plus the children.
		return guestFinding{total: comp.total + best.total, adults: comp.adults, children: comp.children + best.total, has: true, split: true, priority: 2}
	}
	if conflict {
		return guestFinding{reason: ReasonConflictingGuests}
	}
	return best
}

// companions counts "mi novia y yo", "con mi señora", "vamos con mi novio y mis 2 hijos":
// the writer plus each companion named.
func (g guestCtx) companions() (guestFinding, bool) {
	n := len(g.toks)
	for i := 0; i < n; i++ {
		w := g.word(i)
		if w != "mi" && w != "my" && w != "minha" && w != "meu" && w != "mis" {
			continue
		}
		// "con mi señora", "vamos con mi novio", "yo y mi esposa", "mi novia y yo".
		prev := g.word(i - 1)
		withMe := prev == "con" || prev == "with" || prev == "com" || prev == "somos" || prev == "seremos" || prev == "seriamos" || (prev == "y" && (g.word(i-2) == "yo" || g.word(i-2) == "i" || g.word(i-2) == "eu"))
		if !withMe && !g.endsWithMe(i) {
			continue
		}
		total, adults, children := 1, 1, 0
		k := i
		count := 0
		for k < n {
			pw := g.word(k)
			if pw != "mi" && pw != "mis" && pw != "my" && pw != "minha" && pw != "meu" && pw != "meus" && pw != "minhas" && pw != "los" && pw != "las" {
				break
			}
			k++
			if m, ok := g.num(k, true); ok {
				cw := g.word(k + 1)
				if !childWords[cw] && !peopleWords[cw] && !adultWords[cw] {
					return guestFinding{}, false
				}
				total += m
				if childWords[cw] {
					children += m
				} else {
					adults += m
				}
				count++
				k += 2
			} else {
				c, ok := companionWords[g.word(k)]
				if !ok {
					if childWords[g.word(k)] || peopleWords[g.word(k)] {
						// "mis hijos" without a number: the count is unknown.
						return guestFinding{}, false
					}
					break
				}
				total += c
				if childCompanion[g.word(k)] {
					children += c
				} else {
					adults += c
				}
				if c > 0 {
					count++
				}
				k++
			}
			if g.word(k) == "y" || g.word(k) == "e" || g.word(k) == "and" || (k < n && g.toks[k].w == ",") {
				k++
				// "mi mujer, yo y los chicos": the writer, already counted.
				if w := g.word(k); w == "yo" || w == "eu" {
					k++
					if g.word(k) == "y" || g.word(k) == "e" || g.word(k) == "and" {
						k++
					}
				}
				continue
			}
			break
		}
		if count == 0 {
			continue
		}
		f := guestFinding{total: total, has: true, priority: 1}
		if children > 0 {
			f.adults, f.children, f.split = adults, children, true
		}
		g.mark(i, k, roleGuests)
		return f, true
	}
	return guestFinding{}, false
}

// endsWithMe reports whether the companion list starting at i ends in "y yo" ("mi novia
// y yo", "mi señora, mi hija y yo").
func (g guestCtx) endsWithMe(i int) bool {
	for k := i; k < len(g.toks) && k < i+8; k++ {
		if (g.word(k) == "y" || g.word(k) == "and" || g.word(k) == "e") && (g.word(k+1) == "yo" || g.word(k+1) == "i" || g.word(k+1) == "me" || g.word(k+1) == "eu") {
			return true
		}
	}
	return false
}

// alone recognizes a single guest: "solo yo", "para mí solo", "voy sola", "uno solo",
// "just me".
func (g guestCtx) alone() bool {
	for i := range g.toks {
		w := g.word(i)
		switch w {
		case "solo", "sola", "solito", "solita", "sozinho", "sozinha", "alone":
			prev := g.word(i - 1)
			if prev == "yo" || prev == "uno" || prev == "una" || prev == "voy" || prev == "viajo" || prev == "mi" || prev == "i'm" || prev == "travelling" || prev == "traveling" || prev == "vou" || prev == "viajando" || prev == "ir" {
				return true
			}
			if g.word(i+1) == "yo" {
				return true
			}
		case "me":
			if g.word(i-1) == "just" || g.word(i-1) == "only" {
				return true
			}
		}
	}
	return false
}
