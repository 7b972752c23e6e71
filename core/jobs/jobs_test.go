package jobs_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/jobs"
	"github.com/conserje/conserje/core/lock"
)

type fixedLeader struct{ leads atomic.Bool }

func (f *fixedLeader) Run(ctx context.Context) { <-ctx.Done() }
func (f *fixedLeader) IsLeader() bool          { return f.leads.Load() }

type recorder struct {
	mu      sync.Mutex
	ran     map[string]int
	errs    []error
	skipped int
}

func (r *recorder) Ran(job string, _ time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ran == nil {
		r.ran = map[string]int{}
	}
	r.ran[job]++
	if err != nil {
		r.errs = append(r.errs, err)
	}
}
func (r *recorder) Skipped(string) { r.mu.Lock(); r.skipped++; r.mu.Unlock() }
func (r *recorder) runs(job string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ran[job]
}

func TestAddValidates(t *testing.T) {
	r := jobs.New(nil, nil, nil)
	ok := func(context.Context) error { return nil }
	require.NoError(t, r.Add(jobs.Job{Name: "a", Every: time.Second, Run: ok}))
	for name, j := range map[string]jobs.Job{
		"duplicate":   {Name: "a", Every: time.Second, Run: ok},
		"no name":     {Every: time.Second, Run: ok},
		"no interval": {Name: "b", Run: ok},
		"no func":     {Name: "c", Every: time.Second},
	} {
		t.Run(name, func(t *testing.T) { require.Error(t, r.Add(j)) })
	}
}

func TestRunsOnlyWhileLeading(t *testing.T) {
	leader := &fixedLeader{}
	rec := &recorder{}
	r := jobs.New(leader, nil, rec)
	var n atomic.Int32
	require.NoError(t, r.Add(jobs.Job{Name: "tick", Every: 2 * time.Millisecond, Run: func(context.Context) error { n.Add(1); return nil }}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()

	require.Eventually(t, func() bool { rec.mu.Lock(); defer rec.mu.Unlock(); return rec.skipped >= 3 }, 5*time.Second, time.Millisecond)
	assert.EqualValues(t, 0, n.Load(), "a follower runs nothing")
	leader.leads.Store(true)
	require.Eventually(t, func() bool { return n.Load() >= 3 }, 5*time.Second, time.Millisecond)
	cancel()
	<-done
	require.Error(t, r.Add(jobs.Job{Name: "late", Every: time.Second, Run: func(context.Context) error { return nil }}), "no adding after start")
}

func TestPanicsAndErrorsAreReported(t *testing.T) {
	rec := &recorder{}
	r := jobs.New(nil, nil, rec)
	require.NoError(t, r.Add(jobs.Job{Name: "boom", Every: time.Hour, Run: func(context.Context) error { panic("kaput") }}))
	require.NoError(t, r.Add(jobs.Job{Name: "fail", Every: time.Hour, Run: func(context.Context) error { return errors.New("db down") }}))
	err := r.RunNow(context.Background(), "boom")
	require.ErrorIs(t, err, jobs.ErrPanic)
	assert.Contains(t, err.Error(), "kaput")
	require.EqualError(t, r.RunNow(context.Background(), "fail"), "db down")
	require.Error(t, r.RunNow(context.Background(), "nope"))
	assert.Equal(t, 1, rec.runs("boom"))
	assert.Len(t, rec.errs, 2)
}

func TestRunIsCancelledOnStopAndBoundedByTimeout(t *testing.T) {
	r := jobs.New(nil, nil, nil)
	started := make(chan struct{}, 1)
	var sawCancel atomic.Bool
	require.NoError(t, r.Add(jobs.Job{Name: "slow", Every: time.Millisecond, Timeout: time.Hour, Run: func(ctx context.Context) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-ctx.Done()
		sawCancel.Store(true)
		return ctx.Err()
	}}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	<-started
	cancel()
	<-done
	assert.True(t, sawCancel.Load(), "Run returns only after the job saw the cancellation")

	r2 := jobs.New(nil, nil, nil)
	require.NoError(t, r2.Add(jobs.Job{Name: "bounded", Every: time.Hour, Timeout: 5 * time.Millisecond, Run: func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}}))
	require.ErrorIs(t, r2.RunNow(context.Background(), "bounded"), context.DeadlineExceeded)
}

func TestWithLockLeaderOnlyOneReplicaRuns(t *testing.T) {
	locker := lock.NewMemory(nil)
	var runs [2]atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 2 {
		r := jobs.New(lock.NewLeader(locker, "jobs", time.Minute, nil), nil, nil)
		require.NoError(t, r.Add(jobs.Job{Name: "tick", Every: time.Millisecond, Run: func(context.Context) error { runs[i].Add(1); return nil }}))
		wg.Add(1)
		go func() { defer wg.Done(); r.Run(ctx) }()
	}
	require.Eventually(t, func() bool { return runs[0].Load()+runs[1].Load() >= 20 }, 5*time.Second, time.Millisecond)
	cancel()
	wg.Wait()
	assert.True(t, runs[0].Load() == 0 || runs[1].Load() == 0, "one replica ran everything: %d and %d", runs[0].Load(), runs[1].Load())
}

func TestPrometheusMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := jobs.NewPrometheusMetrics(reg)
	require.NoError(t, err)
	m.Ran("hold_expiry", time.Millisecond, nil)
	m.Ran("hold_expiry", time.Millisecond, errors.New("x"))
	m.Skipped("hold_expiry")
	families, err := reg.Gather()
	require.NoError(t, err)
	series := map[string]int{}
	for _, f := range families {
		series[f.GetName()] = len(f.GetMetric())
	}
	assert.Equal(t, 2, series["conserje_job_runs_total"], "one series per result")
	assert.Equal(t, 1, series["conserje_job_skipped_total"])
	_, err = jobs.NewPrometheusMetrics(reg)
	require.Error(t, err, "registering twice fails loudly")
}

func TestEvery(t *testing.T) {
	r := jobs.New(nil, nil, nil)
	var ran atomic.Bool
	require.NoError(t, r.Every("calendar-sync", time.Minute, func(context.Context) error { ran.Store(true); return nil }))
	require.Error(t, r.Every("calendar-sync", time.Minute, func(context.Context) error { return nil }))
	require.NoError(t, r.RunNow(context.Background(), "calendar-sync"))
	assert.True(t, ran.Load())
}
