package nluparser

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDaysOnly(t *testing.T) {
	cases := map[string]bool{
		"del 6 al 9":            true,
		"6 al 9":                true,
		"desde el 6 hasta el 9": true,
		"from 6 to 9":           true,
		"del 5 al 8/1":          false,
		"6 al 9 de enero":       false,
		"el finde":              false,
		"el viernes":            false,
		"del 40 al 42":          false,
		"":                      false,
	}
	for text, want := range cases {
		assert.Equal(t, want, daysOnly(text), text)
	}
}

func TestConvertCarriesTheContract(t *testing.T) {
	train := Trainer(Options{})
	p, err := train(map[string][]string{
		"saludo":         {"hola", "buenas", "buen dia"},
		"disponibilidad": {"tienen lugar", "hay disponibilidad", "tienen algo libre"},
		"fallback":       {"jajaja", "ok", "mi primo tiene un auto"},
	})
	require.NoError(t, err)
	ref := time.Date(2026, 11, 28, 10, 0, 0, 0, time.FixedZone("-03", -3*3600))
	u := p.Understand("Hola, para 4 del 5 al 8/1", ref)
	assert.Equal(t, "2027-01-05", u.CheckIn)
	assert.Equal(t, "2027-01-08", u.CheckOut)
	assert.Equal(t, 4, u.Guests)
	assert.False(t, u.DaysOnly)
	u = p.Understand("mejor del 6 al 9", ref)
	assert.True(t, u.DaysOnly)
}
