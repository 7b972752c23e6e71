package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/conserje/conserje/sdk/plugin"
)

// Host supervises the configured plugins.
type Host struct {
	opts    Options
	m       *metrics
	plugins map[string]*supervised
	order   []string

	mu      sync.Mutex
	started bool
}

// New checks the specs and registers the metrics; nothing starts until Start.
func New(specs []Spec, opts Options) (*Host, error) {
	if err := validateSpecs(specs); err != nil {
		return nil, fmt.Errorf("plugin specs: %w", err)
	}
	opts = opts.withDefaults()
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	h := &Host{opts: opts, m: m, plugins: map[string]*supervised{}}
	for _, spec := range specs {
		h.plugins[spec.Name] = newSupervised(spec, &h.opts, m)
		h.order = append(h.order, spec.Name)
		m.up.WithLabelValues(spec.Name).Set(0)
		m.restarts.WithLabelValues(spec.Name) // exported as 0 from the start, for alerts on increase()
	}
	return h, nil
}

// Start starts every plugin and waits for each first attempt (or ctx). Plugins that
// failed keep being retried in the background unless the problem is permanent (then they
// are down); the error lists them all, and the host is usable either way. Call Stop in
// every case.
func (h *Host) Start(ctx context.Context) error {
	h.mu.Lock()
	if h.started {
		h.mu.Unlock()
		return errors.New("plugin host already started")
	}
	h.started = true
	h.mu.Unlock()
	for _, name := range h.order {
		h.plugins[name].launch()
	}
	// A plugin allowed a longer start than the host's (a local model loading) is not
	// waited for past the host's: it comes up in the background, and until then its calls
	// fail fast with ErrPluginDown.
	patience := make(chan struct{})
	timer := time.AfterFunc(h.opts.StartTimeout+time.Second, func() { close(patience) })
	defer timer.Stop()
	var errs []error
	for _, name := range h.order {
		s := h.plugins[name]
		var slow <-chan struct{}
		if s.startTimeout() > h.opts.StartTimeout {
			slow = patience
		}
		select {
		case <-s.started:
			if s.first != nil {
				errs = append(errs, fmt.Errorf("plugin %s: %w", name, s.first))
			}
		case <-slow:
			h.opts.Logger.Info("plugin still starting; it comes up in the background", "plugin", name, "start_timeout", s.startTimeout())
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("plugin %s: still starting: %w", name, ctx.Err()))
		}
	}
	return errors.Join(errs...)
}

// Stop stops supervising, asks every plugin to Stop (bounded by StopTimeout) and kills
// the processes, all plugins at once. ctx bounds the wait for all of them.
func (h *Host) Stop(ctx context.Context) error {
	h.mu.Lock()
	started := h.started
	h.mu.Unlock()
	if !started {
		return nil
	}
	errCh := make(chan error, len(h.order))
	for _, name := range h.order {
		s := h.plugins[name]
		go func() {
			if err := s.stop(h.opts.StopTimeout); err != nil {
				errCh <- fmt.Errorf("plugin %s: %w", s.spec.Name, err)
				return
			}
			errCh <- nil
		}()
	}
	var errs []error
	for range h.order {
		select {
		case err := <-errCh:
			if err != nil {
				errs = append(errs, err)
			}
		case <-ctx.Done():
			return errors.Join(append(errs, fmt.Errorf("stop plugins: %w", ctx.Err()))...)
		}
	}
	return errors.Join(errs...)
}

// Restart gives a down plugin a fresh crash budget and starts it again; other states are
// left alone (the supervisor already restarts them).
func (h *Host) Restart(name string) error {
	s, ok := h.plugins[name]
	if !ok {
		return fmt.Errorf("restart plugin %s: %w", name, ErrUnknownPlugin)
	}
	s.mu.Lock()
	if s.state != StateDown {
		state := s.state
		s.mu.Unlock()
		return fmt.Errorf("restart plugin %s: it is %s, not down", name, state)
	}
	s.crashes = nil
	s.state = StateRestarting
	s.since = time.Now()
	s.mu.Unlock()
	s.cancel() // the supervisor is waiting to re-probe: end it and start afresh
	<-s.done
	s.launch()
	return nil
}

// PluginStatus is one plugin as /healthz and the admin show it: its state, and when it
// is not up, why (LastError), since when (Since) and when it is tried again (NextTry).
type PluginStatus struct {
	Name    string      `json:"name"`
	Kind    plugin.Kind `json:"kind,omitempty"`
	Version string      `json:"version,omitempty"`
	State   State       `json:"state"`
	// Healthy is false while an up plugin reports itself unhealthy at health pings.
	Healthy  bool `json:"healthy"`
	Restarts int  `json:"restarts"`
	// LastError is the last failure (start, configure, crash, unhealthy ping), kept after
	// the plugin recovers.
	LastError string `json:"last_error,omitempty"`
	// Since is when the plugin entered State.
	Since time.Time `json:"since"`
	// NextTry is when a restarting plugin is started again or a down one re-probed
	// (nil while up, starting or stopped).
	NextTry *time.Time `json:"next_try,omitempty"`
	PID     int        `json:"pid,omitempty"`
}

// Status lists every plugin in configuration order.
func (h *Host) Status() []PluginStatus {
	out := make([]PluginStatus, 0, len(h.order))
	for _, name := range h.order {
		s := h.plugins[name]
		s.mu.RLock()
		st := PluginStatus{
			Name:      name,
			Kind:      s.desc.Kind,
			Version:   s.desc.Version,
			State:     s.state,
			Healthy:   s.state == StateUp && s.healthy,
			Restarts:  s.restarts,
			LastError: s.lastErr,
			Since:     s.since,
		}
		if st.Kind == "" {
			st.Kind = s.spec.Kind
		}
		if !s.nextTry.IsZero() && (s.state == StateRestarting || s.state == StateDown) {
			next := s.nextTry
			st.NextTry = &next
		}
		if s.proc != nil {
			st.PID = s.proc.Pid()
		}
		s.mu.RUnlock()
		out = append(out, st)
	}
	return out
}

// Description is what the plugin said about itself when it last started (false before
// it ever started, or for an unknown name).
func (h *Host) Description(name string) (plugin.Description, bool) {
	s, ok := h.plugins[name]
	if !ok {
		return plugin.Description{}, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.desc, s.desc.Kind != ""
}

// Ping health-checks one plugin through supervision (deadline, fail fast, metrics).
func (h *Host) Ping(ctx context.Context, name string) error {
	s, ok := h.plugins[name]
	if !ok {
		return fmt.Errorf("ping plugin %s: %w", name, ErrUnknownPlugin)
	}
	return s.call(ctx, "Ping", func(ctx context.Context, c any) error {
		return c.(plugin.HealthChecker).Health(ctx)
	})
}

// lookup finds a plugin for an accessor of kind want.
func (h *Host) lookup(name string, want plugin.Kind) (*supervised, error) {
	s, ok := h.plugins[name]
	if !ok {
		return nil, fmt.Errorf("plugin %s: %w", name, ErrUnknownPlugin)
	}
	if k := s.kind(); k != "" && k != want {
		return nil, fmt.Errorf("plugin %s is a %s plugin, not %s: %w", name, k, want, ErrWrongKind)
	}
	return s, nil
}
