package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/conserje/conserje/sdk/host"
	"github.com/conserje/conserje/sdk/plugin"
)

// State is where a plugin is in its life.
type State string

// States of a supervised plugin.
const (
	StateStarting   State = "starting"   // first start in progress
	StateUp         State = "up"         // running and configured; calls go through
	StateRestarting State = "restarting" // exited or hung; waiting to start again
	StateDown       State = "down"       // crash budget spent or a permanent problem
	StateStopped    State = "stopped"    // the host was stopped
)

// errUpstream marks a Configure that failed because the plugin's provider is unreachable
// (plugin.ErrUnavailable): retried with backoff without spending the crash budget.
var errUpstream = errors.New("provider unreachable")

// errPermanent marks start failures that a restart cannot fix (checksum, kind, protocol,
// settings): the plugin goes down at once.
var errPermanent = errors.New("permanent")

// supervised is one plugin and the goroutine that keeps it running.
type supervised struct {
	spec Spec
	opts *Options
	m    *metrics
	log  *slog.Logger

	mu       sync.RWMutex
	state    State
	proc     *host.Process
	client   any
	desc     plugin.Description
	healthy  bool
	restarts int
	lastErr  string
	// upstreamFails counts configures in a row that failed on the provider.
	upstreamFails int
	since         time.Time
	crashes       []time.Time
	// nextTry is when the supervisor starts (or re-probes) the plugin again; zero while
	// it is up or starting.
	nextTry time.Time

	// slots holds a token per call in flight when MaxConcurrency is set (nil: no cap).
	slots chan struct{}

	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
	started chan struct{} // closed after the first start attempt
	first   error         // its outcome
}

func newSupervised(spec Spec, opts *Options, m *metrics) *supervised {
	if spec.CallTimeout <= 0 {
		spec.CallTimeout = DefaultCallTimeout
	}
	s := &supervised{
		spec:  spec,
		opts:  opts,
		m:     m,
		log:   opts.Logger.With("plugin", spec.Name),
		state: StateStarting,
		since: time.Now(),
	}
	if spec.MaxConcurrency > 0 {
		s.slots = make(chan struct{}, spec.MaxConcurrency)
	}
	return s
}

// startTimeout is the plugin's own bound, else the host's.
func (s *supervised) startTimeout() time.Duration {
	if s.spec.StartTimeout > 0 {
		return s.spec.StartTimeout
	}
	return s.opts.StartTimeout
}

// launch starts the supervising goroutine.
func (s *supervised) launch() {
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.done = make(chan struct{})
	s.started = make(chan struct{})
	go s.run()
}

func (s *supervised) run() {
	defer close(s.done)
	first := true
	for {
		err := s.startOnce()
		if first {
			s.first = err
			close(s.started)
			first = false
		}
		if s.ctx.Err() != nil {
			return
		}
		if err == nil {
			err = s.watch()
			if s.ctx.Err() != nil {
				return
			}
		}
		var wait time.Duration
		switch {
		case errors.Is(err, errUpstream):
			wait = s.waitUpstream(err)
		case errors.Is(err, errPermanent):
			s.markDown(err)
			wait = s.opts.Reprobe
		default:
			var ok bool
			if wait, ok = s.crashed(err); !ok {
				wait = s.opts.Reprobe
			}
		}
		s.mu.Lock()
		s.nextTry = time.Now().Add(wait)
		s.mu.Unlock()
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(wait):
		}
		s.mu.Lock()
		s.nextTry = time.Time{}
		s.mu.Unlock()
	}
}

// startOnce starts the process, checks its kind and configures it.
func (s *supervised) startOnce() error {
	ctx, cancel := context.WithTimeout(s.ctx, s.startTimeout())
	defer cancel()
	proc, err := host.Start(ctx, host.Config{
		Name:         s.spec.Name,
		Path:         s.spec.Path,
		SHA256:       s.spec.SHA256,
		Logger:       s.opts.Logger,
		LogLevel:     s.opts.LogLevel,
		StartTimeout: s.startTimeout(),
	})
	if err != nil {
		if errors.Is(err, host.ErrChecksumMismatch) || errors.Is(err, host.ErrProtocolVersion) {
			return fmt.Errorf("%w: %w", errPermanent, err)
		}
		return err
	}
	desc := proc.Description()
	if s.spec.Kind != "" && desc.Kind != s.spec.Kind {
		proc.Kill()
		return fmt.Errorf("%w: configured as %s but the binary is a %s plugin (%s): %w", errPermanent, s.spec.Kind, desc.Kind, desc.Name, ErrWrongKind)
	}
	client, err := kindedClient(proc)
	if err != nil {
		proc.Kill()
		return fmt.Errorf("%w: %w", errPermanent, err)
	}
	if err := proc.Configure(ctx, plugin.ConfigureRequest{Instance: s.spec.Name, Settings: s.spec.Settings}); err != nil {
		proc.Kill()
		if errors.Is(err, plugin.ErrInvalidSettings) {
			return fmt.Errorf("%w: %w", errPermanent, err)
		}
		if errors.Is(err, plugin.ErrUnavailable) || errors.Is(err, plugin.ErrRateLimited) {
			// The provider is unreachable, not the plugin broken: retried, not a crash.
			return fmt.Errorf("%w: configure: %w", errUpstream, err)
		}
		return err
	}
	s.mu.Lock()
	s.upstreamFails = 0
	if s.state == StateDown {
		s.crashes = nil // back by itself after a re-probe: a fresh crash budget
		s.log.Info("plugin back up after being down")
	}
	s.proc, s.client, s.desc = proc, client, desc
	s.state, s.healthy, s.since = StateUp, true, time.Now()
	s.mu.Unlock()
	s.m.up.WithLabelValues(s.spec.Name).Set(1)
	s.log.Info("plugin up", "kind", desc.Kind, "name", desc.Name, "version", desc.Version, "pid", proc.Pid())
	return nil
}

func kindedClient(proc *host.Process) (any, error) {
	switch proc.Description().Kind {
	case plugin.KindCalendar:
		return proc.Calendar()
	case plugin.KindChannel:
		return proc.Channel()
	case plugin.KindPayment:
		return proc.Payment()
	case plugin.KindSTT:
		return proc.STT()
	case plugin.KindTTS:
		return proc.TTS()
	}
	return nil, fmt.Errorf("unknown plugin kind %q", proc.Description().Kind)
}

// watch returns when the process exits or stops answering pings (an error saying why),
// or when the host stops (nil).
func (s *supervised) watch() error {
	s.mu.RLock()
	proc := s.proc
	s.mu.RUnlock()
	exitTick := time.NewTicker(s.opts.exitPoll)
	defer exitTick.Stop()
	pingTick := time.NewTicker(s.opts.PingInterval)
	defer pingTick.Stop()
	failures := 0
	for {
		select {
		case <-s.ctx.Done():
			return nil
		case <-exitTick.C:
			if proc.Exited() {
				s.notUp()
				return errors.New("plugin process exited")
			}
		case <-pingTick.C:
			err := s.ping(proc)
			switch {
			case err == nil:
				failures = 0
				s.setHealth(true, "")
			case errors.Is(err, host.ErrTransport) || errors.Is(err, context.DeadlineExceeded):
				failures++
				s.log.Warn("plugin health ping failed", "err", err, "failures", failures)
				if failures >= s.opts.PingFailures {
					s.notUp()
					proc.Kill()
					return fmt.Errorf("plugin stopped answering health pings: %w", err)
				}
			default:
				// The plugin answered that it is unhealthy (e.g. its provider is down):
				// restarting it would not help, so it stays up and says so.
				failures = 0
				s.setHealth(false, err.Error())
				s.log.Warn("plugin reports itself unhealthy", "err", err)
			}
		}
	}
}

func (s *supervised) ping(proc *host.Process) error {
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.PingTimeout)
	defer cancel()
	return proc.Ping(ctx)
}

func (s *supervised) setHealth(ok bool, lastErr string) {
	s.mu.Lock()
	s.healthy = ok
	if lastErr != "" {
		s.lastErr = lastErr
	}
	s.mu.Unlock()
}

// notUp makes new calls fail fast before the process is cleaned up.
func (s *supervised) notUp() {
	s.mu.Lock()
	s.state = StateRestarting
	s.since = time.Now()
	s.mu.Unlock()
	s.m.up.WithLabelValues(s.spec.Name).Set(0)
}

// crashed records a crash; it returns the wait before the next start, or false when the
// crash budget is spent and the plugin is now down.
func (s *supervised) crashed(cause error) (time.Duration, bool) {
	now := time.Now()
	s.release()
	s.mu.Lock()
	kept := s.crashes[:0]
	for _, at := range s.crashes {
		if now.Sub(at) < s.opts.CrashWindow {
			kept = append(kept, at)
		}
	}
	s.crashes = append(kept, now)
	n := len(s.crashes)
	s.lastErr = cause.Error()
	s.mu.Unlock()
	if n > s.opts.CrashBudget {
		s.markDown(fmt.Errorf("%d crashes within %s (budget %d); last: %w", n, s.opts.CrashWindow, s.opts.CrashBudget, cause))
		return 0, false
	}
	s.mu.Lock()
	s.state = StateRestarting
	s.since = now
	s.restarts++
	s.mu.Unlock()
	s.m.up.WithLabelValues(s.spec.Name).Set(0)
	s.m.restarts.WithLabelValues(s.spec.Name).Inc()
	wait := backoff(n, s.opts.BackoffMin, s.opts.BackoffMax)
	s.log.Warn("plugin crashed; restarting", "err", cause, "crashes_in_window", n, "backoff", wait)
	return wait, true
}

// waitUpstream records a start that failed on the provider (not a crash) and returns the
// wait before the next try, growing to BackoffMax.
func (s *supervised) waitUpstream(cause error) time.Duration {
	s.release()
	s.mu.Lock()
	s.upstreamFails++
	n := s.upstreamFails
	s.state, s.since, s.lastErr = StateRestarting, time.Now(), cause.Error()
	s.mu.Unlock()
	s.m.up.WithLabelValues(s.spec.Name).Set(0)
	wait := backoff(n, s.opts.BackoffMin, s.opts.BackoffMax)
	s.log.Warn("plugin's provider unreachable at configure; retrying (not counted as a crash)", "err", cause, "attempt", n, "backoff", wait)
	return wait
}

// backoff is base·2^(n-1), capped at ceiling.
func backoff(n int, base, ceiling time.Duration) time.Duration {
	wait := base
	for i := 1; i < n && wait < ceiling; i++ {
		wait *= 2
	}
	if wait > ceiling {
		wait = ceiling
	}
	return wait
}

// release kills the current process, if any, outside the lock (Kill may wait for a
// graceful exit).
func (s *supervised) release() {
	s.mu.Lock()
	proc := s.proc
	s.proc, s.client = nil, nil
	s.mu.Unlock()
	if proc != nil {
		proc.Kill()
	}
}

func (s *supervised) markDown(cause error) {
	s.release()
	s.mu.Lock()
	s.state = StateDown
	s.since = time.Now()
	s.lastErr = cause.Error()
	s.mu.Unlock()
	s.m.up.WithLabelValues(s.spec.Name).Set(0)
	s.log.Error("plugin down", "err", cause)
}

// stop ends supervision, then asks the plugin to stop and kills it.
func (s *supervised) stop(timeout time.Duration) error {
	s.cancel()
	<-s.done
	s.mu.Lock()
	proc := s.proc
	s.proc, s.client = nil, nil
	s.state = StateStopped
	s.since = time.Now()
	s.mu.Unlock()
	s.m.up.WithLabelValues(s.spec.Name).Set(0)
	if proc == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return proc.Stop(ctx)
}

// call runs fn on the plugin's client with the call deadline and trace id, or fails fast
// with ErrPluginDown when the plugin is not up.
func (s *supervised) call(ctx context.Context, method string, fn func(ctx context.Context, client any) error) error {
	s.mu.RLock()
	state, client := s.state, s.client
	s.mu.RUnlock()
	if state != StateUp || client == nil {
		return fmt.Errorf("plugin %s: %s: plugin is %s: %w", s.spec.Name, method, state, ErrPluginDown)
	}
	if s.slots != nil {
		select {
		case s.slots <- struct{}{}:
			defer func() { <-s.slots }()
		default:
			s.m.busy.WithLabelValues(s.spec.Name, method).Inc()
			return fmt.Errorf("plugin %s: %s: %d calls in flight: %w: %w", s.spec.Name, method, s.spec.MaxConcurrency, ErrBusy, plugin.ErrRateLimited)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.spec.CallTimeout)
	defer cancel()
	ctx = s.withTrace(ctx)
	start := time.Now()
	err := fn(ctx, client)
	s.m.calls.WithLabelValues(s.spec.Name, method).Observe(time.Since(start).Seconds())
	if err == nil {
		return nil
	}
	s.m.errors.WithLabelValues(s.spec.Name, method).Inc()
	if errors.Is(err, host.ErrTransport) {
		return fmt.Errorf("plugin %s: %s: %w: %w", s.spec.Name, method, ErrPluginDown, err)
	}
	return fmt.Errorf("plugin %s: %s: %w", s.spec.Name, method, err)
}

func (s *supervised) withTrace(ctx context.Context) context.Context {
	if plugin.TraceID(ctx) != "" || s.opts.TraceID == nil {
		return ctx
	}
	if id := s.opts.TraceID(ctx); id != "" {
		return plugin.WithTraceID(ctx, id)
	}
	return ctx
}

// kind is the plugin's kind as far as known: configured, else described.
func (s *supervised) kind() plugin.Kind {
	if s.spec.Kind != "" {
		return s.spec.Kind
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.desc.Kind
}

// stream is call without the CallTimeout, for long-lived server streams.
func (s *supervised) stream(ctx context.Context, method string, fn func(ctx context.Context, client any) error) error {
	s.mu.RLock()
	state, client := s.state, s.client
	s.mu.RUnlock()
	if state != StateUp || client == nil {
		return fmt.Errorf("plugin %s: %s: plugin is %s: %w", s.spec.Name, method, state, ErrPluginDown)
	}
	err := fn(s.withTrace(ctx), client)
	if err == nil {
		return nil
	}
	if errors.Is(err, host.ErrTransport) {
		return fmt.Errorf("plugin %s: %s: %w: %w", s.spec.Name, method, ErrPluginDown, err)
	}
	return fmt.Errorf("plugin %s: %s: %w", s.spec.Name, method, err)
}

// as gives the client as the kind's interface, or ErrWrongKind when the plugin that
// started is not of that kind (its kind was not configured).
func as[T any](s *supervised, client any, want plugin.Kind) (T, error) {
	p, ok := client.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("plugin %s is a %s plugin, not %s: %w", s.spec.Name, s.kind(), want, ErrWrongKind)
	}
	return p, nil
}
