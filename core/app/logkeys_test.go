package app_test

import (
	"go/ast"
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

// TestLogKeysAreTheConstants keeps one name per thing in the logs: an error is logged as
// "err" (obs.KeyErr), never "error", so one log query finds every failure. It reads every
// slog call (Info, Warn, Error, Debug, their Context forms, Log) in the core, the SDK and
// the plugins and refuses "error" as a key.
func TestLogKeysAreTheConstants(t *testing.T) {
	t.Parallel()
	root := "../.."
	logFuncs := map[string]int{ // name → index of the first key/value argument
		"Debug": 1, "Info": 1, "Warn": 1, "Error": 1,
		"DebugContext": 2, "InfoContext": 2, "WarnContext": 2, "ErrorContext": 2, "Log": 3,
	}
	var bad []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bin", "data", "node_modules", "testdata", "pb":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			first, ok := logFuncs[sel.Sel.Name]
			if !ok {
				return true
			}
			for i := first; i < len(call.Args); i += 2 {
				lit, ok := call.Args[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				if key, _ := strconv.Unquote(lit.Value); key == "error" {
					bad = append(bad, fset.Position(lit.Pos()).String())
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, bad, `log errors under "err" (obs.KeyErr), not "error"`)
}
