package sdk

import (
	"context"
	"fmt"
	"os"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/internal/transport"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

// ServeChannel runs p as a channel plugin process and returns when the host shuts it
// down. If p also implements channel.Puller, Receive is served too. It exits the process
// when started by hand (without the host's handshake) or when the host dies.
func ServeChannel(p channel.Plugin) { serve(plugin.KindChannel, p) }

// ServePayment runs p as a payment plugin process (see ServeChannel).
func ServePayment(p payment.Plugin) { serve(plugin.KindPayment, p) }

// ServeCalendar runs p as a calendar plugin process (see ServeChannel).
func ServeCalendar(p calendar.Plugin) { serve(plugin.KindCalendar, p) }

// ServeSTT runs p as a speech-to-text plugin process (see ServeChannel).
func ServeSTT(p speech.STTPlugin) { serve(plugin.KindSTT, p) }

// ServeTTS runs p as a text-to-speech plugin process (see ServeChannel).
func ServeTTS(p speech.TTSPlugin) { serve(plugin.KindTTS, p) }

// TraceID returns the request/trace id the host sent with the call whose ctx this is, or
// "" when it sent none. Put it in your logs.
func TraceID(ctx context.Context) string { return plugin.TraceID(ctx) }

// parentPollInterval is how often a plugin checks that the host is still alive.
const parentPollInterval = 500 * time.Millisecond

// stopGrace bounds Stop when the plugin shuts itself down because the host died.
const stopGrace = 2 * time.Second

func serve(kind plugin.Kind, impl plugin.Lifecycle) {
	set, err := transport.ServerPluginSet(kind, impl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conserje plugin:", err)
		os.Exit(1)
	}
	log := hclogger()
	go exitWithParent(os.Getppid(), impl, func() {
		log.Error("host process is gone; stopping")
		os.Exit(2)
	})
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: transport.Handshake(),
		Plugins:         set,
		GRPCServer:      transport.GRPCServer(log),
		Logger:          log,
	})
}

// exitWithParent watches the parent process: when the host dies (even by kill -9) the
// plugin is re-parented, its parent pid changes, and it stops and exits instead of
// running orphaned.
func exitWithParent(ppid int, impl plugin.Lifecycle, exit func()) {
	t := time.NewTicker(parentPollInterval)
	defer t.Stop()
	for range t.C {
		if os.Getppid() == ppid {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
		_ = impl.Stop(ctx)
		cancel()
		exit()
		return
	}
}
