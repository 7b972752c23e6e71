package nlu

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseWeekendChoice(t *testing.T) {
	tests := []struct {
		text string
		want WeekendChoice
		ok   bool
	}{
		{"El siguiente", WeekendNext, true},
		{"el otro", WeekendNext, true},
		{"el próximo", WeekendNext, true},
		{"el que viene", WeekendNext, true},
		{"el de la semana que viene", WeekendNext, true},
		{"next one", WeekendNext, true},
		{"este", WeekendThis, true},
		{"este mismo!", WeekendThis, true},
		{"el de esta semana", WeekendThis, true},
		{"this one please", WeekendThis, true},
		{"no sé", "", false},
		{"este o el siguiente?", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, ok := ParseWeekendChoice(tc.text)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestWeekendRange(t *testing.T) {
	tests := []struct {
		name, ref string
		choice    WeekendChoice
		in, out   string
		ok        bool
	}{
		{"this from wednesday", refWed, WeekendThis, "2027-01-22", "2027-01-24", true},
		{"next from wednesday", refWed, WeekendNext, "2027-01-29", "2027-01-31", true},
		{"this from saturday starts today", "2027-01-23T09:00:00-03:00", WeekendThis, "2027-01-23", "2027-01-24", true},
		{"next from saturday", "2027-01-23T09:00:00-03:00", WeekendNext, "2027-01-29", "2027-01-31", true},
		{"this on sunday is over", "2027-01-24T09:00:00-03:00", WeekendThis, "", "", false},
		{"late friday night UTC is still friday in Buenos Aires", "2027-01-23T02:30:00Z", WeekendThis, "2027-01-22", "2027-01-24", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, out, ok := WeekendRange(tc.choice, ts(t, tc.ref))
			require.Equal(t, tc.ok, ok)
			if ok {
				assert.Equal(t, tc.in, in.String())
				assert.Equal(t, tc.out, out.String())
			}
		})
	}
}

// The dialog asks "¿Te referís a este fin de semana o el siguiente?" after an ambiguous
// weekend; the answer resolves to dates.
func TestWeekendClarificationFlow(t *testing.T) {
	p := defaultParser(t)
	ref := ts(t, "2027-01-22T18:00:00-03:00") // a Friday
	first := p.Parse("hay lugar el finde para 2?", ref)
	require.Contains(t, first.Ambiguous, "dates")
	require.Equal(t, ReasonWeekendThisOrNext, first.Reasons["dates"])
	answer := p.Parse("El siguiente", ref)
	require.Equal(t, WeekendNext, answer.WeekendChoice)
	in, out, ok := WeekendRange(answer.WeekendChoice, ref)
	require.True(t, ok)
	assert.Equal(t, "2027-01-29", in.String())
	assert.Equal(t, "2027-01-31", out.String())
}
