package local_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/conserje/conserje/core/channel/local"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/dialog/story"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeNLU map[string]dialog.Understanding

func (f fakeNLU) Understand(text string, _ time.Time) dialog.Understanding {
	if u, ok := f[text]; ok {
		return u
	}
	return dialog.Understanding{Intent: "fallback", Confidence: 0.1}
}

var nlu = fakeNLU{
	"para 4 del 5 al 8/1":           {Intent: "disponibilidad", Confidence: 0.9, CheckIn: "2027-01-05", CheckOut: "2027-01-08", Guests: 4},
	"Cabaña Robles":                 {Intent: "reservar", Confidence: 0.5, UnitType: "cabaña"},
	"quiero hablar con una persona": {Intent: "hablar_humano", Confidence: 0.9},
	"hola":                          {Intent: "saludo", Confidence: 0.9},
}

// sources is the shipped dialog with the engine tests' intents (the fake NLU only needs names).
func sources(t *testing.T) dialog.Sources {
	t.Helper()
	dir := t.TempDir()
	for src, dst := range map[string]string{"../../../dialogs/receptionist.yaml": "receptionist.yaml", "../../dialog/testdata/intents.yaml": "intents.yaml"} {
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, dst), b, 0o644))
	}
	return dialog.Sources{Dialogs: dir, Locales: "../../../locales"}
}

func TestBotOnAFreshDemoCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tmpl, err := local.NewDemoTemplate(ctx, dir)
	require.NoError(t, err)
	trains := 0
	train := local.CachedTrain(func(map[string][]string) (dialog.Understander, error) { trains++; return nlu, nil })
	newBot := local.StoryBots(tmpl, dir, sources(t), train)
	start := time.Date(2026, 11, 28, 10, 0, 0, 0, time.FixedZone("-03", -3*3600))

	for round := 0; round < 2; round++ {
		bot, err := newBot(ctx, &story.Story{Now: start})
		require.NoError(t, err)
		turn, err := bot.Say(ctx, "para 4 del 5 al 8/1", start)
		require.NoError(t, err)
		require.Len(t, turn.Replies, 1)
		assert.Equal(t, []string{"Cabaña Robles", "Cabaña Coihue"}, turn.Replies[0].Buttons)
		assert.Equal(t, "disponibilidad", turn.Intent)
		assert.Equal(t, int64(4), turn.Slots["guests"])

		turn, err = bot.Say(ctx, "Cabaña Robles", start.Add(time.Minute))
		require.NoError(t, err)
		assert.Contains(t, turn.Replies[0].Text, "RES270105001", "each copy starts empty: the same first code every round")

		turn, err = bot.Confirm(ctx, "RES270105001", start.Add(10*time.Minute))
		require.NoError(t, err)
		require.Len(t, turn.Replies, 1)
		assert.Contains(t, turn.Replies[0].Text, "¡Reserva confirmada!")

		turn, err = bot.Say(ctx, "quiero hablar con una persona", start.Add(11*time.Minute))
		require.NoError(t, err)
		assert.True(t, turn.Escalated)
		turn, err = bot.Say(ctx, "hola", start.Add(12*time.Minute))
		require.NoError(t, err)
		assert.Empty(t, turn.Replies)
		turn, err = bot.Release(ctx, start.Add(13*time.Minute))
		require.NoError(t, err)
		assert.False(t, turn.Escalated)
		require.NoError(t, bot.Close())
	}
	assert.Equal(t, 1, trains, "the NLU is trained once for every story")
}
