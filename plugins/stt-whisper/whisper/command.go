package whisper

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

// maxOutput bounds what a command may print.
const maxOutput = 4 << 20

// command runs a configured recognizer on a WAV file.
type command struct {
	argv       []string
	outputFile string
}

func (c *command) transcribe(ctx context.Context, wav []byte, lang string) (transcript, error) {
	dir, err := os.MkdirTemp("", "conserje-stt-")
	if err != nil {
		return transcript{}, fmt.Errorf("stt temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	wavPath := filepath.Join(dir, "audio.wav")
	if err := os.WriteFile(wavPath, wav, 0o600); err != nil {
		return transcript{}, fmt.Errorf("stt temp file: %w", err)
	}
	if lang == "" {
		lang = "auto"
	}
	r := strings.NewReplacer("{wav}", wavPath, "{out}", filepath.Join(dir, "out"), "{lang}", lang)
	args := make([]string, len(c.argv))
	for i, a := range c.argv {
		args[i] = r.Replace(a)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...) //nolint:gosec // the host's configured command, run without a shell
	cmd.Dir = dir
	var stdout, stderr limitedBuffer
	stdout.limit, stderr.limit = maxOutput, 4096
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return transcript{}, fmt.Errorf("stt command %s: %w", args[0], ctx.Err())
		}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return transcript{}, fmt.Errorf("stt command %s failed (%s): %s", args[0], exitErr.ProcessState, lastLines(stderr.String()))
		}
		return transcript{}, fmt.Errorf("%w: run stt command %s: %w", plugin.ErrUnavailable, args[0], err)
	}
	if stdout.truncated {
		return transcript{}, fmt.Errorf("stt command %s printed more than %d bytes", args[0], maxOutput)
	}
	out := stdout.Bytes()
	if c.outputFile != "" {
		path := r.Replace(c.outputFile)
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		if out, err = os.ReadFile(path); err != nil { //nolint:gosec // a path the host configured
			return transcript{}, fmt.Errorf("stt command %s output file: %w", args[0], err)
		}
	}
	return parseOutput(out)
}

// limitedBuffer keeps the first limit bytes written and notes whether more came.
type limitedBuffer struct {
	bytes.Buffer
	limit     int
	truncated bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.Len(); room < len(p) {
		b.truncated = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

func lastLines(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 500 {
		s = "…" + s[len(s)-500:]
	}
	if s == "" {
		return "no message on stderr"
	}
	return s
}
