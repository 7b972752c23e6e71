package lock_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/lock/locktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// lockers returns each implementation with a way to let a lease of ttl expire.
func lockers(t *testing.T) map[string]func(t *testing.T) (lock.Locker, func(time.Duration)) {
	return map[string]func(t *testing.T) (lock.Locker, func(time.Duration)){
		"memory": func(t *testing.T) (lock.Locker, func(time.Duration)) {
			clk := &fakeClock{now: time.Date(2027, 1, 5, 12, 0, 0, 0, time.UTC)}
			return lock.NewMemory(clk.Now), clk.Advance
		},
		"redis": func(t *testing.T) (lock.Locker, func(time.Duration)) {
			client := locktest.Redis(t)
			return lock.NewRedis(client, locktest.Prefix(t)), func(d time.Duration) { time.Sleep(d) }
		},
	}
}

func TestLocker(t *testing.T) {
	ctx := context.Background()
	for name, mk := range lockers(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("exclusive until released", func(t *testing.T) {
				l, _ := mk(t)
				a, err := l.Acquire(ctx, "unit:1", time.Minute)
				require.NoError(t, err)
				_, err = l.Acquire(ctx, "unit:1", time.Minute)
				require.ErrorIs(t, err, lock.ErrLocked)
				_, err = l.Acquire(ctx, "unit:2", time.Minute)
				require.NoError(t, err, "other keys are independent")
				require.NoError(t, l.Release(ctx, a))
				_, err = l.Acquire(ctx, "unit:1", time.Minute)
				require.NoError(t, err)
			})
			t.Run("only the owner token releases or extends", func(t *testing.T) {
				l, _ := mk(t)
				a, err := l.Acquire(ctx, "k", time.Minute)
				require.NoError(t, err)
				forged := lock.Lease{Key: "k", Token: "not-the-owner"}
				require.ErrorIs(t, l.Release(ctx, forged), lock.ErrNotHeld)
				require.ErrorIs(t, l.Extend(ctx, forged, time.Minute), lock.ErrNotHeld)
				_, err = l.Acquire(ctx, "k", time.Minute)
				require.ErrorIs(t, err, lock.ErrLocked, "a forged release must not free the key")
				require.NoError(t, l.Extend(ctx, a, time.Minute))
				require.NoError(t, l.Release(ctx, a))
				require.ErrorIs(t, l.Release(ctx, a), lock.ErrNotHeld, "second release")
			})
			t.Run("expired lease is taken over and cannot be released by the old owner", func(t *testing.T) {
				l, advance := mk(t)
				old, err := l.Acquire(ctx, "k", 30*time.Millisecond)
				require.NoError(t, err)
				advance(80 * time.Millisecond)
				require.ErrorIs(t, l.Extend(ctx, old, time.Minute), lock.ErrNotHeld)
				fresh, err := l.Acquire(ctx, "k", time.Minute)
				require.NoError(t, err)
				require.ErrorIs(t, l.Release(ctx, old), lock.ErrNotHeld)
				_, err = l.Acquire(ctx, "k", time.Minute)
				require.ErrorIs(t, err, lock.ErrLocked, "the new owner still holds it")
				require.NoError(t, l.Release(ctx, fresh))
			})
			t.Run("extend keeps the lease past its first ttl", func(t *testing.T) {
				l, advance := mk(t)
				a, err := l.Acquire(ctx, "k", 60*time.Millisecond)
				require.NoError(t, err)
				require.NoError(t, l.Extend(ctx, a, 10*time.Second))
				advance(120 * time.Millisecond)
				_, err = l.Acquire(ctx, "k", time.Minute)
				require.ErrorIs(t, err, lock.ErrLocked)
			})
			t.Run("bad arguments", func(t *testing.T) {
				l, _ := mk(t)
				_, err := l.Acquire(ctx, "", time.Minute)
				require.Error(t, err)
				_, err = l.Acquire(ctx, "k", 0)
				require.Error(t, err)
			})
			t.Run("one winner among concurrent acquirers", func(t *testing.T) {
				l, _ := mk(t)
				var wins atomic.Int32
				var wg sync.WaitGroup
				for range 50 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := l.Acquire(ctx, "race", time.Minute); err == nil {
							wins.Add(1)
						} else {
							assert.ErrorIs(t, err, lock.ErrLocked)
						}
					}()
				}
				wg.Wait()
				require.EqualValues(t, 1, wins.Load())
			})
		})
	}
}

func TestWaitSerializesCriticalSections(t *testing.T) {
	l := lock.NewMemory(nil)
	ctx := context.Background()
	var inside, maxInside, done atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lease, err := lock.Wait(ctx, l, "unit:7", time.Minute)
			if !assert.NoError(t, err) {
				return
			}
			n := inside.Add(1)
			for {
				m := maxInside.Load()
				if n <= m || maxInside.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			inside.Add(-1)
			done.Add(1)
			assert.NoError(t, l.Release(ctx, lease))
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 20, done.Load())
	assert.EqualValues(t, 1, maxInside.Load())
}

func TestWaitGivesUpWhenContextEnds(t *testing.T) {
	l := lock.NewMemory(nil)
	_, err := l.Acquire(context.Background(), "k", time.Hour)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = lock.Wait(ctx, l, "k", time.Minute)
	require.ErrorIs(t, err, lock.ErrLocked)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestLeader(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{now: time.Date(2027, 1, 5, 12, 0, 0, 0, time.UTC)}
	l := lock.NewMemory(clk.Now)
	a := lock.NewLeader(l, "jobs", 30*time.Second, nil)
	b := lock.NewLeader(l, "jobs", 30*time.Second, nil)

	require.True(t, a.Step(ctx))
	require.False(t, b.Step(ctx), "one leader at a time")
	clk.Advance(20 * time.Second)
	require.True(t, a.Step(ctx), "renewal keeps leadership")
	clk.Advance(20 * time.Second)
	require.False(t, b.Step(ctx), "renewed lease has not expired yet")

	// a stops renewing (paused process): b takes over once the lease lapses.
	clk.Advance(31 * time.Second)
	require.True(t, b.Step(ctx))
	require.False(t, a.Step(ctx), "a notices it lost the lease")
	require.False(t, a.IsLeader())
	require.True(t, b.IsLeader())
}

func TestLeaderRunResignsOnStop(t *testing.T) {
	l := lock.NewMemory(nil)
	a := lock.NewLeader(l, "jobs", time.Minute, nil)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { a.Run(ctx); close(stopped) }()
	require.Eventually(t, a.IsLeader, 2*time.Second, time.Millisecond)
	cancel()
	<-stopped
	require.False(t, a.IsLeader())
	_, err := l.Acquire(context.Background(), "jobs", time.Minute)
	require.NoError(t, err, "a resigned leader frees the key at once")
}
