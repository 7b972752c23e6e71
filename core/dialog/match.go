package dialog

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// fold lower-cases, removes accents and squeezes everything that is not a letter or digit
// into single spaces, so "¡Cabaña!" and "cabana" compare equal.
func fold(s string) string {
	var b strings.Builder
	space := true
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// containsPhrase reports whether folded text holds the folded phrase as whole words.
func containsPhrase(text, phrase string) bool {
	if phrase == "" {
		return false
	}
	return strings.Contains(" "+text+" ", " "+phrase+" ")
}

func anyPhrase(text string, phrases ...string) bool {
	for _, p := range phrases {
		if containsPhrase(text, p) {
			return true
		}
	}
	return false
}

var numberWords = map[string]int{
	"uno": 1, "una": 1, "un": 1, "one": 1, "um": 1, "uma": 1,
	"dos": 2, "two": 2, "dois": 2, "duas": 2,
	"tres": 3, "three": 3,
	"cuatro": 4, "four": 4, "quatro": 4,
	"cinco": 5, "five": 5,
	"seis": 6, "six": 6,
	"siete": 7, "seven": 7, "sete": 7,
	"ocho": 8, "eight": 8, "oito": 8,
	"nueve": 9, "nine": 9, "nove": 9,
	"diez": 10, "ten": 10, "dez": 10,
	"once": 11, "eleven": 11, "onze": 11,
	"doce": 12, "twelve": 12, "doze": 12,
}

// bareNumber reads a message that is only a small count: "4", "cuatro", "somos 4", "4 personas".
var countPattern = regexp.MustCompile(`^(?:somos |seriamos |para |we are |somos |para )?([a-z0-9]+)(?: personas| persona| pax| people| persons| guests| pessoas| adultos)?$`)

func bareNumber(folded string) (int, bool) {
	m := countPattern.FindStringSubmatch(folded)
	if m == nil {
		return 0, false
	}
	if n, err := strconv.Atoi(m[1]); err == nil && n > 0 && n <= 50 {
		return n, true
	}
	if n, ok := numberWords[m[1]]; ok {
		return n, true
	}
	return 0, false
}

var nightsPattern = regexp.MustCompile(`\b([0-9]+|[a-z]+) (?:noches|noche|nights|night|noites|noite|dias|dia|days)\b`)

// nightsIn reads "3 noches" / "tres noches" as a length of stay.
func nightsIn(folded string) (int, bool) {
	m := nightsPattern.FindStringSubmatch(folded)
	if m == nil {
		return 0, false
	}
	if n, err := strconv.Atoi(m[1]); err == nil && n > 0 && n <= 90 {
		return n, true
	}
	if n, ok := numberWords[m[1]]; ok {
		return n, true
	}
	return 0, false
}

var (
	yesWords = []string{"si", "sí", "dale", "ok", "okay", "oka", "de una", "claro", "perfecto", "listo", "bueno", "yes", "yeah", "sure", "sim", "pode ser", "confirmo", "obvio", "va", "joya"}
	noWords  = []string{"no", "nop", "nope", "nah", "para nada", "mejor no", "nao", "não"}
)

// yesNo reads a yes or no answer.
func yesNo(folded string) (bool, bool) {
	for _, w := range noWords {
		if containsPhrase(folded, fold(w)) {
			return false, true
		}
	}
	for _, w := range yesWords {
		if containsPhrase(folded, fold(w)) {
			return true, true
		}
	}
	return false, false
}

var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

var phonePattern = regexp.MustCompile(`\+?[0-9][0-9 \-]{6,}[0-9]`)

var namePrefixes = []string{"me llamo ", "mi nombre es ", "soy ", "my name is ", "i am ", "i'm ", "meu nome e ", "me chamo ", "sou "}

// nameIn reads a person's name from a short answer.
func nameIn(text string) (string, bool) {
	t := strings.TrimSpace(text)
	low := strings.ToLower(t)
	for _, p := range namePrefixes {
		if strings.HasPrefix(low, p) {
			t = strings.TrimSpace(t[len(p):])
			break
		}
	}
	t = strings.Trim(t, " .!¡")
	if t == "" || len([]rune(t)) > 60 || strings.ContainsAny(t, "0123456789@?") {
		return "", false
	}
	return t, true
}

// matchOptionID picks the option whose button id is exactly the tapped option's id.
func matchOptionID(slot, id string, options []map[string]any) (optionMatch, bool) {
	if id == "" {
		return optionMatch{}, false
	}
	for i, o := range options {
		if ButtonID(slot, o["id"]) == id {
			return optionMatch{index: i, strong: true}, true
		}
	}
	return optionMatch{}, false
}

var (
	weekendWords = []string{"finde", "fin de semana", "fines de semana", "weekend", "fim de semana", "fds"}
	nextWords    = []string{"siguiente", "el siguiente", "proximo", "que viene", "el otro", "next", "the next", "following", "seguinte", "o proximo", "otro"}
	thisWords    = []string{"este", "esta", "this", "this one", "esse", "este mesmo", "deste", "ahora", "hoy", "ya"}
)

// weekendOptions computes this weekend and the next one from the guest's day: from Friday
// to Sunday "this weekend" runs from today to Sunday (the spec of the NLU), else it is the
// coming Friday to Sunday; the next one starts seven days later.
func weekendOptions(today time.Time) []DateOption {
	wd := int(today.Weekday()) // Sunday 0 ... Saturday 6
	var fri time.Time
	switch wd {
	case 5, 6:
		fri = today.AddDate(0, 0, 5-wd)
	case 0:
		fri = today.AddDate(0, 0, -2)
	default:
		fri = today.AddDate(0, 0, 5-wd)
	}
	sun := fri.AddDate(0, 0, 2)
	in := fri
	if today.After(in) {
		in = today
	}
	out := sun
	if !out.After(in) {
		out = in.AddDate(0, 0, 1)
	}
	return []DateOption{
		{Key: "this", CheckIn: in.Format(time.DateOnly), CheckOut: out.Format(time.DateOnly)},
		{Key: "next", CheckIn: fri.AddDate(0, 0, 7).Format(time.DateOnly), CheckOut: sun.AddDate(0, 0, 7).Format(time.DateOnly)},
	}
}

// resolveWeekendID reads a tap on one of the "this weekend or the next?" buttons.
func resolveWeekendID(id string, p *Pending) (DateOption, bool) {
	for _, o := range p.Options {
		if id != "" && o.Key == id {
			return o, true
		}
	}
	return DateOption{}, false
}

// resolveWeekend reads the answer to "this weekend or the next?".
func resolveWeekend(folded string, p *Pending) (DateOption, bool) {
	if anyPhrase(folded, nextWords...) {
		return p.Options[1], true
	}
	if anyPhrase(folded, thisWords...) {
		return p.Options[0], true
	}
	return DateOption{}, false
}
