package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Job is one kind of periodic work.
type Job struct {
	// Name identifies the job in logs and metrics ("hold_expiry").
	Name string
	// Every is the pause between the end of one run and the start of the next.
	Every time.Duration
	// Timeout bounds one run (Every by default).
	Timeout time.Duration
	// Run does the work; it must stop promptly when ctx ends and be safe to repeat.
	Run func(ctx context.Context) error
}

// Leadership decides whether this replica runs the jobs. *lock.Leader implements it.
type Leadership interface {
	// Run campaigns until ctx ends.
	Run(ctx context.Context)
	// IsLeader reports whether this replica leads right now.
	IsLeader() bool
}

// Metrics receives the outcome of every run. Implementations must be safe for
// concurrent use.
type Metrics interface {
	// Ran reports a finished run; err is nil on success (a recovered panic is an error).
	Ran(job string, took time.Duration, err error)
	// Skipped reports a tick that did not run because another replica leads.
	Skipped(job string)
}

// ErrPanic wraps a panic recovered from a job.
var ErrPanic = errors.New("jobs: job panicked")

// Runner runs jobs on their intervals.
type Runner struct {
	leader  Leadership
	log     *slog.Logger
	metrics Metrics

	mu      sync.Mutex
	jobs    []Job
	names   map[string]bool
	started bool
}

// New returns a runner. leader may be nil on a single replica (it then always runs the
// jobs); log and metrics may be nil.
func New(leader Leadership, log *slog.Logger, metrics Metrics) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{leader: leader, log: log, metrics: metrics, names: map[string]bool{}}
}

// Add registers a job; it must be called before Run.
func (r *Runner) Add(j Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.started:
		return fmt.Errorf("jobs: add %q: runner already started", j.Name)
	case j.Name == "":
		return errors.New("jobs: a job needs a name")
	case r.names[j.Name]:
		return fmt.Errorf("jobs: job %q added twice", j.Name)
	case j.Every <= 0:
		return fmt.Errorf("jobs: job %q needs a positive interval", j.Name)
	case j.Run == nil:
		return fmt.Errorf("jobs: job %q has no Run func", j.Name)
	}
	if j.Timeout <= 0 {
		j.Timeout = j.Every
	}
	r.names[j.Name] = true
	r.jobs = append(r.jobs, j)
	return nil
}

// Run campaigns for leadership (when a Leadership is set) and runs every job on its
// interval until ctx ends; it returns after the runs in flight have stopped.
func (r *Runner) Run(ctx context.Context) {
	r.mu.Lock()
	r.started = true
	jobs := append([]Job(nil), r.jobs...)
	r.mu.Unlock()

	var wg sync.WaitGroup
	if r.leader != nil {
		wg.Add(1)
		go func() { defer wg.Done(); r.leader.Run(ctx) }()
	}
	for _, j := range jobs {
		wg.Add(1)
		go func() { defer wg.Done(); r.loop(ctx, j) }()
	}
	wg.Wait()
}

func (r *Runner) loop(ctx context.Context, j Job) {
	t := time.NewTimer(j.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if r.leader != nil && !r.leader.IsLeader() {
			if r.metrics != nil {
				r.metrics.Skipped(j.Name)
			}
		} else {
			_ = r.runOnce(ctx, j)
		}
		t.Reset(j.Every)
	}
}

// RunNow runs the named job once, now, on this replica (for the admin and tests); it does
// not check leadership.
func (r *Runner) RunNow(ctx context.Context, name string) error {
	r.mu.Lock()
	var job *Job
	for i := range r.jobs {
		if r.jobs[i].Name == name {
			job = &r.jobs[i]
		}
	}
	r.mu.Unlock()
	if job == nil {
		return fmt.Errorf("jobs: no job named %q", name)
	}
	return r.runOnce(ctx, *job)
}

// runOnce runs j with its timeout, turning a panic into an error, and reports it.
func (r *Runner) runOnce(ctx context.Context, j Job) (err error) {
	ctx, cancel := context.WithTimeout(ctx, j.Timeout)
	defer cancel()
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s: %v\n%s", ErrPanic, j.Name, p, debug.Stack())
		}
		took := time.Since(start)
		if err != nil {
			r.log.ErrorContext(ctx, "job failed", "job", j.Name, "duration_ms", took.Milliseconds(), "err", err)
		} else {
			r.log.DebugContext(ctx, "job ran", "job", j.Name, "duration_ms", took.Milliseconds())
		}
		if r.metrics != nil {
			r.metrics.Ran(j.Name, took, err)
		}
	}()
	return j.Run(ctx)
}

// Every adds a job from its parts; it lets packages that only schedule (the calendar
// sync) depend on a one-method interface instead of on this package.
func (r *Runner) Every(name string, interval time.Duration, fn func(ctx context.Context) error) error {
	return r.Add(Job{Name: name, Every: interval, Run: fn})
}
