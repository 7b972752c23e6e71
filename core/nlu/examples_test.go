package nlu

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadExamples(t *testing.T) {
	fsys := fstest.MapFS{
		"d/intents.yaml": {Data: []byte("intents:\n  saludo:\n    description: hi\n    examples: [hola, buenas]\n  precio:\n    examples:\n      - cuanto sale\n")},
		"d/flows.yml":    {Data: []byte("slots:\n  guests: {entity: guests}\nflows:\n  x: {steps: []}\nsettings: {hold: 30}\nintents:\n  ubicacion:\n    examples: [donde queda]\n")},
		"d/empty.yaml":   {Data: []byte("")},
		"d/notes.txt":    {Data: []byte("intents: {ignored: {examples: [x]}}")},
		"d/sub/x.yaml":   {Data: []byte("intents: {nested: {examples: [x]}}")},
	}
	got, err := LoadExamples(fsys, "d")
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{
		"saludo":    {"hola", "buenas"},
		"precio":    {"cuanto sale"},
		"ubicacion": {"donde queda"},
	}, got)
}

func TestLoadExamplesErrors(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
		want error
	}{
		{"duplicate intent", fstest.MapFS{
			"d/a.yaml": {Data: []byte("intents: {saludo: {examples: [hola]}}")},
			"d/b.yaml": {Data: []byte("intents: {saludo: {examples: [buenas]}}")},
		}, ErrDuplicateIntent},
		{"no intents at all", fstest.MapFS{"d/a.yaml": {Data: []byte("slots: {}")}}, ErrNoExamples},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadExamples(tc.fsys, "d")
			require.ErrorIs(t, err, tc.want)
		})
	}
	t.Run("broken yaml names the file", func(t *testing.T) {
		_, err := LoadExamples(fstest.MapFS{"d/a.yaml": {Data: []byte("intents: [")}}, "d")
		require.ErrorContains(t, err, "d/a.yaml")
	})
	t.Run("missing dir", func(t *testing.T) {
		_, err := LoadExamples(fstest.MapFS{}, "nope")
		require.Error(t, err)
	})
}

// The default dialog declares the ten intents of the contract with at least 25
// examples each, some of them in English and Portuguese.
func TestDefaultDialogIntents(t *testing.T) {
	ex := defaultExamples(t)
	for _, name := range []string{IntentSaludo, IntentDisponibilidad, IntentPrecio, IntentReservar, IntentServicios,
		IntentPoliticas, IntentUbicacion, IntentCancelarModificar, IntentHablarHumano, IntentFallback} {
		assert.GreaterOrEqual(t, len(ex[name]), 25, name)
		langs := map[string]int{}
		for _, e := range ex[name] {
			langs[detectLanguage(tokenize(e, nil))]++
		}
		assert.Positive(t, langs[LangEN], "%s has English examples", name)
		assert.Positive(t, langs[LangPT], "%s has Portuguese examples", name)
	}
}
