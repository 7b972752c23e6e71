package pb_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGeneratedCodeIsCurrent regenerates the protocol into a temporary directory and
// compares it with the committed files: a .proto edited without `make generate` fails.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("regeneration installs the generators; skipped with -short")
	}
	if _, err := exec.LookPath("protoc"); err != nil {
		t.Skip("protoc not installed (apt-get install -y protobuf-compiler); CI installs it")
	}
	out := t.TempDir()
	cmd := exec.Command("bash", "../../proto/generate.sh", "--out", out)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", msg)

	fresh, err := filepath.Glob(filepath.Join(out, "*.pb.go"))
	require.NoError(t, err)
	committed, err := filepath.Glob("*.pb.go")
	require.NoError(t, err)
	require.Len(t, fresh, len(committed), "same set of generated files")
	for _, f := range fresh {
		want, err := os.ReadFile(f)
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Base(f))
		require.NoError(t, err, "generated file %s is not committed", filepath.Base(f))
		assert.Equal(t, string(want), string(got), "%s is stale: run make generate", filepath.Base(f))
	}
}
