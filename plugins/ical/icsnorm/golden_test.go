package icsnorm

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// goldenOutput is the whole normalized result of one file, as JSON.
type goldenOutput struct {
	Error    string    `json:"error,omitempty"`
	Events   int       `json:"events"`
	Empty    bool      `json:"empty"`
	Blocks   []Block   `json:"blocks"`
	Warnings []Warning `json:"warnings"`
}

func goldenPlatform(name string) Platform {
	if strings.HasPrefix(name, "vrbo") {
		return PlatformVrbo
	}
	return samplePlatform(name)
}

func TestGolden(t *testing.T) {
	_, base := loadExpected(t)
	files, err := filepath.Glob(filepath.Join("testdata", "samples", "*.ics"))
	require.NoError(t, err)
	cases, err := filepath.Glob(filepath.Join("testdata", "cases", "*.ics"))
	require.NoError(t, err)
	files = append(files, cases...)
	require.NotEmpty(t, files)
	for _, path := range files {
		name := filepath.Base(path)
		if strings.HasPrefix(name, "large_") {
			continue // checked against its canonical listing in TestSamples
		}
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(path)
			require.NoError(t, err)
			opts := base
			opts.Platform = goldenPlatform(name)
			var out goldenOutput
			res, err := Normalize(body, opts)
			if err != nil {
				out.Error = err.Error()
			} else {
				out.Events, out.Empty, out.Blocks, out.Warnings = res.Events, res.Empty, res.Blocks, res.Warnings
			}
			got, err := json.MarshalIndent(out, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			goldenPath := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".ics")+".json")
			if *update {
				require.NoError(t, os.WriteFile(goldenPath, got, 0o644))
				return
			}
			want, err := os.ReadFile(goldenPath)
			require.NoError(t, err, "run go test -update to create it")
			assert.Equal(t, string(want), string(got))
		})
	}
}
