package dialog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/conserje/conserje/core/dialog/spec"
)

func TestClausesCutAMessageIntoItsQuestions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       []string
	}{
		{name: "question marks", text: "tiene parrilla? a qué hora se entra? y queda cerca?", want: []string{"tiene parrilla", "a qué hora se entra", "queda cerca"}},
		{name: "comma and y", text: "cuánto sale del 25 al 28 para 4 y se puede ir con un gato?", want: []string{"cuánto sale del 25 al 28 para 4", "se puede ir con un gato"}},
		{name: "dates keep their slashes and dots", text: "del 28/12 al 3/1, 3.000 pesos", want: []string{"del 28/12 al 3/1", "3.000 pesos"}},
		{name: "one clause", text: "hola", want: []string{"hola"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, clauses(tc.text))
		})
	}
}

func TestReadStayAgainstTheStayOnTheTable(t *testing.T) {
	t.Parallel()
	loc := time.UTC
	tests := []struct {
		name, text      string
		prevIn, prevOut string
		u               Understanding
		wantIn          string
		wantOut         string
	}{
		{name: "weekdays fall in the stay's week and name two nights", text: "ok, viernes y sábado entonces", prevIn: "2027-01-22", prevOut: "2027-01-23",
			u: Understanding{CheckIn: "2027-01-08", CheckOut: "2027-01-09"}, wantIn: "2027-01-22", wantOut: "2027-01-24"},
		{name: "a night added before the stay", text: "dale, sumamos el jueves", prevIn: "2027-03-26", prevOut: "2027-03-28",
			u: Understanding{CheckIn: "2027-03-04"}, wantIn: "2027-03-25", wantOut: "2027-03-28"},
		{name: "one more night", text: "y si nos quedamos una noche más?", prevIn: "2027-03-08", prevOut: "2027-03-10",
			wantIn: "2027-03-08", wantOut: "2027-03-11"},
		{name: "a single night", text: "para 2 el viernes 22 de enero, una sola noche", u: Understanding{CheckIn: "2027-01-22"},
			wantIn: "2027-01-22", wantOut: "2027-01-23"},
		{name: "months", text: "por 4 meses desde el 15 de febrero", u: Understanding{CheckIn: "2027-02-15"},
			wantIn: "2027-02-15", wantOut: "2027-06-15"},
		{name: "a month range", text: "tenés el depto libre de abril a agosto?", wantIn: "2027-04-01", wantOut: "2027-09-01"},
		{name: "ninety nights", text: "entonces 90 noches justas desde el 15/2", u: Understanding{CheckIn: "2027-02-15"},
			wantIn: "2027-02-15", wantOut: "2027-05-16"},
		{name: "the next weekday is not moved", text: "y el próximo viernes?", prevIn: "2027-01-22", prevOut: "2027-01-24",
			u: Understanding{CheckIn: "2027-01-08"}, wantIn: "2027-01-08"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := &Engine{dialog: defaultSpecForStay(), slots: map[string]*slot{}}
			st := &State{Slots: map[string]any{}}
			if tc.prevIn != "" {
				st.Slots["check_in"], st.Slots["check_out"] = tc.prevIn, tc.prevOut
			}
			tr := &turn{e: e, st: st, in: Input{Text: tc.text, Now: time.Date(2027, 1, 4, 12, 0, 0, 0, loc)}, folded: fold(tc.text)}
			got := tr.readStay(tc.u)
			assert.Equal(t, tc.wantIn, got.CheckIn)
			assert.Equal(t, tc.wantOut, got.CheckOut)
		})
	}
}

// defaultSpecForStay is a dialog with only the stay's slots, in UTC.
func defaultSpecForStay() *spec.Dialog {
	return &spec.Dialog{
		Slots: []*spec.Slot{
			{Name: "check_in", Entity: spec.EntityCheckIn},
			{Name: "check_out", Entity: spec.EntityCheckOut},
		},
		Settings: spec.Settings{Location: time.UTC},
	}
}
