package nluparser

import (
	"testing"
	"time"

	"github.com/conserje/conserje/core/dialog"
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

func TestUnderstandStayReadsAgainstTheConversation(t *testing.T) {
	p, err := Trainer(Options{})(map[string][]string{
		"saludo":         {"hola", "buenas", "buen dia"},
		"disponibilidad": {"tienen lugar", "hay disponibilidad", "tienen algo libre"},
		"fallback":       {"jajaja", "ok", "mi primo tiene un auto"},
	})
	require.NoError(t, err)
	su, ok := p.(dialog.StayUnderstander)
	require.True(t, ok, "the NLU reads messages against the stay")
	ref := time.Date(2026, 12, 10, 11, 15, 0, 0, time.FixedZone("-03", -3*3600))
	tests := []struct {
		name, text string
		stay       dialog.StayContext
		in, out    string
		month      string
		impossible *dialog.ImpossibleDay
	}{
		{name: "a month alone", text: "para febrero somos 3", month: "2027-02"},
		{name: "days in the month said", text: "del 16 al 19", stay: dialog.StayContext{Month: "2027-02"}, in: "2027-02-16", out: "2027-02-19"},
		{name: "a departure after the check-in", text: "salimos el viernes", stay: dialog.StayContext{CheckIn: "2027-01-18"}, out: "2027-01-22"},
		{name: "an impossible day", text: "del 28/4 al 31/4", in: "2027-04-28", impossible: &dialog.ImpossibleDay{Day: 31, Month: 4, Year: 2027, DaysInMonth: 30}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := su.UnderstandStay(tc.text, ref, tc.stay)
			assert.Equal(t, tc.in, u.CheckIn)
			assert.Equal(t, tc.out, u.CheckOut)
			assert.Equal(t, tc.month, u.Month)
			assert.Equal(t, tc.impossible, u.Impossible)
		})
	}
}
