package nlu

import (
	"encoding/json"
	"math"
	"reflect"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTrainErrors(t *testing.T) {
	tests := []struct {
		name string
		ex   map[string][]string
		opts Options
		want error
	}{
		{"nothing", nil, Options{}, ErrNoExamples},
		{"one intent", map[string][]string{"saludo": {"hola"}}, Options{}, ErrNoExamples},
		{"intents without phrases", map[string][]string{"saludo": {"hola"}, "precio": nil}, Options{}, ErrNoExamples},
		{"bad name", map[string][]string{"Precio Alto": {"cuanto"}, "saludo": {"hola"}}, Options{}, ErrInvalidIntentName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Train(tc.ex, tc.opts)
			require.ErrorIs(t, err, tc.want)
		})
	}
	t.Run("threshold out of range", func(t *testing.T) {
		_, err := Train(map[string][]string{"a": {"x"}, "b": {"y"}}, Options{FallbackThreshold: 1.5})
		require.Error(t, err)
	})
}

// The spec's own examples, one per intent row.
func TestSpecExamples(t *testing.T) {
	p := defaultParser(t)
	tests := []struct{ text, intent string }{
		{"hola", IntentSaludo},
		{"buenas tardes!", IntentSaludo},
		{"holaa como andan", IntentSaludo},
		{"tienen lugar del 5 al 8/1?", IntentDisponibilidad},
		{"hay algo libre este finde para 2", IntentDisponibilidad},
		{"cuánto sale la noche?", IntentPrecio},
		{"qué precio tiene para 4 personas en enero", IntentPrecio},
		{"quiero reservar la cabaña", IntentReservar},
		{"dale, reservamela", IntentReservar},
		{"cómo hago para señar?", IntentReservar},
		{"tiene wifi?", IntentServicios},
		{"aceptan mascotas?", IntentServicios},
		{"hay ropa de cama?", IntentServicios},
		{"a qué hora es el check in?", IntentPoliticas},
		{"qué pasa si cancelo?", IntentPoliticas},
		{"dónde queda?", IntentUbicacion},
		{"a cuántas cuadras del centro está?", IntentUbicacion},
		{"necesito cambiar la fecha de mi reserva", IntentCancelarModificar},
		{"quiero cancelar", IntentCancelarModificar},
		{"me podés pasar con alguien?", IntentHablarHumano},
		{"quiero hablar con el dueño", IntentHablarHumano},
		{"jajaja", IntentFallback},
		{"mi primo tiene un auto rojo", IntentFallback},
		// Combination rules.
		{"Hola, para 4 del 5 al 8/1", IntentDisponibilidad},
		{"somos 4, del 10 al 12", IntentDisponibilidad},
		{"cuánto sale del 10 al 12 para 4?", IntentPrecio},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			r := p.Parse(tc.text, ts(t, refSat))
			assert.Equal(t, tc.intent, r.Intent, "scores %v", r.Scores)
			assert.GreaterOrEqual(t, r.Confidence, 0.0)
			assert.LessOrEqual(t, r.Confidence, 1.0)
		})
	}
}

func TestContractJSON(t *testing.T) {
	p := defaultParser(t)
	r := p.Parse("Hola, para 4 del 5 al 8/1", ts(t, "2026-11-28T10:00:00-03:00"))
	b, err := json.Marshal(r.Contract())
	require.NoError(t, err)
	re := regexp.MustCompile(`^\{"text":"Hola, para 4 del 5 al 8/1","intent":"disponibilidad","confidence":(0(\.\d{1,2})?|1),` +
		`"check_in":"2027-01-05","check_out":"2027-01-08","guests":4,"adults":null,"children":null,` +
		`"unit_type":null,"amenities":\[\],"ambiguous":\[\]\}$`)
	assert.Regexp(t, re, string(b))
}

func TestTrainingIsDeterministic(t *testing.T) {
	ex := defaultExamples(t)
	a, err := Train(ex, Options{})
	require.NoError(t, err)
	b, err := Train(ex, Options{})
	require.NoError(t, err)
	ref := ts(t, refWed)
	for _, text := range []string{"hola", "cuanto sale el finde?", "quiero cancelar", "tiene pileta?", "xyz"} {
		assert.Equal(t, a.Parse(text, ref), b.Parse(text, ref), text)
	}
}

func TestParseIsSafeForConcurrentUse(t *testing.T) {
	p := defaultParser(t)
	ref := ts(t, refWed)
	texts := []string{"hola", "del 5 al 8/1 para 4", "cuanto sale el depto?", "este finde somos 2", "jaja"}
	want := make([]Result, len(texts))
	for i, text := range texts {
		want[i] = p.Parse(text, ref)
	}
	var wg sync.WaitGroup
	var mismatches atomic.Int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				i := (g + n) % len(texts)
				if got := p.Parse(texts[i], ref); !reflect.DeepEqual(got, want[i]) {
					mismatches.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, mismatches.Load(), "concurrent parses differ from sequential ones")
}

func TestFallbackThreshold(t *testing.T) {
	ex := defaultExamples(t)
	strict, err := Train(ex, Options{FallbackThreshold: 1})
	require.NoError(t, err)
	r := strict.Parse("donde queda?", ts(t, refWed))
	assert.Equal(t, IntentFallback, r.Intent, "nothing is that sure")
	// Entities still make a stay question a booking intent.
	r = strict.Parse("del 5 al 8/1 para 4", ts(t, refWed))
	assert.Equal(t, IntentDisponibilidad, r.Intent)
}

// A host's new intent and phrases count without code.
func TestHostIntent(t *testing.T) {
	ex := defaultExamples(t)
	ex["bicicletas"] = []string{
		"alquilan bicicletas?", "tienen bicis para prestar?", "se puede alquilar una bici?", "hay bicicletas para usar?",
		"prestan bicis a los huespedes?", "donde alquilo una bicicleta?", "tienen bicicletas para los chicos?",
	}
	p, err := Train(ex, Options{})
	require.NoError(t, err)
	assert.Contains(t, p.Intents(), "bicicletas")
	r := p.Parse("me podrian prestar un par de bicis para pasear?", ts(t, refWed))
	assert.Equal(t, "bicicletas", r.Intent)
}

// Calibration: on labelled messages the average confidence tracks accuracy (expected
// calibration error over ten bins).
func TestConfidenceIsCalibrated(t *testing.T) {
	p := defaultParser(t)
	lines := append(readLabelled(t, "testdata/dev.jsonl"), readLabelled(t, "testdata/holdout.jsonl")...)
	type bin struct{ n, right, conf float64 }
	var bins [10]bin
	total := 0.0
	for _, l := range lines {
		g, ok := l.Gold["intent"]
		if !ok {
			continue
		}
		var gold string
		require.NoError(t, json.Unmarshal(g, &gold))
		r := p.Parse(l.Text, l.Ref)
		b := &bins[min(int(r.Confidence*10), 9)]
		b.n++
		b.conf += r.Confidence
		if r.Intent == gold {
			b.right++
		}
		total++
	}
	ece := 0.0
	for _, b := range bins {
		if b.n > 0 {
			ece += b.n / total * math.Abs(b.right/b.n-b.conf/b.n)
		}
	}
	t.Logf("expected calibration error %.3f over %d messages", ece, int(total))
	assert.Less(t, ece, 0.15)
}

func TestExplain(t *testing.T) {
	p := defaultParser(t)
	ex := p.Explain("quiero reservar la cabaña", ts(t, refWed), 5)
	require.Equal(t, IntentReservar, ex.Result.Intent)
	require.Len(t, ex.Top, 5)
	assert.Positive(t, ex.Top[0].Weight)
	assert.Contains(t, ex.Cues, "reservar")
}

// A host dialog may declare other intents than the default ten.
func TestTrainWithoutDefaultIntents(t *testing.T) {
	p, err := Train(map[string][]string{
		"abrir":  {"a que hora abren?", "estan abiertos?", "horario de atencion", "abren el domingo?"},
		"cerrar": {"a que hora cierran?", "cierran tarde?", "hasta que hora estan?", "cierran el lunes?"},
	}, Options{})
	require.NoError(t, err)
	r := p.Parse("hola, a que hora abren el sabado?", ts(t, refWed))
	assert.Equal(t, "abrir", r.Intent)
	r = p.Parse("del 5 al 8/1 para 4", ts(t, refSat))
	assert.Contains(t, []string{"abrir", "cerrar", IntentFallback}, r.Intent)
	assert.Equal(t, "2027-01-05", dateStr(r.CheckIn))
}
