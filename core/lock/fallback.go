package lock

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
)

// localTokenPrefix marks the leases Fallback took in-process, so their release and
// extension go to the same place after Redis comes back.
const localTokenPrefix = "local:"

// Fallback is the Locker of a single replica with Redis: Redis while it answers, and
// in-process leases while it does not (ErrUnavailable), so guests are still answered
// during a Redis outage. It is only correct when this process is the only one taking these
// locks (redis.single_replica): with two replicas, two turns of one conversation could run
// at once, so they use Redis alone and answer 503 during an outage.
type Fallback struct {
	primary Locker
	local   Locker
	log     *slog.Logger
	// down is true while the last primary call failed as unavailable (logs a change once).
	down atomic.Bool
	// triedAt is when (unix nanoseconds) Redis was last asked while down: during an
	// outage it is asked again at most every retryEvery, so each lock does not wait for the
	// client's own retries against a dead Redis.
	triedAt atomic.Int64
	now     func() time.Time
}

// retryEvery is how often Fallback asks Redis again during an outage.
const retryEvery = time.Second

var _ Locker = (*Fallback)(nil)

// NewFallback returns a Locker that uses primary, and local when primary is unavailable.
func NewFallback(primary, local Locker, log *slog.Logger) *Fallback {
	if log == nil {
		log = slog.Default()
	}
	return &Fallback{primary: primary, local: local, log: log, now: time.Now}
}

// Acquire implements Locker.
func (f *Fallback) Acquire(ctx context.Context, key string, ttl time.Duration) (Lease, error) {
	if f.down.Load() && f.now().UnixNano()-f.triedAt.Load() < int64(retryEvery) {
		return f.acquireLocal(ctx, key, ttl)
	}
	lease, err := f.primary.Acquire(ctx, key, ttl)
	if !errors.Is(err, ErrUnavailable) {
		if err == nil && f.down.CompareAndSwap(true, false) {
			f.log.InfoContext(ctx, "lock service is back: locks go to Redis again")
		}
		return lease, err
	}
	f.triedAt.Store(f.now().UnixNano())
	if f.down.CompareAndSwap(false, true) {
		f.log.WarnContext(ctx, "lock service unavailable: taking in-process locks (redis.single_replica)", "err", err)
	}
	return f.acquireLocal(ctx, key, ttl)
}

func (f *Fallback) acquireLocal(ctx context.Context, key string, ttl time.Duration) (Lease, error) {
	lease, err := f.local.Acquire(ctx, key, ttl)
	if err != nil {
		return Lease{}, err
	}
	lease.Token = localTokenPrefix + lease.Token
	return lease, nil
}

// Release implements Locker.
func (f *Fallback) Release(ctx context.Context, l Lease) error {
	if token, ok := strings.CutPrefix(l.Token, localTokenPrefix); ok {
		return f.local.Release(ctx, Lease{Key: l.Key, Token: token})
	}
	return f.primary.Release(ctx, l)
}

// Extend implements Locker.
func (f *Fallback) Extend(ctx context.Context, l Lease, ttl time.Duration) error {
	if token, ok := strings.CutPrefix(l.Token, localTokenPrefix); ok {
		return f.local.Extend(ctx, Lease{Key: l.Key, Token: token}, ttl)
	}
	return f.primary.Extend(ctx, l, ttl)
}
