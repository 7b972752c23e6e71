package lock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the Locker shared by replicas. A lease is `SET key token NX PX ttl`; release and
// extension run as Lua scripts that first check the token, so an owner whose lease expired
// and was taken by someone else can never free or prolong the new owner's lease.
type Redis struct {
	client redis.UniversalClient
	prefix string
}

var _ Locker = (*Redis)(nil)

// NewRedis returns a Locker on client; every key is stored under prefix (e.g. "conserje:lock:").
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0
`)

var extendScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0
`)

// Acquire implements Locker.
func (r *Redis) Acquire(ctx context.Context, key string, ttl time.Duration) (Lease, error) {
	if err := checkArgs(key, ttl); err != nil {
		return Lease{}, err
	}
	token, err := newToken()
	if err != nil {
		return Lease{}, err
	}
	ok, err := r.client.SetNX(ctx, r.prefix+key, token, ttl).Result()
	if err != nil {
		return Lease{}, fmt.Errorf("acquire %s on redis: %w", key, errors.Join(ErrUnavailable, err))
	}
	if !ok {
		return Lease{}, ErrLocked
	}
	return Lease{Key: key, Token: token}, nil
}

// Release implements Locker.
func (r *Redis) Release(ctx context.Context, l Lease) error {
	n, err := releaseScript.Run(ctx, r.client, []string{r.prefix + l.Key}, l.Token).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("release %s on redis: %w", l.Key, errors.Join(ErrUnavailable, err))
	}
	if n == 0 {
		return fmt.Errorf("release %s: %w", l.Key, ErrNotHeld)
	}
	return nil
}

// Extend implements Locker.
func (r *Redis) Extend(ctx context.Context, l Lease, ttl time.Duration) error {
	if err := checkArgs(l.Key, ttl); err != nil {
		return err
	}
	n, err := extendScript.Run(ctx, r.client, []string{r.prefix + l.Key}, l.Token, ttl.Milliseconds()).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("extend %s on redis: %w", l.Key, errors.Join(ErrUnavailable, err))
	}
	if n == 0 {
		return fmt.Errorf("extend %s: %w", l.Key, ErrNotHeld)
	}
	return nil
}
