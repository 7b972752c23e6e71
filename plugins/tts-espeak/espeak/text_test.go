package espeak

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conserje/conserje/sdk/speech"
)

func TestSpeakable(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "Hola, ¿cómo estás?", "Hola, ¿cómo estás?"},
		{"link", "Pagá la seña acá: https://mpago.la/abc123 antes de las 18.", "Pagá la seña acá: antes de las 18."},
		{"www link", "Mirá www.casadellago.com.ar/fotos por favor", "Mirá por favor"},
		{"email", "Escribinos a reservas@casadellago.com.ar.", "Escribinos a ."},
		{"emoji and markup", "¡Listo! 🎉 Tu código es *AB12*.\n\nGracias 🙏🏽", "¡Listo! Tu código es AB12. Gracias"},
		{"only a link", "https://example.com/x", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, speakable(tc.in))
		})
	}
}

func TestFirstSentences(t *testing.T) {
	t.Parallel()
	text := "Tenemos Casa del Lago libre. Son $ 1.500.000 por tres noches. ¿Te la reservo?"
	tests := []struct {
		name string
		max  int
		want string
	}{
		{"fits", 200, text},
		{"two sentences", 70, "Tenemos Casa del Lago libre. Son $ 1.500.000 por tres noches."},
		{"one sentence", 40, "Tenemos Casa del Lago libre."},
		{"not even the first", 10, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, firstSentences(text, tc.max))
		})
	}
	assert.Equal(t, []string{"Llegás a las 14.30 h.", "¡Genial!", "Sí…", "dale"}, sentences("Llegás a las 14.30 h. ¡Genial! Sí… dale"))
}

func TestVoiceFor(t *testing.T) {
	t.Parallel()
	voices := map[string]string{"es": "es-419", "en": "en-us", "pt": "pt-br", "es-es": "es"}
	for lang, want := range map[string]string{"es-AR": "es-419", "": "es-419", "en": "en-us", "pt-BR": "pt-br", "pt_BR": "pt-br", "es-ES": "es", "fr-FR": "fr"} {
		assert.Equal(t, want, voiceFor(voices, lang), lang)
	}
}

func TestLRU(t *testing.T) {
	t.Parallel()
	c := newLRU(2)
	c.put("a", speech.SynthesizeResponse{MIME: "a"})
	c.put("b", speech.SynthesizeResponse{MIME: "b"})
	_, _ = c.get("a") // a is now the most recent
	c.put("c", speech.SynthesizeResponse{MIME: "c"})
	_, okA := c.get("a")
	_, okB := c.get("b")
	_, okC := c.get("c")
	assert.True(t, okA)
	assert.False(t, okB, "the least recently used entry is evicted")
	assert.True(t, okC)
	assert.Equal(t, 2, c.len())

	off := newLRU(0)
	off.put("a", speech.SynthesizeResponse{})
	assert.Zero(t, off.len())
}
