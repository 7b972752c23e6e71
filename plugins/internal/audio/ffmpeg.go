package audio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrUndecodable means ffmpeg could not read the input as audio.
var ErrUndecodable = errors.New("audio not decodable")

// RecognizerRate is the sample rate speech recognizers (whisper, pocketsphinx) expect.
const RecognizerRate = 16000

// FFmpeg runs the ffmpeg binary at Path ("ffmpeg" from PATH when empty).
type FFmpeg struct {
	Path string
}

func (f FFmpeg) bin() string {
	if f.Path == "" {
		return "ffmpeg"
	}
	return f.Path
}

// Check says whether the binary can be found.
func (f FFmpeg) Check() error {
	if _, err := exec.LookPath(f.bin()); err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	return nil
}

// ToWAV converts audio in any format ffmpeg reads into mono 16-bit PCM WAV at rate Hz.
// maxSeconds > 0 keeps only the first maxSeconds of the audio. A WAV that is already in
// that format is returned as it is (cut to maxSeconds), without running ffmpeg.
func (f FFmpeg) ToWAV(ctx context.Context, in []byte, rate int, maxSeconds float64) ([]byte, error) {
	if info, err := ParseWAV(in); err == nil && info.Format == 1 && info.Channels == 1 && info.BitsPerSample == 16 && info.SampleRate == rate {
		return cutWAV(in, info, maxSeconds), nil
	}
	args := []string{"-vn", "-map", "0:a:0", "-ac", "1", "-ar", strconv.Itoa(rate), "-c:a", "pcm_s16le", "-f", "wav"}
	if maxSeconds > 0 {
		args = append([]string{"-t", strconv.FormatFloat(maxSeconds, 'f', 3, 64)}, args...)
	}
	return f.run(ctx, in, args, "out.wav")
}

// ToOpus encodes audio (usually WAV) as mono OGG/Opus at bitrateKbps, the format
// WhatsApp shows as a voice note.
func (f FFmpeg) ToOpus(ctx context.Context, in []byte, bitrateKbps int) ([]byte, error) {
	args := []string{"-vn", "-ac", "1", "-ar", "48000", "-c:a", "libopus", "-b:a", strconv.Itoa(bitrateKbps) + "k",
		"-application", "voip", "-f", "ogg"}
	return f.run(ctx, in, args, "out.ogg")
}

// run writes in to a temporary file (some containers, e.g. MP4 with the index at the end,
// cannot be read from a pipe), runs ffmpeg with args between input and output, and
// returns the output file.
func (f FFmpeg) run(ctx context.Context, in []byte, args []string, outName string) ([]byte, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: no audio", ErrUndecodable)
	}
	dir, err := os.MkdirTemp("", "conserje-audio-")
	if err != nil {
		return nil, fmt.Errorf("ffmpeg temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	inPath, outPath := filepath.Join(dir, "in"), filepath.Join(dir, outName)
	if err := os.WriteFile(inPath, in, 0o600); err != nil {
		return nil, fmt.Errorf("ffmpeg input: %w", err)
	}
	full := append([]string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", inPath}, args...)
	full = append(full, outPath)
	cmd := exec.CommandContext(ctx, f.bin(), full...) //nolint:gosec // the configured ffmpeg binary, arguments built here
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ffmpeg: %w", ctx.Err())
		}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return nil, fmt.Errorf("%w: ffmpeg: %s", ErrUndecodable, lastLine(stderr.String()))
		}
		return nil, fmt.Errorf("run ffmpeg: %w", err)
	}
	out, err := os.ReadFile(outPath)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg output: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: ffmpeg produced nothing", ErrUndecodable)
	}
	return out, nil
}

// lastLine keeps ffmpeg's last stderr line, which names the problem, within bounds.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	if s == "" {
		return "failed without a message"
	}
	return s
}
