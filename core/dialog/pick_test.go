package dialog

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The demo's three units as an offer lists them, cheapest first. Their database ids are
// deliberately not their positions: Depto Centro is id 3, listed first.
var demoOffers = []map[string]any{
	{"id": int64(3), "title": "Depto Centro", "type": "departamento", "capacity": int64(2), "total_cents": int64(9000000), "amenities": []any{"wifi", "cochera"}},
	{"id": int64(1), "title": "Cabaña Robles", "type": "cabaña", "capacity": int64(4), "total_cents": int64(13500000), "amenities": []any{"wifi", "pileta", "parrilla", "cochera"}},
	{"id": int64(2), "title": "Cabaña Coihue", "type": "cabaña", "capacity": int64(6), "total_cents": int64(18000000), "amenities": []any{"wifi", "pileta", "parrilla", "mascotas", "cochera"}},
}

func TestPickOptionReadsWhatTheGuestSaw(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text   string
		u      Understanding
		want   string // title picked, "" for none
		strong bool
	}{
		{text: "2", want: "Cabaña Robles", strong: true},
		{text: "3", want: "Cabaña Coihue", strong: true},
		{text: "la 2", want: "Cabaña Robles", strong: true},
		{text: "2 porfa", want: "Cabaña Robles", strong: true},
		{text: "ok la 2", want: "Cabaña Robles", strong: true},
		{text: "nro 1", want: "Depto Centro", strong: true},
		{text: "me quedo con la 3", want: "Cabaña Coihue", strong: true},
		{text: "la segunda opción porfa 🙏", want: "Cabaña Robles", strong: true},
		{text: "la última", want: "Cabaña Coihue", strong: true},
		{text: "la dos", want: "Cabaña Robles", strong: true},
		{text: "unidad:2", want: "Cabaña Coihue", strong: true},
		{text: "la más barata", want: "Depto Centro", strong: true},
		{text: "dame la más grande así estamos cómodos", want: "Cabaña Coihue", strong: true},
		{text: "el más chico", want: "Depto Centro", strong: true},
		{text: "la más cara", want: "Cabaña Coihue", strong: true},
		{text: "la de 4", want: "Cabaña Robles", strong: true},
		{text: "el del centro", want: "Depto Centro", strong: true},
		{text: "nos gusta la robles", want: "Cabaña Robles", strong: true},
		{text: "buenísimo, entonces cabaña robles", u: Understanding{UnitType: "cabaña"}, want: "Cabaña Robles", strong: true},
		{text: "la cabaña coihue", u: Understanding{UnitType: "cabaña"}, want: "Cabaña Coihue", strong: true},
		{text: "la cabaña chica", u: Understanding{UnitType: "cabaña"}, want: "Cabaña Robles", strong: true},
		{text: "la que acepta mascotas", u: Understanding{Amenities: []string{"mascotas"}}, want: "Cabaña Coihue", strong: true},
		{text: "el departamento", u: Understanding{UnitType: "departamento"}, want: "Depto Centro", strong: true},
		{text: "cabaña", u: Understanding{UnitType: "cabaña"}, want: "Cabaña Robles"},
		{text: "¿la robles tiene pileta?", want: ""},
		{text: "se puede llevar a la perra?", u: Understanding{Amenities: []string{"mascotas"}}, want: ""},
		{text: "dale", want: ""},
		{text: "para 2 personas", u: Understanding{Guests: 2}, want: ""},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			m, ok := pickOption("unidad", tc.text, tc.u, demoOffers, tc.u.Guests > 0)
			if tc.want == "" {
				assert.False(t, ok, "picked %v", m)
				return
			}
			if assert.True(t, ok) {
				assert.Equal(t, tc.want, demoOffers[m.index]["title"])
				assert.Equal(t, tc.strong, m.strong)
			}
		})
	}
}

func TestPickOptionYesToTheOnlyOption(t *testing.T) {
	t.Parallel()
	only := demoOffers[2:]
	for _, text := range []string{"sí, esa", "va", "ok", "genial, reservala", "de una, reservámela", "perfecto, avanzamos con esa", "bueno igual lo quiero", "Perfect, please book it", "Ótimo, pode reservar"} {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			m, ok := pickOption("unidad", text, Understanding{}, only, false)
			assert.True(t, ok)
			assert.True(t, m.strong)
		})
	}
	_, ok := pickOption("unidad", "¿tiene wifi?", Understanding{Amenities: []string{"wifi"}}, only, false)
	assert.False(t, ok, "a question about the only option is not a yes")
}
