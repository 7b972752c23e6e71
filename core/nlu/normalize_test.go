package nlu

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// words renders the normalized tokens of a text: words as themselves, numbers as #n,
// dates as d/m[/y], pairs as a~b, times as h:mm, emoji as #emoji.
func words(text string) string {
	var out []string
	for _, t := range tokenize(text, nil) {
		switch t.kind {
		case tWord, tPunct, tEmoji:
			out = append(out, t.w)
		case tNum:
			s := "#" + itoa(t.n)
			if t.has(fOrdinal) {
				s += "o"
			}
			if t.has(fMoney) {
				s += "$"
			}
			out = append(out, s)
		case tDate:
			s := itoa(t.n) + "/" + itoa(t.n2)
			if t.n3 > 0 {
				s += "/" + itoa(t.n3)
			}
			out = append(out, s)
		case tPair:
			out = append(out, itoa(t.n)+"~"+itoa(t.n2))
		case tTime:
			out = append(out, itoa(t.n)+":"+itoa(t.n2))
		}
	}
	return strings.Join(out, " ")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

func TestNormalize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"case and accents", "Cabaña CON Piscina", "cabana con piscina"},
		{"repeated letters", "HOLAAA buenass", "hola buenas"},
		{"doubled a", "holaa", "hola"},
		{"real double letters stay", "llegar perro leer", "llegar perro leer"},
		{"abbreviations", "q precio x noche xq el dpto", "que precio por noche porque el departamento"},
		{"finde", "fin de semana largo", "finde largo"},
		{"pile", "la pile", "la pileta"},
		{"number words", "del once al catorce, para cinco", "del #11 al #14 , para #5"},
		{"treinta y uno", "treinta y uno", "#31"},
		{"dates", "5/1 3.2 20-2 3/1/2027 1/2/27", "5/1 3/2 20/2 3/1/2027 1/2/2027"},
		{"not a day-month", "4/22", "4~22"},
		{"thousands are a number", "$25.000", "$ #25000$"},
		{"mil makes a price", "4 mil", "#4$ mil"},
		{"lucas", "50 lucas", "#50$ mil"},
		{"time", "a las 10:30", "a las 10:30"},
		{"hours glued", "10hs", "#10 horas"},
		{"ordinal", "1ro 2da 1° 5th", "#1o #2o #1o #5o"},
		{"glued unit", "4pax", "#4 pax"},
		{"emoji", "hola 😀👍 :)", "hola #emoji #emoji"},
		{"laughs", "jajaja jsjs JAJAJ xD kkkk", "jaja jaja jaja jaja jaja"},
		{"question marks", "¿tienen?", "? tienen ?"},
		{"wi-fi", "wi-fi y check-in", "wifi y checkin"},
		{"check in as two words", "check in", "checkin"},
		{"por favor", "por favor", "porfavor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, words(tc.in))
		})
	}
}

func TestFold(t *testing.T) {
	assert.Equal(t, "cabana aca ninos pinguino", Fold("Cabaña ACÁ niños pingüino"))
}

func TestTokenizeCapsInput(t *testing.T) {
	long := strings.Repeat("hola ", 5000)
	toks := tokenize(long, nil)
	assert.LessOrEqual(t, toks[len(toks)-1].end, MaxInputBytes)
	// A multi-byte rune at the cut is not split.
	s := strings.Repeat("a", MaxInputBytes-1) + "ñ"
	toks = tokenize(s, nil)
	assert.LessOrEqual(t, toks[len(toks)-1].end, MaxInputBytes)
}
