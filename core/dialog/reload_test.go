package dialog_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conserje/conserje/core/dialog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// editable copies the default dialog and locales into a temporary folder.
func editable(t *testing.T, reg *dialog.Registry) (dialog.Sources, *dialog.Reloader, *bytes.Buffer) {
	t.Helper()
	root := t.TempDir()
	src := dialog.Sources{Dialogs: filepath.Join(root, "dialogs"), Locales: filepath.Join(root, "locales")}
	require.NoError(t, os.MkdirAll(src.Dialogs, 0o755))
	require.NoError(t, os.MkdirAll(src.Locales, 0o755))
	copyFile := func(from, to string) {
		b, err := os.ReadFile(from)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(to, b, 0o644))
	}
	copyFile("../../dialogs/receptionist.yaml", filepath.Join(src.Dialogs, "receptionist.yaml"))
	copyFile("testdata/intents.yaml", filepath.Join(src.Dialogs, "intents.yaml"))
	for _, l := range []string{"es-AR", "en", "pt-BR"} {
		copyFile("../../locales/"+l+".yaml", filepath.Join(src.Locales, l+".yaml"))
	}
	var logs bytes.Buffer
	rl, err := dialog.NewReloader(src, reg, func(map[string][]string) (dialog.Understander, error) { return nlu, nil },
		dialog.Options{Ambient: property{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	return src, rl, &logs
}

func greet(t *testing.T, e *dialog.Engine) string {
	t.Helper()
	out, err := e.Turn(context.Background(), &dialog.State{}, dialog.Input{Text: "hola", Now: at("2026-11-28 10:00")})
	require.NoError(t, err)
	return text(out)
}

func edit(t *testing.T, path, from, to string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), from)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), from, to, 1)), 0o644))
}

func TestReloadKeepsThePreviousVersionOnABadEdit(t *testing.T) {
	reg := dialog.NewRegistry()
	(&fakeBooking{}).register(t, reg)
	src, rl, logs := editable(t, reg)
	reloaded := 0
	rl.OnReload(func(*dialog.Engine) { reloaded++ })
	before := rl.Engine()
	assert.Contains(t, greet(t, before), "Soy el asistente de reservas")

	edit(t, filepath.Join(src.Locales, "es-AR.yaml"), "Soy el asistente de reservas", "Soy Robi, el asistente")
	require.NoError(t, rl.Reload())
	assert.Contains(t, greet(t, rl.Engine()), "Soy Robi, el asistente")
	assert.Equal(t, 1, reloaded)

	dialogFile := filepath.Join(src.Dialogs, "receptionist.yaml")
	body, err := os.ReadFile(dialogFile)
	require.NoError(t, err)
	line := strings.Count(string(body[:strings.Index(string(body), "      - say: saludo\n")]), "\n") + 1
	edit(t, dialogFile, "      - say: saludo\n", "      - say: saludoo\n")
	err = rl.Reload()
	require.Error(t, err)
	problems := dialog.Problems(err)
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0].String(), fmt.Sprintf(`receptionist.yaml:%d:14: unknown template key "saludoo"`, line))
	assert.Contains(t, greet(t, rl.Engine()), "Soy Robi", "the last good version keeps answering")
	assert.Equal(t, 1, reloaded)
	assert.Contains(t, logs.String(), "dialog reload rejected")
}

func TestReloaderWatchesTheFolders(t *testing.T) {
	reg := dialog.NewRegistry()
	(&fakeBooking{}).register(t, reg)
	src, rl, _ := editable(t, reg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- rl.Run(ctx) }()
	changed := make(chan struct{}, 1)
	rl.OnReload(func(*dialog.Engine) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	// The watcher may start after the first write; keep editing until a reload happens.
	deadline := time.After(10 * time.Second)
	for i := 0; ; i++ {
		edit(t, filepath.Join(src.Locales, "es-AR.yaml"), "Soy el asistente de reservas", "Soy el asistente de reservas")
		select {
		case <-changed:
			cancel()
			require.NoError(t, <-done)
			return
		case <-deadline:
			t.Fatal("no reload after editing a locale file")
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func TestValidateReportsEveryKindOfProblemAtOnce(t *testing.T) {
	reg := dialog.NewRegistry()
	(&fakeBooking{}).register(t, reg)
	src, _, _ := editable(t, reg)
	dialogFile := filepath.Join(src.Dialogs, "receptionist.yaml")
	edit(t, dialogFile, "  session_timeout: 12h", "  session_timeout: 12 horas")
	edit(t, dialogFile, "      - say: saludo\n", "      - say: saludox\n")
	edit(t, dialogFile, "ask: [check_in, check_out, guests]", "ask: [check_in, check_out, huespedes]")
	edit(t, filepath.Join(src.Locales, "en.yaml"), `pedir_personas: "How many people would it be for?"`, "")
	var got []string
	for _, p := range dialog.Validate(src, reg) {
		got = append(got, strings.TrimPrefix(p.String(), filepath.Dir(src.Dialogs)+"/"))
	}
	want := []string{
		`schema: /settings/session_timeout: '12 horas' does not match pattern`,
		`unknown template key "saludox" (missing in es-AR, en, pt-BR)`,
		`undeclared slot "huespedes"`,
		`unknown template key "pedir_personas" (missing in en)`,
		`message "pedir_personas" is missing in`,
	}
	joined := strings.Join(got, "\n")
	for _, w := range want {
		assert.Contains(t, joined, w)
	}
	assert.True(t, strings.HasPrefix(got[0], "dialogs/receptionist.yaml:"), "sorted by file: %v", got)
}

// TestRetrainSwapsTheUnderstanderWithoutReadingTheFiles: a retrain (the holiday calendar
// changed) trains the running dialog anew and swaps the engine; the engine a turn in
// flight holds keeps its understander, a broken file on disk is not read, and later
// reloads train with the new trainer.
func TestRetrainSwapsTheUnderstanderWithoutReadingTheFiles(t *testing.T) {
	reg := dialog.NewRegistry()
	(&fakeBooking{}).register(t, reg)
	src, rl, _ := editable(t, reg)
	swapped := 0
	rl.OnReload(func(*dialog.Engine) { swapped++ })
	before := rl.Engine()
	greeting := greet(t, before)
	require.Contains(t, greeting, "Soy el asistente de reservas")

	// "hola" now reads as a request for a person: the new understander answers.
	handoff := fakeNLU{"hola": {Intent: "hablar_humano", Confidence: 0.95}}
	var trainedWith map[string][]string
	edit(t, filepath.Join(src.Locales, "es-AR.yaml"), "Soy el asistente de reservas", "{{ broken")
	require.NoError(t, rl.Retrain(func(ex map[string][]string) (dialog.Understander, error) {
		trainedWith = ex
		return handoff, nil
	}))
	assert.NotEmpty(t, trainedWith, "trained from the running dialog's intents")
	assert.Equal(t, 1, swapped, "listeners see the new engine")
	after := rl.Engine()
	require.NotSame(t, before, after)
	assert.NotContains(t, greet(t, after), "Soy el asistente de reservas", "the new understander reads the turn")
	assert.Equal(t, greeting, greet(t, before), "a turn in flight keeps its engine")

	failing := func(map[string][]string) (dialog.Understander, error) { return nil, fmt.Errorf("no examples") }
	require.Error(t, rl.Retrain(failing))
	assert.Same(t, after, rl.Engine(), "a failed retrain keeps the running engine")
	assert.Equal(t, 1, swapped)

	edit(t, filepath.Join(src.Locales, "es-AR.yaml"), "{{ broken", "Soy Robi")
	trainedWith = nil
	require.NoError(t, rl.Reload())
	assert.NotEmpty(t, trainedWith, "a file reload trains with the retrained trainer")
	assert.NotContains(t, greet(t, rl.Engine()), "Soy Robi")
}
