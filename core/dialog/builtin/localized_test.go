package builtin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLocalizedPolicyTexts(t *testing.T) {
	texts := map[string]any{"es-AR": "La seña no se devuelve.", "en": "The deposit is not refunded.", "pt-BR": "O sinal não é devolvido."}
	cases := []struct {
		name string
		v    any
		lang string
		want any
	}{
		{"one text for everyone", "La seña no se devuelve.", "en", "La seña no se devuelve."},
		{"the guest's language", texts, "en", "The deposit is not refunded."},
		{"Brazilian Portuguese", texts, "pt-BR", "O sinal não é devolvido."},
		{"a regional tag falls back to its base", map[string]any{"es": "Hola", "en": "Hi"}, "en-US", "Hi"},
		{"missing language falls back to Spanish", map[string]any{"es-AR": "Hola", "en": "Hi"}, "pt-BR", "Hola"},
		{"no Spanish either: any text", map[string]any{"en": "Hi"}, "pt-BR", "Hi"},
		{"numbers pass through", float64(2), "en", float64(2)},
		{"empty map", map[string]any{}, "en", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, localized(tc.v, tc.lang)) })
	}
}
