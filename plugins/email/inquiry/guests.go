package inquiry

import (
	"regexp"
	"strings"
)

// Party is a head count: Guests is the total (babies included); Adults and Children are
// set only when the text splits them (-1 otherwise).
type Party struct {
	Guests, Adults, Children int
}

// detRe: the determiners of a companion list ("mi marido, mi mamá y el bebé").
const detRe = `(mi|mis|el|la|los|las|nuestro|nuestra|nuestros|nuestras|sus|su)`

var singularDet = map[string]bool{"mi": true, "el": true, "la": true, "su": true, "nuestro": true, "nuestra": true}

var noParty = Party{Guests: 0, Adults: -1, Children: -1}

const (
	adultsRe   = `(?:adultos|adultas|adulto|adulta|adults|adult|mayores)`
	childrenRe = `(?:chicos|chicas|chico|chica|ninos|ninas|nino|nina|nenes|nenas|nene|nena|menores|menor|hijos|hijas|hijo|hija|bebes|bebe|kids|children|child|criancas|crianca)`
)

var (
	splitRe   = regexp.MustCompile(`\b` + numPattern + `\s+` + adultsRe + `(?:\s*(?:y|,|\+|con|and|e|·)\s*` + numPattern + `\s+` + childrenRe + `)?`)
	couplesRe = regexp.MustCompile(`\b` + numPattern + `\s+(?:matrimonios|parejas|couples)\b`)
	pairRe    = regexp.MustCompile(`\b(?:en pareja|una pareja|somos pareja|a couple)\b(?:\s+con\s+` + numPattern + `\s+` + childrenRe + `)?`)
	weAreRe   = regexp.MustCompile(`\b(?:somos|seriamos|seremos|serian|seran|vamos|viajamos|iriamos|we are|we're|somos em)\s+(?:los mismos\s+|unos\s+)?` + numPattern + `\b(\s*\p{L}*)`)
	peopleRe  = regexp.MustCompile(`\b` + numPattern + `\s+(?:personas|persona|huespedes|huesped|pax|people|persons|guests|guest|pessoas|viajeros)\b`)
	sameRe    = regexp.MustCompile(`\blos mismos\s+` + numPattern + `\b`)
	forNRe    = regexp.MustCompile(`\bpara\s+` + numPattern + `\s*(?:[?.!;)]|$)`)
	forMeRe   = regexp.MustCompile(`\bpara mi y (?:mi|mis)\s+(\p{L}+)`)
	andIRe    = regexp.MustCompile(`\b((?:` + detRe + `\s+\p{L}+\s*,\s*)*` + detRe + `\s+\p{L}+)\s+y yo\b`)
	withRe    = regexp.MustCompile(`\bcon\s+((?:` + detRe + `\s+\p{L}+\s*,\s*)*` + detRe + `\s+\p{L}+(?:\s+y\s+` + detRe + `\s+\p{L}+)?)`)
	myAndIRe  = regexp.MustCompile(`\bmy\s+(husband|wife|partner|boyfriend|girlfriend|friend|son|daughter|mother|father|mom|dad|sister|brother)\s+and\s+i\b`)
	itemRe    = regexp.MustCompile(detRe + `\s+(\p{L}+)`)
)

// notPeople are words after a number that make it something else than a head count.
var notPeople = map[string]bool{
	"noches": true, "noche": true, "dias": true, "dia": true, "perros": true, "perro": true,
	"gatos": true, "gato": true, "mascotas": true, "anos": true, "meses": true, "cuadras": true,
	"hs": true, "horas": true, "autos": true, "auto": true, "semanas": true, "km": true,
	"matrimonios": true, "parejas": true, "familias": true, "nights": true, "dogs": true,
}

// relatives are the singular companions that count one person each.
var relatives = map[string]bool{
	"marido": true, "esposo": true, "esposa": true, "mujer": true, "senora": true, "novia": true,
	"novio": true, "pareja": true, "mama": true, "madre": true, "papa": true, "padre": true,
	"hermana": true, "hermano": true, "hijo": true, "hija": true, "amiga": true, "amigo": true,
	"cunada": true, "cunado": true, "suegra": true, "suegro": true, "bebe": true, "beba": true,
	"abuela": true, "abuelo": true, "nena": true, "nene": true, "prima": true, "primo": true,
	"tia": true, "tio": true, "companera": true, "companero": true, "sobrina": true, "sobrino": true,
	"viejo": true, "vieja": true, "hijito": true, "hijita": true,
}

// textParty reads the head count of a guest's words (folded), as nlu-spec.md "Guests"
// says. Ages, times, pets, nights and street numbers are not guests.
func textParty(f string) Party {
	if g := splitRe.FindStringSubmatch(f); g != nil {
		a := atoiWord(g[1])
		p := Party{Guests: a, Adults: a, Children: -1}
		if g[2] != "" {
			c := atoiWord(g[2])
			p.Guests, p.Children = a+c, c
		}
		if p.Guests > 0 {
			return p
		}
	}
	if g := couplesRe.FindStringSubmatch(f); g != nil {
		if n := atoiWord(g[1]); n > 0 {
			return Party{Guests: 2 * n, Adults: -1, Children: -1}
		}
	}
	for _, g := range weAreRe.FindAllStringSubmatch(f, -1) {
		if notPeople[strings.TrimSpace(g[2])] {
			continue
		}
		if n := atoiWord(g[1]); n > 0 {
			return Party{Guests: n, Adults: -1, Children: -1}
		}
	}
	for _, re := range []*regexp.Regexp{peopleRe, sameRe, forNRe} {
		if g := re.FindStringSubmatch(f); g != nil {
			if n := atoiWord(g[1]); n > 0 {
				return Party{Guests: n, Adults: -1, Children: -1}
			}
		}
	}
	if g := pairRe.FindStringSubmatch(f); g != nil {
		n := 2
		if g[1] != "" {
			n += atoiWord(g[1])
		}
		return Party{Guests: n, Adults: -1, Children: -1}
	}
	if g := forMeRe.FindStringSubmatch(f); g != nil && relatives[g[1]] {
		return Party{Guests: 2, Adults: -1, Children: -1}
	}
	if g := myAndIRe.FindStringSubmatch(f); g != nil {
		return Party{Guests: 2, Adults: -1, Children: -1}
	}
	for _, re := range []*regexp.Regexp{andIRe, withRe} {
		if g := re.FindStringSubmatch(f); g != nil {
			if n := companions(g[1]); n > 0 {
				return Party{Guests: n + 1, Adults: -1, Children: -1}
			}
		}
	}
	return noParty
}

// companions counts "mi marido, mi mamá y el bebé" (3); 0 when any item is not one
// known person ("los chicos", "mis amigos").
func companions(list string) int {
	n := 0
	for _, g := range itemRe.FindAllStringSubmatch(list, -1) {
		if !singularDet[g[1]] || !relatives[g[2]] {
			return 0
		}
		n++
	}
	return n
}

// fieldParty reads a portal's guests field: "3 (2 adultos, 1 niño)", "2 adultos · 0
// menores", "4".
func fieldParty(v string) Party {
	f := fold(v)
	p := noParty
	if g := splitRe.FindStringSubmatch(f); g != nil {
		a := atoiWord(g[1])
		p = Party{Guests: a, Adults: a, Children: -1}
		if g[2] != "" {
			c := atoiWord(g[2])
			p = Party{Guests: a + c, Adults: a, Children: c}
		}
	}
	if p.Children >= 0 {
		return p
	}
	if g := leadingNumberRe.FindStringSubmatch(f); g != nil {
		if n := atoiWord(g[1]); n > 0 {
			p.Guests = n
		}
	}
	return p
}

var leadingNumberRe = regexp.MustCompile(`^\s*` + numPattern + `\b`)
