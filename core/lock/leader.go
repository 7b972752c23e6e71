package lock

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Leader campaigns for one key so that exactly one replica at a time does some work (the
// periodic jobs). It takes the key when it is free and renews it at a third of its time
// to live; a replica that stops renewing (crash, partition) loses leadership when the
// lease expires and another takes over. Work done under it must still be idempotent: a
// paused process can believe it leads for up to one renewal period after it stopped.
type Leader struct {
	locker Locker
	key    string
	ttl    time.Duration
	log    *slog.Logger

	mu    sync.Mutex
	lease *Lease
}

// NewLeader returns a Leader for key with lease ttl. log may be nil.
func NewLeader(locker Locker, key string, ttl time.Duration, log *slog.Logger) *Leader {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Leader{locker: locker, key: key, ttl: ttl, log: log}
}

// IsLeader reports whether this replica held the key at its last campaign step.
func (l *Leader) IsLeader() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lease != nil
}

// Step takes the key if free or renews it if held, and reports whether this replica leads
// afterwards. Run calls it periodically; tests call it directly.
func (l *Leader) Step(ctx context.Context) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lease != nil {
		err := l.locker.Extend(ctx, *l.lease, l.ttl)
		if err == nil {
			return true
		}
		l.log.Warn("leadership lost", "key", l.key, "err", err)
		l.lease = nil
		if !errors.Is(err, ErrNotHeld) {
			// The store is unreachable: do not try to re-acquire in the same step.
			return false
		}
	}
	lease, err := l.locker.Acquire(ctx, l.key, l.ttl)
	switch {
	case err == nil:
		l.lease = &lease
		l.log.Info("leadership acquired", "key", l.key)
		return true
	case errors.Is(err, ErrLocked):
		return false
	default:
		l.log.Warn("leadership campaign failed", "key", l.key, "err", err)
		return false
	}
}

// Run campaigns until ctx ends, then releases the key so another replica can take over at
// once instead of waiting for the lease to expire.
func (l *Leader) Run(ctx context.Context) {
	period := l.ttl / 3
	if period <= 0 {
		period = time.Millisecond
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		l.Step(ctx)
		select {
		case <-ctx.Done():
			l.resign()
			return
		case <-t.C:
		}
	}
}

func (l *Leader) resign() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lease == nil {
		return
	}
	// ctx is already done; give the release its own short deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.locker.Release(ctx, *l.lease); err != nil {
		l.log.Warn("release leadership", "key", l.key, "err", err)
	}
	l.lease = nil
}
