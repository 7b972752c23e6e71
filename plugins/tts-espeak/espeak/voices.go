package espeak

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"

	"github.com/conserje/conserje/sdk/plugin"
)

// voiceList is the voices an espeak-ng binary knows, listed once: espeak-ng silently
// falls back to English for a voice it lacks, which would say Spanish text in English.
type voiceList struct {
	once  sync.Once
	names map[string]bool
	err   error
}

var (
	voiceListsMu sync.Mutex
	voiceLists   = map[string]*voiceList{}
)

// knownVoice reports whether espeak-ng at bin accepts voice (variants like "+f3" aside).
func knownVoice(ctx context.Context, bin, voice string) error {
	voiceListsMu.Lock()
	vl, ok := voiceLists[bin]
	if !ok {
		vl = &voiceList{}
		voiceLists[bin] = vl
	}
	voiceListsMu.Unlock()
	vl.once.Do(func() { vl.names, vl.err = listVoices(ctx, bin) })
	if vl.err != nil {
		return vl.err
	}
	base := strings.ToLower(voice)
	if i := strings.IndexByte(base, '+'); i >= 0 {
		base = base[:i]
	}
	if !vl.names[base] {
		return fmt.Errorf("%w: espeak-ng has no voice %q (see espeak-ng --voices)", plugin.ErrInvalidRequest, voice)
	}
	return nil
}

// listVoices reads `espeak-ng --voices`: languages, other languages, names and files.
func listVoices(ctx context.Context, bin string) (map[string]bool, error) {
	out, err := exec.CommandContext(ctx, bin, "--voices").Output() //nolint:gosec // the configured espeak-ng binary
	if err != nil {
		return nil, fmt.Errorf("%w: list espeak-ng voices: %w", plugin.ErrUnavailable, err)
	}
	names := map[string]bool{}
	for i, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 5 {
			continue // the header
		}
		// Pty Language Age/Gender VoiceName File (other-lang prio)...
		names[strings.ToLower(f[1])] = true
		names[strings.ToLower(f[3])] = true
		names[strings.ToLower(f[4])] = true
		if j := strings.LastIndexByte(f[4], '/'); j >= 0 {
			names[strings.ToLower(f[4][j+1:])] = true
		}
		for _, other := range f[5:] {
			if strings.HasPrefix(other, "(") {
				names[strings.ToLower(strings.TrimPrefix(other, "("))] = true
			}
		}
	}
	return names, nil
}
