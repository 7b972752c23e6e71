package dialog

import (
	"fmt"
	"strconv"
	"strings"
)

// This file reads a guest's answer to a list of options (the units offered, the
// alternative stays) against the list as the guest saw it: positions in the order shown,
// the facts of each option (price, size, amenities, name, type), and a plain yes when only
// one option is on the table.

// optionMatch is how a guest's answer picked an option.
type optionMatch struct {
	index  int
	strong bool // a position, a name, a fact or a yes to the only option: not a guess from a shared word
}

// ButtonID is the quick-reply id of an option of a slot: it names the slot and the
// option's own id, so a button always maps back to exactly the option it showed, whatever
// the guest types.
func ButtonID(slot string, id any) string { return slot + ":" + fmt.Sprint(id) }

var (
	// ordinalWords name a position in the list shown (0-based; -1 is the last).
	ordinalWords = map[string]int{
		"primera": 0, "primero": 0, "primer": 0, "1ra": 0, "1era": 0, "1ro": 0, "first": 0, "primeira": 0, "primeiro": 0,
		"segunda": 1, "segundo": 1, "2da": 1, "2do": 1, "second": 1,
		"tercera": 2, "tercero": 2, "tercer": 2, "3ra": 2, "3ro": 2, "third": 2, "terceira": 2, "terceiro": 2,
		"cuarta": 3, "cuarto": 3, "4ta": 3, "fourth": 3, "quarta": 3,
		"quinta": 4, "quinto": 4, "fifth": 4,
		"ultima": -1, "ultimo": -1, "last": -1,
	}
	// optionFiller are the words around a bare position: "la 2", "opción 2", "nro 2 porfa".
	optionFiller = map[string]bool{
		"la": true, "el": true, "lo": true, "a": true, "o": true, "the": true, "option": true, "opcion": true, "opcao": true,
		"numero": true, "nro": true, "num": true, "n": true, "number": true, "no": false,
		"ok": true, "okay": true, "dale": true, "bueno": true, "listo": true, "si": true, "va": true, "porfa": true,
		"porfi": true, "please": true, "por": true, "favor": true, "xfa": true, "plis": true, "pls": true, "gracias": true,
		"quiero": true, "me": true, "quedo": true, "con": true, "vamos": true, "nos": true, "quedamos": true, "elijo": true,
		"reservame": true, "reserva": true, "reservala": true, "want": true, "i": true, "ll": true, "take": true,
		"pode": true, "ser": true, "quero": true, "entonces": true, "then": true, "mejor": true, "de": false,
	}
	numberAfterWords = map[string]bool{
		"personas": true, "persona": true, "pax": true, "adultos": true, "noches": true, "noche": true, "dias": true,
		"people": true, "nights": true, "pessoas": true, "noites": true, "de": true, "al": true, "hs": true,
	}
	cheaperWords = []string{"mas barata", "mas barato", "mas economica", "mas economico", "cheapest", "cheaper", "mais barata", "mais barato", "menos cara", "mas accesible"}
	dearerWords  = []string{"mas cara", "mas caro", "most expensive", "mais cara", "mais caro"}
	largerWords  = []string{"mas grande", "mas amplia", "mas amplio", "mas espaciosa", "mayor", "biggest", "largest", "bigger", "larger", "maior", "grande"}
	smallerWords = []string{"mas chica", "mas chico", "mas pequena", "mas pequeno", "mas chiquita", "smallest", "smaller", "menor", "chica", "chico", "chiquita", "pequena", "small"}
	thatWords    = []string{"esa", "ese", "esta", "este", "that one", "that", "this one", "it", "essa", "esse", "la misma", "igual"}
	// chooseStems start the words that ask to book ("reservala", "guardámela", "booking").
	chooseStems   = []string{"reserv", "book", "guard", "apart", "avanz", "confirm"}
	chooseVerbs   = []string{"quiero", "queremos", "quedo", "quedamos", "vamos con", "elijo", "tomo", "me sirve", "nos sirve", "take", "want", "quero", "pode", "dale", "va", "la quiero", "lo quiero"}
	questionWords = []string{"cuanto", "cual es", "que", "como", "donde", "tiene", "tienen", "hay", "se puede", "aceptan", "is there", "do you", "does", "how", "tem"}
)

// pickOption finds which of the options shown the guest chose. It reads, in order: a
// button's id; a position in the list ("2", "la 2", "la segunda", "la última"); what
// narrows the list (a name word only one option has, the unit type, an amenity, "la de
// 4"); a superlative among what is left (the cheapest, the largest...); and, with one
// option left, a yes or a "that one". A question that does not also ask to book picks
// nothing: "¿la Robles tiene pileta?" is answered, not held.
func pickOption(slot, text string, u Understanding, options []map[string]any, newStay bool) (optionMatch, bool) {
	folded := fold(text)
	if folded == "" || len(options) == 0 {
		return optionMatch{}, false
	}
	trimmed := strings.TrimSpace(text)
	for i, o := range options {
		if trimmed == ButtonID(slot, o["id"]) || fold(fmt.Sprint(o["title"])) == folded {
			return optionMatch{index: i, strong: true}, true
		}
	}
	words := strings.Fields(folded)
	question := strings.ContainsAny(text, "?¿") || (len(words) > 0 && anyPhrase(words[0], questionWords...))
	choosing := anyPhrase(folded, chooseVerbs...) || hasStem(words, chooseStems...)
	if question && !choosing {
		return optionMatch{}, false
	}
	if newStay {
		// Other dates or people: a new request, not a choice among these options.
		return optionMatch{}, false
	}
	// A position in the list as shown.
	if i, ok := positionIn(words, u, len(options)); ok {
		return optionMatch{index: i, strong: true}, true
	}
	cands := make([]int, len(options))
	for i := range options {
		cands[i] = i
	}
	narrowed, mentioned := false, false
	narrow := func(keep func(o map[string]any) bool) {
		var out []int
		for _, i := range cands {
			if keep(options[i]) {
				out = append(out, i)
			}
		}
		switch {
		case len(out) > 0 && len(out) < len(cands):
			cands, narrowed = out, true
		case len(out) > 0:
			mentioned = true
		}
	}
	// Name words only some options have ("robles", "centro", "depto"), each one said:
	// "cabaña robles" is the cabins, then the Robles.
	for _, w := range titleWordsSaid(folded, options) {
		narrow(func(o map[string]any) bool { return containsPhrase(fold(fmt.Sprint(o["title"])), w) })
	}
	// "la de 4", "la para 6": the option that sleeps that many.
	if n, ok := capacityAsked(words); ok {
		narrow(func(o map[string]any) bool { c, _ := toInt64(o["capacity"]); return c == int64(n) })
	}
	if ut := fold(u.UnitType); ut != "" {
		narrow(func(o map[string]any) bool { return fold(fmt.Sprint(o["type"])) == ut })
	}
	for _, am := range u.Amenities {
		narrow(func(o map[string]any) bool { return hasAmenity(o, am) })
	}
	if i, ok := superlative(folded, options, cands); ok {
		return optionMatch{index: i, strong: true}, true
	}
	if len(cands) == 1 && (narrowed || mentioned || (len(options) == 1 && (choosing || anyPhrase(folded, thatWords...) || isYes(folded)))) {
		return optionMatch{index: cands[0], strong: true}, true
	}
	if (narrowed || mentioned) && !question {
		// "cabaña" with two cabins left: the earliest (cheapest) is a guess a question
		// intent may override.
		return optionMatch{index: cands[0]}, true
	}
	return optionMatch{}, false
}

// hasStem reports whether a word starts with one of the stems.
func hasStem(words []string, stems ...string) bool {
	for _, w := range words {
		for _, s := range stems {
			if strings.HasPrefix(w, s) {
				return true
			}
		}
	}
	return false
}

func isYes(folded string) bool {
	yes, ok := yesNo(folded)
	return ok && yes
}

// positionIn reads a position: one small number that is not a count, a date or a
// capacity ("la 2", "2 porfa", "nro 3"), an ordinal word, or a number word alone ("la dos").
func positionIn(words []string, u Understanding, n int) (int, bool) {
	if u.CheckIn != "" || u.CheckOut != "" || u.Guests > 0 {
		return 0, false
	}
	found, pos := 0, -1
	for i, w := range words {
		if idx, ok := ordinalWords[w]; ok {
			if idx < 0 {
				idx = n - 1
			}
			if idx < n {
				return idx, true
			}
			return 0, false
		}
		v, err := strconv.Atoi(w)
		if err != nil {
			continue
		}
		if i > 0 && (words[i-1] == "de" || words[i-1] == "para" || words[i-1] == "somos" || words[i-1] == "x") {
			continue
		}
		if i+1 < len(words) && numberAfterWords[words[i+1]] {
			continue
		}
		found++
		pos = v - 1
	}
	if found == 1 && pos >= 0 && pos < n {
		return pos, true
	}
	if found > 0 {
		return 0, false
	}
	// "la dos", "opción tres": a number word with nothing but filler around it.
	rest := make([]string, 0, len(words))
	for _, w := range words {
		if !optionFiller[w] {
			rest = append(rest, w)
		}
	}
	if len(rest) == 1 {
		if v, ok := numberWords[rest[0]]; ok && v >= 1 && v <= n && rest[0] != "un" && rest[0] != "una" && rest[0] != "uno" {
			return v - 1, true
		}
	}
	return 0, false
}

// capacityAsked reads "la de 4", "la para 6", "the one for 4".
func capacityAsked(words []string) (int, bool) {
	for i := 1; i < len(words); i++ {
		if words[i-1] != "de" && words[i-1] != "para" && words[i-1] != "for" {
			continue
		}
		if v, err := strconv.Atoi(words[i]); err == nil && v > 0 && v <= 30 {
			return v, true
		}
		if v, ok := numberWords[words[i]]; ok && v > 1 {
			return v, true
		}
	}
	return 0, false
}

// titleWordsSaid are the words of the options' titles the answer names that not every
// option's title has ("robles" of "Cabaña Robles"; not "cabaña" when all are cabins), in
// the order of the options.
func titleWordsSaid(folded string, options []map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	for _, o := range options {
		for _, w := range strings.Fields(fold(fmt.Sprint(o["title"]))) {
			if len(w) < 4 || seen[w] || !containsPhrase(folded, w) {
				continue
			}
			seen[w] = true
			all := true
			for _, other := range options {
				if !containsPhrase(fold(fmt.Sprint(other["title"])), w) {
					all = false
				}
			}
			if !all || len(options) == 1 {
				out = append(out, w)
			}
		}
	}
	return out
}

func hasAmenity(o map[string]any, amenity string) bool {
	list, _ := o["amenities"].([]any)
	for _, a := range list {
		if fmt.Sprint(a) == amenity {
			return true
		}
	}
	return false
}

// superlative picks among cands by price or size: "la más barata", "la más grande".
func superlative(folded string, options []map[string]any, cands []int) (int, bool) {
	type key func(o map[string]any) int64
	total := func(o map[string]any) int64 { v, _ := toInt64(o["total_cents"]); return v }
	capacity := func(o map[string]any) int64 { v, _ := toInt64(o["capacity"]); return v }
	pick := func(k key, most bool) (int, bool) {
		best := -1
		var bestV int64
		for _, i := range cands {
			v := k(options[i])
			if best < 0 || (most && v > bestV) || (!most && v < bestV) {
				best, bestV = i, v
			}
		}
		return best, best >= 0
	}
	switch {
	case anyPhrase(folded, cheaperWords...):
		return pick(total, false)
	case anyPhrase(folded, dearerWords...):
		return pick(total, true)
	case anyPhrase(folded, largerWords...):
		if _, ok := options[cands[0]]["capacity"]; ok {
			return pick(capacity, true)
		}
		return pick(total, true)
	case anyPhrase(folded, smallerWords...):
		if _, ok := options[cands[0]]["capacity"]; ok {
			return pick(capacity, false)
		}
		return pick(total, false)
	}
	return 0, false
}
