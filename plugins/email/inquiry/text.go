package inquiry

import (
	"strings"
	"unicode"
)

// fold lower-cases and strips the accents of Spanish and Portuguese letters, and maps
// dashes and non-breaking spaces to their ASCII forms, so patterns match what people
// type with or without accents.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case 'á', 'à', 'â', 'ã', 'ä', 'Á', 'À', 'Â', 'Ã', 'Ä':
			r = 'a'
		case 'é', 'è', 'ê', 'ë', 'É', 'È', 'Ê', 'Ë':
			r = 'e'
		case 'í', 'ì', 'î', 'ï', 'Í', 'Ì', 'Î', 'Ï':
			r = 'i'
		case 'ó', 'ò', 'ô', 'õ', 'ö', 'Ó', 'Ò', 'Ô', 'Õ', 'Ö':
			r = 'o'
		case 'ú', 'ù', 'û', 'ü', 'Ú', 'Ù', 'Û', 'Ü':
			r = 'u'
		case 'ñ', 'Ñ':
			r = 'n'
		case 'ç', 'Ç':
			r = 'c'
		case '–', '—', '‒', '−':
			r = '-'
		case '\u00a0', '\t':
			r = ' '
		case 'º', '°':
			r = 'o'
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// numberWords are the counts people write as words (nlu-spec: up to twenty).
var numberWords = map[string]int{
	"un": 1, "uno": 1, "una": 1, "one": 1, "um": 1,
	"dos": 2, "two": 2, "tres": 3, "three": 3, "cuatro": 4, "four": 4, "quatro": 4,
	"cinco": 5, "five": 5, "seis": 6, "six": 6, "siete": 7, "seven": 7, "sete": 7,
	"ocho": 8, "eight": 8, "oito": 8, "nueve": 9, "nine": 9, "nove": 9,
	"diez": 10, "ten": 10, "dez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14,
	"quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20,
}

// numPattern matches a count written in digits or words (folded text).
const numPattern = `(\d{1,2}|un|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce|quince|dieciseis|diecisiete|dieciocho|diecinueve|veinte|one|two|three|four|five|six|seven|eight|nine|ten)`

func atoiWord(s string) int {
	if n, ok := numberWords[s]; ok {
		return n
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int(r-'0')
		if n > 10000 {
			return 0
		}
	}
	return n
}

// paragraphs splits text on blank lines, trimming each paragraph.
func paragraphs(s string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, " \t\r")
		if strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return out
}

// titleCase turns "RENATA" into "Renata"; mixed-case names are kept as written.
func titleCase(s string) string {
	if s != strings.ToUpper(s) {
		return s
	}
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return strings.Join(words, " ")
}
