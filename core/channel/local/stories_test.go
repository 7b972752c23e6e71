package local_test

import (
	"context"
	"strings"
	"testing"

	"github.com/conserje/conserje/core/channel/local"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/dialog/story"
	"github.com/stretchr/testify/require"
)

// TestStories replays every story of dialogs/tests with the real NLU on a fresh copy of
// the demo, as `conserje dialog test` does, so `make test` runs them.
func TestStories(t *testing.T) {
	ctx := context.Background()
	stories, err := story.LoadDir("../../../dialogs/tests")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(stories), 25)
	dir := t.TempDir()
	tmpl, err := local.NewDemoTemplate(ctx, dir)
	require.NoError(t, err)
	newBot := local.StoryBots(tmpl, dir, local.Options{Sources: dialog.Sources{Dialogs: "../../../dialogs", Locales: "../../../locales"}})
	for _, s := range stories {
		t.Run(s.Name, func(t *testing.T) {
			res := story.Run(ctx, s, newBot)
			if !res.Passed() {
				t.Errorf("%s\nconversation:\n  %s", strings.Join(res.Failures, "\n"), strings.Join(res.Transcript, "\n  "))
			}
		})
	}
}
