package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChatSendsNumbersAsTyped: the terminal shows quick replies numbered but sends "2"
// as typed; the dialog picks the option listed second, as on WhatsApp and the web chat.
func TestChatSendsNumbersAsTyped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(noPlugins+repoDialogs(t)), 0o600))
	tests := []struct {
		name, pick, held string
	}{
		{name: "bare number", pick: "2", held: "Cabaña Robles"},
		{name: "number with words", pick: "la 3 porfa", held: "Cabaña Coihue"},
		{name: "first", pick: "1", held: "Depto Centro"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(binary, "--config", cfg, "chat", "--now", "2026-11-28T10:00:00-03:00")
			cmd.Dir = dir
			cmd.Env = append(cleanEnv(), "TMPDIR="+t.TempDir())
			cmd.Stdin = strings.NewReader("para 2 del 5 al 8/1\n" + tc.pick + "\n/quit\n")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), stderr.String())
			out := stdout.String()
			assert.Contains(t, out, "[1] Depto Centro  [2] Cabaña Robles  [3] Cabaña Coihue")
			assert.NotContains(t, out, "  ("+tc.held+")", "the terminal does not translate the number itself")
			assert.Contains(t, out, "Te guardo "+tc.held)
		})
	}
}
