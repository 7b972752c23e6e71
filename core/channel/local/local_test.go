package local_test

import (
	"context"
	"testing"
	"time"

	"github.com/conserje/conserje/core/channel/local"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/dialog/story"
	"github.com/conserje/conserje/core/receptionist"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shipped is the dialog and messages the server runs.
var shipped = dialog.Sources{Dialogs: "../../../dialogs", Locales: "../../../locales"}

func TestBotOnAFreshDemoCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tmpl, err := local.NewDemoTemplate(ctx, dir)
	require.NoError(t, err)
	models := &receptionist.Models{}
	newBot := local.StoryBots(tmpl, dir, local.Options{Sources: shipped, Models: models})
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
	assert.Equal(t, 1, models.Trained(), "the NLU is trained once for every story")
}

// TestBotRunsTheServersWiring: the in-process bot is wired like the server
// (core/receptionist), so the configuration's booking limits reach the dialog.
func TestBotRunsTheServersWiring(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tmpl, err := local.NewDemoTemplate(ctx, dir)
	require.NoError(t, err)
	start := time.Date(2026, 11, 28, 10, 0, 0, 0, time.FixedZone("-03", -3*3600))
	tests := []struct {
		name, text string
		opts       local.Options
		want       string
	}{
		{name: "max_nights of the configuration", text: "para 2 del 1/2 al 15/3", opts: local.Options{MaxNights: 30}, want: "hasta 30 noches"},
		{name: "default max_nights", text: "para 2 del 1/2 al 15/6", want: "hasta 90 noches"},
		{name: "a position picks the option as listed", text: "para 2 del 5 al 8/1", want: "Cabaña Robles"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Sources = shipped
			bot, err := local.StoryBots(tmpl, dir, opts)(ctx, &story.Story{Now: start})
			require.NoError(t, err)
			defer bot.Close()
			turn, err := bot.Say(ctx, tc.text, start)
			require.NoError(t, err)
			if tc.name == "a position picks the option as listed" {
				require.NotEmpty(t, turn.Replies)
				require.Equal(t, []string{"Depto Centro", "Cabaña Robles", "Cabaña Coihue"}, turn.Replies[len(turn.Replies)-1].Buttons)
				turn, err = bot.Say(ctx, "2", start.Add(time.Minute))
				require.NoError(t, err)
			}
			var all string
			for _, r := range turn.Replies {
				all += r.Text + "\n"
			}
			assert.Contains(t, all, tc.want)
		})
	}
}
