// Command misbehave is a test-only STT plugin whose calls misbehave on request: the audio
// bytes say what to do ("ok", "pid", "env", "panic", "exit", "sleep"), and settings make it
// crash at Configure, take configure_delay_ms to Configure (a model loading), hang at
// health pings or hang at Stop. pluginhost's tests drive it through
// go-plugin.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/conserje/conserje/sdk"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

type misbehave struct{ hangHealth, hangStop atomic.Bool }

func (m *misbehave) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{Kind: plugin.KindSTT, Name: "misbehave", Version: "0.0.1"}, nil
}

func (m *misbehave) Configure(_ context.Context, req plugin.ConfigureRequest) error {
	if req.Settings["exit_on_configure"] == true {
		os.Exit(4)
	}
	// Until the file named exists: a provider outage at configure, or a crash.
	if path, ok := req.Settings["unavailable_until"].(string); ok {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("provider unreachable: %w", plugin.ErrUnavailable)
		}
	}
	if path, ok := req.Settings["crash_until"].(string); ok {
		if _, err := os.Stat(path); err != nil {
			os.Exit(5)
		}
	}
	if ms, ok := req.Settings["configure_delay_ms"].(float64); ok {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	m.hangHealth.Store(req.Settings["hang_health"] == true)
	m.hangStop.Store(req.Settings["hang_stop"] == true)
	return nil
}

func (m *misbehave) Stop(context.Context) error {
	if m.hangStop.Load() {
		time.Sleep(time.Hour)
	}
	return nil
}

func (m *misbehave) Health(ctx context.Context) error {
	if m.hangHealth.Load() {
		<-ctx.Done()
		time.Sleep(time.Hour) // a hung process does not even notice its deadline
	}
	return nil
}

func (m *misbehave) Transcribe(ctx context.Context, req speech.TranscribeRequest) (speech.TranscribeResponse, error) {
	switch string(req.Audio) {
	case "ok":
		return speech.TranscribeResponse{Text: "ok", Confidence: 1}, nil
	case "pid":
		return speech.TranscribeResponse{Text: strconv.Itoa(os.Getpid())}, nil
	case "env":
		return speech.TranscribeResponse{Text: strings.Join(os.Environ(), "\n")}, nil
	case "panic":
		panic("misbehave asked to panic")
	case "exit":
		os.Exit(3)
	case "sleep":
		<-ctx.Done()
		return speech.TranscribeResponse{}, ctx.Err()
	}
	return speech.TranscribeResponse{}, fmt.Errorf("%w: unknown command %q", plugin.ErrInvalidRequest, req.Audio)
}

func main() {
	sdk.ServeSTT(&misbehave{})
}
