package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nluDialogs makes a dialogs dir holding the default intents.
func nluDialogs(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../../dialogs/intents.yaml")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "intents.yaml"), data, 0o644))
	// Other keys of dialog files are not the NLU's business.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "flows.yaml"), []byte("settings:\n  hold_minutes: 30\nslots: {}\n"), 0o644))
	return dir
}

func runNLUCommand(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&bytes.Buffer{})
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestNLUCommandPlainLines(t *testing.T) {
	dir := nluDialogs(t)
	out, err := runNLUCommand(t, "Hola, para 4 del 5 al 8/1\nquiero cancelar\r\n\n", "nlu", "--dialogs", dir, "--ref", "2026-11-28T10:00:00-03:00")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, "one answer per input line, blank ones too")
	assert.True(t, strings.HasPrefix(lines[0], `{"text":"Hola, para 4 del 5 al 8/1","intent":"disponibilidad","confidence":`), lines[0])
	assert.True(t, strings.HasSuffix(lines[0], `"check_in":"2027-01-05","check_out":"2027-01-08","guests":4,"adults":null,"children":null,"unit_type":null,"amenities":[],"ambiguous":[]}`), lines[0])
	var second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.Equal(t, "quiero cancelar", second["text"], "the carriage return is not part of the message")
	assert.Equal(t, "cancelar_modificar", second["intent"])
}

func TestNLUCommandJSONL(t *testing.T) {
	dir := nluDialogs(t)
	in := `{"text": "este finde somos 2", "ref": "2027-01-20T10:00:00-03:00", "intent": "ignored"}` + "\n" +
		`{"text": "este finde somos 2"}` + "\n"
	out, err := runNLUCommand(t, in, "nlu", "--jsonl", "--dialogs", dir, "--ref", "2027-01-27T10:00:00-03:00")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"check_in":"2027-01-22"`, "each line's own ref")
	assert.Contains(t, lines[1], `"check_in":"2027-01-29"`, "--ref when the line has none")
}

func TestNLUCommandErrors(t *testing.T) {
	dir := nluDialogs(t)
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
	}{
		{"bad ref", "", []string{"nlu", "--dialogs", dir, "--ref", "ayer"}, 2},
		{"bad threshold", "", []string{"nlu", "--dialogs", dir, "--threshold", "2"}, 2},
		{"no dialogs dir", "", []string{"nlu", "--dialogs", filepath.Join(dir, "nope")}, 2},
		{"bad json line", "hola\n", []string{"nlu", "--jsonl", "--dialogs", dir}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runNLUCommand(t, tc.stdin, tc.args...)
			var exit exitError
			require.True(t, asExit(err, &exit), "got %v", err)
			assert.Equal(t, tc.code, exit.code)
		})
	}
}

func TestNLUEvalCommand(t *testing.T) {
	dir := nluDialogs(t)
	file := filepath.Join(t.TempDir(), "gold.jsonl")
	require.NoError(t, os.WriteFile(file, []byte(
		`{"text": "hola", "ref": "2027-01-20T10:00:00-03:00", "intent": "saludo"}`+"\n"+
			`{"text": "del 5 al 8/1", "ref": "2026-11-28T10:00:00-03:00", "intent": "precio", "check_in": "2027-01-05"}`+"\n"), 0o644))
	out, err := runNLUCommand(t, "", "nlu", "eval", file, "--dialogs", dir)
	require.NoError(t, err, "eval exits 0 even with failures")
	assert.Contains(t, out, "intent       50.0%  (1/2)")
	assert.Contains(t, out, "check_in    100.0%  (1/1)")
	assert.Contains(t, out, "intent confusion")
	assert.Contains(t, out, `- line 2 "del 5 al 8/1"`)
}
