package story_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/conserje/conserje/core/dialog/story"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseReportsPositions(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"no name", "now: 2026-11-28T10:00:00-03:00\nsteps:\n  - guest: hola\n", "s.yaml:1:1: a story needs a name"},
		{"bad now", "name: x\nnow: mañana\nsteps:\n  - guest: hola\n", "now must be an RFC 3339 instant"},
		{"unknown field", "name: x\nnow: 2026-11-28T10:00:00-03:00\nsteps:\n  - guest: hola\n    bott: hola\n", `s.yaml:5:5: unknown step field "bott"`},
		{"two actions", "name: x\nnow: 2026-11-28T10:00:00-03:00\nsteps:\n  - guest: hola\n    staff_release: true\n", "s.yaml:4:5: a step needs exactly one of guest"},
		{"bad duration", "name: x\nnow: 2026-11-28T10:00:00-03:00\nsteps:\n  - guest: hola\n    after: ayer\n", "after must be a duration"},
		{"tap and guest", "name: x\nnow: 2026-11-28T10:00:00-03:00\nsteps:\n  - guest: hola\n    tap: Sí\n", "s.yaml:4:5: a step needs exactly one of guest, tap"},
		{"bad regex", "name: x\nnow: 2026-11-28T10:00:00-03:00\nsteps:\n  - guest: hola\n    regex: ['(']\n", "bad regex"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := story.Parse("s.yaml", []byte(tc.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// scripted answers each line with a canned turn and records when it was asked.
type scripted struct {
	turns map[string]story.Turn
	times []time.Time
	taps  []string
}

func (s *scripted) Say(_ context.Context, text string, at time.Time) (story.Turn, error) {
	s.times = append(s.times, at)
	if t, ok := s.turns[text]; ok {
		return t, nil
	}
	return story.Turn{}, errors.New("no answer for " + text)
}
func (s *scripted) Tap(_ context.Context, id, title string, at time.Time) (story.Turn, error) {
	s.times = append(s.times, at)
	s.taps = append(s.taps, id+"="+title)
	if t, ok := s.turns["tap:"+id]; ok {
		return t, nil
	}
	return story.Turn{}, errors.New("no answer for a tap on " + id)
}
func (s *scripted) Confirm(context.Context, string, time.Time) (story.Turn, error) {
	return story.Turn{}, nil
}
func (s *scripted) Release(context.Context, time.Time) (story.Turn, error) { return story.Turn{}, nil }
func (s *scripted) PaymentRejected(context.Context, time.Time) (story.Turn, error) {
	return story.Turn{}, nil
}
func (s *scripted) Close() error { return nil }

const twoSteps = `
name: oferta
now: 2026-11-28T10:00:00-03:00
steps:
  - guest: hola
    bot: Hola
    intent: saludo
  - guest: para 4 del 5 al 8/1
    after: 2h
    bot: ["Cabaña Robles", "$135.000"]
    regex: ['total \$\d+\.\d{3}']
    not_contains: [Depto]
    buttons: [Cabaña Robles]
    slots: {guests: 4, unidad: null}
    handoff: false
    language: es-AR
`

func TestRunChecksEveryExpectation(t *testing.T) {
	stories, err := story.Parse("s.yaml", []byte(twoSteps))
	require.NoError(t, err)
	require.Len(t, stories, 1)
	good := &scripted{turns: map[string]story.Turn{
		"hola": {Replies: []story.Reply{{Text: "¡Hola!"}}, Intent: "saludo"},
		"para 4 del 5 al 8/1": {Replies: []story.Reply{{Text: "Cabaña Robles total $135.000", Buttons: []string{"Cabaña Robles"}}},
			Slots: map[string]any{"guests": int64(4)}, Language: "es-AR"},
	}}
	res := story.Run(context.Background(), stories[0], func(context.Context, *story.Story) (story.Bot, error) { return good, nil })
	assert.True(t, res.Passed(), "%v", res.Failures)
	assert.Equal(t, 2*time.Hour, good.times[1].Sub(good.times[0]), "after moves the clock")

	bad := &scripted{turns: map[string]story.Turn{
		"hola": {Replies: []story.Reply{{Text: "Buenas"}}, Intent: "fallback"},
		"para 4 del 5 al 8/1": {Replies: []story.Reply{{Text: "Depto Centro $90.000"}}, Slots: map[string]any{"guests": int64(2), "unidad": int64(1)},
			Escalated: true, Language: "en"},
	}}
	res = story.Run(context.Background(), stories[0], func(context.Context, *story.Story) (story.Bot, error) { return bad, nil })
	joined := strings.Join(res.Failures, "\n")
	for _, want := range []string{
		`bot should say "Hola"`, "want intent saludo, got fallback", `bot should say "Cabaña Robles"`,
		"bot should match /total", `bot should not say "Depto"`, "want buttons", "want slot guests = 4, got 2",
		"want slot unidad = <nil>, got 1", "want handed to a person = false, got true", "want language es-AR, got en",
	} {
		assert.Contains(t, joined, want)
	}
	assert.Contains(t, joined, "s.yaml:5: step 1 (guest \"hola\")")
}

const tapSteps = `
name: tap
now: 2026-11-28T10:00:00-03:00
steps:
  - guest: hola
  - tap: Liberar la reserva
    bot: liberé
`

// A tap sends the id of the button with that title the bot showed; a title it never showed
// fails the step without calling the bot.
func TestRunTapsAButtonByItsTitle(t *testing.T) {
	stories, err := story.Parse("s.yaml", []byte(tapSteps))
	require.NoError(t, err)
	cases := []struct {
		name     string
		hola     story.Turn
		wantTaps []string
		failure  string
	}{
		{name: "the button's id is sent",
			hola:     story.Turn{Replies: []story.Reply{{Text: "hold", Buttons: []string{"Transferir", "Liberar la reserva"}, ButtonIDs: []string{"t", "hold_liberar"}}}},
			wantTaps: []string{"hold_liberar=Liberar la reserva"}},
		{name: "no such button",
			hola:    story.Turn{Replies: []story.Reply{{Text: "hold", Buttons: []string{"Transferir"}, ButtonIDs: []string{"t"}}}},
			failure: `s.yaml:6: step 2 (tap "Liberar la reserva"): the bot showed no quick reply "Liberar la reserva"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bot := &scripted{turns: map[string]story.Turn{
				"hola":             tc.hola,
				"tap:hold_liberar": {Replies: []story.Reply{{Text: "Listo, liberé tu reserva"}}},
			}}
			res := story.Run(context.Background(), stories[0], func(context.Context, *story.Story) (story.Bot, error) { return bot, nil })
			if tc.failure != "" {
				assert.Equal(t, []string{tc.failure}, res.Failures)
				assert.Empty(t, bot.taps)
				return
			}
			assert.True(t, res.Passed(), "%v", res.Failures)
			assert.Equal(t, tc.wantTaps, bot.taps)
		})
	}
}
