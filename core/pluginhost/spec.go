package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conserje/conserje/sdk/plugin"
)

// Spec is one plugin to supervise; the app converts config into it.
type Spec struct {
	// Name is the instance name: logs, metrics and accessors use it.
	Name string
	// Kind, when set, must match what the plugin says at Describe.
	Kind plugin.Kind
	// Path of the plugin binary.
	Path string
	// SHA256, when set, is checked before every start.
	SHA256 string
	// Settings are handed to the plugin at Configure (after every start).
	Settings map[string]any
	// CallTimeout is the deadline of every call; 0 means DefaultCallTimeout.
	CallTimeout time.Duration
	// StartTimeout bounds this plugin's start (process, handshake, Describe, Configure);
	// 0 means Options.StartTimeout. Host.Start does not wait past Options.StartTimeout
	// for a plugin given longer: it keeps starting in the background.
	StartTimeout time.Duration
	// MaxConcurrency caps the calls in flight; a call past it fails at once with ErrBusy
	// (wrapping plugin.ErrRateLimited). 0 means no cap.
	MaxConcurrency int
}

// DefaultCallTimeout bounds a call whose Spec sets no CallTimeout.
const DefaultCallTimeout = 10 * time.Second

// Options tune supervision; zero values take the defaults shown.
type Options struct {
	// Logger receives supervision events and the plugins' own logs (plugin=<name>).
	Logger *slog.Logger
	// LogLevel is the level plugins are asked to log at.
	LogLevel slog.Level
	// Registerer gets the metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
	// TraceID extracts the request/trace id of the core's ctx, sent with every call when
	// the ctx has no plugin.WithTraceID already. nil: only plugin.WithTraceID is used.
	TraceID func(ctx context.Context) string
	// PingInterval between health pings (10 s); PingTimeout bounds one (2 s);
	// PingFailures in a row get the process killed and restarted (3).
	PingInterval time.Duration
	PingTimeout  time.Duration
	PingFailures int
	// BackoffMin and BackoffMax bound the wait before a restart (500 ms, 30 s); it
	// doubles with every crash inside CrashWindow.
	BackoffMin time.Duration
	BackoffMax time.Duration
	// CrashBudget crashes within CrashWindow mark the plugin down (5 in 10 min).
	CrashBudget int
	CrashWindow time.Duration
	// Reprobe is how often a plugin that is down (crash budget spent, or a permanent
	// problem such as bad settings) is started again to see whether it recovered (1 min).
	Reprobe time.Duration
	// StartTimeout bounds a start: process, handshake, Describe, Configure (15 s).
	StartTimeout time.Duration
	// StopTimeout bounds the plugin's Stop before it is killed (5 s).
	StopTimeout time.Duration
	// exitPoll is how often the supervisor looks for an exited process (100 ms).
	exitPoll time.Duration
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PingInterval, 10*time.Second)
	def(&o.PingTimeout, 2*time.Second)
	def(&o.BackoffMin, 500*time.Millisecond)
	def(&o.BackoffMax, 30*time.Second)
	def(&o.CrashWindow, 10*time.Minute)
	def(&o.StartTimeout, 15*time.Second)
	def(&o.StopTimeout, 5*time.Second)
	def(&o.Reprobe, time.Minute)
	def(&o.exitPoll, 100*time.Millisecond)
	if o.PingFailures <= 0 {
		o.PingFailures = 3
	}
	if o.CrashBudget <= 0 {
		o.CrashBudget = 5
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

func validateSpecs(specs []Spec) error {
	var errs []error
	seen := map[string]bool{}
	for i, s := range specs {
		switch {
		case s.Name == "":
			errs = append(errs, fmt.Errorf("plugin %d: no name", i))
		case seen[s.Name]:
			errs = append(errs, fmt.Errorf("plugin %s: name used twice", s.Name))
		}
		seen[s.Name] = true
		if s.Path == "" {
			errs = append(errs, fmt.Errorf("plugin %s: no path", s.Name))
		}
		if s.Kind != "" && !s.Kind.Valid() {
			errs = append(errs, fmt.Errorf("plugin %s: unknown kind %q (want one of %v)", s.Name, s.Kind, plugin.Kinds()))
		}
		if s.CallTimeout < 0 {
			errs = append(errs, fmt.Errorf("plugin %s: negative call timeout", s.Name))
		}
		if s.StartTimeout < 0 {
			errs = append(errs, fmt.Errorf("plugin %s: negative start timeout", s.Name))
		}
		if s.MaxConcurrency < 0 {
			errs = append(errs, fmt.Errorf("plugin %s: negative max concurrency", s.Name))
		}
	}
	return errors.Join(errs...)
}
