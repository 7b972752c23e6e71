package lock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"
)

// ErrLocked means another owner holds the key right now.
var ErrLocked = errors.New("lock: key is held by another owner")

// ErrNotHeld means the lease is no longer ours: it expired, or another owner took the key
// after it expired. Work that depended on it must not go on as if it were exclusive.
var ErrNotHeld = errors.New("lock: lease not held")

// ErrUnavailable means the lock service (Redis) cannot be reached: nobody knows who holds
// the key. Requests that needed the lock answer 503 with Retry-After; a single replica
// may take in-process locks instead (Fallback).
var ErrUnavailable = errors.New("lock: lock service unavailable")

// Lease is proof of ownership of a key until it expires or is released.
type Lease struct {
	Key   string
	Token string
}

// Locker hands out exclusive, expiring leases on keys.
type Locker interface {
	// Acquire takes key for ttl, or fails at once with ErrLocked.
	Acquire(ctx context.Context, key string, ttl time.Duration) (Lease, error)
	// Release frees the key if the lease still owns it; releasing a lost lease returns ErrNotHeld.
	Release(ctx context.Context, l Lease) error
	// Extend resets the lease's time to live to ttl if it still owns the key.
	Extend(ctx context.Context, l Lease, ttl time.Duration) error
}

// newToken returns a random owner token; two owners never share one.
func newToken() (string, error) {
	var b [16]byte
	if _, err := cryptoRead(b[:]); err != nil {
		return "", fmt.Errorf("lock token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

var cryptoRead = rand.Read

// Wait acquires key, retrying with a short jittered backoff while another owner holds it,
// until ctx ends. Callers use it for critical sections that are brief, such as inserting
// one hold, where waiting a few milliseconds beats failing a request that would succeed.
func Wait(ctx context.Context, l Locker, key string, ttl time.Duration) (Lease, error) {
	return WaitCheck(ctx, l, key, ttl, nil)
}

// WaitCheck is Wait that calls check after each refused attempt; when check returns an
// error the wait ends with it. A writer uses it to notice, while queued, that the work it
// waits for has become pointless (the nights it wants were just taken), so losers of a
// race leave in parallel instead of taking the lock one after another.
func WaitCheck(ctx context.Context, l Locker, key string, ttl time.Duration, check func(context.Context) error) (Lease, error) {
	backoff := time.Millisecond
	const maxBackoff = 25 * time.Millisecond
	for {
		lease, err := l.Acquire(ctx, key, ttl)
		if err == nil {
			return lease, nil
		}
		if ctx.Err() != nil {
			// The wait ran out while asking (a Redis round trip cut by the deadline).
			return Lease{}, fmt.Errorf("wait for lock %s: %w", key, errors.Join(ErrLocked, ctx.Err()))
		}
		if !errors.Is(err, ErrLocked) {
			return Lease{}, err
		}
		if check != nil {
			if err := check(ctx); err != nil {
				return Lease{}, err
			}
		}
		// Full jitter spreads waiters out so they do not retry in lockstep.
		sleep := time.Duration(mrand.Int64N(int64(backoff))) + time.Millisecond/4 //nolint:gosec // G404: retry jitter, not a secret
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return Lease{}, fmt.Errorf("wait for lock %s: %w", key, errors.Join(ErrLocked, ctx.Err()))
		case <-t.C:
		}
		if backoff < maxBackoff {
			backoff *= 2
		}
	}
}
