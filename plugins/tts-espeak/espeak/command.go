package espeak

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/conserje/conserje/sdk/plugin"
)

// maxCommandOutput bounds the audio a command may produce.
const maxCommandOutput = 64 << 20

// runCommand runs the host's speech command: the text on stdin and in {text_file}, the
// audio read from {out} when the arguments use it, else from stdout.
func runCommand(ctx context.Context, argv []string, text, voice, lang string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "conserje-tts-")
	if err != nil {
		return nil, fmt.Errorf("tts temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	textFile, outFile := filepath.Join(dir, "text.txt"), filepath.Join(dir, "out.wav")
	if err := os.WriteFile(textFile, []byte(text), 0o600); err != nil {
		return nil, fmt.Errorf("tts temp file: %w", err)
	}
	r := strings.NewReplacer("{text_file}", textFile, "{out}", outFile, "{voice}", voice, "{lang}", lang)
	usesOut := false
	args := make([]string, len(argv))
	for i, a := range argv {
		usesOut = usesOut || strings.Contains(a, "{out}")
		args[i] = r.Replace(a)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...) //nolint:gosec // the host's configured command, run without a shell
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(text)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("tts command %s: %w", args[0], ctx.Err())
		}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			msg := strings.TrimSpace(stderr.String())
			if len(msg) > 500 {
				msg = "…" + msg[len(msg)-500:]
			}
			return nil, fmt.Errorf("tts command %s failed (%s): %s", args[0], exitErr.ProcessState, msg)
		}
		return nil, fmt.Errorf("%w: run tts command %s: %w", plugin.ErrUnavailable, args[0], err)
	}
	out := stdout.Bytes()
	if usesOut {
		if out, err = os.ReadFile(outFile); err != nil {
			return nil, fmt.Errorf("tts command %s wrote no {out} file: %w", args[0], err)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("tts command %s produced no audio", args[0])
	}
	if len(out) > maxCommandOutput {
		return nil, fmt.Errorf("tts command %s produced more than %d bytes", args[0], maxCommandOutput)
	}
	return out, nil
}
