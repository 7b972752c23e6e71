package spec_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conserje/conserje/core/dialog/spec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite dialogs/schema.json from the embedded schema")

const dialogsDir = "../../../dialogs"

// The schema editors read (dialogs/schema.json) must be the one validate uses.
func TestDialogsSchemaIsTheEmbeddedOne(t *testing.T) {
	path := filepath.Join(dialogsDir, "schema.json")
	if *update {
		require.NoError(t, os.WriteFile(path, spec.SchemaJSON, 0o644))
	}
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(spec.SchemaJSON), string(got), "run go test ./core/dialog/spec -update")
}

func TestEveryDialogFileHasTheSchemaModeline(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(dialogsDir, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		first, _, _ := strings.Cut(string(b), "\n")
		assert.Equal(t, "# yaml-language-server: $schema=./schema.json", first, f)
	}
}
