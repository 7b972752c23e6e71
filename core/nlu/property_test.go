package nlu

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// relativeMessages say dates only relative to the day they are sent (no holidays, no
// fixed days), so their answers must move with the reference.
var relativeMessages = []string{
	"hoy", "para hoy tienen algo?", "mañana", "mañana por 3 noches para dos", "pasado mañana 1 noche",
	"el viernes", "el sábado hay lugar?", "el lunes 2 noches", "del sábado al lunes", "desde mañana hasta el domingo",
	"este finde", "el finde", "el otro finde", "el finde que viene", "hay algo x el finde??", "una semana desde mañana",
	"del jueves al domingo para 4", "this weekend", "next weekend", "tomorrow for 2 nights", "amanhã por 2 noites",
}

// refs returns n reference instants spread over 2026-2028 at random hours, from a fixed
// seed.
func refs(n int) []time.Time {
	rng := rand.New(rand.NewPCG(7, 7)) //nolint:gosec // reproducible test inputs
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, buenosAires)
	out := make([]time.Time, n)
	for i := range out {
		out[i] = start.Add(time.Duration(rng.IntN(3*365*24*60)) * time.Minute)
	}
	return out
}

func TestPropertyWeekShift(t *testing.T) {
	p := defaultParser(t)
	for _, ref := range refs(60) {
		later := ref.AddDate(0, 0, 7)
		for _, m := range relativeMessages {
			a, b := p.Parse(m, ref), p.Parse(m, later)
			require.Equal(t, a.Ambiguous, b.Ambiguous, "%q at %s", m, ref)
			if a.CheckIn != nil {
				require.NotNil(t, b.CheckIn, "%q at %s", m, ref)
				assert.Equal(t, a.CheckIn.AddDays(7).String(), b.CheckIn.String(), "%q at %s", m, ref)
			} else {
				assert.Nil(t, b.CheckIn, "%q at %s", m, ref)
			}
			if a.CheckOut != nil {
				require.NotNil(t, b.CheckOut, "%q at %s", m, ref)
				assert.Equal(t, a.CheckOut.AddDays(7).String(), b.CheckOut.String(), "%q at %s", m, ref)
			} else {
				assert.Nil(t, b.CheckOut, "%q at %s", m, ref)
			}
		}
	}
}

var accentless = strings.NewReplacer(
	"á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n",
	"Á", "A", "É", "E", "Í", "I", "Ó", "O", "Ú", "U", "Ü", "U", "Ñ", "N",
	"ã", "a", "õ", "o", "ç", "c", "â", "a", "ê", "e", "ô", "o",
)

func TestPropertyAccentsDoNotMatter(t *testing.T) {
	p := defaultParser(t)
	var texts []string
	for _, f := range []string{"testdata/dev.jsonl", "testdata/holdout.jsonl"} {
		for _, l := range readLabelled(t, f) {
			texts = append(texts, l.Text)
		}
	}
	texts = append(texts, relativeMessages...)
	ref := time.Date(2027, 1, 20, 10, 0, 0, 0, buenosAires)
	changed := 0
	for _, text := range texts {
		plain := accentless.Replace(text)
		if plain == text {
			continue
		}
		changed++
		a, b := p.Parse(text, ref), p.Parse(plain, ref)
		a.Text, b.Text, a.DateText, b.DateText = "", "", "", ""
		assert.Equal(t, a, b, "%q vs %q", text, plain)
	}
	require.Greater(t, changed, 30, "the property needs accented inputs")
}

func TestPropertyEightOfJanuaryIsNeverAugust(t *testing.T) {
	p := defaultParser(t)
	forms := []string{"8/1", "el 8/1", "para el 8/1 2 noches", "del 8/1 al 10/1", "8-1", "el 8.1", "desde el 8/1", "8/1/27", "llegamos el 8/1"}
	for _, ref := range refs(80) {
		for _, f := range forms {
			r := p.Parse(f, ref)
			require.NotNil(t, r.CheckIn, "%q at %s", f, ref)
			assert.Equal(t, time.January, r.CheckIn.Month(), "%q at %s", f, ref)
			assert.Equal(t, 8, r.CheckIn.Day(), "%q at %s", f, ref)
		}
	}
}

// dateBits are pieces of date language to combine at random.
var dateBits = []string{
	"del", "al", "desde", "hasta", "entre", "y", "el", "de", "por", "para", "5", "8", "28", "2", "31", "30/2",
	"29/2", "8/1", "28/12", "2/1", "enero", "febrero", "diciembre", "noches", "3 noches", "una semana", "2 semanas",
	"días", "hoy", "mañana", "pasado mañana", "viernes", "sábado", "domingo", "lunes", "este finde", "el otro finde",
	"finde largo", "carnaval", "semana santa", "primera quincena", "segunda quincena", "que viene", "-", "a",
	"somos 4", "2 adultos y 1 nene", "llegamos", "nos vamos", "from", "to", "Jan 5-8", "de 5 a 8 de janeiro",
}

func TestPropertyCheckOutAfterCheckIn(t *testing.T) {
	p := defaultParser(t)
	rng := rand.New(rand.NewPCG(11, 13)) //nolint:gosec // reproducible test inputs
	rs := refs(50)
	for i := 0; i < 5000; i++ {
		n := 2 + rng.IntN(7)
		parts := make([]string, n)
		for k := range parts {
			parts[k] = dateBits[rng.IntN(len(dateBits))]
		}
		text := strings.Join(parts, " ")
		ref := rs[i%len(rs)]
		r := p.Parse(text, ref)
		if r.CheckIn != nil && r.CheckOut != nil {
			require.True(t, r.CheckOut.After(r.CheckIn.Time), "%q at %s: %s → %s", text, ref, r.CheckIn, r.CheckOut)
			require.NotNil(t, r.Nights, text)
			require.Equal(t, int(r.CheckOut.Sub(r.CheckIn.Time).Hours()/24), *r.Nights, text)
		}
		if r.CheckOut != nil {
			require.NotNil(t, r.CheckIn, "a check-out needs a check-in: %q", text)
		}
		if r.CheckIn != nil && len(r.Ambiguous) > 0 {
			require.NotContains(t, r.Ambiguous, "dates", text)
		}
	}
}
