package nlu

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxInputBytes caps the part of a message that is read. Guests write a few lines; the
// cap keeps every step of Parse linear and bounded on hostile input.
const MaxInputBytes = 4096

// tokKind is what a token is after normalization.
type tokKind uint8

const (
	tWord  tokKind = iota // a word, normalized (lower case, accents folded, repeats squeezed, abbreviation expanded)
	tNum                  // an integer, from digits or a number word
	tDate                 // d/m or d/m/y joined by / - or . and valid as a calendar day and month
	tPair                 // numbers joined by / - or . that are not a valid d/m (4/22, 4-23, phone chunks)
	tTime                 // h:mm
	tPunct                // one punctuation character (¿ and ¡ fold to ? and !)
	tEmoji                // a run of emoji or an ASCII emoticon
)

// token flags.
const (
	fNumWord  uint8 = 1 << iota // the number was written as a word ("cuatro")
	fArticle                    // "un", "una", "uno", "a", "um", "uma": a number only where a count is expected
	fOrdinal                    // 1ro, 1°, 1st
	fThousand                   // written with thousands separators (1.500): a price, never a day
	fPlusSign                   // preceded by '+' (phone numbers)
	fMoney                      // preceded by $ or followed by a currency word
)

// token is one unit of a normalized message.
type token struct {
	w          string // normalized text ("" for numbers written in digits)
	start, end int    // byte span in the original text
	n, n2, n3  int    // numbers: value; dates and pairs: the parts (n3 = year or -1)
	kind       tokKind
	sep        byte  // separator of a date or pair
	digits     uint8 // digits of the first number as written
	flags      uint8
}

func (t *token) is(w string) bool { return t.kind == tWord && t.w == w }

func (t *token) has(f uint8) bool { return t.flags&f != 0 }

// foldRune maps accented Latin letters to their base letter (ñ to n, ç to c) and returns
// the rune lower-cased.
func foldRune(r rune) rune {
	switch r {
	case 'á', 'à', 'â', 'ä', 'ã', 'Á', 'À', 'Â', 'Ä', 'Ã', 'å', 'Å':
		return 'a'
	case 'é', 'è', 'ê', 'ë', 'É', 'È', 'Ê', 'Ë':
		return 'e'
	case 'í', 'ì', 'î', 'ï', 'Í', 'Ì', 'Î', 'Ï':
		return 'i'
	case 'ó', 'ò', 'ô', 'ö', 'õ', 'Ó', 'Ò', 'Ô', 'Ö', 'Õ':
		return 'o'
	case 'ú', 'ù', 'û', 'ü', 'Ú', 'Ù', 'Û', 'Ü':
		return 'u'
	case 'ñ', 'Ñ':
		return 'n'
	case 'ç', 'Ç':
		return 'c'
	}
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}
	return unicode.ToLower(r)
}

// Fold lower-cases s and removes Spanish and Portuguese accents ("Cabaña" → "cabana").
// It is the matching form used everywhere in the package.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func isEmojiRune(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2B00 && r <= 0x2BFF,
		r >= 0x1F900 && r <= 0x1F9FF, r == 0x200D, r == 0xFE0F, r == 0x20E3, r == 0x2764, r == 0x263A:
		return true
	}
	return unicode.Is(unicode.So, r)
}

// tokenize splits and normalizes a message. It makes one pass over at most
// MaxInputBytes bytes plus one linear merge pass.
func tokenize(text string, toks []token) []token {
	if len(text) > MaxInputBytes {
		cut := MaxInputBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	var scratch [64]byte
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			i++
		case unicode.IsLetter(r):
			j := i
			buf := scratch[:0]
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if unicode.IsLetter(r2) || unicode.Is(unicode.Mn, r2) {
					if !unicode.Is(unicode.Mn, r2) && len(buf) < 48 {
						buf = utf8.AppendRune(buf, foldRune(r2))
					}
					j += s2
					continue
				}
				// "wi-fi", "check-in", "pet-friendly": a hyphen or apostrophe between letters joins.
				if (r2 == '-' || r2 == '\'' || r2 == '’') && j+s2 < len(text) {
					r3, _ := utf8.DecodeRuneInString(text[j+s2:])
					if unicode.IsLetter(r3) && (r2 != '-' || len(buf) > 1) {
						j += s2
						continue
					}
				}
				break
			}
			toks = appendWord(toks, buf, i, j)
			i = j
		case r >= '0' && r <= '9':
			var t token
			t, i = scanNumber(text, i)
			// "1.º", "1.°": an ordinal written with a dot.
			if t.kind == tNum && i+1 < len(text) && text[i] == '.' && (strings.HasPrefix(text[i+1:], "º") || strings.HasPrefix(text[i+1:], "°")) {
				t.flags |= fOrdinal
				i += 1 + len("º")
				t.end = i
			}
			toks = append(toks, t)
			// Ordinal and unit suffixes glued to the number: 1ro, 2da, 1st, 10hs, 4pax.
			if i < len(text) {
				j := i
				buf := scratch[:0]
				for j < len(text) {
					r2, s2 := utf8.DecodeRuneInString(text[j:])
					if !unicode.IsLetter(r2) && r2 != '°' && r2 != 'º' && r2 != 'ª' {
						break
					}
					if len(buf) < 48 {
						buf = utf8.AppendRune(buf, foldRune(r2))
					}
					j += s2
				}
				if j > i && toks[len(toks)-1].kind == tNum {
					if ordinalSuffix[string(buf)] {
						toks[len(toks)-1].flags |= fOrdinal
						toks[len(toks)-1].end = j
						i = j
					} else {
						toks = appendWord(toks, buf, i, j)
						i = j
					}
				}
			}
		case r == ':' || r == ';':
			// ASCII emoticons: :) :-) :( :D ;) :P
			j := i + 1
			if j < len(text) && text[j] == '-' {
				j++
			}
			if j < len(text) && strings.IndexByte(")(DPpd3", text[j]) >= 0 && (j+1 >= len(text) || !isWordByte(text[j+1])) {
				toks = append(toks, token{kind: tEmoji, w: "#emoji", start: i, end: j + 1})
				i = j + 1
				continue
			}
			toks = append(toks, token{kind: tPunct, w: string(rune(r)), start: i, end: i + 1})
			i++
		case isEmojiRune(r):
			j := i + size
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !isEmojiRune(r2) && !(r2 >= 0x1F3FB && r2 <= 0x1F3FF) {
					break
				}
				j += s2
			}
			toks = append(toks, token{kind: tEmoji, w: "#emoji", start: i, end: j})
			i = j
		case unicode.IsSpace(r):
			i += size
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			p := r
			switch r {
			case '¿':
				p = '?'
			case '¡':
				p = '!'
			case '–', '—', '−':
				p = '-'
			}
			toks = append(toks, token{kind: tPunct, w: punctString(p), start: i, end: i + size})
			i += size
		default:
			i += size
		}
	}
	return mergePhrases(toks)
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func punctString(r rune) string {
	switch r {
	case '?':
		return "?"
	case '!':
		return "!"
	case ',':
		return ","
	case '.':
		return "."
	case '-':
		return "-"
	case '/':
		return "/"
	case '$':
		return "$"
	case '+':
		return "+"
	case '(':
		return "("
	case ')':
		return ")"
	case ':':
		return ":"
	case ';':
		return ";"
	case '%':
		return "%"
	case '#':
		return "#"
	}
	return "·"
}

// squeeze collapses letters repeated three or more times ("holaaa" → "hola") and doubled
// a, i, u ("holaa"), which Spanish words do not have; doubled e, o, l, r, c are real.
func squeeze(b []byte) []byte {
	out := b[:0]
	n := len(b)
	for i := 0; i < n; {
		j := i + 1
		for j < n && b[j] == b[i] {
			j++
		}
		run := j - i
		c := b[i]
		keep := run
		if run >= 3 || (run == 2 && (c == 'a' || c == 'i' || c == 'u')) {
			keep = 1
		}
		for k := 0; k < keep; k++ {
			out = append(out, c)
		}
		i = j
	}
	return out
}

// appendWord normalizes one folded word (squeezing repeats, expanding abbreviations,
// reading number words) and appends it.
func appendWord(toks []token, w []byte, start, end int) []token {
	if len(w) == 0 {
		return toks
	}
	laugh := isLaugh(w)
	w = squeeze(w)
	if laugh || isLaugh(w) {
		return append(toks, token{kind: tWord, w: "jaja", start: start, end: end})
	}
	word, ok := internWord(w)
	if !ok {
		word = string(w)
	}
	// "5k", "50 lucas": thousands, so the number is a price.
	if (word == "k" || word == "lucas" || word == "luca") && len(toks) > 0 && toks[len(toks)-1].kind == tNum {
		word = "mil"
	} else if exp, ok := abbreviations[word]; ok {
		word = exp
	}
	if v, ok := numberWords[word]; ok {
		t := token{kind: tNum, w: word, n: v.n, start: start, end: end, flags: fNumWord}
		if v.article {
			t.flags |= fArticle
		}
		return append(toks, t)
	}
	return append(toks, token{kind: tWord, w: word, start: start, end: end})
}

// isLaugh recognizes jaja, jeje, jsjs, haha, kkkk (after squeezing) and xd.
func isLaugh(w []byte) bool {
	if len(w) == 2 && w[0] == 'x' && w[1] == 'd' {
		return true
	}
	if len(w) < 4 {
		return false
	}
	allK := true
	for _, c := range w {
		if c != 'k' {
			allK = false
			break
		}
	}
	if allK {
		return true
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if i%2 == 0 {
			if c != 'j' && c != 'h' && c != 'k' {
				return false
			}
		} else if c != 'a' && c != 'e' && c != 'i' && c != 's' && c != 'k' {
			return false
		}
	}
	return true
}

// scanNumber reads digits and, when they are joined by a separator, a date, a pair, a
// time or a number with thousands separators.
func scanNumber(text string, i int) (token, int) {
	start := i
	var parts [3]int
	var ndig [3]int
	np := 0
	var sep byte
	for np < 3 {
		v, d := 0, 0
		for i < len(text) && text[i] >= '0' && text[i] <= '9' {
			if d < 9 {
				v = v*10 + int(text[i]-'0')
			}
			d++
			i++
		}
		parts[np], ndig[np] = v, d
		np++
		if i+1 >= len(text) || text[i+1] < '0' || text[i+1] > '9' {
			break
		}
		c := text[i]
		if c != '/' && c != '-' && c != '.' && c != ':' && c != ',' {
			break
		}
		if sep != 0 && c != sep {
			break
		}
		sep = c
		i++
	}
	t := token{start: start, end: i, n: parts[0], digits: uint8(min(ndig[0], 255))} //nolint:gosec // clamped to 255 just before
	if start > 0 && text[start-1] == '+' {
		t.flags |= fPlusSign
	}
	if np == 1 {
		t.kind = tNum
		return t, i
	}
	switch {
	case sep == ':' && np == 2 && parts[0] <= 24 && ndig[1] == 2 && parts[1] < 60:
		t.kind, t.n2 = tTime, parts[1]
		return t, i
	case (sep == '.' || sep == ',') && ndig[0] <= 3 && ndig[1] == 3 && (np == 2 || ndig[2] == 3):
		v := parts[0]
		for k := 1; k < np; k++ {
			v = v*1000 + parts[k]
		}
		t.kind, t.n, t.flags = tNum, v, t.flags|fThousand
		return t, i
	case sep == ',':
		// "4,5": a decimal; only the integer part matters here.
		t.kind = tNum
		return t, i
	}
	t.sep = sep
	t.n2 = parts[1]
	t.n3 = -1
	if np == 3 {
		t.n3 = parts[2]
		if ndig[2] == 2 {
			t.n3 += 2000
		} else if ndig[2] != 4 {
			t.kind = tPair
			return t, i
		}
	}
	if sep != ':' && ndig[0] <= 2 && ndig[1] <= 2 && parts[0] >= 1 && parts[0] <= 31 && parts[1] >= 1 && parts[1] <= 12 {
		t.kind = tDate
	} else {
		t.kind = tPair
	}
	return t, i
}

// mergePhrases joins multi-word expressions into one canonical token and fixes
// abbreviations that depend on their neighbours. One linear pass.
func mergePhrases(toks []token) []token {
	out := toks[:0]
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind == tWord {
			// "fin de semana" / "fines de semana" / "fim de semana" → finde / findes
			if (t.w == "fin" || t.w == "fines" || t.w == "fim") && i+2 < len(toks) && toks[i+1].is("de") && toks[i+2].is("semana") {
				t.w = "finde"
				if toks[i].w == "fines" {
					t.w = "findes"
				}
				t.end = toks[i+2].end
				i += 2
				out = append(out, t)
				continue
			}
			if (t.w == "check" || t.w == "chek") && i+1 < len(toks) && (toks[i+1].is("in") || toks[i+1].is("out")) {
				t.w = "check" + toks[i+1].w
				t.end = toks[i+1].end
				i++
				out = append(out, t)
				continue
			}
			if t.w == "wi" && i+1 < len(toks) && toks[i+1].is("fi") {
				t.w, t.end = "wifi", toks[i+1].end
				i++
				out = append(out, t)
				continue
			}
			if t.w == "por" && i+1 < len(toks) && toks[i+1].is("favor") {
				t.w, t.end = "porfavor", toks[i+1].end
				i++
				out = append(out, t)
				continue
			}
		}
		// "treinta y uno" → 31
		if t.kind == tNum && t.has(fNumWord) && (t.n == 20 || t.n == 30) && i+2 < len(toks) && toks[i+1].is("y") && toks[i+2].kind == tNum && toks[i+2].has(fNumWord) && toks[i+2].n >= 1 && toks[i+2].n <= 9 {
			t.n += toks[i+2].n
			t.flags &^= fArticle
			t.end = toks[i+2].end
			i += 2
		}
		out = append(out, t)
	}
	// Mark prices: a number after $ / dolares / usd, or before pesos / mil / dolares.
	for i := range out {
		if out[i].kind != tNum {
			continue
		}
		if i > 0 && (out[i-1].w == "$" || out[i-1].is("dolares") || out[i-1].is("pesos") || out[i-1].is("ars")) {
			out[i].flags |= fMoney
		}
		if i+1 < len(out) && (out[i+1].is("mil") || out[i+1].is("pesos") || out[i+1].is("dolares") || out[i+1].is("reales") || out[i+1].is("millones")) {
			out[i].flags |= fMoney
		}
	}
	return out
}
