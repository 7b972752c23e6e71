package lock

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Memory is the in-process Locker for a single replica. Expired leases are dropped lazily
// when their key is touched again, and swept when the map grows, so it needs no goroutine.
type Memory struct {
	now func() time.Time

	mu     sync.Mutex
	leases map[string]memLease
	sweep  int
}

type memLease struct {
	token   string
	expires time.Time
}

var _ Locker = (*Memory)(nil)

// NewMemory returns an in-process Locker. now may be nil (wall clock); tests pass a fake.
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, leases: map[string]memLease{}}
}

// Acquire implements Locker.
func (m *Memory) Acquire(ctx context.Context, key string, ttl time.Duration) (Lease, error) {
	if err := checkArgs(key, ttl); err != nil {
		return Lease{}, err
	}
	if err := ctx.Err(); err != nil {
		return Lease{}, fmt.Errorf("acquire %s: %w", key, err)
	}
	token, err := newToken()
	if err != nil {
		return Lease{}, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.leases[key]; ok && now.Before(cur.expires) {
		return Lease{}, ErrLocked
	}
	m.leases[key] = memLease{token: token, expires: now.Add(ttl)}
	m.sweepExpired(now)
	return Lease{Key: key, Token: token}, nil
}

// Release implements Locker.
func (m *Memory) Release(_ context.Context, l Lease) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.leases[l.Key]
	if !ok || cur.token != l.Token || !now.Before(cur.expires) {
		return fmt.Errorf("release %s: %w", l.Key, ErrNotHeld)
	}
	delete(m.leases, l.Key)
	return nil
}

// Extend implements Locker.
func (m *Memory) Extend(_ context.Context, l Lease, ttl time.Duration) error {
	if err := checkArgs(l.Key, ttl); err != nil {
		return err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.leases[l.Key]
	if !ok || cur.token != l.Token || !now.Before(cur.expires) {
		return fmt.Errorf("extend %s: %w", l.Key, ErrNotHeld)
	}
	cur.expires = now.Add(ttl)
	m.leases[l.Key] = cur
	return nil
}

// sweepExpired drops expired leases every so many acquisitions, keeping the map bounded by
// the number of live leases without a background goroutine. Called with mu held.
func (m *Memory) sweepExpired(now time.Time) {
	m.sweep++
	if m.sweep < 1024 {
		return
	}
	m.sweep = 0
	for k, v := range m.leases {
		if !now.Before(v.expires) {
			delete(m.leases, k)
		}
	}
}

func checkArgs(key string, ttl time.Duration) error {
	if key == "" {
		return fmt.Errorf("lock: empty key")
	}
	if ttl < time.Millisecond {
		return fmt.Errorf("lock %s: ttl %s is below 1ms", key, ttl)
	}
	return nil
}
