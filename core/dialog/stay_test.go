package dialog_test

import (
	"testing"
	"time"

	"github.com/conserje/conserje/core/dialog"
	"github.com/stretchr/testify/assert"
)

// stayNLU answers from a table and records the stay each message was read against.
type stayNLU struct {
	answers map[string]dialog.Understanding
	seen    []dialog.StayContext
}

var _ dialog.StayUnderstander = (*stayNLU)(nil)

func (s *stayNLU) Understand(text string, ref time.Time) dialog.Understanding {
	return s.UnderstandStay(text, ref, dialog.StayContext{})
}

func (s *stayNLU) UnderstandStay(text string, _ time.Time, stay dialog.StayContext) dialog.Understanding {
	s.seen = append(s.seen, stay)
	if u, ok := s.answers[text]; ok {
		return u
	}
	return dialog.Understanding{Intent: "fallback", Confidence: 0.2}
}

func TestStayContextFollowsTheConversation(t *testing.T) {
	t.Parallel()
	und := &stayNLU{answers: map[string]dialog.Understanding{
		"para febrero, somos 3": {Intent: "disponibilidad", Confidence: 0.9, Guests: 3, Month: "2027-02", Ambiguous: []string{"dates"}},
		"llegamos el 16":        {Intent: "disponibilidad", Confidence: 0.9, CheckIn: "2027-02-16"},
		"salimos el viernes":    {Intent: "cancelar_modificar", Confidence: 0.8, CheckOut: "2027-02-19"},
		"del 3 al 5 de marzo":   {Intent: "disponibilidad", Confidence: 0.9, CheckIn: "2027-03-03", CheckOut: "2027-03-05"},
		"hola":                  {Intent: "saludo", Confidence: 0.9},
	}}
	c := newChatWith(t, und)
	now := at("2026-12-10 11:15")

	out := c.say(now, "para febrero, somos 3")
	assert.Contains(t, text(out), "¿Para qué fechas")
	assert.Equal(t, "2027-02", c.st().Month, "a month said without days is remembered")

	c.say(now, "llegamos el 16")
	assert.Equal(t, dialog.StayContext{Month: "2027-02"}, und.seen[1], "the next message is read in that month")

	out = c.say(now, "salimos el viernes")
	assert.Equal(t, dialog.StayContext{CheckIn: "2027-02-16", Month: "2027-02", Departure: true}, und.seen[2],
		"asked for the departure, the message is read after the check-in")
	assert.Contains(t, text(out), "Del martes 16/2 al viernes 19/2")
	assert.NotContains(t, text(out), "derivo", "a departure is not a change of a booking")

	c.say(now, "del 3 al 5 de marzo")
	assert.Empty(t, c.st().Month, "a check-in in another month replaces the month said")

	c.say(now, "para febrero, somos 3")
	c.say(now.Add(13*time.Hour), "hola")
	assert.Equal(t, dialog.StayContext{}, und.seen[len(und.seen)-1], "an expired session keeps no stay")
	assert.Empty(t, c.st().Month)
}

func TestImpossibleDayIsNamedAndTheCheckInKept(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		u          dialog.Understanding
		want       []string
	}{
		{
			name: "april 31",
			text: "del 28/4 al 31/4, dos personas",
			u: dialog.Understanding{Intent: "disponibilidad", Confidence: 0.9, Guests: 2, CheckIn: "2027-04-28",
				Impossible: &dialog.ImpossibleDay{Day: 31, Month: 4, Year: 2027, DaysInMonth: 30}},
			want: []string{"el 31/4 no existe", "ese mes tiene 30 días", "¿Quisiste decir el 30/4 o el 1/5?", "¿Y hasta qué día te quedarías?"},
		},
		{
			name: "february 29 in a year that is not a leap year",
			text: "entramos el 29/2, somos 2",
			u: dialog.Understanding{Intent: "disponibilidad", Confidence: 0.9, Guests: 2, Ambiguous: []string{"dates"},
				Impossible: &dialog.ImpossibleDay{Day: 29, Month: 2, Year: 2027, DaysInMonth: 28}},
			want: []string{"el 29/2 no existe", "2027 no es bisiesto: febrero tiene 28 días", "el 28/2 o el 1/3", "¿Para qué fechas te querés alojar?"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChatWith(t, &stayNLU{answers: map[string]dialog.Understanding{tc.text: tc.u}})
			out := c.say(at("2027-01-10 16:20"), tc.text)
			for _, w := range tc.want {
				assert.Contains(t, text(out), w)
			}
			assert.Equal(t, nilIfEmpty(tc.u.CheckIn), c.st().Slots["check_in"])
		})
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
