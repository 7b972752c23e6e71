package app_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/conserje/conserje/"

// TestDependenciesPointInward enforces architecture.md: sdk never imports core, plugins
// import only sdk, and no feature package imports core/web or core/admin.
func TestDependenciesPointInward(t *testing.T) {
	root := "../.."
	var violations []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bin", "data", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			target := strings.TrimPrefix(p, module)
			switch {
			case strings.HasPrefix(rel, "sdk/") && strings.HasPrefix(target, "core/"):
				violations = append(violations, rel+": sdk must not import "+target)
			case strings.HasPrefix(rel, "plugins/") && !strings.HasPrefix(target, "sdk") && !strings.HasPrefix(target, "plugins/"):
				violations = append(violations, rel+": plugins import only sdk, not "+target)
			case strings.HasPrefix(rel, "core/") && !strings.HasPrefix(rel, "core/app/") && !strings.HasPrefix(rel, "core/cmd/") &&
				!strings.HasPrefix(rel, "core/web/") && !strings.HasPrefix(rel, "core/admin/") &&
				(strings.HasPrefix(target, "core/web") || strings.HasPrefix(target, "core/admin")):
				violations = append(violations, rel+": feature packages must not import "+target)
			case strings.HasPrefix(target, "sdk/internal/") && !strings.HasPrefix(rel, "sdk/"):
				violations = append(violations, rel+": sdk/internal is private to the sdk, imported "+target)
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, violations)
}
