package plugintest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/internal/transport"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

// Channel is the host side of an in-process channel pair: the channel contract plus
// Receive.
type Channel interface {
	channel.Plugin
	channel.Puller
	channel.Acker
}

// Calendar serves impl in-process and returns the host's client of it; both end when the
// test does.
func Calendar(t testing.TB, impl calendar.Plugin) calendar.Plugin {
	return pair(t, plugin.KindCalendar, impl).(calendar.Plugin)
}

// ChannelPair serves impl in-process and returns the host's client of it.
func ChannelPair(t testing.TB, impl channel.Plugin) Channel {
	return pair(t, plugin.KindChannel, impl).(Channel)
}

// Payment serves impl in-process and returns the host's client of it.
func Payment(t testing.TB, impl payment.Plugin) payment.Plugin {
	return pair(t, plugin.KindPayment, impl).(payment.Plugin)
}

// STT serves impl in-process and returns the host's client of it.
func STT(t testing.TB, impl speech.STTPlugin) speech.STTPlugin {
	return pair(t, plugin.KindSTT, impl).(speech.STTPlugin)
}

// TTS serves impl in-process and returns the host's client of it.
func TTS(t testing.TB, impl speech.TTSPlugin) speech.TTSPlugin {
	return pair(t, plugin.KindTTS, impl).(speech.TTSPlugin)
}

// pairStartTimeout bounds the in-process server's start.
const pairStartTimeout = 10 * time.Second

func pair(t testing.TB, kind plugin.Kind, impl plugin.Lifecycle) any {
	t.Helper()
	set, err := transport.ServerPluginSet(kind, impl)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	logOut := &testLogWriter{t: t}
	logger := hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Info, Output: logOut})

	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *goplugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: transport.Handshake(),
		Plugins:         set,
		GRPCServer:      transport.GRPCServer(logger),
		Logger:          logger,
		Test: &goplugin.ServeTestConfig{
			Context:          ctx,
			ReattachConfigCh: reattach,
			CloseCh:          closed,
		},
	})
	var rc *goplugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-time.After(pairStartTimeout):
		cancel()
		t.Fatalf("plugintest: the in-process %s plugin did not start within %s", kind, pairStartTimeout)
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  transport.Handshake(),
		Plugins:          transport.ClientPluginSet(),
		Reattach:         rc,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           logger.Named("host"),
		GRPCDialOptions:  transport.DialOptions(),
	})
	rpc, err := client.Client()
	if err != nil {
		cancel()
		t.Fatalf("plugintest: connect to the in-process %s plugin: %v", kind, err)
	}
	raw, err := rpc.Dispense(string(kind))
	if err != nil {
		cancel()
		t.Fatalf("plugintest: dispense %s: %v", kind, err)
	}
	t.Cleanup(func() {
		// Close asks the server to shut down through go-plugin's controller; cancelling
		// the serve context at the same time would stop it twice (a race in go-plugin),
		// so cancel only if the shutdown does not arrive.
		_ = rpc.Close()
		select {
		case <-closed:
		case <-time.After(pairStartTimeout):
			cancel()
			<-closed
		}
		cancel()
		logOut.stop()
	})
	return raw
}

// testLogWriter sends the plugin's log lines to t.Log until the test ends (logging after
// that panics).
type testLogWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLogWriter) stop() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}
