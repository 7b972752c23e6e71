// Package audiotest makes real voice notes for tests: text spoken by espeak-ng and
// encoded by ffmpeg as WhatsApp does (OGG/Opus, mono). Tests that need the binaries skip
// with a clear message when they are missing, and fail instead when CI=true.
package audiotest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/conserje/conserje/plugins/internal/audio"
)

// Require skips (or, under CI=true, fails) the test unless every binary is on PATH.
func Require(t testing.TB, binaries ...string) {
	t.Helper()
	for _, b := range binaries {
		if _, err := exec.LookPath(b); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required in CI (installed by .ci/run): %v", b, err)
			}
			t.Skipf("%s not installed (apt-get install ffmpeg espeak-ng pocketsphinx pocketsphinx-en-us): %v", b, err)
		}
	}
}

// Speech returns text spoken by espeak-ng with voice (e.g. "es-419", "en-us") at rate
// words per minute, as WAV.
func Speech(t testing.TB, text, voice string, rate int) []byte {
	t.Helper()
	Require(t, "espeak-ng")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "espeak-ng", "-v", voice, "-s", strconv.Itoa(rate), "--stdin", "--stdout")
	cmd.Stdin = bytes.NewBufferString(text)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, stderr.String())
	}
	return out.Bytes()
}

// VoiceNote returns text spoken by espeak-ng and encoded as a WhatsApp-style voice note
// (OGG/Opus, mono, 24 kb/s).
func VoiceNote(t testing.TB, text, voice string) []byte {
	t.Helper()
	return Opus(t, Speech(t, text, voice, 150))
}

// Opus encodes audio as OGG/Opus with ffmpeg.
func Opus(t testing.TB, in []byte) []byte {
	t.Helper()
	Require(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := audio.FFmpeg{}.ToOpus(ctx, in, 24)
	if err != nil {
		t.Fatalf("encode voice note: %v", err)
	}
	return out
}
