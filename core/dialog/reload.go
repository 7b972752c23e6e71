package dialog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conserje/conserje/core/dialog/spec"
	"github.com/fsnotify/fsnotify"
)

// Reloader owns the running Engine and rebuilds it when a file of the dialogs or locales
// folder changes. A broken edit is logged with every problem and the previous engine keeps
// answering, so a host's typo never takes the bot down.
type Reloader struct {
	src      Sources
	reg      *Registry
	train    TrainFunc
	opts     Options
	log      *slog.Logger
	debounce time.Duration

	cur       atomic.Pointer[Engine]
	mu        sync.Mutex // serializes rebuilds
	listeners []func(*Engine)
}

// NewReloader builds the first engine; a dialog that does not build is an error here,
// since there is no previous version to fall back on.
func NewReloader(src Sources, reg *Registry, train TrainFunc, opts Options) (*Reloader, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Reloader{src: src, reg: reg, train: train, opts: opts, log: log, debounce: 200 * time.Millisecond}
	e, problems := Build(src, reg, train, opts)
	if len(problems) > 0 {
		return nil, fmt.Errorf("load dialog %s: %w", src.Dialogs, problems)
	}
	r.cur.Store(e)
	return r, nil
}

// Engine is the engine to use for the next turn.
func (r *Reloader) Engine() *Engine { return r.cur.Load() }

// OnReload registers fn to be called with each new engine after a successful reload.
func (r *Reloader) OnReload(fn func(*Engine)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.listeners = append(r.listeners, fn)
}

// Reload rebuilds the engine now. On problems the running engine is kept and the problems
// are returned (and logged).
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, problems := Build(r.src, r.reg, r.train, r.opts)
	if len(problems) > 0 {
		for _, p := range problems {
			r.log.Error("dialog reload rejected; the previous version keeps running", "problem", p.String())
		}
		return fmt.Errorf("reload dialog: %w", problems)
	}
	r.cur.Store(e)
	r.log.Info("dialog reloaded", "dialogs", r.src.Dialogs, "locales", r.src.Locales)
	for _, fn := range r.listeners {
		fn(e)
	}
	return nil
}

// Retrain swaps in an engine of the running dialog with its Understander trained anew by
// train (the holiday calendar changed), without reading the files again; later reloads
// train with train too. Turns in flight finish on the engine they started with.
func (r *Reloader) Retrain(train TrainFunc) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.cur.Load()
	var und Understander
	if train != nil {
		u, err := train(cur.dialog.Examples())
		if err != nil {
			return fmt.Errorf("retrain the intent classifier: %w", err)
		}
		und = u
	}
	e, err := New(cur.dialog, cur.catalog, r.reg, und, r.opts)
	if err != nil {
		return fmt.Errorf("retrain dialog: %w", err)
	}
	r.train = train
	r.cur.Store(e)
	r.log.Info("dialog retrained")
	for _, fn := range r.listeners {
		fn(e)
	}
	return nil
}

// Run watches both folders until ctx ends, reloading after a burst of changes settles.
func (r *Reloader) Run(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch dialogs: %w", err)
	}
	defer w.Close()
	for _, dir := range []string{r.src.Dialogs, r.src.Locales} {
		if err := w.Add(dir); err != nil {
			return fmt.Errorf("watch %s: %w", dir, err)
		}
	}
	var timer *time.Timer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !relevant(ev) {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(r.debounce)
			} else {
				timer.Reset(r.debounce)
			}
			fire = timer.C
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			r.log.Warn("dialog watcher error", "err", err)
		case <-fire:
			fire = nil
			_ = r.Reload() // problems are logged; the previous engine stays
		}
	}
}

func relevant(ev fsnotify.Event) bool {
	ext := strings.ToLower(filepath.Ext(ev.Name))
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	return ev.Has(fsnotify.Write) || ev.Has(fsnotify.Create) || ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)
}

// Problems unwraps the dialog problems of an error from Build, Reload or NewReloader.
func Problems(err error) spec.Problems {
	var ps spec.Problems
	if errors.As(err, &ps) {
		return ps
	}
	return nil
}
